"""Health (admins): queues, quarantined mail, failed sends, mailboxes, rules and scheduler.

Everything shown is data (st.dataframe / st.metric / plain text), never
markup: subjects and reasons come from strangers' mail.
"""
from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

from storage import Database, health, utcnow


def _ago(delta) -> str:
    if delta is None:
        return "-"
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


def render(db: Database, user=None) -> None:
    st.header("Health")
    now = utcnow()
    with db.sessions() as session:
        queue = health.inbound_queue(session)
        quarantined = health.quarantined(session)
        quarantined_total = health.quarantined_count(session)
        failures = health.outbox_failures(session)
        failures_total = health.outbox_failed_count(session)
        mailboxes = health.mailbox_report(session, now)
        rules = health.active_rules(session)
        scheduler = health.last_beat(session, "scheduler")
        rules_text = (rules.version, rules.applied_at, rules.source) if rules is not None else None
        scheduler_text = (scheduler.at, dict(scheduler.detail or {})) if scheduler is not None else None

    first, second, third, fourth = st.columns(4)
    first.metric("Inbound queue", queue.pending)
    second.metric("Oldest pending", _ago(queue.oldest_age(now)))
    third.metric("Quarantined", quarantined_total)
    fourth.metric("Failed sends", failures_total)

    left, right = st.columns(2)
    with left:
        st.subheader("Rules")
        if rules_text is None:
            st.text("No rule version recorded yet.")
        else:
            version, applied_at, source = rules_text
            st.text(f"Active version {version}, applied {applied_at:%Y-%m-%d %H:%M} UTC ({_ago(now - applied_at)} ago)"
                    f"\nfrom {source}")
    with right:
        st.subheader("Scheduler")
        if scheduler_text is None:
            st.warning("The scheduler has not run yet.")
        else:
            at, detail = scheduler_text
            st.text(f"Last run {at:%Y-%m-%d %H:%M:%S} UTC ({_ago(now - at)} ago)")
            if detail:
                st.text(", ".join(f"{key}: {value}" for key, value in sorted(detail.items())))

    st.subheader("IMAP mailboxes")
    if not mailboxes:
        st.text("No IMAP mailboxes configured.")
    else:
        st.dataframe(pd.DataFrame([{"mailbox": name, **values} for name, values in mailboxes.items()]),
                     hide_index=True, width="stretch")

    _set_aside(db, "Quarantined messages", quarantined, quarantined_total, "quarantine",
               {"Release to processing": health.release, "Delete": health.delete_quarantined})
    _set_aside(db, "Failed outgoing messages", failures, failures_total, "outbox",
               {"Retry": lambda session, id: health.retry_outbox(session, id, utcnow())})


def _set_aside(db: Database, title: str, rows, total: int, key: str, actions: dict) -> None:
    st.subheader(title)
    notice = st.session_state.pop(f"{key}_notice", None)
    if notice:
        st.info(notice)
    if not rows:
        st.text("None.")
        return
    if total > len(rows):
        st.caption(f"The newest {len(rows)} of {total}.")
    frame = pd.DataFrame([dataclasses.asdict(row) for row in rows])
    frame["recipients"] = frame["recipients"].map(", ".join)
    st.dataframe(frame, hide_index=True, width="stretch")
    chosen = st.selectbox("Message", [row.id for row in rows], key=f"{key}_id",
                          format_func=lambda id: f"#{id}: {next(r.subject for r in rows if r.id == id)[:80]}")
    for column, (label, action) in zip(st.columns(len(actions)), actions.items()):
        if column.button(label, key=f"{key}_{label}"):
            with db.transaction() as session:
                done = action(session, chosen)
            st.session_state[f"{key}_notice"] = (f"{label}: #{chosen} done." if done
                                                 else f"#{chosen} changed meanwhile; nothing done.")
            st.rerun()

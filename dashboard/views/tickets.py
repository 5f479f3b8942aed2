"""Tickets: the filterable, paged list; a ticket's conversation and timeline; actions for agents.

Untrusted text (subjects, bodies, addresses, rule causes) is only ever shown
as data: ``st.text``, ``st.dataframe``, ``st.code``. An email's HTML part is
never rendered as it came: ``nh3`` (the ammonia sanitiser) keeps a short
whitelist of text-formatting tags, drops scripts, styles, event handlers,
forms, frames and every image (remote images are trackers, and an image is
how ``onerror`` runs code), allows only http(s) and mailto links, and the
result is shown inside Streamlit's HTML element. The plain text version is
always shown first; the HTML one sits in an expander for what only it has
(tables, emphasis).

The actions are the same commands an agent sends by mail
(``workflows.agentwork.act``): reply, note, priority, assign, department,
wait, resolve. Only agents and admins of the ticket's department see them.
"""
from __future__ import annotations

import dataclasses
import json
import math

import nh3
import pandas as pd
import streamlit as st

from dashboard.data import read
from storage import Database, TicketState, repo, utcnow
from storage.queries import department_names, ticket_detail, ticket_page

PAGE_SIZE = 50
STATES = [state.value for state in TicketState]
PRIORITIES = ["P1", "P2", "P3", "P4"]
NOTICE_KEY = "ticket_notice"
COLUMNS = {
    "key": st.column_config.TextColumn("Key"),
    "department": st.column_config.TextColumn("Department"),
    "requester_email": st.column_config.TextColumn("Requester"),
    "subject": st.column_config.TextColumn("Subject"),
    "category": st.column_config.TextColumn("Category"),
    "priority": st.column_config.TextColumn("Priority"),
    "state": st.column_config.TextColumn("State"),
    "created_at": st.column_config.DatetimeColumn("Created (UTC)", format="YYYY-MM-DD HH:mm"),
    "resolution_due": st.column_config.DatetimeColumn("Resolution due (UTC)", format="YYYY-MM-DD HH:mm"),
}
SAFE_TAGS = {"a", "b", "blockquote", "br", "code", "div", "em", "h1", "h2", "h3", "h4", "hr", "i", "li", "ol", "p",
             "pre", "span", "strong", "table", "tbody", "td", "th", "thead", "tr", "u", "ul"}


def sanitise_html(html: str) -> str:
    """An email's HTML reduced to harmless formatting (see the module docstring)."""
    return nh3.clean(html, tags=SAFE_TAGS, attributes={"a": {"href", "title"}, "td": {"colspan", "rowspan"},
                                                       "th": {"colspan", "rowspan"}},
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow",
                     strip_comments=True)


def render(db: Database, user, config_path: str | None = None) -> None:
    st.header("Tickets")
    if user is None:
        st.error("You do not have access to this page.")
        return
    if user.departments == ():
        st.info("No departments granted to you yet: ask an admin (`helpdesk users set-role`).")
        return
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        (st.warning if notice[0] == "warning" else st.success)(notice[1])
    key = _ticket_list(db, user)
    if key:
        _ticket(db, user, key, config_path)


def _ticket_list(db: Database, user) -> str | None:
    search_column, state_column, priority_column = st.columns([2, 1, 1])
    search = search_column.text_input("Search key, subject or requester", key="ticket_search")
    states = state_column.multiselect("State", STATES, placeholder="All states", key="ticket_states")
    priorities = priority_column.multiselect("Priority", PRIORITIES, placeholder="All", key="ticket_priorities")
    department_column, assignee_column, page_column = st.columns([2, 1, 1])
    known = list(user.departments) if user.departments is not None else read(db, department_names)
    departments = department_column.multiselect("Department", known, placeholder="All yours",
                                                key="ticket_departments")
    assignee = assignee_column.text_input("Assignee", key="ticket_assignee")
    page_number = page_column.number_input("Page", min_value=1, value=1, step=1, key="ticket_page")
    scope = departments or (list(user.departments) if user.departments is not None else None)
    page = read(db, ticket_page, departments=scope, states=states or None, priorities=priorities or None,
                assignee=assignee, search=search, limit=PAGE_SIZE, offset=(int(page_number) - 1) * PAGE_SIZE)
    pages = max(1, math.ceil(page.total / PAGE_SIZE))
    if not page.rows:
        st.info("No tickets match." if page.total == 0 else f"Page {page_number} is past the last one ({pages}).")
    else:
        st.caption(f"{page.total} matching tickets, newest first; page {page_number} of {pages}.")
        frame = pd.DataFrame([dataclasses.asdict(row) for row in page.rows], columns=list(COLUMNS))
        st.dataframe(frame, hide_index=True, column_config=COLUMNS, width="stretch")
    wanted = st.query_params.get("ticket", "")
    keys = [row.key for row in page.rows]
    options = [""] + keys + ([wanted] if wanted and wanted not in keys else [])
    chosen = st.selectbox("Open a ticket", options, index=options.index(wanted) if wanted in options else 0,
                          format_func=lambda key: key or "(choose)", key="ticket_open")
    typed = st.text_input("…or its key", key="ticket_key").strip().upper()
    return typed or chosen or None


def _ticket(db: Database, user, key: str, config_path: str | None) -> None:
    detail = read(db, ticket_detail, key=key, departments=user.departments)
    if detail is None:  # also a ticket of a department this user does not see: same answer
        st.warning(f"No ticket {key}.")
        return
    ticket = detail.ticket
    st.subheader(f"{ticket.key}: {ticket.subject or '(no subject)'}")
    now = utcnow()
    facts = {
        "State": ticket.state, "Priority": ticket.priority, "Department": ticket.department,
        "Category": ticket.category, "Requester": f"{ticket.requester_name or ''} <{ticket.requester_email}>",
        "Assignee": ticket.assignee or "-", "Team": ticket.team or "-",
        "First response due": _due(ticket.first_response_due, ticket.first_responded_at, now),
        "Resolution due": _due(ticket.resolution_due, ticket.resolved_at, now),
        "Rules version": ticket.rules_version or "-",
        "Rules that routed it": ", ".join(e.cause for e in detail.events if e.kind == "rule_matched") or "-",
        "Tags": ", ".join(ticket.tags or []) or "-",
    }
    st.dataframe(pd.DataFrame([{"": name, "value": str(value)} for name, value in facts.items()]),
                 hide_index=True, width="stretch")
    conversation, timeline = st.tabs(["Conversation", "Timeline"])
    with conversation:
        _conversation(detail)
    with timeline:
        _timeline(detail)
    if user.can_act and user.sees(ticket.department):
        _actions(db, user, ticket, config_path)


def _due(due, done, now) -> str:
    if due is None:
        return "-"
    text = f"{due:%Y-%m-%d %H:%M} UTC"
    if done is not None:
        return f"{text} (met {done:%Y-%m-%d %H:%M})" if done <= due else f"{text} (late: {done:%Y-%m-%d %H:%M})"
    return f"{text} (breached)" if due < now else text


def _conversation(detail) -> None:
    from mailgateway.parse import ParseError, parse

    if not detail.messages:
        st.text("No messages.")
    labels = {"in": "from the requester", "out": "to the requester", "note": "internal note"}
    for message in detail.messages:
        with st.container(border=True):
            st.text(f"{message.created_at:%Y-%m-%d %H:%M} UTC · {labels.get(message.direction, message.direction)}"
                    f" · {message.sender}\n{message.subject}")
            st.text(message.body_text or "(no text)")
            raw = detail.raw.get(message.id)
            if raw is None:
                continue
            try:
                html = parse(raw).html
            except ParseError:
                html = None
            if html:
                with st.expander("HTML version (sanitised)"):
                    st.html(sanitise_html(html))


def _timeline(detail) -> None:
    if not detail.events:
        st.text("No events.")
        return
    rows = [{"at (UTC)": event.at, "event": event.kind, "by": event.actor, "cause": event.cause,
             "details": json.dumps(event.data, ensure_ascii=False, default=str) if event.data else ""}
            for event in detail.events]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


@st.cache_resource(show_spinner=False)
def _services(config_path: str):
    from helpdesk.build import build_services
    from helpdesk.config import load_settings

    return build_services(load_settings(config_path))


def _actions(db: Database, user, ticket, config_path: str | None) -> None:
    st.subheader("Work on it")
    if not config_path:
        st.info("Actions need the helpdesk's configuration: start the dashboard with `helpdesk dashboard`.")
        return
    services = _services(config_path)
    agents = list(services.agents_of(ticket.department))
    reply_tab, note_tab, change_tab = st.tabs(["Reply", "Internal note", "Change"])
    with reply_tab:
        text = st.text_area("Answer to the requester (sent by mail, counts as the response)", key="act_reply_text")
        if st.button("Send reply", key="act_reply", disabled=not text.strip()):
            _do(db, user, services, ticket.key, [], text)
    with note_tab:
        note = st.text_area("Note for agents only (never sent to the requester)", key="act_note_text")
        if st.button("Add note", key="act_note", disabled=not note.strip()):
            _do(db, user, services, ticket.key, [("note", "")], note)
    with change_tab:
        left, middle, right = st.columns(3)
        priority = left.selectbox("Priority", PRIORITIES, index=PRIORITIES.index(ticket.priority)
                                  if ticket.priority in PRIORITIES else 2, key="act_priority_value")
        if left.button("Change priority", key="act_priority"):
            _do(db, user, services, ticket.key, [("priority", priority)], "")
        agent = middle.selectbox("Assign to", agents or ["(no agents)"], key="act_assign_value")
        if middle.button("Assign", key="act_assign", disabled=not agents):
            _do(db, user, services, ticket.key, [("assign", agent)], "")
        departments = sorted(services.departments)
        department = right.selectbox("Department", departments, index=departments.index(ticket.department)
                                     if ticket.department in departments else 0, key="act_department_value")
        if right.button("Move", key="act_department"):
            _do(db, user, services, ticket.key, [("department", department)], "")
        wait, resolve = st.columns(2)
        if wait.button("Wait for the requester", key="act_wait"):
            _do(db, user, services, ticket.key, [("waiting", "")], "")
        if resolve.button("Resolve", key="act_resolve"):
            _do(db, user, services, ticket.key, [("resolve", "")], "")


def _do(db: Database, user, services, key: str, commands: list[tuple[str, str]], text: str) -> None:
    """Run the commands as this user, in one transaction; the outcome is shown after the rerun."""
    from workflows.agentmail import AgentMail
    from workflows.agentwork import act

    agent = user.email or user.name
    with db.transaction() as session:
        ticket = repo.ticket_by_key(session, key)
        if ticket is None or not user.sees(ticket.department):
            st.session_state[NOTICE_KEY] = ("warning", f"No ticket {key}.")
            st.rerun()
        done, problems = act(session, services, ticket, agent, AgentMail(commands=commands, text=text.strip()),
                             utcnow())
    if problems:
        st.session_state[NOTICE_KEY] = ("warning", "Not done: " + "; ".join(problems))
    else:
        what = ", ".join(done) or ("note added" if ("note", "") in commands else "reply sent" if text else "done")
        st.session_state[NOTICE_KEY] = ("success", f"{key}: {what}.")
    for field in ("act_reply_text", "act_note_text"):
        st.session_state.pop(field, None)
    st.rerun()

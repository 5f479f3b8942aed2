"""Rules (admins only): the rule file in use, its history and diffs, an editor that refuses a broken set,
testing a message against the editor's text, replaying it over past mail, and rolling back.

Saving goes through ``helpdesk.rulefile``: the text is validated exactly as
the helpdesk loads it, recorded as a version with the admin's name, and
written over the rule file whole; the running helpdesk applies it within two
seconds. Everything shown is text or data (``st.code``, ``st.dataframe``,
``st.text``): rule texts and mail are never rendered as markup.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import streamlit as st

from rules import RuleFileError
from storage import Database, rule_versions

EDITOR_KEY = "rules_editor"
NOTICE_KEY = "rules_notice"


def render(db: Database, user, config_path: str | None = None) -> None:
    st.header("Rules")
    if user is None or not user.is_admin:
        st.error("You do not have access to this page.")
        return
    settings = _settings(config_path)
    if settings is None:
        return
    from helpdesk import rulefile

    path = rulefile.rule_path(settings)
    with db.sessions() as session:
        versions = [(v.version, v.applied_at, v.author or "", v.note or "", v.diff, v.content)
                    for v in rule_versions.list_versions(session, limit=200)]
    on_disk = _read(path)
    _active(versions, path)
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.success(notice)
    edit, history, test, replay = st.tabs(["Edit", "History", "Test a message", "Replay"])
    with edit:
        _editor(db, settings, user, on_disk)
    with history:
        _history(db, settings, user, versions)
    with test:
        _test_message(settings)
    with replay:
        _replay(db, settings)


def _settings(config_path: str | None):
    from helpdesk.config import ConfigError, load_settings

    if not config_path:
        st.info("The Rules page needs the helpdesk's configuration: start the dashboard with "
                "`helpdesk dashboard --config PATH` (or set HELPDESK_DASHBOARD_CONFIG).")
        return None
    try:
        return load_settings(Path(config_path))
    except (ConfigError, OSError) as error:
        st.error(f"The configuration cannot be read: {error}")
        return None


@st.cache_resource(show_spinner=False)
def _services(config_path: str):
    from helpdesk.build import build_services
    from helpdesk.config import load_settings

    return build_services(load_settings(config_path))


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        st.error(f"The rule file cannot be read: {error}")
        return ""


def _active(versions, path: Path) -> None:
    if not versions:
        st.text(f"Rule file {path}; no version recorded yet (the helpdesk records the one it applies).")
        return
    version, applied_at, author, note, _, _ = versions[0]
    by = f" by {author}" if author else ""
    st.text(f"Active version {version}, applied {applied_at:%Y-%m-%d %H:%M} UTC{by}\nfrom {path}"
            + (f"\n{note}" if note else ""))


def _problems(error: RuleFileError) -> None:
    st.error(f"Refused: {len(error.problems)} problem(s); nothing was saved.")
    st.dataframe(pd.DataFrame([{"line": problem.line, "rule": problem.rule or "", "problem": problem.message}
                               for problem in error.problems]), hide_index=True, width="stretch")


def _editor(db: Database, settings, user, on_disk: str) -> None:
    if EDITOR_KEY not in st.session_state:
        st.session_state[EDITOR_KEY] = on_disk
    text = st.text_area("Rule file (TOML)", key=EDITOR_KEY, height=500)
    check, save, reset = st.columns(3)
    if check.button("Validate", key="rules_validate"):
        try:
            ruleset = _validate(settings, text)
        except RuleFileError as error:
            _problems(error)
        else:
            st.success(f"Valid: {len(ruleset.rules)} rules, {len(ruleset.examples)} examples "
                       f"(version {ruleset.version}).")
    if save.button("Save", key="rules_save", type="primary"):
        from helpdesk import rulefile

        try:
            saved = rulefile.save(db, settings, text, author=user.name)
        except RuleFileError as error:
            _problems(error)
        else:
            st.session_state[NOTICE_KEY] = (
                f"Saved version {saved.ruleset.version}; the helpdesk applies it within 2 seconds."
                if saved.changed else "No change: this is the version in use.")
            st.rerun()
    if reset.button("Discard my changes", key="rules_reset"):
        st.session_state[EDITOR_KEY] = on_disk
        st.rerun()


def _validate(settings, text: str):
    from helpdesk import rulefile

    return rulefile.validate(settings, text)


def _history(db: Database, settings, user, versions) -> None:
    if not versions:
        st.text("No versions recorded yet.")
        return
    st.dataframe(pd.DataFrame([{"version": v, "applied (UTC)": at, "author": author, "note": note}
                               for v, at, author, note, _, _ in versions]), hide_index=True, width="stretch")
    labels = {v: f"{v} ({at:%Y-%m-%d %H:%M}{', ' + author if author else ''})" for v, at, author, *_ in versions}
    chosen = st.selectbox("Version", list(labels), format_func=labels.get, key="rules_version")
    row = next(entry for entry in versions if entry[0] == chosen)
    st.caption("Changes from the version before it")
    st.code(row[4] or "(the first version recorded)", language="diff")
    if chosen == versions[0][0]:
        return
    if st.button(f"Roll back to {chosen}", key="rules_rollback"):
        from helpdesk import rulefile

        try:
            saved = rulefile.roll_back(db, settings, chosen, author=user.name)
        except RuleFileError as error:
            _problems(error)
        else:
            st.session_state[NOTICE_KEY] = (f"Rolled back to version {saved.ruleset.version}; "
                                            "the helpdesk applies it within 2 seconds.")
            st.session_state.pop(EDITOR_KEY, None)  # show the file as it is now
            st.rerun()


def _candidate(settings):
    """The editor's rule set, or None after showing why it cannot be used."""
    try:
        return _validate(settings, st.session_state.get(EDITOR_KEY, ""))
    except RuleFileError as error:
        _problems(error)
        return None


def _test_message(settings) -> None:
    st.caption("Decides a message with the rules in the editor (saved or not) and explains every rule.")
    upload = st.file_uploader("A message (.eml)", type=["eml", "txt"], key="rules_test_file")
    pasted = st.text_area("…or paste the whole message, headers first", key="rules_test_text", height=150)
    to = st.text_input("Sent to (when the message does not say)", key="rules_test_to")
    if not st.button("Decide", key="rules_test_run"):
        return
    raw = upload.getvalue() if upload is not None else pasted.encode("utf-8")
    if not raw.strip():
        st.warning("Upload or paste a message first.")
        return
    ruleset = _candidate(settings)
    if ruleset is None:
        return
    from workflows.ruletools import MessageError, explain_message

    try:
        result = explain_message(_services(settings.config_path), ruleset, raw, to=to or None)
    except MessageError as error:
        st.error(f"The message cannot be decided: {error}")
        return
    st.subheader("Decision")
    st.dataframe(pd.DataFrame([{"field": key, "value": ", ".join(map(str, value)) if isinstance(value, list)
                                else "" if value is None else str(value)}
                               for key, value in result.decision_dict().items()]),
                 hide_index=True, width="stretch")
    st.subheader("Every rule, in order")
    st.dataframe(pd.DataFrame([{"rule": rule.name, "priority": rule.priority,
                                "matched": "skipped" if rule.skipped else ("yes" if rule.matched else "no"),
                                "why": rule.why} for rule in result.rules]), hide_index=True, width="stretch")


def _replay(db: Database, settings) -> None:
    st.caption("Runs the rules in the editor over stored mail and lists the tickets they would route "
               "differently (department, category, priority).")
    days = st.number_input("Days back", min_value=1, max_value=365, value=30, key="rules_replay_days")
    if not st.button("Replay", key="rules_replay_run"):
        return
    ruleset = _candidate(settings)
    if ruleset is None:
        return
    from workflows.ruletools import replay

    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=int(days))
    changes, summary = [], None
    with db.sessions() as session:
        for item in replay(session, _services(settings.config_path), ruleset, since=since):
            if getattr(item, "is_summary", False):
                summary = item
            else:
                changes.append(item)
    if summary is not None:
        st.text(str(summary))
    if not changes:
        st.success("No ticket would be routed differently.")
        return
    st.dataframe(pd.DataFrame([change.row() for change in changes]), hide_index=True, width="stretch")

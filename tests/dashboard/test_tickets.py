"""The Tickets page, run headless with Streamlit's AppTest on tickets made from real mail (SQLite).

The page gets its user directly (``tickets.render(db, user, config_path)``);
the actions run the same commands an agent's mail runs, so the outbox and
the ticket are checked, not the widgets.
"""
import datetime as dt
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from helpdesk.build import build_services
from helpdesk.config import load_settings
from storage import Message, Outbox, Ticket, repo
from workflows.pipeline import Pipeline

ROOT = Path(__file__).resolve().parents[2]
CONFIG = str(ROOT / "config.toml")
HOSTILE_TEXT = 'It prints <img src=x onerror="alert(2)"> only blank pages.'
HOSTILE_HTML = f"<p><b>{HOSTILE_TEXT}</b></p><script>alert(3)</script><a href=\"javascript:alert(4)\">x</a>"


def _mail(number, sender, to, subject, text, html=None) -> bytes:
    head = f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <page{number}@mail.corp.example>\r\n"
    if html is None:
        return (head + f"Content-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n").encode()
    return (head + 'Content-Type: multipart/alternative; boundary="b"\r\n\r\n'
            f"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
            f"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n--b--\r\n").encode()


@pytest.fixture
def db(sqlite_database):
    services = build_services(load_settings(CONFIG))
    mails = [
        ("ben.okafor@corp.example", "it@corp.example", "VPN drops every hour", "Since Monday.", None),
        ("dana.smith@corp.example", "hr@corp.example", "Parental leave from March", "Which form do I need?", None),
        ("ben.okafor@corp.example", "it@corp.example", "Printer <script>alert(1)</script> broken", HOSTILE_TEXT,
         HOSTILE_HTML),
    ]
    now = dt.datetime.now(dt.UTC)
    with sqlite_database.transaction() as session:
        for number, (sender, to, subject, text, html) in enumerate(mails):
            repo.add_inbound(session, source="test", mail_from=sender, rcpt_to=[to],
                             raw=_mail(number, sender, to, subject, text, html), received_at=now)
    Pipeline(sqlite_database, services).drain()
    yield sqlite_database
    st.cache_resource.clear()


def page(db, config, name, role, departments, email):
    from dashboard.auth import User
    from dashboard.views import tickets

    tickets.render(db, User(name, role, departments, email), config)


def open_page(db, role="agent", departments=("it",), email="alex.berg@corp.example", config=CONFIG) -> AppTest:
    at = AppTest.from_function(page, args=(db, config, "alex", role, departments, email), default_timeout=30).run()
    assert not at.exception, at.exception
    return at


def listed(at: AppTest) -> list[str]:
    frames = [frame.value for frame in at.dataframe if "key" in frame.value.columns]
    return list(frames[0]["key"]) if frames else []


def open_ticket(at: AppTest, key: str) -> AppTest:
    at.text_input(key="ticket_key").input(key).run()
    assert not at.exception, at.exception
    return at


def _ticket(db, key):
    with db.sessions() as session:
        return repo.ticket_by_key(session, key)


def _outbox(db, kind):
    with db.sessions() as session:
        return session.query(Outbox).filter_by(kind=kind).all()


def test_the_list_is_scoped_searchable_and_shows_subjects_as_data(db):
    at = open_page(db)
    assert listed(at) == ["IT-000002", "IT-000001"]  # newest first; HR's ticket is not this agent's
    at.text_input(key="ticket_search").input("vpn").run()
    assert listed(at) == ["IT-000001"]
    everyone = open_page(db, role="admin", departments=None)
    assert sorted(listed(everyone)) == ["HR-000001", "IT-000001", "IT-000002"]
    subjects = everyone.dataframe[0].value["subject"].tolist()
    assert "Printer <script>alert(1)</script> broken" in subjects


def test_another_departments_ticket_is_not_found_even_by_its_key(db):
    at = open_ticket(open_page(db), "HR-000001")
    assert [warning.value for warning in at.warning] == ["No ticket HR-000001."]
    assert not any("Parental" in str(text.value) for text in at.text)
    assert open_ticket(open_page(db, departments=("hr",)), "HR-000001").warning == []


def test_paging_counts_every_match_and_shows_fifty_at_a_time(sqlite_database):
    now = dt.datetime.now(dt.UTC)
    with sqlite_database.transaction() as session:
        for n in range(55):
            session.add(Ticket(key=f"IT-{n + 1:06d}", department="it", requester_email="x@corp.example",
                               subject=f"ticket {n}", category="general", priority="P3", state="open", tags=[],
                               created_at=now - dt.timedelta(minutes=n), updated_at=now))
    at = open_page(sqlite_database)
    assert len(listed(at)) == 50 and listed(at)[0] == "IT-000001"
    assert any("55 matching tickets" in caption.value and "page 1 of 2" in caption.value for caption in at.caption)
    at.number_input(key="ticket_page").set_value(2).run()
    assert listed(at) == [f"IT-{n:06d}" for n in range(51, 56)]


def test_hostile_mail_is_shown_as_text_and_its_html_sanitised(db):
    at = open_ticket(open_page(db), "IT-000002")
    assert any(HOSTILE_TEXT in str(text.value) for text in at.text)  # the text part, literally
    [html] = at.get("html")
    body = html.proto.body
    assert "<b>" in body and "only blank pages" in body
    for danger in ("<script", "onerror", "<img", "javascript:", "alert(3)"):
        assert danger not in body


def test_the_timeline_shows_the_rules_and_the_sla(db):
    at = open_ticket(open_page(db), "IT-000001")
    frames = [frame.value for frame in at.dataframe]
    timeline = next(frame for frame in frames if "event" in frame.columns)
    kinds = timeline["event"].tolist()
    assert "rule_matched" in kinds and "assigned" in kinds
    facts_frame = next(frame for frame in frames if "value" in frame.columns)
    facts = dict(zip(facts_frame[""], facts_frame["value"], strict=True))
    assert facts["Rules version"] == _ticket(db, "IT-000001").rules_version
    assert facts["Rules that routed it"] != "-"


def test_an_agent_replies_notes_changes_priority_and_resolves(db):
    at = open_ticket(open_page(db), "IT-000001")
    at.text_area(key="act_reply_text").input("Please restart the VPN client.").run()
    at.button(key="act_reply").click().run()
    assert not at.exception
    [answer] = _outbox(db, "agent_answer")
    assert answer.rcpt_to == ["ben.okafor@corp.example"] and b"[IT-000001]" in answer.raw
    assert _ticket(db, "IT-000001").first_responded_at is not None
    answers_before = len(_outbox(db, "agent_answer"))

    at.text_area(key="act_note_text").input("Probably the new firewall rule.").run()
    at.button(key="act_note").click().run()
    with db.sessions() as session:
        [note] = session.query(Message).filter_by(direction="note").all()
    assert note.body_text == "Probably the new firewall rule." and note.sender == "alex.berg@corp.example"
    assert len(_outbox(db, "agent_answer")) == answers_before  # a note is never mailed to the requester

    due_before = _ticket(db, "IT-000001").resolution_due
    at.selectbox(key="act_priority_value").set_value("P1").run()
    at.button(key="act_priority").click().run()
    ticket = _ticket(db, "IT-000001")
    assert ticket.priority == "P1" and ticket.resolution_due < due_before
    assert [row.rcpt_to for row in _outbox(db, "new_promise")] == [["ben.okafor@corp.example"]]

    at.button(key="act_resolve").click().run()
    assert _ticket(db, "IT-000001").state == "resolved"
    assert len(_outbox(db, "resolution")) == 1
    assert any("IT-000001" in success.value for success in at.success)


def test_moving_a_ticket_and_waiting(db):
    at = open_ticket(open_page(db), "IT-000001")
    at.button(key="act_wait").click().run()
    assert _ticket(db, "IT-000001").state == "waiting_on_requester"
    at.selectbox(key="act_department_value").set_value("facilities").run()
    at.button(key="act_department").click().run()
    ticket = _ticket(db, "IT-000001")
    assert ticket.department == "facilities" and ticket.team == "facilities-desk"


def test_a_manager_sees_the_ticket_but_no_actions(db):
    at = open_ticket(open_page(db, role="manager", departments=("it",), email=None), "IT-000001")
    assert any("VPN drops every hour" in str(text.value) for text in at.text)
    assert not [button for button in at.button if button.key and button.key.startswith("act_")]

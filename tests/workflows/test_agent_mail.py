"""Agents work tickets by email: notices, answers, commands, and who may do it.

Real mail through the real pipeline on SQLite and PostgreSQL: the agent
answers the notice they got (its Reply-To is signed for them), the pipeline
sends their answer to the requester and carries out their commands.
"""
import datetime as dt
import email
from email import policy
from pathlib import Path

import pytest

from helpdesk.build import build_services
from helpdesk.config import load_settings
from storage import Event, InboundMessage, Message, Outbox, Ticket, repo
from workflows.agentmail import split_commands
from workflows.pipeline import Pipeline

ROOT = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)  # Monday 10:00 in Berlin

pytestmark = pytest.mark.usefixtures("staged")
ALEX = "alex.berg@corp.example"  # first of the it-desk team: gets the first IT ticket


@pytest.fixture
def services():
    services = build_services(load_settings(ROOT / "config.toml", environ={}))
    services.clock = lambda: NOW
    services.max_automatic_replies_per_hour = 0
    return services


def _deliver(database, raw: bytes, rcpt: str, mail_from: str, at=NOW):
    with database.transaction() as session:
        repo.add_inbound(session, source="test", mail_from=mail_from, rcpt_to=[rcpt], raw=raw, received_at=at)


def _request(database, subject="Laptop does not start", body="It beeps three times."):
    raw = (f"From: Ben Okafor <ben.okafor@corp.example>\r\nTo: it@corp.example\r\nSubject: {subject}\r\n"
           f"Message-ID: <req.{abs(hash(subject))}@mail.corp.example>\r\n\r\n{body}\r\n").encode()
    _deliver(database, raw, "it@corp.example", "ben.okafor@corp.example")


def _outbox(database, kind):
    with database.sessions() as session:
        return [email.message_from_bytes(row.raw, policy=policy.default)
                for row in session.query(Outbox).filter_by(kind=kind).order_by(Outbox.id)]


def _answer(database, notice, body, sender=ALEX, to=None, at=NOW):
    to = to or notice["Reply-To"].addresses[0].addr_spec
    raw = (f"From: {sender}\r\nTo: {to}\r\nSubject: Re: {notice['Subject']}\r\n"
           f"In-Reply-To: {notice['Message-ID']}\r\nMessage-ID: <a.{abs(hash(body))}.{at.timestamp()}@corp.example>\r\n"
           f"\r\n{body}\r\n\r\nOn Monday the helpdesk wrote:\r\n> quoted notice\r\n").encode()
    _deliver(database, raw, to, sender, at)


def _ticket(database, key="IT-000001"):
    with database.sessions() as session:
        return repo.ticket_by_key(session, key)


def _status(database):
    with database.sessions() as session:
        return [(row.status, row.error) for row in session.query(InboundMessage).order_by(InboundMessage.id)]


def _kinds(database):
    with database.sessions() as session:
        return [event.kind for event in session.query(Event).order_by(Event.id)]


def test_the_assignee_gets_a_notice_and_their_answer_reaches_the_requester_as_first_response(database, services):
    pipeline = Pipeline(database, services)
    _request(database)
    pipeline.drain()
    [notice] = _outbox(database, "agent_new")
    assert notice["To"].addresses[0].addr_spec == ALEX
    assert notice["Subject"].startswith("[IT-000001] New: Laptop does not start")
    assert notice["Auto-Submitted"] == "auto-generated"
    reply_to = notice["Reply-To"].addresses[0].addr_spec
    assert services.tokens.key_from_agent_address(reply_to, ALEX) == "IT-000001"
    assert services.tokens.key_from_agent_address(reply_to, "sam.ito@corp.example") is None
    assert "#resolve" in notice.get_body(("plain",)).get_content()

    later = NOW + dt.timedelta(minutes=20)
    _answer(database, notice, "Hi Ben,\r\nplease hold the power button for 30 seconds.", at=later)
    Pipeline(database, services).drain()
    [answer] = _outbox(database, "agent_answer")
    assert answer["To"].addresses[0].addr_spec == "ben.okafor@corp.example"
    assert answer["Subject"].startswith("[IT-000001] Re: Laptop does not start")
    text = answer.get_body(("plain",)).get_content()
    assert "hold the power button" in text and "quoted notice" not in text
    assert answer["In-Reply-To"] == f"<req.{abs(hash('Laptop does not start'))}@mail.corp.example>"
    ticket = _ticket(database)
    assert ticket.first_responded_at == later and ticket.state == "open"
    assert "first_response" in _kinds(database)


def test_priority_waiting_and_the_requesters_reply_resume_the_clock(database, services):
    _request(database)
    Pipeline(database, services).drain()
    [notice] = _outbox(database, "agent_new")
    _answer(database, notice, "#waiting\r\nWhich model is it?")
    Pipeline(database, services).drain()
    ticket = _ticket(database)
    assert ticket.state == "waiting_on_requester" and ticket.sla_paused_at == NOW
    resolution_due = ticket.resolution_due
    [question] = _outbox(database, "agent_answer")
    assert "Which model is it?" in question.get_body(("plain",)).get_content()
    # Ben answers the next morning, Tuesday 10:00 Berlin: 8 open hours waited (Monday 10-12, 13-17, Tuesday 8-10)
    tuesday = NOW + dt.timedelta(days=1)
    raw = (f"From: ben.okafor@corp.example\r\nTo: {question['Reply-To'].addresses[0].addr_spec}\r\n"
           f"Subject: Re: {question['Subject']}\r\nMessage-ID: <ben.2@mail.corp.example>\r\n\r\nA ThinkPad T14.\r\n").encode()
    _deliver(database, raw, "it@corp.example", "ben.okafor@corp.example", at=tuesday)
    Pipeline(database, services).drain()
    ticket = _ticket(database)
    assert ticket.state == "open" and ticket.paused_seconds == 8 * 3600
    assert ticket.resolution_due == services.departments["it"].calendar.add(resolution_due, dt.timedelta(hours=8))
    kinds = _kinds(database)
    assert kinds.count("sla_paused") == 1 and kinds.count("sla_resumed") == 1
    replies = _outbox(database, "agent_reply")  # the assignee hears of Ben's answer
    assert [r["To"].addresses[0].addr_spec for r in replies] == [ALEX]


def test_a_note_never_reaches_the_requester_and_an_unknown_command_is_reported(database, services):
    _request(database)
    Pipeline(database, services).drain()
    [notice] = _outbox(database, "agent_new")
    _answer(database, notice, "#frobnicate\r\n#note Looks like a dead battery; ordering one.")
    Pipeline(database, services).drain()
    assert _outbox(database, "agent_answer") == []
    with database.sessions() as session:
        [note] = session.query(Message).filter_by(direction="note").all()
    assert note.body_text.startswith("Looks like a dead battery") and note.sender == ALEX
    [report] = _outbox(database, "agent_report")
    assert report["To"].addresses[0].addr_spec == ALEX and "#frobnicate is not a command" in report["Subject"]
    assert _ticket(database).first_responded_at is None  # a note is no response


def test_assign_hands_the_ticket_to_another_agent_of_the_department(database, services):
    _request(database)
    Pipeline(database, services).drain()
    [notice] = _outbox(database, "agent_new")
    _answer(database, notice, "#assign kim\r\n#note Kim knows these laptops.")
    Pipeline(database, services).drain()
    assert _ticket(database).assignee == "kim.novak@corp.example"
    notices = _outbox(database, "agent_new")
    assert [n["To"].addresses[0].addr_spec for n in notices] == [ALEX, "kim.novak@corp.example"]


@pytest.mark.parametrize("who", ["outsider", "other-agent", "requester-address"])
def test_only_the_agent_the_address_is_signed_for_can_answer(database, services, who):
    _request(database)
    Pipeline(database, services).drain()
    [notice] = _outbox(database, "agent_new")
    agent_address = notice["Reply-To"].addresses[0].addr_spec
    if who == "outsider":  # a stranger who got hold of the notice: their mail is no agent's
        _answer(database, notice, "#resolve\r\nAll fixed, closing.", sender="mallory@evil.example")
        Pipeline(database, services).drain()
        assert _status(database)[-1][0] == "done"  # kept on the ticket as what it is: mail from someone
        assert _ticket(database).state == "open" and _outbox(database, "agent_answer") == []
        return
    elif who == "other-agent":  # sam is an IT agent, but the address is alex's
        _answer(database, notice, "#resolve", sender="sam.ito@corp.example")
        reason = "not sent to the reply address signed for sam.ito@corp.example"
    else:  # the requester's signed reply address is no agent address
        ack = _outbox(database, "acknowledgement")[0]
        _answer(database, notice, "#resolve", to=ack["Reply-To"].addresses[0].addr_spec)
        reason = "not sent to the reply address signed for alex.berg@corp.example"
    Pipeline(database, services).drain()
    status, error = _status(database)[-1]
    assert status == "quarantined" and reason in error, error
    assert _ticket(database).state == "open"  # nothing happened


def test_a_reply_long_after_closing_opens_a_new_linked_ticket(database, services):
    _request(database)
    Pipeline(database, services).drain()
    with database.transaction() as session:
        ticket = repo.ticket_by_key(session, "IT-000001")
        ticket.state, ticket.closed_at = "closed", NOW
    [ack] = _outbox(database, "acknowledgement")
    raw = (f"From: ben.okafor@corp.example\r\nTo: it@corp.example\r\nSubject: Re: {ack['Subject']}\r\n"
           f"In-Reply-To: {ack['Message-ID']}\r\nMessage-ID: <ben.late@mail.corp.example>\r\n\r\nIt broke again.\r\n"
           ).encode()
    _deliver(database, raw, "it@corp.example", "ben.okafor@corp.example", at=NOW + dt.timedelta(days=30))
    Pipeline(database, services).drain()
    with database.sessions() as session:
        old, new = session.query(Ticket).order_by(Ticket.id).all()
        assert new.related_id == old.id and new.key == "IT-000002" and old.state == "closed"
        causes = {e.kind: e.cause for e in session.query(Event).filter(Event.kind.in_(("follow_up_of",
                                                                                       "follow_up_ticket")))}
    assert "wrote on IT-000001 after it was closed" in causes["follow_up_of"]
    assert "IT-000002" in causes["follow_up_ticket"]


def test_commands_are_read_from_the_first_lines_only():
    mail = split_commands("\n#priority p1\n\n#assign Kim\nThanks, on it.\n#resolve later maybe")
    assert mail.commands == [("priority", "p1"), ("assign", "Kim")]
    assert mail.text == "Thanks, on it.\n#resolve later maybe"
    note = split_commands("#waiting\n#note check the warranty\nsecond line")
    assert note.is_note and note.commands == [("waiting", ""), ("note", "")]
    assert note.text == "check the warranty\nsecond line"
    assert split_commands("Hello #resolve").commands == []


def _notices_for(database, key):
    with database.sessions() as session:
        rows = session.query(Outbox).join(Ticket, Outbox.ticket_id == Ticket.id).filter(
            Ticket.key == key, Outbox.kind == "agent_new").order_by(Outbox.id).all()
        return [email.message_from_bytes(row.raw, policy=policy.default) for row in rows]


def test_a_new_hire_runs_through_three_departments_and_the_requester_hears_once(database, services):
    """HR's rules open child tickets in IT and Facilities; the parent resolves when both parts are done."""
    raw = (b"From: Luca Rossi <luca.rossi@corp.example>\r\nTo: hr@corp.example\r\n"
           b"Subject: New hire onboarding: Maria Gomez\r\nMessage-ID: <hire.1@mail.corp.example>\r\n\r\n"
           b"Maria starts on 1 December and needs a laptop, accounts, a desk and a badge.\r\n")
    _deliver(database, raw, "hr@corp.example", "luca.rossi@corp.example")
    Pipeline(database, services).drain()
    with database.sessions() as session:
        tickets = {t.department: (t.key, t.parent_id) for t in session.query(Ticket)}
    assert set(tickets) == {"hr", "it", "facilities"}
    parent_key = tickets["hr"][0]
    assert tickets["it"][1] == tickets["facilities"][1] is not None
    [ack] = _outbox(database, "acknowledgement")  # one acknowledgement naming all three
    text = ack.get_body(("plain",)).get_content()
    assert parent_key in text and tickets["it"][0] in text and tickets["facilities"][0] in text

    # IT finishes first: nothing to tell the requester yet
    [it_notice] = _notices_for(database, tickets["it"][0])
    it_agent = it_notice["To"].addresses[0].addr_spec
    _answer(database, it_notice, "#resolve\r\n#note Laptop imaged, accounts created.", sender=it_agent)
    Pipeline(database, services).drain()
    assert _ticket(database, tickets["it"][0]).state == "resolved"
    assert _ticket(database, parent_key).state != "resolved" and _outbox(database, "resolution") == []

    # Facilities finishes: the whole request is done, and the requester gets one resolution mail
    [fac_notice] = _notices_for(database, tickets["facilities"][0])
    fac_agent = fac_notice["To"].addresses[0].addr_spec
    _answer(database, fac_notice, "#resolve\r\n#note Desk 3.14 and badge ready.", sender=fac_agent)
    Pipeline(database, services).drain()
    parent = _ticket(database, parent_key)
    assert parent.state == "resolved" and parent.resolved_at == NOW
    [resolution] = _outbox(database, "resolution")
    assert resolution["To"].addresses[0].addr_spec == "luca.rossi@corp.example"
    assert resolution["Subject"].startswith(f"[{parent_key}] Resolved:")
    with database.sessions() as session:
        parent_events = [e for e in session.query(Event).filter_by(ticket_id=parent.id, kind="state_changed")]
    assert parent_events[-1].actor == "rule" and parent_events[-1].cause == "every part of the request is resolved"

    # the requester rates it by the one-click link (subject "Rating 5 [KEY]")
    body = resolution.get_body(("plain",)).get_content()
    assert "mailto:" in body
    rating = (f"From: luca.rossi@corp.example\r\nTo: {resolution['Reply-To'].addresses[0].addr_spec}\r\n"
              f"Subject: Rating 5 [{parent_key}]\r\nMessage-ID: <rate.1@mail.corp.example>\r\n\r\n5\r\n").encode()
    _deliver(database, rating, "hr@corp.example", "luca.rossi@corp.example")
    Pipeline(database, services).drain()
    parent = _ticket(database, parent_key)
    assert parent.satisfaction == 5 and parent.state == "resolved"  # a rating does not reopen it


def test_department_moves_the_ticket_recomputes_its_promise_and_hands_it_to_the_new_team(database, services):
    _request(database, subject="Desk lamp broken", body="The lamp at desk 4.12 flickers.")
    Pipeline(database, services).drain()
    before = _ticket(database)
    [notice] = _outbox(database, "agent_new")
    _answer(database, notice, "#dept facilities\r\n#priority P2")
    Pipeline(database, services).drain()
    ticket = _ticket(database)
    assert (ticket.department, ticket.team, ticket.priority) == ("facilities", "facilities-desk", "P2")
    assert ticket.assignee == "tom.weber@corp.example"  # the new team's round-robin, not the IT agent
    facilities = services.departments["facilities"]
    rule = services.sla_rule(facilities, "P2")
    assert ticket.resolution_due == rule.calendar.add(NOW, rule.target.resolution)
    assert ticket.resolution_due != before.resolution_due
    kinds = _kinds(database)
    assert kinds.count("department_changed") == 1
    [promise] = _outbox(database, "new_promise")
    assert promise["To"].addresses[0].addr_spec == "ben.okafor@corp.example"
    assert promise["From"].addresses[0].addr_spec == facilities.address
    notices = [n["To"].addresses[0].addr_spec for n in _outbox(database, "agent_new")]
    assert notices == [ALEX, "tom.weber@corp.example"]
    assert _outbox(database, "agent_report") == []


def test_an_unknown_department_is_reported_to_the_agent_and_nothing_moves(database, services):
    _request(database)
    Pipeline(database, services).drain()
    [notice] = _outbox(database, "agent_new")
    _answer(database, notice, "#department kitchen\r\nLooking into it.")
    Pipeline(database, services).drain()
    assert _ticket(database).department == "it"
    [report] = _outbox(database, "agent_report")
    assert "#department 'kitchen': no such department" in report["Subject"]
    assert len(_outbox(database, "agent_answer")) == 1  # the rest still happens

"""What the rules' actions do to a ticket: assignment, SLA policy, watchers, children, no reply, quarantine.

Each test runs real mail through the pipeline with a small rule file of its
own, on SQLite and PostgreSQL, with the sample configuration (teams, the
employee directory, calendars) of the repository.
"""
import datetime as dt
import email
from email import policy
from pathlib import Path

import pytest
from sqlalchemy import event

from helpdesk.build import build_services
from helpdesk.config import load_settings
from storage import Event, InboundMessage, Outbox, Ticket, repo
from workflows.pipeline import Pipeline

ROOT = Path(__file__).resolve().parents[2]
# Monday 23 November 2026, 10:00 in Berlin.
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)

pytestmark = pytest.mark.usefixtures("staged")


def _services(tmp_path, rules: str):
    path = tmp_path / "rules.toml"
    path.write_text(rules, encoding="utf-8")
    settings = load_settings(ROOT / "config.toml", environ={"HELPDESK__RULES__PATH": str(path)})
    services = build_services(settings)
    services.clock = lambda: NOW
    services.max_automatic_replies_per_hour = 0
    return services


def _rule(name, priority, when, then, stop=False):
    return (f'[[rule]]\nname = "{name}"\ndescription = "test"\npriority = {priority}\nstop = {str(stop).lower()}\n'
            f"when = {when}\nthen = {then}\n\n")


def _send(database, number, *, sender="ben.okafor@corp.example", to="it@corp.example", subject="Laptop broken",
          body="It does not start.", extra="", attachment=None):
    boundary = "b1"
    if attachment:
        content = (f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n--{boundary}\r\n'
                   f"Content-Type: text/plain\r\n\r\n{body}\r\n--{boundary}\r\n"
                   f'Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="{attachment}"'
                   f"\r\n\r\nMZ\r\n--{boundary}--\r\n")
    else:
        content = f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    raw = (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <m{number}@mail.corp.example>\r\n"
           f"{extra}{content}").encode()
    with database.transaction() as session:
        repo.add_inbound(session, source="test", mail_from=sender, rcpt_to=[to], raw=raw, received_at=NOW)


def _tickets(database):
    with database.sessions() as session:
        return session.query(Ticket).order_by(Ticket.id).all()


def _events(database, kind):
    with database.sessions() as session:
        return session.query(Event).filter_by(kind=kind).order_by(Event.id).all()


TEAM_RULE = _rule("it-to-desk", 10, '{ field = "department", equals = "it" }', '{ team = "it-desk" }')


def test_a_team_gets_new_tickets_round_robin_skipping_whoever_is_away(database, tmp_path):
    services = _services(tmp_path, TEAM_RULE)
    pipeline = Pipeline(database, services)
    for number in range(4):
        _send(database, number)
    pipeline.drain()
    with database.transaction() as session:
        repo.set_agent_away(session, "SAM.ITO@corp.example", True)
        repo.set_agent_away(session, "kim.novak@corp.example", True, until=NOW - dt.timedelta(days=1))  # back
    for number in range(4, 8):
        _send(database, number)
    pipeline.drain()
    tickets = _tickets(database)
    assert [t.assignee for t in tickets] == [
        "alex.berg@corp.example", "sam.ito@corp.example", "kim.novak@corp.example", "alex.berg@corp.example",
        # sam is away: their turn passes to the next member
        "kim.novak@corp.example", "alex.berg@corp.example", "kim.novak@corp.example", "alex.berg@corp.example",
    ]
    assert {t.team for t in tickets} == {"it-desk"} and {t.state for t in tickets} == {"open"}
    assigned = _events(database, "assigned")
    assert len(assigned) == 8 and assigned[0].cause == "rule it-to-desk" and assigned[0].actor == "rule"


def test_who_is_away_is_read_once_per_batch_and_again_for_the_next(database, tmp_path):
    services = _services(tmp_path, TEAM_RULE)
    reads = []

    def count(conn, cursor, statement, *args):
        if "FROM agent_status" in statement and "away_until >" in statement:  # agents_away, not a lookup
            reads.append(statement)

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        pipeline = Pipeline(database, services)
        for number in range(4):
            _send(database, number)
        assert pipeline.process_next() == 4  # one batch, one write transaction
        assert len(reads) == 1
        with database.transaction() as session:  # between batches: seen by the next one
            repo.set_agent_away(session, "sam.ito@corp.example", True)
        for number in range(4, 8):
            _send(database, number)
        assert pipeline.process_next() == 4
        assert len(reads) == 2
    finally:
        event.remove(database.engine, "before_cursor_execute", count)
    assigned = [t.assignee for t in _tickets(database)]
    assert "sam.ito@corp.example" in assigned[:4] and "sam.ito@corp.example" not in assigned[4:]


def test_when_the_whole_team_is_away_the_ticket_waits_unassigned(database, tmp_path):
    services = _services(tmp_path, _rule("net", 10, '{ field = "subject", contains = "wifi" }',
                                         '{ team = "it-network" }'))
    with database.transaction() as session:
        for member in services.teams["it-network"].members:
            repo.set_agent_away(session, member, True)
    _send(database, 1, subject="Wifi drops")
    Pipeline(database, services).drain()
    [ticket] = _tickets(database)
    assert ticket.assignee is None and ticket.team == "it-network" and ticket.state == "new"
    [pending] = _events(database, "assignment_pending")
    assert "away" in pending.cause


def test_a_vip_gets_the_vip_sla_policy_a_named_assignee_and_their_manager_as_watcher(database, tmp_path):
    rules = _rule("vip", 10, '{ field = "requester_vip", equals = true }',
                  '{ sla_policy = "vip", priority = "P2", assignee = "Robin.Meyer@corp.example", '
                  'watchers = ["requester.manager", "cio@corp.example"] }')
    services = _services(tmp_path, rules)
    _send(database, 1, sender="chloe.martin@corp.example")  # VIP in directory.csv, manager maria.keller
    _send(database, 2, sender="ben.okafor@corp.example")  # not a VIP
    Pipeline(database, services).drain()
    vip, other = _tickets(database)
    assert vip.sla_policy == "vip" and vip.priority == "P2" and vip.assignee == "robin.meyer@corp.example"
    assert vip.watchers == ["maria.keller@corp.example", "cio@corp.example"]
    # vip P2: first response 1h, resolution 4h of office time from Monday 10:00 Berlin (lunch 12-13)
    assert vip.first_response_due == NOW + dt.timedelta(hours=1)
    assert vip.resolution_due == NOW + dt.timedelta(hours=5)
    assert other.sla_policy is None and other.watchers == []
    # no rule assigned it: the department's team (config.toml: it-desk) takes it
    assert other.assignee == "alex.berg@corp.example" and other.team == "it-desk"
    assert [e.cause for e in _events(database, "assigned")] == ["rule vip", "team it-desk of IT"]
    assert other.first_response_due == NOW + dt.timedelta(hours=4 + 1)  # standard P3: 4h, over lunch
    [started_vip, _] = _events(database, "sla_started")
    assert "SLA policy vip" in started_vip.cause


def test_a_rule_without_reply_withholds_the_acknowledgement(database, tmp_path):
    services = _services(tmp_path, _rule("quiet", 10, '{ field = "subject", contains = "fyi" }',
                                         '{ template = "none" }'))
    _send(database, 1, subject="FYI: new printer installed")
    _send(database, 2, subject="Printer broken")
    Pipeline(database, services).drain()
    with database.sessions() as session:
        assert [o.rcpt_to for o in session.query(Outbox).filter_by(kind="acknowledgement")] == [["ben.okafor@corp.example"]]
    [withheld] = _events(database, "acknowledgement_withheld")
    assert withheld.cause == "rule quiet: no reply"


def test_a_quarantine_rule_sets_the_message_aside_with_the_rule_and_reason(database, tmp_path):
    rules = _rule("block-executables", 10, r"""{ field = "attachment_types", matches = '\.(exe|scr|js)\b' }""",
                  '{ quarantine = "executable attachment" }')
    services = _services(tmp_path, rules)
    _send(database, 1, attachment="invoice.pdf.exe")
    _send(database, 2, attachment="invoice.pdf")
    Pipeline(database, services).drain()
    with database.sessions() as session:
        statuses = [(i.status, i.error) for i in session.query(InboundMessage).order_by(InboundMessage.id)]
    assert statuses[0] == ("quarantined", "rule block-executables: executable attachment")
    assert statuses[1][0] == "done"
    assert len(_tickets(database)) == 1


def test_the_sender_of_a_quarantined_message_is_told_once_a_day_and_only_a_colleague(database, tmp_path):
    rules = _rule("block-executables", 10, r"""{ field = "attachment_types", matches = '\.(exe|scr|js)\b' }""",
                  '{ quarantine = "executable attachments are checked by a person first" }')
    services = _services(tmp_path, rules)
    _send(database, 1, attachment="invoice.pdf.exe", subject="Invoice <b>Q3</b>")
    _send(database, 2, attachment="tool.exe")  # the same colleague again: no second notice today
    _send(database, 3, attachment="setup.exe", sender="mallory@elsewhere.example")  # outsider: no backscatter
    _send(database, 4, attachment="x.exe", sender="dana.smith@corp.example",
          extra="Auto-Submitted: auto-replied\r\n")  # an automaton: no answer
    Pipeline(database, services).drain()
    with database.sessions() as session:
        assert [i.status for i in session.query(InboundMessage)] == ["quarantined"] * 4
        [row] = session.query(Outbox).all()
    assert row.kind == "quarantine" and row.ticket_id is None and row.mail_from == ""
    assert row.rcpt_to == ["ben.okafor@corp.example"]
    mail = email.message_from_bytes(row.raw, policy=policy.default)
    assert mail["Subject"] == "Held for review: Invoice <b>Q3</b>" and mail["Auto-Submitted"] == "auto-replied"
    assert mail["From"].addresses[0].addr_spec == "it@corp.example"
    text = " ".join(mail.get_body(("plain",)).get_content().split())
    assert "executable attachments are checked by a person first" in text and "Nothing is lost" in text
    assert "&lt;b&gt;Q3&lt;/b&gt;" in mail.get_body(("html",)).get_content()  # autoescaped
    # A day later the same colleague is told again.
    services.clock = lambda: NOW + dt.timedelta(hours=25)
    _send(database, 5, attachment="again.exe")
    Pipeline(database, services).drain()
    with database.sessions() as session:
        assert session.query(Outbox).filter_by(kind="quarantine").count() == 2


def test_a_message_that_breaks_a_stage_is_quarantined_and_its_sender_told_in_plain_words(database, tmp_path):
    services = _services(tmp_path, TEAM_RULE)
    broken = services.engine.classify

    def failing(facts):
        raise RuntimeError("rules engine exploded")
    services.engine.classify = failing
    _send(database, 1)
    Pipeline(database, services).drain()
    services.engine.classify = broken
    with database.sessions() as session:
        [inbound] = session.query(InboundMessage).all()
        [row] = session.query(Outbox).all()
    assert inbound.status == "quarantined" and "rules engine exploded" in inbound.error
    text = email.message_from_bytes(row.raw, policy=policy.default).get_body(("plain",)).get_content()
    assert "could not process it automatically" in text and "exploded" not in text  # no internals leak


def test_children_rule_opens_tickets_in_other_departments_with_one_acknowledgement(database, tmp_path):
    rules = (_rule("new-hire", 10, '{ field = "subject", contains_any = ["new hire", "starts on"] }',
                   '{ category = "onboarding", children = ["it", "facilities", "hr"] }')
             + _rule("it-laptops", 20, '{ field = "department", equals = "it" }', '{ category = "hardware" }'))
    services = _services(tmp_path, rules)
    _send(database, 1, sender="lars.holm@corp.example", to="hr@corp.example",
          subject="New hire: Maria Gomez starts on 1 December")
    Pipeline(database, services).drain()
    parent, *children = _tickets(database)
    assert parent.department == "hr" and parent.parent_id is None and parent.category == "onboarding"
    assert sorted(c.department for c in children) == ["facilities", "it"]  # hr is the parent's own department
    assert {c.parent_id for c in children} == {parent.id}
    assert next(c for c in children if c.department == "it").category == "hardware"
    causes = [e.cause for e in _events(database, "child_created")]
    assert causes == ["rule new-hire", "rule new-hire"]
    with database.sessions() as session:
        assert session.query(Outbox).filter_by(kind="acknowledgement").count() == 1


def test_rules_see_importance_and_arrival_time(database, tmp_path):
    rules = (_rule("important", 10, '{ field = "importance", equals = "high" }', '{ priority = "P2" }')
             + _rule("weekend", 20, '{ all = [{ field = "business_hours", equals = false }, '
                                   '{ field = "weekday", one_of = ["sat", "sun"] }] }', '{ tags = ["weekend"] }'))
    services = _services(tmp_path, rules)
    _send(database, 1, extra="X-Priority: 1 (Highest)\r\n")
    saturday = NOW + dt.timedelta(days=5)
    raw = b"From: ben.okafor@corp.example\r\nTo: it@corp.example\r\nSubject: x\r\nMessage-ID: <sat@x>\r\n\r\nhi\r\n"
    with database.transaction() as session:
        repo.add_inbound(session, source="test", mail_from="b@corp.example", rcpt_to=["it@corp.example"], raw=raw,
                         received_at=saturday)
    Pipeline(database, services).drain()
    important, weekend = _tickets(database)
    assert important.priority == "P2" and important.tags == []
    assert weekend.priority == "P3" and weekend.tags == ["weekend"]

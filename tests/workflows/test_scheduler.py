"""The scheduler on both backends, with a controllable clock: each warning, breach, escalation,
reminder and close happens once, at the right time, with the right mail.

Times are in Berlin on the office calendar of config.toml (08:00-12:00, 13:00-17:00; Fridays to
16:00). Ticket IT-000001 is a P2 (first response 2h, resolution 8h) that arrived on Monday
23 November 2026 at 10:00: first response due 12:00, resolution due Tuesday 10:00.
"""
import dataclasses
import datetime as dt
import email
import threading
from collections import Counter
from email import policy
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select, update

from helpdesk.build import build_services
from helpdesk.config import load_settings
from storage import Event, Outbox, Ticket, repo
from workflows import lifecycle
from workflows.notify import new_promise_notice, resolution_notice, warning_notice
from workflows.pipeline import Pipeline
from workflows.scheduler import Scheduler, SchedulerPolicy
from workflows.sla import due_times

ROOT = Path(__file__).resolve().parents[2]
UTC = dt.timezone.utc
HOUR = dt.timedelta(hours=1)
ALEX, ROBIN = "alex.berg@corp.example", "robin.meyer@corp.example"  # an it-desk agent, the it-desk lead
ANNA = "anna@corp.example"  # the requester


@pytest.fixture(scope="module")
def services():
    return build_services(load_settings(ROOT / "config.toml", environ={}))


@pytest.fixture(scope="module")
def office(services):
    return services.departments["it"].calendar


def berlin(office, day, hour, minute=0, second=0):
    return dt.datetime(2026, 11, day, hour, minute, second, tzinfo=office.zone)


def _ticket(session, services, key="IT-000001", *, priority="P2", state="open", created=None, assignee=ALEX,
            team="it-desk", watchers=(), responded=False, subject="VPN", **values):
    created = created or dt.datetime(2026, 11, 23, 9, tzinfo=UTC)
    rule = services.sla_rule(services.departments["it"], priority)
    due = due_times(rule.calendar, rule.target, created)
    ticket = Ticket(key=key, department="it", requester_email=ANNA, requester_name="Anna Schmidt", subject=subject,
                    category="network", priority=priority, state=state, created_at=created, updated_at=created,
                    first_response_due=due.first_response_due, resolution_due=due.resolution_due,
                    first_responded_at=created if responded else None, assignee=assignee, team=team,
                    watchers=list(watchers), paused_seconds=0, reopened_count=0, **values)
    session.add(ticket)
    return ticket


def _events(db, kind):
    with db.sessions() as session:
        return [(key, data) for key, data in session.execute(
            select(Ticket.key, Event.data).join(Event.ticket).where(Event.kind == kind).order_by(Event.id))]


def _mails(db, kind):
    with db.sessions() as session:
        rows = session.scalars(select(Outbox).where(Outbox.kind == kind).order_by(Outbox.id)).all()
    return [email.message_from_bytes(row.raw, policy=policy.default) for row in rows]


def _to(mail):
    return mail["To"].addresses[0].addr_spec


def _get(db, key="IT-000001"):
    with db.sessions() as session:
        return session.scalars(select(Ticket).where(Ticket.key == key)).one()


def _sweeps(scheduler, *times):
    """The counts of each sweep, without the zeros."""
    return [{k: v for k, v in scheduler.run_once(now).items() if v} for now in times]


# --- warnings ---------------------------------------------------------------------------


def test_the_assignee_is_warned_at_75_percent_of_each_target_once(database, services, office):
    with database.transaction() as session:
        _ticket(session, services)
    scheduler = Scheduler(database, services)
    # 2h first response due 12:00: 75% used at 11:30, when 30 open minutes are left.
    assert _sweeps(scheduler, berlin(office, 23, 11, 29), berlin(office, 23, 11, 30), berlin(office, 23, 11, 45)) \
        == [{}, {"warned": 1}, {}]
    with database.transaction() as session:  # the assignee answers in time
        session.execute(update(Ticket).values(first_responded_at=berlin(office, 23, 11, 50),
                                              updated_at=berlin(office, 23, 11, 50)))
    # 8h resolution due Tuesday 10:00: 6h are used by Monday 17:00 (10-12, 13-17).
    assert _sweeps(scheduler, berlin(office, 23, 16, 59), berlin(office, 23, 17), berlin(office, 24, 9)) \
        == [{}, {"warned": 1}, {}]
    assert [(key, data["target"], data["due"]) for key, data in _events(database, "sla_warning")] == [
        ("IT-000001", "first_response", "2026-11-23T11:00:00+00:00"),
        ("IT-000001", "resolution", "2026-11-24T09:00:00+00:00"),
    ]
    first, second = _mails(database, "sla_warning")
    assert {_to(first), _to(second)} == {ALEX}
    assert first["Subject"] == "[IT-000001] SLA warning: first response due Mon 23 Nov 2026 12:00 CET (P2) VPN"
    assert first["Auto-Submitted"] == "auto-generated"
    body = first.get_body(("plain",)).get_content()
    assert "has used 75% of its first response target" in body and "30 business minutes left" in body
    # Answers thread onto the ticket and count as the agent's.
    assert services.tokens.key_from_message_id(first["Message-ID"]) == "IT-000001"
    assert services.tokens.key_from_agent_address(first["Reply-To"].addresses[0].addr_spec, ALEX) == "IT-000001"


def test_an_unassigned_ticket_warns_the_team_lead(database, services, office):
    with database.transaction() as session:
        _ticket(session, services, assignee=None, state="new")
    assert Scheduler(database, services).run_once(berlin(office, 23, 11, 30))["warned"] == 1
    [mail] = _mails(database, "sla_warning")
    assert _to(mail) == ROBIN
    assert "Nobody" not in mail.get_body(("plain",)).get_content()


def test_a_recomputed_due_time_warns_again_and_waiting_tickets_are_not_warned(database, services, office):
    with database.transaction() as session:
        _ticket(session, services)
        _ticket(session, services, "IT-000002", state="waiting_on_requester",
                sla_paused_at=dt.datetime(2026, 11, 23, 9, 30, tzinfo=UTC))
    scheduler = Scheduler(database, services)
    assert scheduler.run_once(berlin(office, 23, 11, 30))["warned"] == 1
    with database.transaction() as session:  # the due time moved (e.g. the clock paused and resumed)
        session.execute(update(Ticket).where(Ticket.key == "IT-000001").values(
            first_response_due=berlin(office, 23, 14), updated_at=berlin(office, 23, 11, 40)))
    assert _sweeps(scheduler, berlin(office, 23, 11, 45), berlin(office, 23, 13, 30), berlin(office, 23, 13, 40)) \
        == [{}, {"warned": 1}, {}]
    assert [key for key, _ in _events(database, "sla_warning")] == ["IT-000001", "IT-000001"]


# --- breaches and escalation -------------------------------------------------------------


def test_a_breach_escalates_once_lead_watchers_and_requester_are_told(database, services, office):
    with database.transaction() as session:
        _ticket(session, services, watchers=["ben.okafor@corp.example"])
    scheduler = Scheduler(database, services)
    # Due at 12:00 is not late at 12:00.
    assert _sweeps(scheduler, berlin(office, 23, 11, 59), berlin(office, 23, 12), berlin(office, 23, 12, 0, 1),
                   berlin(office, 23, 12, 5)) == [{"warned": 1}, {}, {"breached": 1, "escalated": 1}, {}]
    ticket = _get(database)
    # P2 -> P1, recomputed from its arrival on the 24x7 on-call calendar: 30 minutes and 4 hours.
    assert ticket.priority == "P1"
    assert ticket.first_response_due == berlin(office, 23, 10, 30)
    assert ticket.resolution_due == berlin(office, 23, 14)
    kinds = [kind for kind in _kinds(database) if kind != "sla_warning"]
    assert kinds == ["sla_breached", "priority_changed", "sla_recomputed", "escalated"]
    [(_, escalated)] = _events(database, "escalated")
    assert escalated == {"target": "first_response", "priority": {"from": "P2", "to": "P1"},
                         "notified": [ROBIN, "ben.okafor@corp.example", ALEX], "new_promise": True}
    notices = _mails(database, "escalation")
    assert [_to(mail) for mail in notices] == [ROBIN, "ben.okafor@corp.example", ALEX]
    assert notices[0]["Subject"] == "[IT-000001] Escalated: first response overdue (P1) VPN"
    assert "priority was raised from P2 to P1" in notices[0].get_body(("plain",)).get_content()
    [promise] = _mails(database, "new_promise")
    assert _to(promise) == ANNA and promise["Subject"] == "[IT-000001] New due time: VPN"
    text = promise.get_body(("plain",)).get_content()
    assert "resolve it within 4 hours, by Monday 23 November, 14:00 CET" in text
    assert "late with our first answer" in text
    assert services.tokens.key_from_address(promise["Reply-To"].addresses[0].addr_spec) == "IT-000001"

    # The new resolution target is warned at 75% (13:00) and breaches at 14:00: escalated again,
    # P1 is the ceiling, no new promise.
    assert _sweeps(scheduler, berlin(office, 23, 13, 30), berlin(office, 23, 14, 1), berlin(office, 24, 9)) == [
        {"warned": 1}, {"breached": 1, "escalated": 1}, {}]
    assert [data["target"] for _, data in _events(database, "sla_breached")] == ["first_response", "resolution"]
    assert _get(database).priority == "P1"
    assert len(_mails(database, "new_promise")) == 1 and len(_mails(database, "escalation")) == 6


def _kinds(db):
    with db.sessions() as session:
        return list(session.scalars(select(Event.kind).order_by(Event.id)))


@pytest.mark.parametrize(("escalation", "priority"), [
    ({"escalate_priority": False}, "P3"),
    ({"escalate_up_to": "P2"}, "P2"),
    ({"escalate_up_to": "P3"}, "P3"),
])
def test_the_priority_is_raised_only_as_configured(database, services, office, escalation, priority):
    with database.transaction() as session:
        _ticket(session, services, priority="P3")
    scheduler = Scheduler(database, services, SchedulerPolicy(**escalation))
    # P3: first response 4h, due 15:00.
    assert scheduler.run_once(berlin(office, 23, 15, 1))["escalated"] == 1
    ticket = _get(database)
    assert ticket.priority == priority
    assert [_to(mail) for mail in _mails(database, "escalation")] == [ROBIN, ALEX]
    assert len(_mails(database, "new_promise")) == (1 if priority == "P2" else 0)  # resolution now Tuesday 10:00


def test_without_a_team_lead_the_department_manager_is_told(database, services, office):
    teams = {name: dataclasses.replace(team, lead=None) for name, team in services.teams.items()}
    leaderless = dataclasses.replace(services, teams=teams)
    with database.transaction() as session:
        _ticket(session, services, assignee=None, state="new")
    scheduler = Scheduler(database, leaderless, SchedulerPolicy(managers={"it": "it.manager@corp.example"}))
    assert scheduler.run_once(berlin(office, 23, 11, 30))["warned"] == 1
    assert scheduler.run_once(berlin(office, 23, 12, 1))["escalated"] == 1
    assert [_to(mail) for mail in _mails(database, "sla_warning")] == ["it.manager@corp.example"]
    [notice] = _mails(database, "escalation")
    assert _to(notice) == "it.manager@corp.example"
    # Not an agent: their reply goes onto the ticket, not as an agent's answer.
    assert "Replies to this email are added to the ticket." in notice.get_body(("plain",)).get_content()


def test_a_manager_of_an_unknown_department_is_refused(database, services):
    with pytest.raises(ValueError, match="unknown department"):
        Scheduler(database, services, SchedulerPolicy(managers={"sales": "boss@corp.example"}))


# --- waiting on the requester: reminder and auto-close ---------------------------------------


def test_a_waiting_requester_is_reminded_after_2_business_days_and_closed_after_5(database, services, office):
    with database.transaction() as session:
        _ticket(session, services, state="waiting_on_requester", responded=True,
                sla_paused_at=berlin(office, 23, 10))
    scheduler = Scheduler(database, services)
    # Monday 10:00 + 2 business days = Wednesday 10:00; + 5 = the next Monday 10:00.
    assert _sweeps(scheduler, berlin(office, 24, 12), berlin(office, 25, 9, 59), berlin(office, 25, 10),
                   berlin(office, 26, 10)) == [{}, {}, {"reminded": 1}, {}]
    [reminder] = _mails(database, "reminder")
    assert _to(reminder) == ANNA and reminder["Subject"] == "[IT-000001] Waiting for your answer: VPN"
    assert reminder["Auto-Submitted"] == "auto-generated"
    assert "by Monday 30 November, 10:00 CET, we will close the ticket" in \
        " ".join(reminder.get_body(("plain",)).get_content().split())
    assert services.tokens.key_from_address(reminder["Reply-To"].addresses[0].addr_spec) == "IT-000001"
    assert _sweeps(scheduler, berlin(office, 30, 9, 59), berlin(office, 30, 10), berlin(office, 30, 11)) == [
        {}, {"auto_closed": 1}, {}]
    ticket = _get(database)
    assert ticket.state == "closed" and ticket.closed_at == berlin(office, 30, 10)
    with database.sessions() as session:
        closed = session.scalars(select(Event).where(Event.kind == "state_changed")).one()
    assert closed.actor == "scheduler" and closed.data == {"from": "waiting_on_requester", "to": "closed"}
    # The requester is told once, on the ticket, how to carry on.
    [notice] = _mails(database, "closed")
    assert _to(notice) == ANNA and notice["Subject"] == "[IT-000001] Closed without your answer: VPN"
    assert notice["Auto-Submitted"] == "auto-generated"
    text = " ".join(notice.get_body(("plain",)).get_content().split())
    assert "did not hear back for 5 business days" in text and "open a new ticket that links to this one" in text
    assert services.tokens.key_from_address(notice["Reply-To"].addresses[0].addr_spec) == "IT-000001"
    # The clock stood still: no warning or breach for the whole week.
    assert not _events(database, "sla_warning") and not _events(database, "sla_breached")


def test_each_pause_gets_its_own_reminder(database, services, office):
    with database.transaction() as session:
        _ticket(session, services, state="waiting_on_requester", responded=True,
                sla_paused_at=berlin(office, 23, 10))
    scheduler = Scheduler(database, services)
    assert scheduler.run_once(berlin(office, 25, 10))["reminded"] == 1
    with database.transaction() as session:  # the requester answers, the agent asks again
        ticket = session.scalars(select(Ticket)).one()
        rule = services.sla_rule(services.departments["it"], ticket.priority)
        record = lifecycle.session_recorder(session, ticket, berlin(office, 25, 11))
        lifecycle.transition(ticket, "open", at=berlin(office, 25, 11), actor="requester", cause="reply",
                             sla=rule, record=record)
        lifecycle.transition(ticket, "waiting_on_requester", at=berlin(office, 25, 12), actor="agent:" + ALEX,
                             cause="#waiting", sla=rule, record=record)
    # Paused at Wednesday 12:00, in the lunch break: counted from 13:00, + 2 business days = Friday 13:00.
    assert _sweeps(scheduler, berlin(office, 26, 12), berlin(office, 27, 12, 59), berlin(office, 27, 13)) == [
        {}, {}, {"reminded": 1}]
    assert len(_mails(database, "reminder")) == 2


# --- resolved tickets close ---------------------------------------------------------------


def test_a_resolved_ticket_closes_after_7_days(database, services, office):
    resolved = berlin(office, 23, 15)
    with database.transaction() as session:
        _ticket(session, services, state="resolved", responded=True, resolved_at=resolved)
        _ticket(session, services, "IT-000002", state="closed", responded=True, resolved_at=resolved,
                closed_at=resolved)
    scheduler = Scheduler(database, services)
    week = dt.timedelta(days=7)
    assert _sweeps(scheduler, resolved + week - dt.timedelta(seconds=1), resolved + week, resolved + week + HOUR) \
        == [{}, {"closed": 1}, {}]
    ticket = _get(database)
    assert ticket.state == "closed" and ticket.closed_at == resolved + week


# --- breach records, batches and concurrency -------------------------------------------------

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
NO_ESCALATION = SchedulerPolicy(escalate_priority=False)


def _plain(session, key, *, state="open", first_response_in=2, resolution_in=8, responded=False, resolved=False):
    """A ticket with due times given in plain hours (no calendar), assigned to nobody."""
    ticket = Ticket(key=key, department="it", requester_email=ANNA, subject=key, category="general",
                    priority="P2", state=state, created_at=T0, updated_at=T0,
                    first_response_due=T0 + first_response_in * HOUR, resolution_due=T0 + resolution_in * HOUR,
                    first_responded_at=T0 + HOUR if responded else None,
                    resolved_at=T0 + HOUR if resolved else None, paused_seconds=0)
    session.add(ticket)
    return ticket


def _breached(db):
    return Counter((key, data["target"]) for key, data in _events(db, "sla_breached"))


def test_each_target_is_breached_once_per_ticket(database, services):
    with database.transaction() as session:
        _plain(session, "IT-000001")
        _plain(session, "IT-000002", state="new")
        _plain(session, "IT-000003", state="resolved", resolved=True)
        _plain(session, "IT-000004", responded=True)
        _plain(session, "IT-000005", state="waiting_on_requester")
        _plain(session, "IT-000006", state="closed", resolved=True)
    scheduler = Scheduler(database, services, NO_ESCALATION)

    def breaches(hours):
        return scheduler.run_once(T0 + hours * HOUR)["breached"]

    assert breaches(1) == 0
    assert breaches(3) == 2
    assert _breached(database) == {("IT-000001", "first_response"): 1, ("IT-000002", "first_response"): 1}
    assert breaches(4) == 0
    assert breaches(9) == 3
    assert breaches(10) == 0
    assert breaches(100) == 0
    assert _breached(database) == {
        ("IT-000001", "first_response"): 1, ("IT-000001", "resolution"): 1,
        ("IT-000002", "first_response"): 1, ("IT-000002", "resolution"): 1,
        ("IT-000004", "resolution"): 1,
    }


def test_the_breach_event_says_what_was_due_and_when_it_was_noticed(database, services):
    with database.transaction() as session:
        _plain(session, "IT-000001", first_response_in=2, resolution_in=50)
    now = T0 + 2 * HOUR + dt.timedelta(seconds=1)
    assert Scheduler(database, services, NO_ESCALATION).run_once(now)["breached"] == 1
    with database.sessions() as session:
        event = session.scalars(select(Event).where(Event.kind == "sla_breached")).one()
    due = (T0 + 2 * HOUR).isoformat()
    assert (event.at, event.actor, event.data) == (now, "scheduler", {"target": "first_response", "due": due})
    assert due in event.cause and "first_response" in event.cause


def test_small_batches_do_everything_in_one_sweep_without_duplicates(database, services):
    with database.transaction() as session:
        for number in range(1, 6):
            _plain(session, f"IT-{number:06d}", first_response_in=number, resolution_in=50)
    scheduler = Scheduler(database, services, NO_ESCALATION, batch=2)
    now = T0 + 10 * HOUR
    assert [scheduler.run_once(now)["breached"] for _ in range(2)] == [5, 0]
    assert _breached(database) == {(f"IT-{n:06d}", "first_response"): 1 for n in range(1, 6)}


def test_a_due_time_moved_into_the_past_is_found_between_full_sweeps(database, services):
    with database.transaction() as session:
        _plain(session, "IT-000001", first_response_in=20, resolution_in=50)
        _plain(session, "IT-000002", first_response_in=20, resolution_in=50)
    scheduler = Scheduler(database, services, NO_ESCALATION)
    assert scheduler.run_once(T0 + 3 * HOUR)["breached"] == 0  # the first sweep is a full one
    with database.transaction() as session:
        # A new priority moved the due time into the past: the change is recent, so the next sweep looks.
        session.execute(update(Ticket).where(Ticket.key == "IT-000001").values(
            first_response_due=T0 + HOUR, updated_at=T0 + 3 * HOUR))
        # A change stamped long ago (a lagging writer) is left to the next full sweep.
        session.execute(update(Ticket).where(Ticket.key == "IT-000002").values(
            first_response_due=T0 + HOUR, updated_at=T0))
    assert scheduler.run_once(T0 + 3 * HOUR + dt.timedelta(minutes=1))["breached"] == 1
    assert scheduler.run_once(T0 + 3 * HOUR + dt.timedelta(minutes=2))["breached"] == 0
    assert scheduler.run_once(T0 + 4 * HOUR + dt.timedelta(minutes=1))["breached"] == 1  # the hourly full sweep
    assert set(_breached(database)) == {("IT-000001", "first_response"), ("IT-000002", "first_response")}


def test_a_restarted_scheduler_does_nothing_twice(database, services, office):
    with database.transaction() as session:
        _ticket(session, services)
    assert Scheduler(database, services).run_once(berlin(office, 23, 12, 1)) == {
        "breached": 1, "escalated": 1, "warned": 0, "auto_closed": 0, "reminded": 0, "closed": 0}
    assert not any(Scheduler(database, services).run_once(berlin(office, 23, 12, 2)).values())


def test_concurrent_schedulers_do_each_action_once(database, services, office):
    # Several runners (on PostgreSQL: several machines) sweep at the same time.
    threads, tickets = 6, 0
    now = berlin(office, 25, 10, 30)  # Wednesday: breaches of Monday's tickets, reminders, closes
    for round_ in range(3):
        with database.transaction() as session:
            for number in range(30):
                kind = number % 3
                key = f"IT-{round_}{number:05d}"
                if kind == 0:  # breached (both targets), escalated
                    _ticket(session, services, key)
                elif kind == 1:  # waiting since Monday: a reminder
                    _ticket(session, services, key, state="waiting_on_requester", responded=True,
                            sla_paused_at=berlin(office, 23, 10))
                else:  # resolved 8 days ago: closed
                    _ticket(session, services, key, state="resolved", responded=True,
                            resolved_at=berlin(office, 17, 10))
        tickets += 30
        barrier = threading.Barrier(threads)

        def run():
            barrier.wait()
            for _ in range(3):
                Scheduler(database, services, batch=7).run_once(now)

        workers = [threading.Thread(target=run) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    Scheduler(database, services).run_once(now)  # whatever was skipped as locked comes now
    assert Counter(key for key, _ in _events(database, "escalated")) == {
        f"IT-{r}{n:05d}": 2 for r in range(3) for n in range(0, 30, 3)}  # first response and resolution
    assert set(_breached(database).values()) == {1} and len(_breached(database)) == 2 * tickets // 3
    assert Counter(key for key, _ in _events(database, "reminder_sent")) == {
        f"IT-{r}{n:05d}": 1 for r in range(3) for n in range(1, 30, 3)}
    closes = [key for key, data in _events(database, "state_changed") if data["to"] == "closed"]
    assert Counter(closes) == {f"IT-{r}{n:05d}": 1 for r in range(3) for n in range(2, 30, 3)}
    assert len(_mails(database, "reminder")) == tickets // 3
    assert len(_mails(database, "escalation")) == 2 * 2 * tickets // 3  # the lead and the assignee, twice
    assert not _mails(database, "new_promise")  # as P1 both due times are long past on Wednesday: no promise


# --- the notices ---------------------------------------------------------------------------


def _parse(row):
    return email.message_from_bytes(row["raw"], policy=policy.default)


def test_the_resolution_asks_for_a_rating_with_five_mailto_links_and_a_click_rates(database, services, office):
    with database.transaction() as session:
        _ticket(session, services, state="resolved", responded=True, resolved_at=berlin(office, 23, 15))
    ticket = _get(database)
    row = resolution_notice(services, services.departments["it"], ticket, berlin(office, 23, 15))
    mail = _parse(row)
    assert row["kind"] == "resolution" and row["rcpt_to"] == [ANNA] and "ticket_id" not in row
    assert mail["Subject"] == "[IT-000001] Resolved: VPN"
    reply_to = mail["Reply-To"].addresses[0].addr_spec
    assert services.tokens.key_from_address(reply_to) == "IT-000001"
    text = mail.get_body(("plain",)).get_content()
    assert "or reply with a number from 1 to 5" in text
    links = [word for word in text.split() if word.startswith("mailto:")]
    assert len(links) == 5
    html = mail.get_body(("html",)).get_content()
    for score, link in enumerate(links, start=1):
        parts = urlsplit(link)
        assert (parts.scheme, parts.path) == ("mailto", reply_to)
        assert parse_qs(parts.query) == {"subject": [f"Rating {score} [IT-000001]"], "body": [str(score)]}
        assert " " not in link and "[" not in link
        assert f'href="{link.replace("&", "&amp;")}"' in html
    # One click: the requester's mail client sends the prepared mail; the pipeline keeps the rating.
    parts = urlsplit(links[3])
    query = parse_qs(parts.query)
    raw = (f"From: Anna Schmidt <{ANNA}>\r\nTo: {parts.path}\r\nSubject: {query['subject'][0]}\r\n"
           f"Message-ID: <rating.1@mail.corp.example>\r\n\r\n{query['body'][0]}\r\n").encode()
    with database.transaction() as session:
        repo.add_inbound(session, source="test", mail_from=ANNA, rcpt_to=[parts.path], raw=raw,
                         received_at=berlin(office, 23, 16))
    Pipeline(database, services).drain()
    assert _get(database).satisfaction == 4


def test_notices_keep_headers_on_one_line_and_escape_html(database, services, office):
    with database.transaction() as session:
        _ticket(session, services, subject="VPN\r\nBcc: mallory@evil.example <b>down</b>")
    ticket = _get(database)
    department = services.departments["it"]
    for row in (resolution_notice(services, department, ticket, berlin(office, 23, 15)),
                new_promise_notice(services, department, ticket, berlin(office, 23, 11)),
                warning_notice(services, department, ticket, ALEX, target="first_response",
                               due=ticket.first_response_due, share=0.75, now=berlin(office, 23, 11, 30))):
        mail = _parse(row)
        assert mail["Bcc"] is None and "\n" not in mail["Subject"] and "Bcc: mallory" in mail["Subject"]
        assert "&lt;b&gt;down&lt;/b&gt;" in mail.get_body(("html",)).get_content()
        assert "<b>down</b>" in mail.get_body(("plain",)).get_content()
        assert mail["Auto-Submitted"] == "auto-generated" and row["mail_from"] == ""
        assert services.tokens.key_from_message_id(mail["Message-ID"]) == "IT-000001"


def test_a_new_promise_names_the_due_times_still_ahead(database, services, office):
    with database.transaction() as session:
        _ticket(session, services)
    ticket = _get(database)
    text = _parse(new_promise_notice(services, services.departments["it"], ticket, berlin(office, 23, 11))) \
        .get_body(("plain",)).get_content()
    assert "We will reply within 2 business hours, by Monday 23 November, 12:00 CET." in text
    assert "We now expect to resolve it within 8 business hours, by Tuesday 24 November, 10:00 CET." in text


def test_the_scheduler_section_of_the_config_is_the_policy():
    settings = load_settings(ROOT / "config.toml", environ={"HELPDESK__SCHEDULER__WARNING_SHARE": "0.8",
                                                           "HELPDESK__SCHEDULER__ESCALATE_UP_TO": "P2"})
    # What helpdesk/runner.py passes to the Scheduler.
    policy = SchedulerPolicy(**settings.scheduler.model_dump(exclude={"interval_seconds"}))
    assert policy == SchedulerPolicy(warning_share=0.8, escalate_up_to="P2")
    assert policy.raised("P3") == "P2" and policy.raised("P2") == "P2"
    assert settings.scheduler.interval_seconds == 30

"""Two schedulers on PostgreSQL, each with its own connections, sweep the same database at once:
every warning, breach, escalation, reminder and close happens exactly once.

(test_scheduler.py runs the single-scheduler cases, and a threaded one, on SQLite and PostgreSQL.)
"""
import datetime as dt
import threading
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from helpdesk.build import build_services
from helpdesk.config import load_settings
from storage import Base, Database, Event, Outbox, Ticket
from workflows.scheduler import COUNTS, Scheduler
from workflows.sla import due_times

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
PER_KIND = 40


@pytest.fixture
def two_databases(_pg_database, pg_url):
    """The migrated, emptied PostgreSQL database, through two separate engines (as on two machines)."""
    with _pg_database.engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
    other = Database(pg_url)
    yield _pg_database, other
    other.dispose()


@pytest.fixture(scope="module")
def services():
    return build_services(load_settings(ROOT / "config.toml", environ={}))


def _berlin(services, day, hour, minute=0):
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=services.departments["it"].calendar.zone)


def _add(session, services, key, created, **values):
    rule = services.sla_rule(services.departments["it"], "P2")
    due = due_times(rule.calendar, rule.target, created)
    values = {"state": "open", "assignee": "alex.berg@corp.example", **values}
    session.add(Ticket(key=key, department="it", requester_email="anna@corp.example", requester_name="Anna",
                       subject=key, category="general", priority="P2", created_at=created, updated_at=created,
                       first_response_due=due.first_response_due, resolution_due=due.resolution_due,
                       team="it-desk", watchers=[], paused_seconds=0, reopened_count=0, **values))


def _fill(db, services):
    """PER_KIND tickets of each kind, as seen on Wednesday 25 November 2026 at 11:45 in Berlin."""
    with db.transaction() as session:
        for n in range(PER_KIND):
            # arrived today 10:00: first response due 12:00, 75% used at 11:30 -> a warning
            _add(session, services, f"IT-1{n:05d}", _berlin(services, 25, 10))
            # arrived Monday 10:00: both targets breached -> two breaches, two escalations
            _add(session, services, f"IT-2{n:05d}", _berlin(services, 23, 10))
            # waiting since Monday 10:00 -> a reminder (2 business days)
            _add(session, services, f"IT-3{n:05d}", _berlin(services, 23, 9), state="waiting_on_requester",
                 first_responded_at=_berlin(services, 23, 10), sla_paused_at=_berlin(services, 23, 10))
            # waiting since Monday a week ago -> closed (5 business days)
            _add(session, services, f"IT-4{n:05d}", _berlin(services, 16, 9), state="waiting_on_requester",
                 first_responded_at=_berlin(services, 16, 10), sla_paused_at=_berlin(services, 16, 10))
            # resolved 9 days ago -> closed (7 days)
            _add(session, services, f"IT-5{n:05d}", _berlin(services, 16, 9), state="resolved",
                 first_responded_at=_berlin(services, 16, 10), resolved_at=_berlin(services, 16, 11))


def test_two_schedulers_on_postgresql_do_each_action_exactly_once(two_databases, services):
    first, second = two_databases
    _fill(first, services)
    now = _berlin(services, 25, 11, 45)
    barrier = threading.Barrier(2)
    results: list[dict] = []
    errors: list[BaseException] = []

    def sweep(db):
        scheduler = Scheduler(db, services, batch=5)  # small batches: many chances to collide
        try:
            barrier.wait()
            for minute in range(3):
                results.append(scheduler.run_once(now + dt.timedelta(minutes=minute)))
        except BaseException as error:  # reported by the test thread
            errors.append(error)

    workers = [threading.Thread(target=sweep, args=(db,)) for db in (first, second)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not errors
    results.append(Scheduler(first, services).run_once(now + dt.timedelta(minutes=3)))  # anything skipped as locked

    totals = Counter()
    for counts in results:
        totals.update(counts)
    assert {key: totals[key] for key in COUNTS} == {
        "warned": PER_KIND, "breached": 2 * PER_KIND, "escalated": 2 * PER_KIND, "reminded": PER_KIND,
        "auto_closed": PER_KIND, "closed": PER_KIND}

    with first.sessions() as session:
        events = Counter(session.execute(select(Ticket.key, Event.kind).join(Event.ticket)).all())
        mails = dict(session.execute(select(Outbox.kind, func.count()).group_by(Outbox.kind)).all())
        states = Counter(session.scalars(select(Ticket.state)).all())
    for n in range(PER_KIND):
        assert events[(f"IT-1{n:05d}", "sla_warning")] == 1
        assert events[(f"IT-2{n:05d}", "sla_breached")] == 2 and events[(f"IT-2{n:05d}", "escalated")] == 2
        assert events[(f"IT-2{n:05d}", "priority_changed")] == 1  # P2 -> P1, then P1 is the ceiling
        assert events[(f"IT-3{n:05d}", "reminder_sent")] == 1
        assert events[(f"IT-4{n:05d}", "state_changed")] == 1 and events[(f"IT-4{n:05d}", "reminder_sent")] == 0
        assert events[(f"IT-5{n:05d}", "state_changed")] == 1
    assert mails == {"sla_warning": PER_KIND, "escalation": 2 * 2 * PER_KIND, "reminder": PER_KIND,
                     "closed": PER_KIND}  # the auto-closed tickets, each told once
    assert states == {"open": 2 * PER_KIND, "waiting_on_requester": PER_KIND, "closed": 2 * PER_KIND}

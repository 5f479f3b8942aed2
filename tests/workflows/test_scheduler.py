"""The scheduler records each SLA breach once, on both backends."""
import datetime as dt
import threading
from collections import Counter

from sqlalchemy import select

from storage import Event, Ticket
from workflows.scheduler import Scheduler

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)
HOUR = dt.timedelta(hours=1)


def _ticket(session, key, *, state="open", first_response_in=2, resolution_in=8,
            responded=False, resolved=False):
    ticket = Ticket(key=key, department="it", requester_email="anna@corp.example", subject=key,
                    category="general", priority="P2", state=state, created_at=T0, updated_at=T0,
                    first_response_due=T0 + first_response_in * HOUR, resolution_due=T0 + resolution_in * HOUR,
                    first_responded_at=T0 + HOUR if responded else None,
                    resolved_at=T0 + HOUR if resolved else None)
    session.add(ticket)
    return ticket


def _breaches(db):
    with db.sessions() as session:
        rows = session.execute(select(Ticket.key, Event.data, Event.at, Event.actor, Event.cause)
                               .join(Event.ticket).where(Event.kind == "sla_breached")).all()
    return rows


def _targets(db):
    return Counter((key, data["target"]) for key, data, *_ in _breaches(db))


def test_each_target_is_breached_once_per_ticket(database):
    with database.transaction() as session:
        _ticket(session, "IT-000001")
        _ticket(session, "IT-000002", state="new")
        _ticket(session, "IT-000003", state="resolved", resolved=True)
        _ticket(session, "IT-000004", responded=True)
        _ticket(session, "IT-000005", state="waiting_on_requester")
        _ticket(session, "IT-000006", state="closed", resolved=True)
    scheduler = Scheduler(database)

    assert scheduler.run_once(T0 + HOUR) == 0
    assert scheduler.run_once(T0 + 3 * HOUR) == 2
    assert _targets(database) == {("IT-000001", "first_response"): 1, ("IT-000002", "first_response"): 1}
    assert scheduler.run_once(T0 + 4 * HOUR) == 0

    assert scheduler.run_once(T0 + 9 * HOUR) == 3
    assert scheduler.run_once(T0 + 10 * HOUR) == 0
    assert scheduler.run_once(T0 + 100 * HOUR) == 0
    assert _targets(database) == {
        ("IT-000001", "first_response"): 1, ("IT-000001", "resolution"): 1,
        ("IT-000002", "first_response"): 1, ("IT-000002", "resolution"): 1,
        ("IT-000004", "resolution"): 1,
    }


def test_the_breach_event_says_what_was_due_and_when_it_was_noticed(database):
    with database.transaction() as session:
        _ticket(session, "IT-000001", first_response_in=2, resolution_in=50)
    now = T0 + 2 * HOUR + dt.timedelta(seconds=1)
    assert Scheduler(database).run_once(now) == 1
    ((key, data, at, actor, cause),) = _breaches(database)
    due = (T0 + 2 * HOUR).isoformat()
    assert (key, at, actor) == ("IT-000001", now, "scheduler")
    assert data == {"target": "first_response", "due": due}
    assert due in cause and "first_response" in cause


def test_a_target_due_exactly_now_is_not_breached_yet(database):
    with database.transaction() as session:
        _ticket(session, "IT-000001", first_response_in=2, resolution_in=50)
    assert Scheduler(database).run_once(T0 + 2 * HOUR) == 0


def test_small_batches_catch_up_without_duplicates(database):
    with database.transaction() as session:
        for number in range(1, 6):
            _ticket(session, f"IT-{number:06d}", first_response_in=number, resolution_in=50)
    scheduler = Scheduler(database, batch=2)
    now = T0 + 10 * HOUR
    assert [scheduler.run_once(now) for _ in range(4)] == [2, 2, 1, 0]
    assert _targets(database) == {(f"IT-{n:06d}", "first_response"): 1 for n in range(1, 6)}


def test_concurrent_schedulers_record_each_breach_once(database):
    # Several runners (on PostgreSQL: several machines) run their schedulers at the same time.
    now, tickets, threads = T0 + 3 * HOUR, 0, 6
    for round_ in range(4):
        with database.transaction() as session:
            for number in range(40):
                _ticket(session, f"IT-{round_}{number:05d}", resolution_in=50)
        tickets += 40
        barrier = threading.Barrier(threads)

        def run():
            barrier.wait()
            for _ in range(3):
                Scheduler(database, batch=10).run_once(now)

        workers = [threading.Thread(target=run) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    Scheduler(database).run_once(now)  # whatever was skipped as locked comes now
    counts = _targets(database)
    assert len(counts) == tickets
    assert set(counts.values()) == {1}

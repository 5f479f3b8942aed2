"""SLA benchmark: due times per second, and scheduler sweeps over 100,000 open tickets.

1. ``due_times`` on the office calendar of config.toml (Berlin, split shifts,
   DE-BE holidays, closures) for random arrival times over a year and the
   P2/P3/P4 targets. Target: >= 50,000 per second.
2. ``Scheduler.run_once`` on a fresh SQLite file holding N open tickets
   (inserted with Core executemany, three events each), timed for:
   - the first sweep after a start (a full one) when nothing is due;
   - a sweep 30 s later when nothing came due;
   - a sweep where 1 % of the tickets came due (half breach and escalate:
     four mails each; half pass the 75 % warning);
   - a full sweep over a backlog in which 30 % of the tickets were breached
     long ago (their events exist), and the sweep after it.
   Target: < 2 s a sweep.

    .venv/bin/python bench/sla_speed.py
    .venv/bin/python bench/sla_speed.py --tickets 100000 --due-times 200000
    .venv/bin/python bench/sla_speed.py --storage-url postgresql+psycopg://postgres@127.0.0.1:5432/bench
"""
from __future__ import annotations

import argparse
import datetime as dt
import logging
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

UTC = dt.timezone.utc
MINUTE = dt.timedelta(minutes=1)


def bench_due_times(services, count: int) -> float:
    from workflows.sla import due_times

    rules = [services.sla_rule(services.departments["it"], priority) for priority in ("P2", "P3", "P4")]
    randomly = random.Random(7)
    start = dt.datetime(2026, 1, 1, tzinfo=UTC)
    arrivals = [start + dt.timedelta(seconds=randomly.randrange(365 * 86400), microseconds=randomly.randrange(10**6))
                for _ in range(count)]
    for rule in rules:  # the calendar builds its table of the year on first use
        due_times(rule.calendar, rule.target, arrivals[0])
    began = time.perf_counter()
    for index, arrival in enumerate(arrivals):
        rule = rules[index % 3]
        due_times(rule.calendar, rule.target, arrival)
    return count / (time.perf_counter() - began)


def fill(db, services, count: int, now: dt.datetime) -> None:
    """``count`` open tickets whose due times lie days ahead; a tenth of them wait on the requester."""
    from sqlalchemy import insert

    from storage import Event, Ticket

    randomly = random.Random(11)
    tickets, events = [], []
    for number in range(1, count + 1):
        waiting = number % 10 == 0
        created = now - dt.timedelta(minutes=randomly.randrange(60 * 24))
        first = now + dt.timedelta(days=2, minutes=randomly.randrange(60 * 24 * 10))
        tickets.append({
            "id": number, "key": f"IT-{number:07d}", "department": "it",
            "requester_email": f"user{number}@corp.example",
            "requester_name": "", "subject": f"request {number}", "category": "general", "priority": "P3",
            "state": "waiting_on_requester" if waiting else ("open" if number % 3 else "new"),
            "tags": [], "created_at": created, "updated_at": created, "first_response_due": first,
            "resolution_due": first + dt.timedelta(days=3), "assignee": "alex.berg@corp.example", "team": "it-desk",
            "watchers": ["ben.okafor@corp.example"], "paused_seconds": 0, "reopened_count": 0,
            # waiting since up to 4 days: those past 2 calendar days are looked at each sweep
            "sla_paused_at": now - dt.timedelta(minutes=randomly.randrange(60 * 24 * 4)) if waiting else None,
        })
        for kind in ("created", "sla_started", "assigned"):
            events.append({"ticket_id": number, "at": created, "kind": kind, "actor": "rule", "cause": "", "data": {}})
    with db.engine.begin() as connection:
        for start in range(0, count, 20_000):
            connection.execute(insert(Ticket.__table__), tickets[start:start + 20_000])
        for start in range(0, len(events), 50_000):
            connection.execute(insert(Event.__table__), events[start:start + 50_000])


def come_due(db, services, count: int, now: dt.datetime, later: dt.datetime) -> None:
    """Make ``count`` tickets come due between ``now`` and ``later`` as time passes (not by an update)."""
    from sqlalchemy import bindparam, update

    from storage import Ticket

    rule = services.sla_rule(services.departments["it"], "P3")
    left = rule.target.first_response * 0.25  # warned when this much open time is left
    span = (later - now) // count
    rows = []
    for index in range(count):
        passes = now + span * (index + 1) - dt.timedelta(seconds=1)
        due = passes if index % 2 else rule.calendar.add(passes, left)  # breach / warning threshold passes
        rows.append({"ticket_id": 7 + 97 * index, "due": due})
    with db.engine.begin() as connection:
        connection.execute(update(Ticket.__table__).where(Ticket.__table__.c.id == bindparam("ticket_id"))
                           .values(first_response_due=bindparam("due"), state="open"), rows)


def backlog(db, count: int, now: dt.datetime) -> None:
    """``count`` tickets breached long ago, with their breach events: what a full sweep must not redo."""
    from sqlalchemy import bindparam, insert, update

    from storage import Event, Ticket

    ids = [id_ for id_ in range(2, 10 * count, 3)][:count]
    due = now - dt.timedelta(days=3)
    with db.engine.begin() as connection:
        connection.execute(update(Ticket.__table__).where(Ticket.__table__.c.id == bindparam("ticket_id"))
                           .values(first_response_due=due, state="open"), [{"ticket_id": i} for i in ids])
        connection.execute(insert(Event.__table__), [
            {"ticket_id": i, "at": due, "kind": "sla_breached", "actor": "scheduler", "cause": "",
             "data": {"target": "first_response", "due": due.isoformat()}} for i in ids])


def analyze(db) -> None:
    """Fresh planner statistics after a bulk load, as PostgreSQL's autovacuum would soon take.

    (Without them PostgreSQL reads the event table from end to end per batch of
    tickets: the full backlog sweep takes about 2 s instead of 0.5.)
    """
    from sqlalchemy import text

    if db.url.get_backend_name() == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(text("ANALYZE"))


def timed(scheduler, now: dt.datetime) -> tuple[float, dict]:
    began = time.perf_counter()
    counts = scheduler.run_once(now)
    return time.perf_counter() - began, {key: value for key, value in counts.items() if value}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--due-times", type=int, default=200_000)
    parser.add_argument("--storage-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()
    logging.getLogger("helpdesk").setLevel(logging.ERROR)  # one warning line per breach is not the point here

    from helpdesk.build import build_services
    from helpdesk.config import load_settings
    from storage import Database
    from workflows.scheduler import Scheduler

    services = build_services(load_settings(ROOT / "config.toml", environ={}))
    rate = bench_due_times(services, args.due_times)
    print(f"due_times: {rate:,.0f} per second ({args.due_times:,} arrivals over 2026, office calendar, "
          f"P2/P3/P4)  target >= 50,000: {'met' if rate >= 50_000 else 'NOT met'}")

    url = args.storage_url or f"sqlite:///{Path(tempfile.mkdtemp(prefix='helpdesk-sla-')) / 'helpdesk.db'}"
    db = Database(url)
    db.upgrade()
    now = dt.datetime(2026, 11, 24, 9, tzinfo=UTC)  # Tuesday 10:00 in Berlin
    began = time.perf_counter()
    fill(db, services, args.tickets, now)
    analyze(db)
    print(f"inserted {args.tickets:,} open tickets and {3 * args.tickets:,} events in "
          f"{time.perf_counter() - began:.1f} s ({db.url.get_backend_name()})")

    scheduler = Scheduler(db, services)
    rows = []
    rows.append(("first sweep after a start (full), nothing due", *timed(scheduler, now)))
    rows.append(("30 s later, nothing came due", *timed(scheduler, now + dt.timedelta(seconds=30))))
    due_count = args.tickets // 100
    come_due(db, services, due_count, now + dt.timedelta(seconds=30), now + dt.timedelta(seconds=60))
    rows.append((f"30 s later, 1 % came due ({due_count:,})", *timed(scheduler, now + dt.timedelta(seconds=60))))
    rows.append(("30 s later, nothing came due", *timed(scheduler, now + dt.timedelta(seconds=90))))
    backlog(db, args.tickets * 3 // 10, now)
    analyze(db)
    restarted = Scheduler(db, services)
    rows.append(("full sweep, 30 % breached long ago (events exist)", *timed(restarted, now + 2 * MINUTE)))
    rows.append(("30 s later, same backlog, nothing came due", *timed(restarted, now + 2 * MINUTE + MINUTE / 2)))
    for name, seconds, counts in rows:
        print(f"  {name:<52} {seconds:6.3f} s  {counts or ''}")
    worst = max(seconds for _, seconds, _ in rows)
    print(f"slowest sweep {worst:.3f} s  target < 2 s: {'met' if worst < 2 else 'NOT met'}")
    db.dispose()


if __name__ == "__main__":
    main()

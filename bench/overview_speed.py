"""Overview benchmark: every KPI query of storage.kpis over N synthetic tickets, and the page itself.

Fills a fresh database (SQLite file, or PostgreSQL with ``--storage-url``)
with N tickets over the two years before now: five departments of different
sizes, office-hour and weekday arrival peaks, a seasonal swing, P1-P4, late
first responses and resolutions (breaches), tickets waiting on the
requester, reopenings, auto-closed tickets, ratings, child tickets, tags.
Then times each KPI query for the last 365 days and the last 30 days, with
no filter and with one department, and renders the Overview page headless
(Streamlit's AppTest). Target: each query < 1 s, the page < 3 s.

    .venv/bin/python bench/overview_speed.py --tickets 1000000
    .venv/bin/python bench/overview_speed.py --tickets 1000000 --keep var/bench-overview.db
    .venv/bin/python bench/overview_speed.py --storage-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_overview

``--keep PATH`` keeps (and on the next run reuses) the SQLite file;
``--reuse`` reuses a PostgreSQL database that already holds the tickets.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

UTC = dt.UTC
HOUR = 3600
DEPARTMENTS = {  # share of tickets, categories
    "it": (0.45, ["network", "hardware", "access", "software", "email", "printing"]),
    "hr": (0.20, ["payroll", "leave", "onboarding", "benefits"]),
    "finance": (0.15, ["invoice", "expenses", "purchase-order"]),
    "facilities": (0.15, ["cleaning", "heating", "keys", "furniture", "parking"]),
    "legal": (0.05, ["contract", "nda"]),
}
PRIORITIES = (("P1", 0.03, 0.5, 4), ("P2", 0.17, 2, 8), ("P3", 0.60, 4, 24), ("P4", 0.20, 8, 40))  # targets, h
TAGS = ["vpn", "outage", "password", "laptop", "monitor", "payslip", "holiday", "new-hire", "invoice",
        "urgent", "travel", "badge", "wifi", "teams", "printer", "vip", "renewal", "refund"]
# arrivals per local (UTC+1) hour of a weekday: office hours, a lunch dip
HOURLY = [1, 1, 1, 1, 1, 2, 5, 12, 20, 22, 20, 15, 10, 16, 18, 16, 12, 7, 4, 3, 2, 2, 1, 1]


def synthetic_tickets(count: int, now: dt.datetime, seed: int = 5):
    """``count`` ticket rows, oldest first, created over the two years before ``now``."""
    rnd = random.Random(seed)
    start = (now - dt.timedelta(days=730)).replace(hour=0, minute=0, second=0, microsecond=0)
    days = [start + dt.timedelta(days=n) for n in range(730)]
    day_weights = [(0.12 if day.weekday() >= 5 else 1.0) * (1.25 if day.month in (1, 9) else 1.0)
                   * (1 + 0.3 * n / 730) for n, day in enumerate(days)]
    picked_days = sorted(rnd.choices(range(730), day_weights, k=count))
    hours = rnd.choices(range(24), HOURLY, k=count)
    departments = list(DEPARTMENTS)
    picked_departments = rnd.choices(departments, [DEPARTMENTS[d][0] for d in departments], k=count)
    priorities = rnd.choices(PRIORITIES, [p[1] for p in PRIORITIES], k=count)
    numbers = dict.fromkeys(departments, 0)
    for index in range(count):
        created = days[picked_days[index]] + dt.timedelta(hours=hours[index] - 1, seconds=rnd.randrange(3600))
        created = min(created, now - dt.timedelta(seconds=1))
        department = picked_departments[index]
        numbers[department] += 1
        yield _ticket(rnd, index + 1, department, numbers[department], priorities[index], created, now)


def _ticket(rnd: random.Random, id_: int, department: str, number: int, priority, created: dt.datetime,
            now: dt.datetime) -> dict:
    name, _, fr_hours, res_hours = priority
    # targets in business hours, stretched to wall-clock time (nights, weekends)
    fr_due = created + dt.timedelta(hours=fr_hours * 2.5)
    res_due = created + dt.timedelta(hours=res_hours * 3)
    late = rnd.random() < 0.12
    responded = created + dt.timedelta(hours=fr_hours * 2.5 * (rnd.uniform(1.05, 3) if late else rnd.uniform(0.05, 1)))
    resolved = created + dt.timedelta(hours=res_hours * 3 * (rnd.uniform(1.05, 4) if rnd.random() < 0.18
                                                           else rnd.uniform(0.1, 1)))
    row = {
        "id": id_, "key": f"{department[:3].upper()}-{number:07d}", "department": department,
        "requester_email": f"user{rnd.randrange(20000)}@corp.example", "requester_name": "Some Person",
        "subject": f"Request {id_} about {rnd.choice(TAGS)} on floor {rnd.randrange(9)}",
        "category": rnd.choice(DEPARTMENTS[department][1]), "priority": name, "state": "new",
        "tags": rnd.sample(TAGS, rnd.choice((0, 0, 1, 1, 1, 2))), "rules_version": "f" * 64,
        "created_at": created, "updated_at": created, "first_response_due": fr_due, "resolution_due": res_due,
        "first_responded_at": None, "resolved_at": None, "closed_at": None, "assignee": None,
        "team": f"{department}-desk", "sla_policy": None, "watchers": [], "parent_id": None, "related_id": None,
        "sla_paused_at": None, "paused_seconds": 0, "reopened_count": 0, "satisfaction": None,
        "first_response_seconds": None, "resolution_seconds": None, "rated_at": None,
    }
    if id_ > 1 and rnd.random() < 0.02:
        row["parent_id"] = id_ - 1  # one part of a request to several departments
    if responded <= now:
        row.update(first_responded_at=responded, state="open", assignee=f"agent{rnd.randrange(40)}@corp.example",
                   first_response_seconds=int((responded - created).total_seconds() * 0.4))
    if rnd.random() < 0.03 and responded <= now:  # waited on the requester, then auto-closed (or still waiting)
        paused = responded + dt.timedelta(hours=1)
        closed = paused + dt.timedelta(days=7)
        if closed <= now:
            row.update(state="closed", closed_at=closed, paused_seconds=5 * 8 * HOUR,
                       resolution_due=res_due + dt.timedelta(days=7))
        elif paused <= now:
            row.update(state="waiting_on_requester", sla_paused_at=paused)
    elif resolved <= now and responded <= resolved:
        row.update(state="resolved", resolved_at=resolved,
                   resolution_seconds=int((resolved - created).total_seconds() * 0.35),
                   reopened_count=rnd.choices((0, 1, 2), (0.93, 0.06, 0.01))[0])
        if rnd.random() < 0.3:
            row.update(satisfaction=rnd.choices((1, 2, 3, 4, 5), (5, 5, 10, 30, 50))[0],
                       rated_at=resolved + dt.timedelta(hours=rnd.uniform(0.5, 48)))
        if resolved + dt.timedelta(days=7) <= now:
            row.update(state="closed", closed_at=resolved + dt.timedelta(days=7))
    row["updated_at"] = max(value for value in (created, row["first_responded_at"], row["resolved_at"],
                                                row["closed_at"], row["sla_paused_at"]) if value is not None)
    return row


def fill(db, count: int, now: dt.datetime, chunk: int = 20000) -> float:
    from sqlalchemy import insert

    from storage import Ticket

    began, rows = time.perf_counter(), []
    statement = insert(Ticket)
    with db.engine.begin() as connection:
        for row in synthetic_tickets(count, now):
            rows.append(row)
            if len(rows) == chunk:
                connection.execute(statement, rows)
                rows = []
        if rows:
            connection.execute(statement, rows)
    analyze(db)
    return time.perf_counter() - began


def queries(kpis, kpi_filter, now):
    """(name, call) of every query the Overview runs for this filter."""
    return [
        ("daily flow (throughput, backlog)", lambda s: kpis.daily_flow(s, kpi_filter, now=now)),
        ("first response p50/p90", lambda s: kpis.first_response_time(s, kpi_filter)),
        ("resolution p50/p90", lambda s: kpis.resolution_time(s, kpi_filter)),
        ("SLA compliance (both targets)", lambda s: kpis.sla_compliance(s, kpi_filter, now=now)),
        ("SLA breaches (newest 100)", lambda s: kpis.sla_breaches(s, kpi_filter, limit=100, now=now)),
        ("reopen rate", lambda s: kpis.reopen_rate(s, kpi_filter)),
        ("satisfaction", lambda s: kpis.satisfaction(s, kpi_filter)),
        ("arrivals heatmap (Berlin)", lambda s: kpis.arrivals_heatmap(s, kpi_filter, "Europe/Berlin")),
        ("top categories", lambda s: kpis.top_categories(s, kpi_filter)),
        ("rising topics", lambda s: kpis.rising_topics(s, kpi_filter)),
        ("category names", lambda s: kpis.category_names(s, kpi_filter)),
    ]


def proposed_indexes():
    """The indexes docs/kpis.md asks for ("Speed"), and the two they make redundant."""
    from sqlalchemy import Index

    from storage import Ticket

    dims = (Ticket.department, Ticket.priority, Ticket.category)
    added = [
        Index("ix_ticket_kpi_created", Ticket.created_at, *dims),
        # closed_at second: "closed without a resolution" is resolved_at IS NULL and a range on closed_at
        Index("ix_ticket_kpi_resolved", Ticket.resolved_at, Ticket.closed_at, *dims, Ticket.resolution_seconds,
              Ticket.reopened_count, Ticket.satisfaction, Ticket.resolution_due),
        Index("ix_ticket_kpi_responded", Ticket.first_responded_at, *dims, Ticket.first_response_seconds,
              Ticket.first_response_due),
    ]
    return added, ("ix_ticket_created_at", "ix_ticket_resolved_at")


def add_proposed_indexes(db) -> float:
    from sqlalchemy import text

    began = time.perf_counter()
    added, replaced = proposed_indexes()
    with db.engine.begin() as connection:
        for index in added:
            index.create(connection, checkfirst=True)
        for name in replaced:
            connection.execute(text(f"DROP INDEX IF EXISTS {name}"))
    analyze(db)
    return time.perf_counter() - began


def analyze(db) -> None:
    """PostgreSQL: what autovacuum would have done after a bulk load (statistics, visibility map)."""
    if not db.is_sqlite:
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE ticket")


def time_queries(db, now: dt.datetime, repeat: int) -> list[tuple[str, str, float, float]]:
    from storage import kpis

    today = now.date()
    ranges = {"365 days": (today - dt.timedelta(days=364), today), "30 days": (today - dt.timedelta(days=29), today)}
    results = []
    for label, (since, until) in ranges.items():
        for departments in (None, ("it",)):
            scope = f"{label}, {'all' if departments is None else 'it'}"
            for name, call in queries(kpis, kpis.KpiFilter(since, until, departments=departments), now):
                seconds = []
                for _ in range(repeat):
                    with db.sessions() as session:
                        began = time.perf_counter()
                        call(session)
                        seconds.append(time.perf_counter() - began)
                results.append((scope, name, seconds[0], statistics.median(seconds)))
                print(f"  {scope:18} {name:32} first {seconds[0]:6.3f} s  median {statistics.median(seconds):6.3f} s"
                      f"  {'ok' if max(seconds) < 1 else 'SLOW (>= 1 s)'}", flush=True)
    return results


def time_page(url: str, repeat: int) -> list[float]:
    """Seconds to render the Overview page headless (filters at their defaults: the last 30 days)."""
    import os

    from streamlit.testing.v1 import AppTest

    os.environ["OVERVIEW_BENCH_DB"] = url
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        at = AppTest.from_function(_page, default_timeout=120).run()
        times.append(time.perf_counter() - began)
        if at.exception:
            raise RuntimeError(at.exception[0].message)
    return times


def _page():
    import os

    from dashboard.auth import User
    from dashboard.views import overview
    from storage import Database

    overview.render(Database(os.environ["OVERVIEW_BENCH_DB"]), User("bench", "admin"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--storage-url", help="a PostgreSQL database to fill (default: a fresh SQLite file)")
    parser.add_argument("--keep", type=Path, help="SQLite file to keep, and reuse when it already holds the tickets")
    parser.add_argument("--reuse", action="store_true", help="use the tickets already in --storage-url")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-page", action="store_true", help="skip rendering the page")
    parser.add_argument("--proposed-indexes", action="store_true",
                        help="first add the indexes docs/kpis.md proposes (and drop the two they replace)")
    args = parser.parse_args()

    from sqlalchemy import func, select

    from storage import Database, Ticket

    with tempfile.TemporaryDirectory() as scratch:
        url = args.storage_url or f"sqlite:///{args.keep or Path(scratch) / 'overview.db'}"
        db = Database(url)
        db.upgrade()
        with db.sessions() as session:
            present = session.scalar(select(func.count()).select_from(Ticket))
            newest = session.scalar(select(func.max(Ticket.created_at)))
        if present and (args.reuse or args.keep) and present == args.tickets:
            now = newest + dt.timedelta(seconds=1)
            print(f"reusing {present:,} tickets in {db.url.render_as_string()}")
        elif present:
            sys.exit(f"{db.url.render_as_string()} already holds {present:,} tickets: use an empty database")
        else:
            now = dt.datetime.now(UTC).replace(microsecond=0)
            print(f"filling {args.tickets:,} tickets into {db.url.render_as_string()} ...", flush=True)
            print(f"  {fill(db, args.tickets, now):.1f} s")
        if args.proposed_indexes:
            print(f"proposed indexes added in {add_proposed_indexes(db):.1f} s")
        print(f"queries (now = {now.isoformat()}), {args.repeat} runs each:")
        results = time_queries(db, now, args.repeat)
        slow = [(scope, name) for scope, name, first, median in results if max(first, median) >= 1]
        print(f"slowest: {max(results, key=lambda r: r[2])[1]} {max(r[2] for r in results):.3f} s; "
              f"{'every query < 1 s' if not slow else f'{len(slow)} queries >= 1 s'}")
        if not args.no_page:
            page = time_page(url, args.repeat)
            print(f"page (AppTest, default filters): {', '.join(f'{s:.2f}' for s in page)} s "
                  f"{'ok' if max(page) < 3 else 'SLOW (>= 3 s)'}")
        db.dispose()


if __name__ == "__main__":
    main()

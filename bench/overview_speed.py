"""Overview benchmark: every KPI query of storage.kpis over N synthetic tickets, and the page itself.

Fills a fresh database (SQLite file, or PostgreSQL with ``--storage-url``)
with N tickets over the two years before now, as ``helpdesk seed`` makes
them (helpdesk/seed.py: the repository's departments and SLA calendars,
office-hour and seasonal arrivals, bursts, breaches, waits, reopenings,
ratings, child tickets; each with its request message and events).
Then times each KPI query for the last 365 days and the last 30 days, with
no filter and with one department, and renders the Overview page headless
(Streamlit's AppTest). Target: each query < 1 s, the page < 3 s.

    .venv/bin/python bench/overview_speed.py --tickets 1000000
    .venv/bin/python bench/overview_speed.py --tickets 1000000 --keep var/bench-overview.db
    .venv/bin/helpdesk seed --tickets 1000000   # then: --keep var/helpdesk.db reuses it
    .venv/bin/python bench/overview_speed.py --storage-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_overview

``--keep PATH`` keeps (and on the next run reuses) the SQLite file;
``--reuse`` reuses a PostgreSQL database that already holds the tickets.
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

UTC = dt.UTC


def fill(db, count: int, now: dt.datetime, history: bool) -> float:
    """``helpdesk seed``: the configured departments, calendars and teams of the repository's config.toml."""
    from helpdesk.config import load_settings
    from helpdesk.seed import seed

    last = [0]

    def progress(done: int) -> None:
        if done - last[0] >= 100_000:
            last[0] = done
            print(f"  {done:,} tickets", flush=True)

    summary = seed(db, load_settings(ROOT / "config.toml"), count, now=now, history=history, progress=progress)
    return summary.seconds


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
    began = time.perf_counter()
    import altair  # noqa: F401  (a running dashboard imported these when its first session started)

    import dashboard.views.overview  # noqa: F401
    print(f"page modules imported in {time.perf_counter() - began:.2f} s (once per dashboard process)")
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
    parser.add_argument("--tickets-only", action="store_true", help="seed without messages and events (faster)")
    parser.add_argument("--no-page", action="store_true", help="skip rendering the page")
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
            print(f"  {fill(db, args.tickets, now, history=not args.tickets_only):.1f} s")
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

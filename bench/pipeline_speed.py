"""Pipeline benchmark: pending inbound messages to tickets with acknowledgements, in one process.

Stores N sample requests as pending inbound rows in a fresh database, then
times ``Pipeline.drain()`` (parse, hygiene, rules, dedupe, thread, ticket,
SLA, acknowledgement in the outbox), with no SMTP and no other load.

With ``--imap`` the rows are stored as ``bench/imap_backlog.py``'s fetcher
stores them: all from one IT mailbox, so a request that also names other
departments in To/Cc becomes a parent ticket with children (about 1.7
tickets a message), where over SMTP each department gets its own delivery.

    .venv/bin/python bench/pipeline_speed.py --messages 2000
    .venv/bin/python bench/pipeline_speed.py --messages 2000 --profile 25
    .venv/bin/python bench/pipeline_speed.py --messages 1000 --imap
    .venv/bin/python bench/pipeline_speed.py --storage-url postgresql+psycopg://postgres@127.0.0.1:5432/bench
"""
from __future__ import annotations

import argparse
import os
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--storage-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print the N costliest functions")
    parser.add_argument("--imap", action="store_true", help="store the requests as fetched from the IT mailbox")
    parser.add_argument("--stage-ahead", action="store_true",
                        help="stage new requests as several SQLite workers do (see workflows.pipeline)")
    args = parser.parse_args()

    from helpdesk.build import build_services
    from helpdesk.config import load_settings
    from helpdesk.samples import build_sample
    from storage import Database, repo
    from workflows.pipeline import Pipeline

    url = args.storage_url or f"sqlite:///{Path(tempfile.mkdtemp(prefix='helpdesk-bench-')) / 'helpdesk.db'}"
    db = Database(url)
    db.upgrade()
    # All load comes from the 36 sample senders: no per-sender cap on automatic replies.
    environ = {"HELPDESK__OUTBOUND__MAX_AUTOMATIC_REPLIES_PER_SENDER_PER_HOUR": "0"}
    settings = load_settings(ROOT / "config.toml", environ=environ)
    mailbox = settings.departments["it"].address
    rows = []
    for index in range(args.messages):
        sender, recipient, raw = build_sample(index)
        raw = raw.replace(b"Message-ID: <", f"Message-ID: <pipe{index}.".encode(), 1)
        if args.imap:
            rows.append({"source": "imap", "peer": None, "mail_from": sender, "rcpt_to": [mailbox],
                         "raw": raw, "mailbox": "bench", "uidvalidity": 1, "uid": index + 1})
        else:
            rows.append({"source": "smtp", "peer": "127.0.0.1", "mail_from": sender, "rcpt_to": [recipient],
                         "raw": raw})
    with db.transaction() as session:
        repo.add_inbound_many(session, rows)

    pipeline = Pipeline(db, build_services(settings), stage_ahead=args.stage_ahead or None)
    held = _time_write_transactions(db)
    profiler = cProfile.Profile() if args.profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    done = pipeline.drain()
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - started
    with db.sessions() as session:
        stats = repo.stats(session)
    print(f"messages={args.messages} storage={url.split(':')[0]} processed={done}")
    print(f"pipeline: {done / elapsed:8.1f} msg/s ({elapsed / done * 1000:.2f} ms/message); "
          f"tickets={stats['tickets']['total']} outbox={stats['outbox']['pending']}")
    # What several workers on one SQLite file cannot do side by side.
    print(f"write transactions: {held[0] / done * 1000:.2f} ms/message ({held[0] / elapsed:.0%} of the time)")
    if profiler:
        stats = pstats.Stats(profiler)
        stats.sort_stats("tottime").print_stats(args.profile)
        if os.environ.get("CALLERS"):
            stats.print_callers(os.environ["CALLERS"])
        stats.sort_stats("cumulative").print_stats(r"/work/main/(workflows|rules|storage|mailgateway)", args.profile)
    db.dispose()


def _time_write_transactions(db) -> list[float]:
    """Time spent inside ``db.transaction()`` from now on, summed (a one-item list, updated in place)."""
    import contextlib

    held, transaction = [0.0], db.transaction

    @contextlib.contextmanager
    def timed():
        started = time.perf_counter()  # one process: the write turn is never waited for
        try:
            with transaction() as session:
                yield session
        finally:
            held[0] += time.perf_counter() - started

    db.transaction = timed
    return held


if __name__ == "__main__":
    main()

"""IMAP backlog benchmark: N messages waiting in a mailbox to tickets with acknowledgements.

APPENDs N sample requests into a private Dovecot (see tests/imap_server.py;
needs the Debian package dovecot-imapd), then starts the helpdesk (SQLite by
default, its worker processes, scheduler and sender; replies go to a bare
aiosmtpd sink) in a child process with that mailbox, and measures from the
call to ``Helpdesk.start()``:

ingestion msg/s: messages committed as pending inbound rows per second;
end-to-end msg/s: messages whose acknowledgement is in the outbox per second;
CPU: seconds the helpdesk's processes used from ``start()`` to ``stop()`` (its
worker processes' included), which varies less than the rates when other
work shares the machine.

With ``--live`` the helpdesk is started first and the messages are appended
while it runs (IDLE); the clock then starts at the first APPEND.

    .venv/bin/python bench/imap_backlog.py --messages 1000
    .venv/bin/python bench/imap_backlog.py --messages 1000 --live
    .venv/bin/python bench/imap_backlog.py --storage-url postgresql+psycopg://postgres@127.0.0.1:5432/bench
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.smtp_load import _free_port, _serve_baseline  # noqa: E402  (after the path is set)

USER = "bench"
PASSWORD_ENV = "HELPDESK_BENCH_IMAP_PASSWORD"


def _serve_helpdesk(env: dict, ready, stop) -> None:
    os.environ.update(env)
    import logging

    logging.basicConfig(level=logging.WARNING)
    from helpdesk.config import load_settings
    from helpdesk.runner import Helpdesk

    helpdesk = Helpdesk(load_settings(ROOT / "config.toml"))
    ready.send(time.time())  # built (rules compiled); start() comes next
    ready.recv()
    before = os.times()
    started = time.time()
    helpdesk.start()
    ready.send((started, time.time()))
    stop.wait()
    helpdesk.stop()
    after = os.times()  # the workers have ended: their time is in the children's
    ready.send((after.user + after.system - before.user - before.system,
                after.children_user + after.children_system - before.children_user - before.children_system))


def _messages(count: int) -> list[bytes]:
    from helpdesk.samples import build_sample

    return [build_sample(index)[2] for index in range(count)]


def _counts(db) -> tuple[int, int, int]:
    """(inbound rows from IMAP, pending inbound rows, outbox rows)."""
    from sqlalchemy import func, select

    from storage import InboundMessage, Outbox

    with db.sessions() as session:
        # Each count reads an index, not the rows (which hold the raw messages): the watcher
        # shares the machine with the helpdesk and must not take its CPU.
        # Pending first: once it reads 0, every acknowledgement is committed before we count them.
        pending = session.scalar(select(func.count()).where(InboundMessage.status == "pending"))
        stored = session.scalar(select(func.count()).where(InboundMessage.mailbox == USER))
        queued = session.scalar(select(func.count(Outbox.id)))
    return stored, pending, queued


def _watch(db, count: int, timeout: float) -> tuple[float | None, float | None]:
    """Wall-clock times when all messages were stored, and when all were acknowledged."""
    stored_at = None
    deadline = time.time() + timeout
    while time.time() < deadline:
        stored, pending, queued = _counts(db)
        now = time.time()
        if stored_at is None and stored >= count:
            stored_at = now
        if stored_at is not None and pending == 0 and queued >= count:
            return stored_at, now
        time.sleep(0.02)
    return stored_at, None


def run(count: int, storage_url: str | None, live: bool, timeout: float, overrides: dict) -> dict:
    from storage import Database
    from tests.imap_server import PASSWORD, Dovecot

    work = Path(tempfile.mkdtemp(prefix="helpdesk-bench-"))
    url = storage_url or f"sqlite:///{work / 'helpdesk.db'}"
    db = Database(url)
    db.upgrade()  # before the clock starts, as for an installed helpdesk
    messages = _messages(count)
    server = Dovecot()
    server.start()
    relay_port = _free_port()
    prefix = "HELPDESK__IMAP__MAILBOXES__BENCH__"
    env = {
        "HELPDESK__STORAGE__URL": url,
        "HELPDESK__GATEWAY__SMTP_PORT": str(_free_port()),
        "HELPDESK__OUTBOUND__RELAY_PORT": str(relay_port),
        "HELPDESK__CAPTURE__ENABLED": "false",
        # All load comes from the 36 sample senders: no per-sender cap on automatic replies.
        "HELPDESK__OUTBOUND__MAX_AUTOMATIC_REPLIES_PER_SENDER_PER_HOUR": "0",
        f"{prefix}HOST": server.host, f"{prefix}PORT": str(server.port), f"{prefix}SECURITY": "plain",
        f"{prefix}USER": USER, f"{prefix}PASSWORD_ENV": PASSWORD_ENV, f"{prefix}DEPARTMENT": "it",
        PASSWORD_ENV: PASSWORD,
        **{f"HELPDESK__{key}": value for key, value in overrides.items()},
    }
    ctx = mp.get_context("spawn")
    relay_stop = ctx.Event()
    relay_ready, relay_child = ctx.Pipe()
    relay = ctx.Process(target=_serve_baseline, args=(relay_port, relay_child, relay_stop))
    relay.start()
    relay_ready.recv()
    stop = ctx.Event()
    parent, child = ctx.Pipe()
    helpdesk = ctx.Process(target=_serve_helpdesk, args=(env, child, stop))
    try:
        appended = 0.0
        if not live:
            appended = _append(server, messages)
        helpdesk.start()
        _receive(parent, helpdesk)
        parent.send("start")
        started, ready = _receive(parent, helpdesk)
        startup = ready - started
        if live:
            started = time.time()
            appended = _append(server, messages)
        stored_at, done_at = _watch(db, count, timeout)
        left, processed = len(server.uids(USER)), len(server.uids(USER, "Processed"))
        stored, pending, queued = _counts(db)
    finally:
        stop.set()
        cpu = _receive(parent, helpdesk, 60.0) if helpdesk.is_alive() else (None, None)
        helpdesk.join(60)
        relay_stop.set()
        relay.join(10)
        server.cleanup()
        db.dispose()
    return {"storage": url.split(":")[0], "append_s": appended, "startup_s": startup,
            "ingest_per_s": count / (stored_at - started) if stored_at else None,
            "end_to_end_per_s": count / (done_at - started) if done_at else None,
            "stored": stored, "pending": pending, "acknowledged": queued, "left_in_inbox": left,
            "processed_folder": processed, "cpu_runner_s": cpu[0], "cpu_workers_s": cpu[1]}


def _receive(pipe, process, timeout: float = 120.0):
    """The child's next report; an error (not a hang) if it died or went silent, e.g. on a refused setting."""
    deadline = time.time() + timeout
    while not pipe.poll(0.2):
        if not process.is_alive():
            raise SystemExit(f"the helpdesk process exited with code {process.exitcode} (see its log above)")
        if time.time() > deadline:
            raise SystemExit(f"the helpdesk process did not report within {timeout:.0f} s")
    return pipe.recv()


def _append(server, messages: list[bytes]) -> float:
    started = time.perf_counter()
    server.deliver(USER, messages)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--storage-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--live", action="store_true", help="append while the helpdesk runs, not before it starts")
    parser.add_argument("--timeout", type=float, default=300.0, help="give up after this many seconds")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION__KEY=VALUE",
                        help="a setting for the helpdesk, e.g. WORKER__PROCESSES=2 (repeatable)")
    args = parser.parse_args()
    result = run(args.messages, args.storage_url, args.live, args.timeout,
                 dict(item.split("=", 1) for item in args.set))
    mode = "live (appended while running)" if args.live else "backlog (appended before start)"
    print(f"messages={args.messages} storage={result['storage']} mode={mode}")
    inside, outside = "inside the rates below", "before the clock started"
    print(f"APPEND into Dovecot:                 {result['append_s']:7.2f} s "
          f"({args.messages / result['append_s']:.0f} msg/s; {inside if args.live else outside})")
    print(f"helpdesk start() (workers spawned):  {result['startup_s']:7.2f} s ({outside if args.live else inside})")
    print(f"ingestion (stored as pending rows):  {_rate(result['ingest_per_s'])} msg/s")
    print(f"end-to-end (ack in the outbox):      {_rate(result['end_to_end_per_s'])} msg/s (target >= 500)")
    if result["cpu_runner_s"] is not None:
        runner, workers = result["cpu_runner_s"], result["cpu_workers_s"]
        print(f"CPU of the helpdesk from start() to stop(): runner {runner:.2f} s, workers {workers:.2f} s "
              f"({(runner + workers) / args.messages * 1000:.2f} ms per message; less noisy than the rates "
              "on a shared machine)")
    print(f"stored={result['stored']} pending={result['pending']} acknowledged={result['acknowledged']} "
          f"left in INBOX={result['left_in_inbox']} in Processed={result['processed_folder']}")


def _rate(value: float | None) -> str:
    return f"{value:7.1f}" if value is not None else "timeout"


if __name__ == "__main__":
    main()

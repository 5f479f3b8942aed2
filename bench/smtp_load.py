"""SMTP load benchmark: accepted and end-to-end messages per second, and memory.

Runs, in the same invocation and with the same asyncio load generator:
1. the baseline: a bare aiosmtpd server whose handler only answers 250;
2. the helpdesk (gateway, worker, scheduler, sender) on a fresh SQLite
   database (or --storage-url), sending its replies to a bare sink relay;
3. the baseline again (the ratio uses the mean of 1 and 3).
Each server runs in its own child process; the load comes from this one.

    .venv/bin/python bench/smtp_load.py --messages 10000 --sessions 20
    .venv/bin/python bench/smtp_load.py --set WORKER__PROCESSES=2

accepted msg/s: messages answered 250 per second of load.
end-to-end msg/s: messages whose acknowledgement is in the outbox, per
second from the first message sent to the last acknowledgement queued.
RSS: the resident memory of the helpdesk's main process (gateway,
scheduler) and, separately, of its worker processes (pipeline, sender),
after the run.
"""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- servers (child processes) -------------------------------------------------

def _serve_baseline(port: int, ready, stop, nice: int = 0) -> None:
    from aiosmtpd.controller import Controller

    if nice:
        os.nice(nice)

    class Bare:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    controller = Controller(Bare(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.send(os.getpid())
    stop.wait()
    controller.stop()


def _serve_helpdesk(env: dict, ready, stop) -> None:
    os.environ.update(env)
    import logging

    logging.basicConfig(level=logging.WARNING)
    from helpdesk.config import load_settings
    from helpdesk.runner import Helpdesk

    helpdesk = Helpdesk(load_settings(ROOT / "config.toml"))
    helpdesk.start()
    ready.send(os.getpid())
    stop.wait()
    helpdesk.stop()


# --- load generator ---------------------------------------------------------------

def _message(index: int) -> bytes:
    from helpdesk.samples import build_sample

    _, _, raw = build_sample(index)
    return raw.replace(b"Message-ID: <", f"Message-ID: <bench{index}.".encode(), 1)


async def _expect(reader, code: bytes) -> None:
    while True:
        line = await reader.readline()
        if not line:
            raise ConnectionError("server closed the connection")
        if line[3:4] != b"-":
            if not line.startswith(code):
                raise RuntimeError(f"expected {code!r}, got {line!r}")
            return


async def _session(port: int, messages: list[tuple[str, str, bytes]], accepted: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    await _expect(reader, b"220")
    writer.write(b"EHLO load.test\r\n")
    await _expect(reader, b"250")
    for sender, recipient, raw in messages:
        writer.write(f"MAIL FROM:<{sender}>\r\n".encode())
        await _expect(reader, b"250")
        writer.write(f"RCPT TO:<{recipient}>\r\n".encode())
        await _expect(reader, b"250")
        writer.write(b"DATA\r\n")
        await _expect(reader, b"354")
        writer.write(raw.replace(b"\r\n.", b"\r\n..") + b".\r\n")
        await _expect(reader, b"250")
        accepted.append(time.perf_counter())
    writer.write(b"QUIT\r\n")
    await writer.drain()
    writer.close()


def _batches(count: int, sessions: int) -> list[list[tuple[str, str, bytes]]]:
    """The messages to send, one list per session (built before any server starts)."""
    from helpdesk.samples import build_sample

    batches: list[list] = [[] for _ in range(sessions)]
    for index in range(count):
        sender, recipient, _ = build_sample(index)
        batches[index % sessions].append((sender, recipient, _message(index)))
    return batches


async def _load(port: int, batches: list[list]) -> tuple[float, float, list[float]]:
    accepted: list[float] = []
    started = time.perf_counter()
    await asyncio.gather(*(_session(port, batch, accepted) for batch in batches))
    return started, time.perf_counter(), accepted


def _start(target, args):
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    stop = ctx.Event()
    process = ctx.Process(target=target, args=(*args[:1], child, stop, *args[1:]))
    process.start()
    pid = parent.recv()
    return process, stop, pid


def run_baseline(batches: list[list]) -> float:
    port = _free_port()
    process, stop, _ = _start(_serve_baseline, (port,))
    try:
        started, ended, accepted = asyncio.run(_load(port, batches))
    finally:
        stop.set()
        process.join(10)
    return len(accepted) / (ended - started)


def run_helpdesk(batches: list[list], storage_url: str | None, overrides: dict | None = None) -> dict:
    import psutil
    from sqlalchemy import func, select

    from storage import Database, InboundMessage, Outbox

    count = sum(len(batch) for batch in batches)
    work = Path(tempfile.mkdtemp(prefix="helpdesk-bench-"))
    url = storage_url or f"sqlite:///{work / 'helpdesk.db'}"
    port = _free_port()
    relay_port = _free_port()
    env = {
        "HELPDESK__STORAGE__URL": url,
        "HELPDESK__GATEWAY__SMTP_PORT": str(port),
        "HELPDESK__GATEWAY__MAX_MESSAGES_PER_MINUTE_PER_PEER": "0",
        "HELPDESK__OUTBOUND__RELAY_PORT": str(relay_port),
        "HELPDESK__CAPTURE__ENABLED": "false",
        # All load comes from the 36 sample senders: no per-sender cap on automatic replies.
        "HELPDESK__OUTBOUND__MAX_AUTOMATIC_REPLIES_PER_SENDER_PER_HOUR": "0",
        **{f"HELPDESK__{key}": value for key, value in (overrides or {}).items()},
    }
    # The relay is another machine's job in production: a bare sink in its own process here, at the lowest
    # CPU priority so it takes what the helpdesk leaves (on another machine it would take nothing).
    relay, relay_stop, _ = _start(_serve_baseline, (relay_port, 19))
    process, stop, pid = _start(_serve_helpdesk, (env,))
    db = Database(url)
    try:
        with db.sessions() as session:
            outbox_before = session.scalar(select(func.count()).select_from(Outbox))
        started, ended, accepted = asyncio.run(_load(port, batches))
        while True:
            with db.sessions() as session:
                # Pending first: once it reads 0, every acknowledgement is committed before we count them.
                pending = session.scalar(select(func.count()).where(InboundMessage.status == "pending"))
                queued = session.scalar(select(func.count()).select_from(Outbox)) - outbox_before
            if queued >= count or (pending == 0 and queued < count and time.perf_counter() - ended > 5):
                break
            time.sleep(0.05)
        done = time.perf_counter()
        main = psutil.Process(pid)
        rss = main.memory_info().rss
        worker_rss = sum(child.memory_info().rss for child in main.children(recursive=True))
    finally:
        stop.set()
        process.join(30)
        relay_stop.set()
        relay.join(10)
        db.dispose()
    return {
        "accepted_per_s": len(accepted) / (ended - started),
        "end_to_end_per_s": queued / (done - started),
        "acknowledged": queued,
        "rss_mb": rss / 2**20,
        "worker_rss_mb": worker_rss / 2**20,
        "storage": url.split(":")[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--storage-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION__KEY=VALUE",
                        help="a setting for the helpdesk, e.g. WORKER__PROCESSES=2 (repeatable)")
    args = parser.parse_args()
    batches = _batches(args.messages, args.sessions)
    # The baseline runs before and after the helpdesk; the ratio uses their mean, so a
    # change in the machine's load during the run shows instead of skewing the ratio.
    before = run_baseline(batches)
    result = run_helpdesk(batches, args.storage_url, dict(item.split("=", 1) for item in args.set))
    after = run_baseline(batches)
    baseline = (before + after) / 2
    print(f"messages={args.messages} sessions={args.sessions} storage={result['storage']}")
    print(f"baseline (bare aiosmtpd, 250 only): {baseline:8.1f} accepted msg/s "
          f"(mean of {before:.1f} before and {after:.1f} after)")
    print(f"helpdesk accepted:                  {result['accepted_per_s']:8.1f} msg/s "
          f"({result['accepted_per_s'] / baseline:.0%} of baseline; target >= 60%)")
    print(f"helpdesk end-to-end (ack in outbox): {result['end_to_end_per_s']:7.1f} msg/s "
          f"({result['acknowledged']} acknowledged; target >= 200)")
    print(f"helpdesk RSS after the run:          {result['rss_mb']:7.1f} MB main process (target < 250), "
          f"{result['worker_rss_mb']:.1f} MB worker processes")


if __name__ == "__main__":
    main()

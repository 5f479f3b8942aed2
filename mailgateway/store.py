"""Durable intake: inbound messages committed in groups before 250 is sent.

SMTP sessions hand their message to one writer thread; it commits whatever
has queued up in one transaction (group commit) on a connection with
SQLite ``synchronous=FULL``, so every accepted message is on disk before the
sender hears 250, at the cost of one sync per group instead of per message.
"""
from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from storage import Database
from storage.intake import IntakeInserter

log = logging.getLogger("helpdesk.gateway.store")
_STOP = object()


@dataclass(frozen=True)
class Received:
    source: str
    peer: str | None
    mail_from: str
    rcpt_to: tuple[str, ...]
    raw: bytes


class InboundWriter:
    """A thread that commits received messages in groups and reports their ids."""

    def __init__(self, db: Database, *, max_group: int = 200, on_commit: Callable[[], None] | None = None):
        self.db = db
        self.inserter = IntakeInserter(db)
        self.max_group = max_group
        self.on_commit = on_commit
        self._queue: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="inbound-writer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._queue.put(_STOP)
        self._thread.join(timeout=10)

    async def store(self, item: Received) -> int:
        """Commit one message; returns its inbound id or raises if it could not be stored."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._queue.put((item, loop, future))
        return await future

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                break
            group = [first]
            stop = False
            while len(group) < self.max_group:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is _STOP:
                    stop = True
                    break
                group.append(more)
            self._commit(group)
            if stop:
                break
        self.inserter.close()

    def _commit(self, group: list) -> None:
        """Commit a group; if that fails, each message alone, so one bad message fails only itself."""
        try:
            ids = self._insert([item for item, _, _ in group])
        except Exception as exc:
            if len(group) == 1:
                _, loop, future = group[0]
                loop.call_soon_threadsafe(_resolve, future, None, exc)  # the gateway logs it and answers 451
                return
            log.warning("event=group_commit_failed size=%d retrying=one_by_one", len(group), exc_info=True)
            for entry in group:
                self._commit([entry])
            return
        # One wake-up per event loop for the whole group, not one per message.
        by_loop: dict = {}
        for (_, loop, future), inbound_id in zip(group, ids):
            by_loop.setdefault(loop, []).append((future, inbound_id))
        for loop, results in by_loop.items():
            loop.call_soon_threadsafe(_resolve_all, results)
        if self.on_commit:
            self.on_commit()

    def _insert(self, items: list[Received]) -> list[int]:
        return self.inserter.insert([
            {"source": i.source, "peer": i.peer, "mail_from": i.mail_from, "rcpt_to": list(i.rcpt_to), "raw": i.raw}
            for i in items
        ])


def _resolve_all(results: list[tuple[asyncio.Future, int]]) -> None:
    for future, value in results:
        _resolve(future, value, None)


def _resolve(future: asyncio.Future, value, error) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(value)

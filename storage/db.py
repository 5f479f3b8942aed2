"""The database: engine set-up per backend, transactions and migrations.

SQLite (the embedded default) runs in WAL mode: readers never wait.
By default the writer whose commit fills the write-ahead log past 1,000
pages copies it into the database file (a checkpoint) before its commit
returns, holding the write turn; a long-running helpdesk turns that off
(``autocheckpoint=False``) and calls :meth:`Database.checkpoint` from a
thread of its own, beside the writers instead of in their way.
Writes (``transaction()``) start with ``BEGIN IMMEDIATE`` so two writers
never deadlock on a lock upgrade. SQLite's own busy handler waits by
polling with growing sleeps, which lets a busy writer starve the others (the
SMTP intake behind a pipeline worker); so writers first queue on an OS file
lock beside the database, where a waiter is woken the moment the lock is
free. Reads (``sessions()``) start a plain deferred transaction and take no
write lock. PostgreSQL is used as is; workers there claim rows with
``FOR UPDATE SKIP LOCKED``.

JSON columns (events' data, tags, recipients) are written by orjson on
both backends (:func:`json_text`): a ticket's dozen events each carry some,
and the standard library's encoder cost several times more per value.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
from sqlalchemy import Connection, create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from storage.fast import driver_cursor

MIGRATIONS = Path(__file__).with_name("migrations")


def json_text(value: object) -> str:
    """A JSON column's text: orjson's (compact, UTF-8), or the standard library's for what orjson refuses.

    orjson refuses integers beyond 64 bits; the standard library writes them (and reads both back alike).
    """
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:  # orjson.JSONEncodeError is one
        return json.dumps(value, ensure_ascii=False)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Database:
    """One engine and its session factory.

    ``synchronous`` is SQLite's durability level for this engine's
    connections: ``FULL`` survives power loss (used where we promise the
    sender we have the message), ``NORMAL`` survives a process crash.
    ``write_priority`` puts this engine's writes ahead of other writers to
    the same SQLite file (the SMTP intake). ``autocheckpoint=False`` leaves
    checkpoints to whoever calls :meth:`checkpoint` (SQLite only).
    """

    def __init__(self, url: str, *, synchronous: str = "NORMAL", pool_size: int = 5,
                 write_priority: bool = False, autocheckpoint: bool = True) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self._gate: _WriteGate | None = None
        if self.is_sqlite:
            self._ensure_sqlite_dir()
            self.engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                                        json_serializer=json_text)
            _configure_sqlite(self.engine, synchronous, autocheckpoint)
            self._gate = _WriteGate(self.url.database, priority=write_priority)
        else:
            self.engine = create_engine(url, pool_size=pool_size, pool_pre_ping=True, json_serializer=json_text)
        _plain_savepoints(self.engine.dialect)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def _ensure_sqlite_dir(self) -> None:
        database = self.url.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write session: committed on success, rolled back on error."""
        with self.write_turn(), self.sessions() as session, session.begin():
            session.connection(execution_options={_WRITE: True})
            yield session

    def write_wanted(self) -> bool:
        """Whether a priority writer (the SMTP intake) is waiting for this SQLite file."""
        return self._gate is not None and self._gate.priority_waiting()

    @contextlib.contextmanager
    def write_turn(self) -> Iterator[None]:
        """This process's turn to write (SQLite: the write gate); ``transaction()`` takes it itself."""
        if self._gate is None:
            yield
            return
        with self._gate:
            yield

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (idempotent)."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def checkpoint(self) -> tuple[int, int] | None:
        """Copy what the SQLite write-ahead log holds into the database file, without waiting for anyone.

        A passive checkpoint: it takes no write turn and stops short of frames
        a reader still needs. Returns (frames in the log, frames copied); None
        when the database is not SQLite.
        """
        if not self.is_sqlite:
            return None
        with self.engine.connect() as connection, driver_cursor(connection) as cursor:
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
            _busy, frames, copied = cursor.fetchone()
        return frames, copied

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


def _plain_savepoints(dialect) -> None:
    """Emit SAVEPOINT, RELEASE and ROLLBACK TO as plain SQL on the driver.

    SQLAlchemy compiles these statements anew every time (they have no cache
    key): about 150 µs each here, and the pipeline takes a savepoint for
    every message. The engine's Connection still keeps track of its
    savepoints; only the emitting of the SQL is replaced, on this engine's
    dialect instance only. The names are SQLAlchemy's own (``sa_savepoint_3``).
    """
    quote = dialect.identifier_preparer.quote

    def emit(sql: str) -> Callable[[Connection, str], None]:
        def run(connection: Connection, name: str) -> None:
            with driver_cursor(connection) as cursor:
                cursor.execute(f"{sql} {quote(name)}")
        return run

    dialect.do_savepoint = emit("SAVEPOINT")
    dialect.do_release_savepoint = emit("RELEASE SAVEPOINT")
    dialect.do_rollback_to_savepoint = emit("ROLLBACK TO SAVEPOINT")


def _configure_sqlite(engine: Engine, synchronous: str, autocheckpoint: bool) -> None:
    if synchronous not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
        raise ValueError(f"unknown SQLite synchronous level {synchronous!r}")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy's "begin" event decide how transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if not autocheckpoint:
            cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        write = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


_WRITE = "helpdesk_write"


class _WriteGate:
    """An exclusive lock shared by every process writing one SQLite file.

    flock() waiters sleep in the kernel and wake as soon as the holder lets
    go, but a busy writer that loops straight back would win the race again
    and again. So a *priority* writer (the SMTP intake, where a sender waits
    for its 250) first takes the "intent" lock exclusively; other writers
    pass through the intent lock (shared) before queueing for the write lock,
    so while the intake waits they wait behind it. A thread lock serialises
    this process's own writers first.
    """

    def __init__(self, database: str | None, *, priority: bool = False) -> None:
        memory = not database or database == ":memory:" or database.startswith("file:")
        self._paths = None if memory else (f"{database}.writelock", f"{database}.intentlock")
        self._priority = priority
        self._threads = threading.Lock()
        self._fds: tuple[int, int] | None = None

    def __enter__(self) -> None:
        self._threads.acquire()
        if self._paths is None:
            return
        try:
            write, intent = self._open()
            if self._priority:
                fcntl.flock(intent, fcntl.LOCK_EX)
            else:
                fcntl.flock(intent, fcntl.LOCK_SH)
                fcntl.flock(intent, fcntl.LOCK_UN)
            fcntl.flock(write, fcntl.LOCK_EX)
        except BaseException:
            self._release()
            raise

    def __exit__(self, *exc) -> None:
        self._release()

    def priority_waiting(self) -> bool:
        """Whether a priority writer holds the intent lock (it waits for, or has, the write lock)."""
        if self._paths is None or self._priority:
            return False
        _, intent = self._open()
        try:
            fcntl.flock(intent, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(intent, fcntl.LOCK_UN)
        return False

    def _open(self) -> tuple[int, int]:
        if self._fds is None:
            self._fds = tuple(os.open(path, os.O_RDWR | os.O_CREAT, 0o600) for path in self._paths)
        return self._fds

    def _release(self) -> None:
        try:
            if self._fds is not None:
                for fd in self._fds:
                    fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()

"""The database: engine set-up per backend, transactions and migrations.

SQLite (the embedded default) runs in WAL mode: readers never wait.
Writes (``transaction()``) start with ``BEGIN IMMEDIATE`` so two writers
never deadlock on a lock upgrade. SQLite's own busy handler waits by
polling with growing sleeps, which lets a busy writer starve the others (the
SMTP intake behind a pipeline worker); so writers first queue on an OS file
lock beside the database, where a waiter is woken the moment the lock is
free. Reads (``sessions()``) start a plain deferred transaction and take no
write lock. PostgreSQL is used as is; workers there claim rows with
``FOR UPDATE SKIP LOCKED``.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).with_name("migrations")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Database:
    """One engine and its session factory.

    ``synchronous`` is SQLite's durability level for this engine's
    connections: ``FULL`` survives power loss (used where we promise the
    sender we have the message), ``NORMAL`` survives a process crash.
    """

    def __init__(self, url: str, *, synchronous: str = "NORMAL", pool_size: int = 5) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self._gate: _WriteGate | None = None
        if self.is_sqlite:
            self._ensure_sqlite_dir()
            self.engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
            _configure_sqlite(self.engine, synchronous)
            self._gate = _WriteGate(self.url.database)
        else:
            self.engine = create_engine(url, pool_size=pool_size, pool_pre_ping=True)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def _ensure_sqlite_dir(self) -> None:
        database = self.url.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write session: committed on success, rolled back on error."""
        with self._write_turn(), self.sessions() as session, session.begin():
            session.connection(execution_options={_WRITE: True})
            yield session

    @contextlib.contextmanager
    def _write_turn(self) -> Iterator[None]:
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

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


def _configure_sqlite(engine: Engine, synchronous: str) -> None:
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
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        write = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


_WRITE = "helpdesk_write"


class _WriteGate:
    """An exclusive lock shared by every process writing one SQLite file.

    flock() waiters sleep in the kernel and wake as soon as the holder lets
    go; the thread lock serialises this process's own writers first.
    """

    def __init__(self, database: str | None) -> None:
        memory = not database or database == ":memory:" or database.startswith("file:")
        self._path = None if memory else f"{database}.writelock"
        self._threads = threading.Lock()
        self._fd: int | None = None

    def __enter__(self) -> None:
        self._threads.acquire()
        if self._path is None:
            return
        try:
            if self._fd is None:
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise

    def __exit__(self, *exc) -> None:
        try:
            if self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()

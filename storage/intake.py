"""The intake's insert of received messages: the one write on the SMTP hot path.

The gateway answers 250 only after this commit, and it runs on the gateway
process's interpreter, so its cost is paid in accepted messages per second.
On SQLite the rows go straight to the DBAPI connection (kept open by the
writer), through SQLAlchemy's own bind processors for each column, so the
stored values are exactly what the ORM writes and reads; this skips the
session, pool and statement machinery, which cost more than the insert and
the sync together. Other backends use ``repo.add_inbound_many``.
"""
from __future__ import annotations

from collections.abc import Sequence

from storage import repo
from storage.db import Database, utcnow
from storage.models import InboundMessage, InboundStatus

_TABLE = InboundMessage.__table__


class IntakeInserter:
    """Inserts groups of received messages in one transaction each; not thread-safe (one writer thread)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._raw = None  # the SQLite DBAPI connection, opened on first use
        self._statements: dict[tuple[str, ...], tuple[str, list]] = {}

    def insert(self, rows: Sequence[dict]) -> list[int]:
        """Commit the rows (source, peer, mail_from, rcpt_to, raw, and optional columns); their ids in order."""
        if not self.db.is_sqlite:
            with self.db.transaction() as session:
                return repo.add_inbound_many(session, rows)
        now = utcnow()
        full = [{**row, "received_at": now, "size": len(row["raw"]), "status": InboundStatus.PENDING.value}
                for row in rows]
        sql, processors = self._statement(tuple(full[0]))
        with self.db.write_turn():
            connection = self._connection()
            try:
                connection.execute("BEGIN IMMEDIATE")
                ids = []
                for row in full:
                    values = [process(row[name]) if process else row[name] for name, process in processors]
                    ids.append(connection.execute(sql, values).lastrowid)
                connection.execute("COMMIT")
            except BaseException:
                self._discard()
                raise
        return ids

    def close(self) -> None:
        if self._raw is not None:
            self._raw.close()
            self._raw = None

    def _connection(self):
        if self._raw is None:
            self._raw = self.db.engine.raw_connection()  # the engine's PRAGMAs (WAL, synchronous) apply
        return self._raw.driver_connection

    def _discard(self) -> None:
        """After a failure: roll back and drop the connection; the next group opens a fresh one."""
        raw, self._raw = self._raw, None
        if raw is None:
            return
        try:
            raw.driver_connection.execute("ROLLBACK")
        except Exception:  # no transaction open, or the connection is gone
            pass
        try:
            raw.invalidate()
        except Exception:
            pass

    def _statement(self, names: tuple[str, ...]) -> tuple[str, list]:
        found = self._statements.get(names)
        if found is None:
            dialect = self.db.engine.dialect
            unknown = [name for name in names if name not in _TABLE.c]
            if unknown:
                raise KeyError(f"not columns of {_TABLE.name}: {unknown}")
            processors = [(name, _TABLE.c[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in names]
            sql = (f"INSERT INTO {_TABLE.name} ({', '.join(names)}) "
                   f"VALUES ({', '.join('?' for _ in names)})")
            found = self._statements[names] = (sql, processors)
        return found

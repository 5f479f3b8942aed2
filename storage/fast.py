"""The pipeline's per-message statements, run without SQLAlchemy's per-call work.

SQLAlchemy Core spends about 100 µs on every ``Connection.execute`` on this
kind of machine (building an execution context, processing each parameter,
wrapping the result) before the database does anything: 107 µs against
4.6 µs on the driver for a one-row indexed SELECT, 331 µs against 138 µs
for inserting a ticket (measured on SQLite). The pipeline runs about a dozen
such statements for every message, so that is a fifth of its time.

A :class:`Prepared` statement is compiled by SQLAlchemy once per dialect
(and per set of columns given), so its SQL, parameter style, literal values,
column defaults and each parameter's conversion (``UtcDateTime``, JSON ...)
are SQLAlchemy's own; it then runs on the DBAPI cursor of the caller's
SQLAlchemy connection, inside the caller's transaction. What it cannot take
(expanding ``IN`` parameters, defaults computed from the execution context,
result types needing conversion) it refuses when compiled, not silently.
Results come back as the driver gives them, so it is for statements that
return integers and text. ``tests/storage/test_fast.py`` holds it to
SQLAlchemy's own execution on SQLite and PostgreSQL.
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Integer, String
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import ClauseElement

_PLAIN_RESULTS = (Integer, String)  # types the driver returns as SQLAlchemy would


class _Plan:
    """One compiled form of a statement: SQL, how to order and convert parameters, defaults to fill."""

    __slots__ = ("convert", "defaults", "fixed", "names", "positional", "sql")

    def __init__(self, statement: ClauseElement, dialect: Dialect, keys: tuple[str, ...]) -> None:
        insert = isinstance(statement, Insert)
        compiled = statement.compile(dialect=dialect, column_keys=list(keys) if insert else None)
        if compiled.literal_execute_params or compiled.post_compile_params:
            raise ValueError("a Prepared statement cannot have expanding or literal-execute parameters")
        for column in compiled.effective_returning or ():
            if not isinstance(column.type, _PLAIN_RESULTS):
                raise TypeError(f"a Prepared statement cannot return {column.type!r} ({column.key})")
        self.sql = compiled.string
        self.positional = dialect.positional
        self.names = tuple(compiled.positiontup or ()) if self.positional else ()
        # Values written in the statement itself (``status = 'pending'``, ``next_number + 1``).
        self.fixed = {name: bind.value for name, bind in compiled.binds.items()
                      if name not in keys and bind.value is not None and bind.callable is None}
        self.defaults = [(column.key, _filler(column)) for column in (compiled.insert_prefetch if insert else ())]
        # SQLAlchemy's own conversion of each parameter for this dialect, as its execution applies it.
        self.convert = dict(compiled._bind_processors)

    def parameters(self, given: Mapping[str, Any], converted: bool = False) -> Sequence[Any] | dict[str, Any]:
        """The driver's parameters for these values (``converted``: as :meth:`Prepared.converted` made them)."""
        values = given if converted else self.converted({**self.fixed, **given}, given)
        return [values[name] for name in self.names] if self.positional else values

    def converted(self, values: dict[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
        """``values`` with the defaults of the columns not ``given`` filled in, each converted (in place)."""
        for key, make in self.defaults:
            if key not in given:
                values[key] = make()
        for name, convert in self.convert.items():
            value = values.get(name)
            if value is not None:
                values[name] = convert(value)
        return values


def _filler(column) -> Callable[[], Any]:
    """What an insert that leaves the column out writes into it: its plain default, or NULL."""
    default = column.default
    if default is None:
        return lambda: None
    if default.is_scalar:
        return lambda: default.arg
    if default.is_callable:
        return lambda: default.arg(None)  # SQLAlchemy wraps a default like ``list`` to take a context
    raise ValueError(f"a Prepared insert cannot fill column {column.key} (no plain default)")


class Prepared:
    """A Core INSERT, UPDATE or SELECT run straight on the driver (see the module's notes)."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._plans: dict[tuple[str, tuple[str, ...]], _Plan] = {}
        self._shapes: dict[tuple, tuple[_Plan, list]] = {}

    def execute(self, connection: Connection, parameters: Mapping[str, Any]) -> int:
        """Run once; the number of rows it changed."""
        with self._run(connection, parameters) as cursor:
            return cursor.rowcount

    def first_row(self, connection: Connection, parameters: Mapping[str, Any], *,
                  converted: bool = False) -> tuple | None:
        """Run once; the first row it returned (or None). ``converted``: as in :meth:`execute_many`."""
        with self._run(connection, parameters, converted) as cursor:
            return cursor.fetchone()

    def column(self, connection: Connection, parameters: Mapping[str, Any]) -> list:
        """Run once; the first value of every row it returned."""
        with self._run(connection, parameters) as cursor:
            return [row[0] for row in cursor.fetchall()]

    def execute_many(self, connection: Connection, rows: Sequence[Mapping[str, Any]], *,
                     converted: bool = False) -> None:
        """Run once per row, in one driver call.

        An insert's rows may give different columns: a row without one gets
        the column's default (or NULL), as it would inserted alone. With
        ``converted``, every row is one :meth:`converted` made, plus values
        that need no conversion (the columns it left for later).
        """
        if not rows:
            return
        keys = tuple(dict.fromkeys(key for row in rows for key in row))
        if any(len(row) != len(keys) for row in rows):
            if converted:
                raise ValueError(f"every converted row must give the same values: {', '.join(keys)}")
            rows = [self._complete(row, keys) for row in rows]
        plan = self._plan(connection, keys)
        with self._cursor(connection) as cursor:
            cursor.executemany(plan.sql, [plan.parameters(row, converted) for row in rows])

    def converted(self, dialect: Dialect, values: Mapping[str, Any], later: tuple[str, ...] = ()) -> dict[str, Any]:
        """An insert's row for ``execute_many(..., converted=True)``, converted now instead of when it runs.

        Every column gets its value: the given one, else its default (or
        NULL), converted as the statement converts it on ``dialect``; only
        the columns named in ``later`` (values that need no conversion, such
        as an id known only then) and the database's own (an autoincrement
        key, a server default) are left out, to be added before it runs.
        """
        shape = (dialect.name, later, tuple(values))
        found = self._shapes.get(shape)
        if found is None:
            found = self._shapes[shape] = self._shape(dialect, values, later)
        plan, fill = found
        row = {key: values[key] if key in values else make() for key, make in fill}
        return plan.converted(row, row)

    def _shape(self, dialect: Dialect, values: Mapping[str, Any], later: tuple[str, ...]) -> tuple:
        """The plan for ``converted``'s rows of these columns, and how to fill each column in them."""
        if not isinstance(self.statement, Insert):
            raise TypeError("only an insert's rows can be converted ahead")
        table = self.statement.table
        for name in later:
            if table.c[name].type.bind_processor(dialect) is not None:
                raise ValueError(f"column {name} needs converting: it cannot be left for later")
        columns = [column for column in table.c if column.key not in later and (
            column.key in values or (column is not table.autoincrement_column and column.server_default is None))]
        plan = self._plan_for(dialect, tuple(column.key for column in columns))
        if plan.fixed:
            raise ValueError("a statement with values of its own cannot have its rows converted ahead")
        return plan, [(column.key, None if column.key in values else _filler(column)) for column in columns]

    def _complete(self, row: Mapping[str, Any], keys: tuple[str, ...]) -> Mapping[str, Any]:
        if len(row) == len(keys):
            return row
        inserting = isinstance(self.statement, Insert)  # an insert has defaults to fill in with
        if not inserting:
            raise ValueError(f"every row must give the same values: {', '.join(keys)}")
        columns = self.statement.table.c
        return {key: row[key] if key in row else _filler(columns[key])() for key in keys}

    def _plan(self, connection: Connection, keys: tuple[str, ...]) -> _Plan:
        return self._plan_for(connection.dialect, keys)

    def _plan_for(self, dialect: Dialect, keys: tuple[str, ...]) -> _Plan:
        plan = self._plans.get((dialect.name, keys))
        if plan is None:
            plan = self._plans[(dialect.name, keys)] = _Plan(self.statement, dialect, keys)
        return plan

    @contextlib.contextmanager
    def _run(self, connection: Connection, parameters: Mapping[str, Any], converted: bool = False) -> Iterator[Any]:
        """The cursor, with the statement run once with these parameters."""
        plan = self._plan(connection, tuple(parameters))
        with self._cursor(connection) as cursor:
            cursor.execute(plan.sql, plan.parameters(parameters, converted))
            yield cursor

    @staticmethod
    def _cursor(connection: Connection) -> contextlib.closing:
        """The driver's cursor on the caller's connection, closed afterwards."""
        if not connection.in_transaction():
            raise RuntimeError("a Prepared statement runs inside the caller's transaction; none is open")
        return driver_cursor(connection)


def driver_cursor(connection: Connection) -> contextlib.closing:
    """A new cursor of the driver's connection under a SQLAlchemy connection, closed when the block ends."""
    return contextlib.closing(connection.connection.dbapi_connection.cursor())

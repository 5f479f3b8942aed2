"""KPI queries for the dashboard: aggregation runs in the database.

Each query groups or limits in SQL on indexed columns (``created_at``,
``resolved_at``, ``department, state``), so only small result sets cross the
wire. Days are bucketed in UTC on every backend, so SQLite and PostgreSQL
give the same answer. ``departments=None`` means every department; an empty
list means none.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Date, Select, cast, func, literal_column, or_, select
from sqlalchemy.orm import Session

from storage.models import Ticket, TicketState

OPEN_STATES: tuple[str, ...] = (
    TicketState.NEW.value,
    TicketState.OPEN.value,
    TicketState.WAITING_ON_REQUESTER.value,
)


@dataclass(frozen=True)
class DailyCount:
    day: dt.date
    department: str
    created: int
    resolved: int


@dataclass(frozen=True)
class BacklogRow:
    department: str
    state: str
    count: int


@dataclass(frozen=True)
class TicketRow:
    key: str
    department: str
    requester_email: str
    subject: str
    category: str
    priority: str
    state: str
    created_at: dt.datetime
    resolution_due: dt.datetime | None


def _utc_day(session: Session, column):
    """The UTC calendar day of a timestamp column, as a SQL date expression."""
    if session.get_bind().dialect.name == "sqlite":
        # Stored as naive UTC text; date() cuts it to 'YYYY-MM-DD'.
        return func.date(column, type_=Date)
    # timestamptz: shift to UTC wall time first, whatever the session TimeZone.
    return cast(func.timezone(literal_column("'UTC'"), column), Date)


def _in_departments(query: Select, departments: Sequence[str] | None) -> Select:
    if departments is None:
        return query
    return query.where(Ticket.department.in_(list(departments)))


def _per_day(session, column, since, until, departments) -> dict[tuple, int]:
    day = _utc_day(session, column).label("day")
    query = (
        select(day, Ticket.department, func.count())
        .where(column >= since, column < until)
        .group_by(day, Ticket.department)
    )
    rows = session.execute(_in_departments(query, departments))
    return {(row_day, department): count for row_day, department, count in rows}


def created_resolved_per_day(
    session: Session,
    since: dt.datetime,
    until: dt.datetime,
    departments: Sequence[str] | None = None,
) -> list[DailyCount]:
    """Tickets created and resolved per UTC day and department in [since, until).

    Days without activity in a department are omitted. Sorted by day, then
    department.
    """
    created = _per_day(session, Ticket.created_at, since, until, departments)
    resolved = _per_day(session, Ticket.resolved_at, since, until, departments)
    return [
        DailyCount(day, department, created.get((day, department), 0), resolved.get((day, department), 0))
        for day, department in sorted(created.keys() | resolved.keys())
    ]


def backlog(session: Session, departments: Sequence[str] | None = None) -> list[BacklogRow]:
    """Tickets not yet resolved or closed, per department and state."""
    query = (
        select(Ticket.department, Ticket.state, func.count())
        .where(Ticket.state.in_(OPEN_STATES))
        .group_by(Ticket.department, Ticket.state)
        .order_by(Ticket.department, Ticket.state)
    )
    return [BacklogRow(*row) for row in session.execute(_in_departments(query, departments))]


def ticket_list(
    session: Session,
    *,
    departments: Sequence[str] | None = None,
    states: Sequence[str] | None = None,
    search: str | None = None,
    limit: int = 200,
) -> list[TicketRow]:
    """The newest tickets matching the filters.

    ``search`` matches key, subject or requester address, case-insensitively;
    ``%`` and ``_`` in it are literal characters, not wildcards.
    """
    query = select(
        Ticket.key, Ticket.department, Ticket.requester_email, Ticket.subject, Ticket.category,
        Ticket.priority, Ticket.state, Ticket.created_at, Ticket.resolution_due,
    )
    query = _in_departments(query, departments)
    if states is not None:
        query = query.where(Ticket.state.in_(list(states)))
    if search and search.strip():
        pattern = f"%{_escape_like(search.strip())}%"
        query = query.where(or_(
            *(column.ilike(pattern, escape="\\")
              for column in (Ticket.key, Ticket.subject, Ticket.requester_email))
        ))
    query = query.order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit)
    return [TicketRow(*row) for row in session.execute(query)]


def _escape_like(text: str) -> str:
    """Make LIKE's wildcards (and the escape character itself) literal."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def department_names(session: Session) -> list[str]:
    """Every department that has a ticket, sorted (read from the department index)."""
    query = select(Ticket.department).distinct().order_by(Ticket.department)
    return list(session.scalars(query))


@dataclass(frozen=True)
class TicketPage:
    rows: list[TicketRow]
    total: int  # every ticket matching the filters


def ticket_page(
    session: Session,
    *,
    departments: Sequence[str] | None = None,
    states: Sequence[str] | None = None,
    priorities: Sequence[str] | None = None,
    assignee: str | None = None,
    search: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> TicketPage:
    """One page of the newest tickets matching the filters, and how many match in all (both in SQL)."""
    query = select(Ticket.key, Ticket.department, Ticket.requester_email, Ticket.subject, Ticket.category,
                   Ticket.priority, Ticket.state, Ticket.created_at, Ticket.resolution_due)
    query = _in_departments(query, departments)
    if states:
        query = query.where(Ticket.state.in_(list(states)))
    if priorities:
        query = query.where(Ticket.priority.in_(list(priorities)))
    if assignee and assignee.strip():
        query = query.where(Ticket.assignee.ilike(f"%{_escape_like(assignee.strip())}%", escape="\\"))
    if search and search.strip():
        pattern = f"%{_escape_like(search.strip())}%"
        query = query.where(or_(*(column.ilike(pattern, escape="\\")
                                  for column in (Ticket.key, Ticket.subject, Ticket.requester_email))))
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = session.execute(query.order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit).offset(offset))
    return TicketPage([TicketRow(*row) for row in rows], total)


@dataclass(frozen=True)
class TicketDetail:
    ticket: Ticket  # detached: read its columns only
    messages: list  # storage.models.Message rows, oldest first
    events: list  # storage.models.Event rows, oldest first
    raw: dict[int, bytes]  # message id -> the mail it came from, as received (to show its HTML, sanitised)


def ticket_detail(session: Session, key: str, departments: Sequence[str] | None = None) -> TicketDetail | None:
    """A ticket with its conversation and timeline; None if there is none by that key in ``departments``."""
    from storage.models import Event, InboundMessage, Message

    query = _in_departments(select(Ticket).where(Ticket.key == key.strip().upper()), departments)
    ticket = session.scalars(query).first()
    if ticket is None:
        return None
    messages = list(session.scalars(select(Message).where(Message.ticket_id == ticket.id).order_by(Message.id)))
    events = list(session.scalars(select(Event).where(Event.ticket_id == ticket.id)
                                  .order_by(Event.at, Event.id)))
    raw = {}
    inbound_ids = {m.inbound_id: m.id for m in messages if m.inbound_id is not None and m.direction == "in"}
    if inbound_ids:
        for inbound_id, content in session.execute(select(InboundMessage.id, InboundMessage.raw)
                                                   .where(InboundMessage.id.in_(list(inbound_ids)))):
            raw[inbound_ids[inbound_id]] = content
    session.expunge_all()
    return TicketDetail(ticket, messages, events, raw)

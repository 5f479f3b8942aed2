"""SQLAlchemy models: the tables of the helpdesk.

Times are stored as timezone-aware UTC (``UtcDateTime``) on every backend, so
SQLite and PostgreSQL return the same values.
"""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy import DateTime as SADateTime
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UtcDateTime(TypeDecorator):
    """An aware UTC datetime on every backend (SQLite keeps no zone)."""

    impl = SADateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UtcDateTime column")
        return value.astimezone(dt.timezone.utc)

    def bind_processor(self, dialect):
        """SQLAlchemy's conversion, in one step on SQLite.

        SQLite stores the naive UTC time as text, ``2026-11-22 09:30:00.000000``
        (SQLAlchemy's storage format for its DATETIME there), which
        ``isoformat`` writes directly; SQLAlchemy's two steps, this type's and
        the dialect's ``%``-formatting from a dict, cost several times more
        for every time written. ``tests/storage/test_db.py`` holds the two equal.
        A message's rows write the same few times many times over (its arrival
        on every event), so the last times written are remembered: equal
        aware times are one instant, whatever their zones, and write the same text.
        """
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)
        to_utc = self.process_bind_param
        written: dict[dt.datetime, str] = {}

        def process(value):
            if value is None:
                return None
            text = written.get(value) if value.tzinfo is not None else None
            if text is None:
                text = to_utc(value, dialect).replace(tzinfo=None).isoformat(" ", "microseconds")
                if len(written) >= 64:
                    written.clear()
                written[value] = text
            return text
        return process

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


class InboundStatus(str, enum.Enum):
    PENDING = "pending"
    DONE = "done"
    DISCARDED = "discarded"
    QUARANTINED = "quarantined"


class TicketState(str, enum.Enum):
    NEW = "new"
    OPEN = "open"
    WAITING_ON_REQUESTER = "waiting_on_requester"
    RESOLVED = "resolved"
    CLOSED = "closed"


class OutboxStatus(str, enum.Enum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


ID = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    pass


class InboundMessage(Base):
    """One message as received: raw bytes and envelope, the source of truth."""

    __tablename__ = "inbound_message"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    source: Mapped[str] = mapped_column(String(16))
    peer: Mapped[str | None] = mapped_column(String(255))
    mail_from: Mapped[str] = mapped_column(String(998))
    rcpt_to: Mapped[list[str]] = mapped_column(JSON)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)
    message_id: Mapped[str | None] = mapped_column(String(998))
    status: Mapped[str] = mapped_column(String(16), default=InboundStatus.PENDING.value)
    error: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    # Where an IMAP message came from: one row per (mailbox, UIDVALIDITY, UID), ever.
    mailbox: Mapped[str | None] = mapped_column(String(64))
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    uid: Mapped[int | None] = mapped_column(BigInteger)

    ticket: Mapped[Ticket | None] = relationship()

    __table_args__ = (
        Index("ix_inbound_status_id", "status", "id"),
        Index("ix_inbound_message_id", "message_id"),
        Index("ux_inbound_mailbox_uid", "mailbox", "uidvalidity", "uid", unique=True),
    )


class TicketCounter(Base):
    """The next ticket number per department (keys like IT-000123)."""

    __tablename__ = "ticket_counter"

    department: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_number: Mapped[int] = mapped_column(Integer)


_KPI_DIMS = ("department", "priority", "category")


class Ticket(Base):
    __tablename__ = "ticket"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    department: Mapped[str] = mapped_column(String(64))
    requester_email: Mapped[str] = mapped_column(String(320))
    requester_name: Mapped[str] = mapped_column(String(255), default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(64))
    priority: Mapped[str] = mapped_column(String(2))
    state: Mapped[str] = mapped_column(String(32), default=TicketState.NEW.value)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    rules_version: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    first_response_due: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    resolution_due: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    first_responded_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # Who works on it, as the rules (or later an agent) decided.
    assignee: Mapped[str | None] = mapped_column(String(320))
    team: Mapped[str | None] = mapped_column(String(64))
    sla_policy: Mapped[str | None] = mapped_column(String(64))  # None: the department's policy
    watchers: Mapped[list[str] | None] = mapped_column(JSON, default=list)
    # A request to several departments: one parent ticket, a child per other department.
    parent_id: Mapped[int | None] = mapped_column(ID, ForeignKey("ticket.id", name="fk_ticket_parent"))
    # A reply long after resolution opens a new ticket linked to the old one.
    related_id: Mapped[int | None] = mapped_column(ID, ForeignKey("ticket.id", name="fk_ticket_related"))
    # The SLA clock stops while waiting on the requester: since when, and how much open time so far.
    sla_paused_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    paused_seconds: Mapped[int | None] = mapped_column(Integer, default=0)
    reopened_count: Mapped[int | None] = mapped_column(Integer, default=0)
    satisfaction: Mapped[int | None] = mapped_column(Integer)  # the requester's rating, 1-5
    # Business time (open hours of its SLA calendar, pauses excluded) it took, in seconds: what KPIs count.
    first_response_seconds: Mapped[int | None] = mapped_column(Integer)
    resolution_seconds: Mapped[int | None] = mapped_column(Integer)
    rated_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    messages: Mapped[list[Message]] = relationship(back_populates="ticket", order_by="Message.id")
    events: Mapped[list[Event]] = relationship(back_populates="ticket", order_by="Event.id")

    __table_args__ = (
        Index("ix_ticket_department_state", "department", "state"),
        # The Overview's time ranges, covering its filters and the values it aggregates (docs/kpis.md)
        Index("ix_ticket_kpi_created", "created_at", *_KPI_DIMS),
        Index("ix_ticket_kpi_resolved", "resolved_at", "closed_at", *_KPI_DIMS, "resolution_seconds",
              "reopened_count", "satisfaction", "resolution_due"),
        Index("ix_ticket_kpi_responded", "first_responded_at", *_KPI_DIMS, "first_response_seconds",
              "first_response_due"),
        # Percentiles of many values: read in value order, filtered by the range inside the index
        Index("ix_ticket_kpi_resolution_seconds", "resolution_seconds", "resolved_at", *_KPI_DIMS),
        Index("ix_ticket_kpi_first_response_seconds", "first_response_seconds", "first_responded_at", *_KPI_DIMS),
        Index("ix_ticket_closed_unresolved", "closed_at", *_KPI_DIMS, "resolution_due",  # closed, not resolved
              sqlite_where=text("resolved_at IS NULL"), postgresql_where=text("resolved_at IS NULL")),
        Index("ix_ticket_kpi_first_response_due", "first_response_due", *_KPI_DIMS, "first_responded_at",
              "resolved_at", "closed_at", "sla_paused_at"),  # breaches of the first-response target
        Index("ix_ticket_kpi_resolution_due", "resolution_due", *_KPI_DIMS, "resolved_at", "closed_at",
              "sla_paused_at"),  # breaches of the resolution target
        Index("ix_ticket_parent", "parent_id"),
        Index("ix_ticket_requester_created", "requester_email", "created_at"),
        Index("ix_ticket_assignee_state", "assignee", "state"),
        Index("ix_ticket_state_first_response_due", "state", "first_response_due"),
        Index("ix_ticket_state_resolution_due", "state", "resolution_due"),
        Index("ix_ticket_state_updated", "state", "updated_at"),
    )


class Message(Base):
    """One email on a ticket, in either direction."""

    __tablename__ = "message"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"))
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_message.id"))
    direction: Mapped[str] = mapped_column(String(8))  # "in" | "out"
    message_id: Mapped[str | None] = mapped_column(String(998))
    sender: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(Text, default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    conversation: Mapped[str | None] = mapped_column(String(64))  # Outlook's Thread-Index conversation (hex)

    ticket: Mapped[Ticket] = relationship(back_populates="messages")

    __table_args__ = (
        Index("ix_message_message_id", "message_id"),
        Index("ix_message_ticket", "ticket_id"),
        Index("ix_message_conversation", "conversation"),
    )


class Event(Base):
    """Every change to a ticket: what happened, when, who did it and why."""

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(64))
    cause: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)

    ticket: Mapped[Ticket] = relationship(back_populates="events")

    __table_args__ = (Index("ix_event_ticket", "ticket_id"), Index("ix_event_kind_at", "kind", "at"))


class Outbox(Base):
    """A message waiting to be sent, or the record that it was."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(32))
    mail_from: Mapped[str] = mapped_column(String(320))
    rcpt_to: Mapped[list[str]] = mapped_column(JSON)
    message_id: Mapped[str] = mapped_column(String(998))
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    ticket: Mapped[Ticket | None] = relationship()

    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"), Index("ix_outbox_ticket", "ticket_id"))


class MailboxState(Base):
    """An IMAP mailbox's checkpoint and health, written by its fetcher, read by `helpdesk stats`."""

    __tablename__ = "mailbox_state"

    mailbox: Mapped[str] = mapped_column(String(64), primary_key=True)
    department: Mapped[str] = mapped_column(String(64))
    folder: Mapped[str] = mapped_column(String(255))
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    stale_after_seconds: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    last_check_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class RuleVersion(Base):
    """A rule file version the helpdesk applied: its text, when, by whom, and what changed."""

    __tablename__ = "rule_version"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    version: Mapped[str] = mapped_column(String(64))  # the content hash tickets record
    source: Mapped[str] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)
    applied_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    author: Mapped[str | None] = mapped_column(String(320))
    note: Mapped[str | None] = mapped_column(Text)
    diff: Mapped[str] = mapped_column(Text, default="")  # unified diff to the version applied before

    __table_args__ = (Index("ix_rule_version_version", "version"), Index("ix_rule_version_applied", "applied_at"))


class TeamCursor(Base):
    """Where round-robin assignment in a team goes next."""

    __tablename__ = "team_cursor"

    team: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class AgentStatus(Base):
    """An agent marked away (holiday, sick leave): round-robin assignment skips them."""

    __tablename__ = "agent_status"

    email: Mapped[str] = mapped_column(String(320), primary_key=True)
    away: Mapped[bool] = mapped_column(default=False)
    away_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class User(Base):
    """A dashboard user: a name, a slow password hash, a role and the departments they see."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))  # manager | agent | admin
    departments: Mapped[list[str] | None] = mapped_column(JSON, default=list)  # empty: all (admins) / none
    email: Mapped[str | None] = mapped_column(String(320))
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class Heartbeat(Base):
    """The last run of a periodic part of the helpdesk (the scheduler's sweep), for the Health page."""

    __tablename__ = "heartbeat"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    detail: Mapped[dict | None] = mapped_column(JSON, default=dict)

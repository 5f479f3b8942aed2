"""Repositories: the reads and writes the other rooms need, by name."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.db import utcnow
from storage.models import (
    InboundMessage,
    InboundStatus,
    Message,
    Outbox,
    OutboxStatus,
    Ticket,
    TicketCounter,
)


def add_inbound(
    session: Session,
    *,
    source: str,
    mail_from: str,
    rcpt_to: Sequence[str],
    raw: bytes,
    message_id: str | None = None,
    peer: str | None = None,
    received_at: dt.datetime | None = None,
) -> InboundMessage:
    row = InboundMessage(
        received_at=received_at or utcnow(),
        source=source,
        peer=peer,
        mail_from=mail_from,
        rcpt_to=list(rcpt_to),
        raw=raw,
        size=len(raw),
        message_id=message_id,
        status=InboundStatus.PENDING.value,
    )
    session.add(row)
    return row


def add_inbound_many(session: Session, rows: Sequence[dict]) -> list[int]:
    """Insert received messages in one statement; returns their ids in order.

    Each dict has source, peer, mail_from, rcpt_to and raw.
    """
    now = utcnow()
    values = [{**row, "received_at": now, "size": len(row["raw"]), "status": InboundStatus.PENDING.value}
              for row in rows]
    statement = insert(InboundMessage).returning(InboundMessage.id, sort_by_parameter_order=True)
    return list(session.scalars(statement, values))


def claim_pending_inbound(session: Session, limit: int = 1) -> list[InboundMessage]:
    """Lock the oldest pending inbound messages for this transaction.

    Other workers skip them (PostgreSQL ``SKIP LOCKED``; SQLite has one writer).
    """
    return list(session.scalars(_pending().limit(limit).with_for_update(skip_locked=True)))


def next_pending_inbound(session: Session, limit: int = 1,
                         shard: tuple[int, int] = (0, 1)) -> list[InboundMessage]:
    """The oldest pending inbound messages, without locking them.

    ``shard=(k, n)`` takes only ids with ``id % n == k``, so n workers split the queue.
    """
    query = _pending()
    index, count = shard
    if count > 1:
        query = query.where(InboundMessage.id % count == index)
    return list(session.scalars(query.limit(limit)))


def _pending():
    """Pending inbound messages, oldest first."""
    return (select(InboundMessage).where(InboundMessage.status == InboundStatus.PENDING.value)
            .order_by(InboundMessage.id))


def finish_inbound(session: Session, inbound_id: int, **values) -> bool:
    """Set the outcome of a pending inbound message; False if it is no longer pending."""
    result = session.connection().execute(  # Core: no ORM bookkeeping needed here
        update(InboundMessage.__table__)
        .where(InboundMessage.id == inbound_id, InboundMessage.status == InboundStatus.PENDING.value)
        .values(**values)
    )
    return result.rowcount == 1


def next_ticket_key(session: Session, department: str, prefix: str) -> str:
    """Allocate the next key of a department, e.g. ``IT-000124``.

    One upsert: safe when several workers create a department's first ticket at once.
    """
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(TicketCounter)
        .values(department=department, next_number=1)
        .on_conflict_do_update(index_elements=[TicketCounter.department],
                               set_={"next_number": TicketCounter.next_number + 1})
        .returning(TicketCounter.next_number)
    )
    number = session.connection().execute(statement).scalar_one()
    return f"{prefix}-{number:06d}"


def ticket_by_key(session: Session, key: str) -> Ticket | None:
    return session.scalars(select(Ticket).where(Ticket.key == key)).first()


def ticket_by_message_ids(session: Session, message_ids: Sequence[str]) -> Ticket | None:
    """The ticket that holds any of these Message-IDs (newest reference first)."""
    for message_id in reversed(list(message_ids)):
        ticket_id = session.scalars(
            select(Message.ticket_id).where(Message.message_id == message_id).limit(1)
        ).first()
        if ticket_id is not None:
            return session.get(Ticket, ticket_id)
    return None


def inbound_seen(session: Session, message_id: str, exclude_id: int) -> bool:
    """Whether another inbound message with this Message-ID was already processed."""
    # Filter on the Message-ID only, so the database uses that index: most rows
    # are "done", and a plan that starts from the status index reads them all.
    statuses = session.connection().scalars(
        select(InboundMessage.status).where(InboundMessage.message_id == message_id,
                                            InboundMessage.id != exclude_id)
    )
    return InboundStatus.DONE.value in statuses


def due_outbox(session: Session, now: dt.datetime, limit: int = 50) -> list[Outbox]:
    query = (
        select(Outbox)
        .where(Outbox.status == OutboxStatus.PENDING.value, Outbox.next_attempt_at <= now)
        .order_by(Outbox.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(query))


def _counts(session: Session, *columns) -> list[tuple]:
    query = select(*columns, func.count()).group_by(*columns)
    return [tuple(row) for row in session.execute(query)]


def stats(session: Session) -> dict:
    """Counts for `helpdesk stats`: inbound by status, tickets, outbox by status."""
    inbound = dict(_counts(session, InboundMessage.status))
    by_state = dict(_counts(session, Ticket.state))
    by_department = dict(_counts(session, Ticket.department))
    outbox = dict(_counts(session, Outbox.status))
    oldest = session.scalar(
        select(func.min(InboundMessage.received_at)).where(
            InboundMessage.status == InboundStatus.PENDING.value
        )
    )
    return {
        "inbound": {status.value: inbound.get(status.value, 0) for status in InboundStatus},
        "tickets": {
            "total": sum(by_state.values()),
            "by_state": by_state,
            "by_department": by_department,
        },
        "outbox": {status.value: outbox.get(status.value, 0) for status in OutboxStatus},
        "oldest_pending_received_at": oldest.isoformat() if oldest else None,
    }

"""Repositories: the reads and writes the other rooms need, by name."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Connection, bindparam, func, insert, inspect, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from storage.db import utcnow
from storage.fast import Prepared
from storage.models import (
    AgentStatus,
    InboundMessage,
    InboundStatus,
    Message,
    Outbox,
    OutboxStatus,
    TeamCursor,
    Ticket,
    TicketCounter,
)

#: Outbox kinds sent by the helpdesk on its own, not written by a person.
AUTOMATIC_KINDS = ("acknowledgement",)


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


_FINISH = Prepared(
    update(InboundMessage.__table__)
    .where(InboundMessage.id == bindparam("inbound_id"), InboundMessage.status == InboundStatus.PENDING.value)
    .values(status=bindparam("new_status"), processed_at=bindparam("new_processed_at"),
            message_id=bindparam("new_message_id"), ticket_id=bindparam("new_ticket_id"),
            error=bindparam("new_error"))
)


def finish_inbound(connection: Connection, inbound_id: int, *, status: str, processed_at: dt.datetime,
                   message_id: str | None, ticket_id: int | None = None, error: str | None = None) -> bool:
    """Set the outcome of a pending inbound message; False if it is no longer pending."""
    return _FINISH.execute(connection, {
        "inbound_id": inbound_id, "new_status": status, "new_processed_at": processed_at,
        "new_message_id": message_id, "new_ticket_id": ticket_id, "new_error": error}) == 1


def _next_number(dialect_insert):
    return (
        dialect_insert(TicketCounter)
        .values(department=bindparam("department"), next_number=1)
        .on_conflict_do_update(index_elements=[TicketCounter.department],
                               set_={"next_number": TicketCounter.next_number + 1})
        .returning(TicketCounter.next_number)
    )


_NEXT_NUMBER = {"postgresql": Prepared(_next_number(pg_insert)), "sqlite": Prepared(_next_number(sqlite_insert))}


def next_ticket_key(connection: Connection, department: str, prefix: str) -> str:
    """Allocate the next key of a department, e.g. ``IT-000124``.

    One upsert: safe when several workers create a department's first ticket at once.
    """
    (number,) = _NEXT_NUMBER[connection.dialect.name].first_row(connection, {"department": department})
    return f"{prefix}-{number:06d}"


def _team_turn(dialect_insert):
    return (
        dialect_insert(TeamCursor)
        .values(team=bindparam("team"), position=1)
        .on_conflict_do_update(index_elements=[TeamCursor.team], set_={"position": TeamCursor.position + 1})
        .returning(TeamCursor.position)
    )


_TEAM_TURN = {"postgresql": Prepared(_team_turn(pg_insert)), "sqlite": Prepared(_team_turn(sqlite_insert))}


def next_in_team(connection: Connection, team: str, members: Sequence[str], now: dt.datetime,
                 away: set[str] | None = None) -> str | None:
    """The member whose turn it is in a round-robin over ``members``, skipping those away (None: all are).

    Each call takes one turn atomically (one upsert), so concurrent workers never hand out the same turn.
    ``away`` is ``agents_away(connection, members, now)`` when the caller has it already.
    """
    if not members:
        return None
    if away is None:
        away = agents_away(connection, members, now)
    for _ in range(len(members)):
        (turn,) = _TEAM_TURN[connection.dialect.name].first_row(connection, {"team": team})
        member = members[(turn - 1) % len(members)]
        if member not in away:
            return member
    return None


# Built once: assigning a ticket asks this every time, and building the statement cost more than running it.
_AWAY = (select(AgentStatus.email)
         .where(AgentStatus.email.in_(bindparam("emails", expanding=True)), AgentStatus.away.is_(True))
         .where((AgentStatus.away_until.is_(None)) | (AgentStatus.away_until > bindparam("now"))))


def agents_away(connection: Connection, emails: Sequence[str], now: dt.datetime) -> set[str]:
    """Which of ``emails`` are marked away now."""
    rows = connection.execute(_AWAY, {"emails": [email.lower() for email in emails], "now": now})
    return {email for (email,) in rows}


def set_agent_away(session: Session, email: str, away: bool, until: dt.datetime | None = None) -> None:
    """Mark an agent away (optionally until a time) or back."""
    row = session.get(AgentStatus, email.lower())
    if row is None:
        row = AgentStatus(email=email.lower())
        session.add(row)
    row.away, row.away_until, row.updated_at = away, (until if away else None), utcnow()


def agent_statuses(session: Session) -> list[AgentStatus]:
    return list(session.scalars(select(AgentStatus).order_by(AgentStatus.email)))


_INSERT_TICKET = Prepared(insert(Ticket.__table__).returning(Ticket.__table__.c.id))


def insert_ticket(connection: Connection, ticket: Ticket, row: dict | None = None) -> int:
    """Insert a new (transient) ticket in one statement and give it its id.

    ``row``: its values as ``ticket_row`` converted them before the
    transaction (the ticket unchanged since, but for its parent).
    """
    if row is None:
        (ticket.id,) = _INSERT_TICKET.first_row(connection, _ticket_values(ticket))
    else:
        (ticket.id,) = _INSERT_TICKET.first_row(connection, {**row, "parent_id": ticket.parent_id}, converted=True)
    return ticket.id


def ticket_row(dialect: Dialect, ticket: Ticket) -> dict:
    """A new ticket's values converted for ``insert_ticket`` now, all but its parent (known only then)."""
    return _INSERT_TICKET.converted(dialect, _ticket_values(ticket), ("parent_id",))


def _ticket_values(ticket: Ticket) -> dict:
    return {key: value for key, value in inspect(ticket).dict.items() if key in Ticket.__table__.c}


_AUTOMATIC_REPLIES = (
    select(func.count())
    .select_from(Outbox.__table__.join(Ticket.__table__, Outbox.ticket_id == Ticket.id))
    .where(Ticket.requester_email == bindparam("email"), Ticket.created_at >= bindparam("since"),
           Outbox.created_at >= bindparam("since"), Outbox.kind.in_(AUTOMATIC_KINDS))
)


def automatic_replies_since(connection: Connection, email: str, since: dt.datetime) -> int:
    """How many automatic replies (acknowledgements ...) went to this requester's new tickets since then."""
    return connection.execute(_AUTOMATIC_REPLIES, {"email": email, "since": since}).scalar_one()


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


def ticket_by_conversation(session: Session, conversation: str) -> Ticket | None:
    """The ticket of the newest message in this Thread-Index conversation."""
    ticket_id = session.scalars(
        select(Message.ticket_id).where(Message.conversation == conversation).order_by(Message.id.desc()).limit(1)
    ).first()
    return session.get(Ticket, ticket_id) if ticket_id is not None else None


_SEEN = Prepared(select(InboundMessage.status).where(InboundMessage.message_id == bindparam("message_id"),
                                                     InboundMessage.id != bindparam("exclude_id")))


def inbound_seen(connection: Connection, message_id: str, exclude_id: int) -> bool:
    """Whether another inbound message with this Message-ID was already processed."""
    # Filter on the Message-ID only, so the database uses that index: most rows
    # are "done", and a plan that starts from the status index reads them all.
    statuses = _SEEN.column(connection, {"message_id": message_id, "exclude_id": exclude_id})
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
    outbox_kinds = dict(_counts(session, Outbox.kind))
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
        "outbox_by_kind": outbox_kinds,
        "oldest_pending_received_at": oldest.isoformat() if oldest else None,
    }

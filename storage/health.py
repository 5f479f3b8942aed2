"""How the helpdesk is doing, for the Health page and operators: queues, set-asides, heartbeats.

Reads are small (counts, the oldest row, the newest few problems). The
actions are the ones an operator needs when something was set aside:
release a quarantined message to processing (or delete it), retry a failed
outbox message.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import default as default_policy

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from storage import mailboxes, rule_versions
from storage.models import (
    Heartbeat,
    InboundMessage,
    InboundStatus,
    Outbox,
    OutboxStatus,
    RuleVersion,
)

_HEADER_BYTES = 64 * 1024


@dataclass(frozen=True)
class Queue:
    pending: int
    oldest_received_at: dt.datetime | None

    def oldest_age(self, now: dt.datetime) -> dt.timedelta | None:
        return None if self.oldest_received_at is None else now - self.oldest_received_at


@dataclass(frozen=True)
class SetAside:
    """A quarantined inbound message, or a failed outbox message."""

    id: int
    at: dt.datetime
    sender: str
    recipients: list[str]
    subject: str
    reason: str


def inbound_queue(session: Session) -> Queue:
    """Messages waiting for the pipeline, and when the oldest arrived."""
    pending, oldest = session.execute(
        select(func.count(), func.min(InboundMessage.received_at))
        .where(InboundMessage.status == InboundStatus.PENDING.value)).one()
    return Queue(pending, oldest)


def quarantined(session: Session, limit: int = 100) -> list[SetAside]:
    """The newest quarantined messages with their reasons."""
    rows = session.execute(
        select(InboundMessage.id, InboundMessage.received_at, InboundMessage.mail_from, InboundMessage.rcpt_to,
               func.substr(InboundMessage.raw, 1, _HEADER_BYTES), InboundMessage.error)
        .where(InboundMessage.status == InboundStatus.QUARANTINED.value)
        .order_by(InboundMessage.id.desc()).limit(limit))
    return [SetAside(id, at, sender, list(rcpt or []), _subject(head), error or "")
            for id, at, sender, rcpt, head, error in rows]


def quarantined_count(session: Session) -> int:
    return session.scalar(select(func.count()).where(
        InboundMessage.status == InboundStatus.QUARANTINED.value))


def release(session: Session, inbound_id: int) -> bool:
    """Send a quarantined message back to processing; False if it is not quarantined (any more)."""
    result = session.execute(
        update(InboundMessage)
        .where(InboundMessage.id == inbound_id, InboundMessage.status == InboundStatus.QUARANTINED.value)
        .values(status=InboundStatus.PENDING.value, error=None, processed_at=None))
    return result.rowcount == 1


def delete_quarantined(session: Session, inbound_id: int) -> bool:
    """Delete a quarantined message for good; False if it is not quarantined (any more)."""
    result = session.execute(
        delete(InboundMessage)
        .where(InboundMessage.id == inbound_id, InboundMessage.status == InboundStatus.QUARANTINED.value))
    return result.rowcount == 1


def outbox_failures(session: Session, limit: int = 100) -> list[SetAside]:
    """The newest outgoing messages the relay refused for good, with the last error."""
    rows = session.execute(
        select(Outbox.id, Outbox.created_at, Outbox.mail_from, Outbox.rcpt_to,
               func.substr(Outbox.raw, 1, _HEADER_BYTES), Outbox.last_error)
        .where(Outbox.status == OutboxStatus.FAILED.value).order_by(Outbox.id.desc()).limit(limit))
    return [SetAside(id, at, sender, list(rcpt or []), _subject(head), error or "")
            for id, at, sender, rcpt, head, error in rows]


def outbox_failed_count(session: Session) -> int:
    return session.scalar(select(func.count()).where(Outbox.status == OutboxStatus.FAILED.value))


def retry_outbox(session: Session, outbox_id: int, now: dt.datetime) -> bool:
    """Queue a failed outgoing message again, now; False if it has not failed."""
    result = session.execute(
        update(Outbox).where(Outbox.id == outbox_id, Outbox.status == OutboxStatus.FAILED.value)
        .values(status=OutboxStatus.PENDING.value, next_attempt_at=now, attempts=0))
    return result.rowcount == 1


def beat(session: Session, name: str, at: dt.datetime, detail: dict | None = None) -> None:
    """Record that ``name`` (e.g. "scheduler") ran at ``at``."""
    row = session.get(Heartbeat, name)
    if row is None:
        session.add(Heartbeat(name=name, at=at, detail=detail or {}))
    else:
        row.at, row.detail = at, detail or {}


def last_beat(session: Session, name: str) -> Heartbeat | None:
    return session.get(Heartbeat, name)


def active_rules(session: Session) -> RuleVersion | None:
    """The rule file version applied last."""
    return rule_versions.latest_version(session)


def mailbox_report(session: Session, now: dt.datetime) -> dict[str, dict]:
    """Each IMAP mailbox's last successful check, last error and whether it is stale."""
    return mailboxes.report(session, now)


def _subject(head: bytes | None) -> str:
    if not head:
        return ""
    try:
        headers = BytesHeaderParser(policy=default_policy).parsebytes(bytes(head))
        return " ".join(str(headers.get("subject", "")).split())
    except Exception:  # a header the parser cannot read: show none rather than fail the page
        return ""

"""Repositories for IMAP mailboxes: each one's checkpoint and health.

A mailbox's fetcher keeps its checkpoint here (UIDVALIDITY and the highest
UID stored) and the time of its last successful check and last error, so
`helpdesk stats` in another process can tell a stale mailbox.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import InboundMessage, MailboxState


def register_mailbox(session: Session, *, mailbox: str, department: str, folder: str,
                     stale_after_seconds: int, now: dt.datetime) -> None:
    """Create the mailbox's row, or note that its fetcher (re)started now; the checkpoint stays."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    settings = {"department": department, "folder": folder, "stale_after_seconds": stale_after_seconds,
                "started_at": now}
    session.execute(
        insert(MailboxState)
        .values(mailbox=mailbox, last_uid=0, **settings)
        .on_conflict_do_update(index_elements=[MailboxState.mailbox], set_=settings)
    )


def checkpoint(session: Session, mailbox: str) -> tuple[int | None, int]:
    """(UIDVALIDITY, highest UID stored) of a mailbox; (None, 0) before its first message."""
    row = session.execute(
        select(MailboxState.uidvalidity, MailboxState.last_uid).where(MailboxState.mailbox == mailbox)
    ).first()
    return (row.uidvalidity, row.last_uid) if row else (None, 0)


def save_checkpoint(session: Session, mailbox: str, uidvalidity: int, last_uid: int) -> None:
    _update(session, mailbox, uidvalidity=uidvalidity, last_uid=last_uid)


def stored_uids(session: Session, mailbox: str, uidvalidity: int, uids: Sequence[int]) -> set[int]:
    """Which of these UIDs already have an inbound row."""
    if not uids:
        return set()
    return set(session.scalars(
        select(InboundMessage.uid).where(InboundMessage.mailbox == mailbox,
                                         InboundMessage.uidvalidity == uidvalidity,
                                         InboundMessage.uid.in_(list(uids)))
    ))


def record_check(session: Session, mailbox: str, at: dt.datetime) -> None:
    _update(session, mailbox, last_check_at=at)


def record_error(session: Session, mailbox: str, error: str, at: dt.datetime) -> None:
    _update(session, mailbox, last_error=error[:1000], last_error_at=at)


def _update(session: Session, mailbox: str, **values) -> None:
    session.execute(update(MailboxState).where(MailboxState.mailbox == mailbox).values(**values))


def is_stale(state: MailboxState, now: dt.datetime) -> bool:
    """No successful check for ``stale_after_seconds`` (counted from the fetcher's start if later)."""
    since = max(filter(None, (state.started_at, state.last_check_at)))
    return now - since > dt.timedelta(seconds=state.stale_after_seconds)


def report(session: Session, now: dt.datetime) -> dict[str, dict]:
    """Per mailbox: department, folder, last check, last error, stale flag, checkpoint."""
    return {
        state.mailbox: {
            "department": state.department,
            "folder": state.folder,
            "last_check_at": _iso(state.last_check_at),
            "last_error": state.last_error,
            "last_error_at": _iso(state.last_error_at),
            "stale": is_stale(state, now),
            "uidvalidity": state.uidvalidity,
            "last_uid": state.last_uid,
        }
        for state in session.scalars(select(MailboxState).order_by(MailboxState.mailbox))
    }


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None

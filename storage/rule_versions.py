"""Repositories for rule versions: every rule file the helpdesk applied.

A version is the rule file's content hash (what tickets record as their
``rules_version``), its full text, when it was applied, by whom where known,
its version note, and a unified diff to the version applied before it.
Applying the version that is already the latest is not recorded again, so a
restart (or a second process recording the same file) adds no row. On
PostgreSQL recorders take a transaction-scoped advisory lock first, so two
processes that applied the same file at once cannot both add it (SQLite
writes are serial already).
"""
from __future__ import annotations

import datetime as dt
import difflib

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import RuleVersion

_NEWEST_FIRST = (RuleVersion.applied_at.desc(), RuleVersion.id.desc())
_RECORD_LOCK = 0x72756C6573  # "rules": the advisory lock key recorders share on PostgreSQL


def record_version(session: Session, *, version: str, source: str, content: str, applied_at: dt.datetime,
                   author: str | None = None, note: str | None = None) -> RuleVersion | None:
    """Store an applied version with its diff to the latest one; None if it already is the latest."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_RECORD_LOCK)))
    latest = latest_version(session)
    if latest is not None and latest.version == version:
        return None
    row = RuleVersion(version=version, source=source, content=content, applied_at=applied_at, author=author,
                      note=note, diff=_diff(latest, version, source, content))
    session.add(row)
    session.flush()
    return row


def latest_version(session: Session) -> RuleVersion | None:
    """The version applied last (the one the running helpdesk decides with)."""
    return session.scalars(select(RuleVersion).order_by(*_NEWEST_FIRST).limit(1)).first()


def list_versions(session: Session, limit: int = 50) -> list[RuleVersion]:
    """The versions applied, newest first."""
    return list(session.scalars(select(RuleVersion).order_by(*_NEWEST_FIRST).limit(limit)))


def get_version(session: Session, version: str) -> RuleVersion | None:
    """The latest application of a version hash (a version may be applied again after another)."""
    return session.scalars(select(RuleVersion).where(RuleVersion.version == version)
                           .order_by(*_NEWEST_FIRST).limit(1)).first()


def _diff(previous: RuleVersion | None, version: str, source: str, content: str) -> str:
    """The unified diff from the previous version's text; empty for the first version."""
    if previous is None:
        return ""
    lines = difflib.unified_diff(previous.content.splitlines(keepends=True), content.splitlines(keepends=True),
                                 fromfile=f"{previous.source} ({previous.version})", tofile=f"{source} ({version})")
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)

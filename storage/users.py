"""Dashboard users: names, roles, the departments each may see, and Argon2id password hashes.

Passwords are hashed with argon2-cffi's ``PasswordHasher`` (Argon2id with
the library's defaults, the slow, memory-hard hash OWASP recommends); a
hash made with older parameters is replaced at the next good login. An
unknown name is checked against a dummy hash, so the time taken does not
say whether a name exists.

Roles: ``agent`` (works the tickets of their departments), ``manager``
(sees the figures and tickets of their departments, changes nothing),
``admin`` (everything, including the rules). ``departments`` is a list of
department names, or ``["*"]`` for every department; an admin always sees
every department. A manager or agent with no departments sees nothing until
granted some.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.db import utcnow
from storage.models import User

ROLES = ("agent", "manager", "admin")
ALL = "*"
MIN_PASSWORD = 10
_NAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,127}$")
_hasher = PasswordHasher()
_DUMMY = _hasher.hash("not a password of anyone's")


class UserError(ValueError):
    """A user cannot be added or changed as asked; the message says why."""


@dataclass(frozen=True)
class Account:
    """A user as the dashboard and the CLI see them (never the hash)."""

    name: str
    role: str
    departments: tuple[str, ...] | None  # None: every department
    email: str | None
    disabled: bool


def _account(row: User) -> Account:
    granted = tuple(row.departments or ())
    everything = row.role == "admin" or ALL in granted
    return Account(row.name, row.role, None if everything else granted, row.email, bool(row.disabled))


def _check_name(name: str) -> str:
    if not _NAME.match(name or ""):
        raise UserError(f"user name {name!r}: use lower-case letters, digits and . _ @ - (at most 128)")
    return name


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise UserError(f"role {role!r}: must be one of {', '.join(ROLES)}")
    return role


def _check_departments(departments: Iterable[str] | None, known: Iterable[str] | None) -> list[str]:
    chosen = list(dict.fromkeys(d.strip() for d in (departments or ()) if d.strip()))
    if ALL in chosen:
        return [ALL]
    if known is not None:
        unknown = sorted(set(chosen) - set(known))
        if unknown:
            raise UserError(f"unknown department(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return chosen


def _check_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD:
        raise UserError(f"the password must be at least {MIN_PASSWORD} characters long")
    return password


def _get(session: Session, name: str) -> User:
    row = session.scalars(select(User).where(User.name == name)).first()
    if row is None:
        raise UserError(f"no user {name!r}")
    return row


def add_user(session: Session, name: str, password: str, role: str, departments: Iterable[str] | None = None,
             email: str | None = None, known_departments: Iterable[str] | None = None) -> Account:
    """Add a user; UserError if the name is taken or a value is not acceptable."""
    _check_name(name)
    _check_role(role)
    chosen = _check_departments(departments, known_departments)
    _check_password(password)
    if session.scalars(select(User.id).where(User.name == name)).first() is not None:
        raise UserError(f"user {name!r} exists already")
    now = utcnow()
    row = User(name=name, password_hash=_hasher.hash(password), role=role, departments=chosen,
               email=email or None, disabled=False, created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return _account(row)


def set_role(session: Session, name: str, role: str, departments: Iterable[str] | None = None,
             known_departments: Iterable[str] | None = None) -> Account:
    """Change a user's role (and, when given, the departments they see)."""
    row = _get(session, name)
    row.role = _check_role(role)
    if departments is not None:
        row.departments = _check_departments(departments, known_departments)
    row.updated_at = utcnow()
    return _account(row)


def set_password(session: Session, name: str, password: str) -> Account:
    row = _get(session, name)
    row.password_hash = _hasher.hash(_check_password(password))
    row.updated_at = utcnow()
    return _account(row)


def set_disabled(session: Session, name: str, disabled: bool) -> Account:
    row = _get(session, name)
    row.disabled = disabled
    row.updated_at = utcnow()
    return _account(row)


def list_users(session: Session) -> list[Account]:
    return [_account(row) for row in session.scalars(select(User).order_by(User.name))]


def count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User))


def authenticate(session: Session, name: str, password: str) -> Account | None:
    """The account for a right name and password of an enabled user, else None (same work either way)."""
    row = session.scalars(select(User).where(User.name == name)).first() if name else None
    try:
        _hasher.verify(row.password_hash if row is not None else _DUMMY, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if row is None or row.disabled:
        return None
    if _hasher.check_needs_rehash(row.password_hash):
        row.password_hash = _hasher.hash(password)
        row.updated_at = utcnow()
    return _account(row)


def parse_departments(text: str | None) -> list[str] | None:
    """``it,hr`` -> ["it", "hr"]; ``*`` -> ["*"]; None stays None (not given)."""
    if text is None:
        return None
    return [part.strip() for part in text.split(",") if part.strip()]



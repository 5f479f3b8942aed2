"""The ticket lifecycle: states, the SLA clock's pauses, and recomputed promises.

States::

    new ──> open ──> waiting_on_requester ──> resolved ──> closed
     │        ^  <──────────┘    │               │
     │        └──────── reopen ──┼───────────────┘
     └──────────────────────────>┘ (any open state may resolve)

* ``new``: nobody works on it yet; ``open``: assigned or answered.
* ``waiting_on_requester`` stops the SLA clock: the time waiting is not the
  department's. Leaving it restarts the clock and moves every due time that
  was not yet met by the open time it spent waiting. Pauses are events
  (``sla_paused``/``sla_resumed`` with the paused open time) and add up in
  ``ticket.paused_seconds``, so they are visible and counted.
* ``resolved`` may be reopened (the requester replied within the reopen
  window); ``closed`` is final: a later reply opens a new, linked ticket.

Every function here changes the ticket object and records what it did
through ``record(kind, actor, cause, **data)``, an event writer the caller
supplies (the pipeline's ``Context.event`` or :func:`session_recorder`), so
the same rules hold for mail, the dashboard and the scheduler. Actors are
``requester``, ``agent:<email>``, ``rule`` or ``scheduler``.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy.orm import Session

from storage import Event, Ticket, TicketState
from workflows.services import SlaRule
from workflows.sla import due_times

Record = Callable[..., None]

NEW, OPEN, WAITING, RESOLVED, CLOSED = (state.value for state in TicketState)
ACTIVE = (NEW, OPEN, WAITING)  # states whose SLA due times still matter

ALLOWED = {
    NEW: {OPEN, WAITING, RESOLVED, CLOSED},
    OPEN: {WAITING, RESOLVED, CLOSED},
    WAITING: {OPEN, RESOLVED, CLOSED},
    RESOLVED: {OPEN, CLOSED},
    CLOSED: set(),
}


class TransitionError(ValueError):
    """A change the lifecycle does not allow (e.g. reopening a closed ticket)."""


def session_recorder(session: Session, ticket: Ticket, at: dt.datetime) -> Record:
    """A ``record`` that adds events for ``ticket`` to an ORM session."""
    def record(kind: str, actor: str, cause: str = "", **data) -> None:
        session.add(Event(ticket_id=ticket.id, at=at, kind=kind, actor=actor, cause=cause, data=data))
    return record


def transition(ticket: Ticket, to: str, *, at: dt.datetime, actor: str, cause: str, sla: SlaRule,
               record: Record) -> bool:
    """Move ``ticket`` to state ``to``; False when it is already there (nothing recorded).

    ``sla`` is the ticket's current SLA rule (calendar and target), used to
    resume the clock. Raises TransitionError for a move the lifecycle forbids.
    """
    to = TicketState(to).value
    current = ticket.state
    if current == to:
        return False
    if to not in ALLOWED[current]:
        raise TransitionError(f"{ticket.key} is {current}: it cannot become {to}")
    if current == WAITING:
        _resume(ticket, at=at, actor=actor, sla=sla, record=record)
    if to == WAITING:
        ticket.sla_paused_at = at
        record("sla_paused", actor, cause, at=at.isoformat())
    if to == RESOLVED:
        ticket.resolved_at = at
        ticket.resolution_seconds = business_seconds(ticket, at, sla)
    if to == CLOSED:
        ticket.closed_at = at
    if current == RESOLVED and to == OPEN:
        ticket.resolved_at = ticket.resolution_seconds = None
        ticket.reopened_count = (ticket.reopened_count or 0) + 1
        record("reopened", actor, cause)
    ticket.state = to
    ticket.updated_at = at
    record("state_changed", actor, cause, **{"from": current, "to": to})
    return True


def _resume(ticket: Ticket, *, at: dt.datetime, actor: str, sla: SlaRule, record: Record) -> None:
    """Restart the SLA clock: push unmet due times back by the open time spent waiting."""
    paused_at = ticket.sla_paused_at
    if paused_at is None:
        return
    calendar = sla.calendar
    paused = calendar.elapsed(paused_at, at)
    moved = {}
    for due_name, done_name in (("first_response_due", "first_responded_at"), ("resolution_due", "resolved_at")):
        due = getattr(ticket, due_name)
        if due is None or getattr(ticket, done_name) is not None or due <= paused_at:
            continue  # met, or already breached before the pause: waiting does not excuse it
        new_due = calendar.add(at, calendar.elapsed(paused_at, due))
        setattr(ticket, due_name, new_due)
        moved[due_name] = new_due.isoformat()
    ticket.sla_paused_at = None
    ticket.paused_seconds = (ticket.paused_seconds or 0) + int(paused.total_seconds())
    record("sla_resumed", actor, f"waited {paused} of open time", paused_seconds=int(paused.total_seconds()),
           **moved)


def business_seconds(ticket: Ticket, at: dt.datetime, sla: SlaRule) -> int:
    """The open time from the ticket's creation to ``at`` that counts against its SLA: time waiting
    on the requester excluded (also a pause still running)."""
    calendar = sla.calendar
    total = calendar.elapsed(ticket.created_at, at).total_seconds() - (ticket.paused_seconds or 0)
    if ticket.sla_paused_at is not None:
        total -= calendar.elapsed(ticket.sla_paused_at, at).total_seconds()
    return max(0, int(total))


def responded(ticket: Ticket, *, at: dt.datetime, actor: str, record: Record, sla: SlaRule | None = None) -> bool:
    """The first public answer from an agent; False if there was one already.

    With ``sla`` the business time it took is kept for the KPIs."""
    if ticket.first_responded_at is not None:
        return False
    ticket.first_responded_at = at
    if sla is not None:
        ticket.first_response_seconds = business_seconds(ticket, at, sla)
    ticket.updated_at = at
    record("first_response", actor, "first answer to the requester")
    return True


def recompute(ticket: Ticket, *, at: dt.datetime, actor: str, cause: str, sla: SlaRule,
              record: Record) -> bool:
    """New due times after a change of priority, department or SLA policy; True if a promise moved.

    The due times count from the ticket's creation on the new target, plus
    the open time it has spent waiting on the requester (a running pause
    counts up to ``at`` and keeps running). Targets already met keep their
    time.
    """
    due = due_times(sla.calendar, sla.target, ticket.created_at)
    paused = dt.timedelta(seconds=ticket.paused_seconds or 0)
    if ticket.sla_paused_at is not None:
        paused += sla.calendar.elapsed(ticket.sla_paused_at, at)
    changed = {}
    for name, done in (("first_response_due", ticket.first_responded_at), ("resolution_due", ticket.resolved_at)):
        if done is not None:
            continue
        value = getattr(due, name)
        if paused:
            value = sla.calendar.add(value, paused)
        if value != getattr(ticket, name):
            setattr(ticket, name, value)
            changed[name] = value.isoformat()
    if changed:
        ticket.updated_at = at
        record("sla_recomputed", actor, cause, **changed)
    return bool(changed)

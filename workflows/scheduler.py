"""The scheduler: acts on due times stored in the database, not on in-memory timers.

So it survives restarts, and with several workers on PostgreSQL each action
happens once (rows are claimed with ``FOR UPDATE SKIP LOCKED`` and the event
it writes is what marks the action done). For now it records SLA breaches;
warnings, escalation, reminders and auto-close build on the same loop.
"""
from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import and_, exists, select

from storage import Database, Event, Ticket, TicketState

log = logging.getLogger("helpdesk.scheduler")

OPEN_STATES = (TicketState.NEW.value, TicketState.OPEN.value)
_TARGETS = {
    "first_response": (Ticket.first_response_due, Ticket.first_responded_at),
    "resolution": (Ticket.resolution_due, Ticket.resolved_at),
}


class Scheduler:
    def __init__(self, db: Database, batch: int = 200) -> None:
        self.db = db
        self.batch = batch

    def run_once(self, now: dt.datetime) -> int:
        """Record every breach due by ``now``; returns how many were recorded."""
        return sum(self._breaches(target, now) for target in _TARGETS)

    def _breaches(self, target: str, now: dt.datetime) -> int:
        due_column, done_column = _TARGETS[target]
        query = (
            select(Ticket)
            .where(Ticket.state.in_(OPEN_STATES), due_column < now, done_column.is_(None),
                   ~exists().where(_breach_of(target, Ticket.id)))
            .order_by(due_column)
            .limit(self.batch)
            .with_for_update(skip_locked=True)
        )
        with self.db.transaction() as session:
            locked = list(session.scalars(query))
            # Another scheduler may have recorded a breach and let go of the ticket
            # after this query's snapshot was taken: its lock was free again, so
            # SKIP LOCKED did not skip it. Now that we hold the locks, a new
            # statement (new snapshot under READ COMMITTED) sees its committed events.
            done = set(session.scalars(select(Event.ticket_id).where(
                _breach_of(target, Event.ticket_id), Event.ticket_id.in_([t.id for t in locked]))))
            tickets = [ticket for ticket in locked if ticket.id not in done]
            for ticket in tickets:
                due = getattr(ticket, due_column.key)
                session.add(Event(ticket_id=ticket.id, at=now, kind="sla_breached", actor="scheduler",
                                  cause=f"{target} due {due.isoformat()} passed",
                                  data={"target": target, "due": due.isoformat()}))
                log.warning("event=sla_breached ticket=%s target=%s", ticket.key, target)
        return len(tickets)


def _breach_of(target: str, ticket_id):
    """The condition for an ``sla_breached`` event of ``target`` on ``ticket_id``."""
    return and_(Event.ticket_id == ticket_id, Event.kind == "sla_breached",
                Event.data["target"].as_string() == target)

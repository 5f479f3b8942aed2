"""The scheduler: acts on due times stored in the database, not on in-memory timers.

``run_once(now)`` is one sweep. In order, it:

1. records each SLA breach (``sla_breached``: an unmet target past its due
   time while the clock runs) and escalates the ticket: the priority goes up
   one level (``[scheduler] escalate_priority``, never above
   ``escalate_up_to``), the due times are recomputed (``lifecycle.recompute``),
   the team lead (else the department's manager), the watchers and the
   assignee get an escalation notice, the requester hears the new promise
   when a due time moved and is still ahead, and ``escalated`` is recorded;
2. warns when ``warning_share`` of a target is used up, that is when the
   open time left until the due time is at most the rest of the target
   (``sla_warning``, once per target and due time: a recomputed due time may
   warn again), by mail to the assignee, else the team lead, else the manager;
3. closes tickets that waited on the requester for
   ``auto_close_after_business_days`` business days of the department's calendar;
4. reminds the requester of a ticket waiting on them for
   ``reminder_after_business_days`` (``reminder_sent``, once per pause);
5. closes resolved tickets ``close_resolved_after_days`` calendar days after
   resolution.

It survives restarts, and with several schedulers on PostgreSQL each action
happens once: a ticket is acted on only while its row is locked
(``FOR NO KEY UPDATE SKIP LOCKED``), and what marks the action done (the
event, or the ticket's new state) is re-checked once the lock is held and
written in the same transaction. A ticket another worker holds is skipped
and looked at again in the next sweep.

Sweeps stay cheap with many open tickets because candidates come from
indexed range queries on ``(state, due time)``: a *full* sweep (the first,
then every ``full_sweep_minutes``) looks at every ticket past a threshold,
the sweeps in between only at thresholds passed since the previous sweep and
at tickets updated since then (a changed priority or a resumed clock moves
due times), both with a margin for late writers. So a sweep where nothing
came due reads a few index entries, and the long-breached tickets of a
backlog are not looked at again every 30 seconds. The margin and the full
sweeps are the safety net: correctness never depends on the in-memory
watermark, only cost does.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial

from sqlalchemy import Row, and_, func, insert, select
from sqlalchemy.orm import Session

from storage import Database, Event, Outbox, Ticket, TicketState
from workflows import lifecycle
from workflows.notify import (
    TARGET_NAMES,
    closed_notice,
    escalation_notice,
    new_promise_notice,
    reminder_notice,
    warning_notice,
)
from workflows.services import Department, Services, SlaRule

log = logging.getLogger("helpdesk.scheduler")

PRIORITIES = ("P1", "P2", "P3", "P4")
CLOCK_RUNNING = (TicketState.NEW.value, TicketState.OPEN.value)  # waiting_on_requester: the clock is paused
ACTIVE = (*CLOCK_RUNNING, TicketState.WAITING_ON_REQUESTER.value)
WAITING, RESOLVED, CLOSED = (TicketState.WAITING_ON_REQUESTER.value, TicketState.RESOLVED.value,
                             TicketState.CLOSED.value)
COUNTS = ("breached", "escalated", "warned", "auto_closed", "reminded", "closed")
ACTOR = "scheduler"
# How far back a sweep between full sweeps looks again: a pipeline worker may
# commit a change stamped with the time its mail arrived, a little in the past.
LATE_WRITES = dt.timedelta(minutes=15)
_IN_CHUNK = 500  # ids per IN (...) list
# What the sweeps read of a candidate ticket: to find its SLA rule, and all they look at.
_RULE_COLUMNS = (Ticket.id, Ticket.department, Ticket.priority, Ticket.sla_policy)
_COLUMNS = (*_RULE_COLUMNS, Ticket.state, Ticket.first_response_due, Ticket.resolution_due, Ticket.first_responded_at,
            Ticket.resolved_at, Ticket.sla_paused_at)
MAX_WAIT_DAYS = 3 * 366
_TARGETS = {
    "first_response": (Ticket.first_response_due, Ticket.first_responded_at),
    "resolution": (Ticket.resolution_due, Ticket.resolved_at),
}


@dataclass(frozen=True)
class SchedulerPolicy:
    """What the scheduler does, and when (``[scheduler]`` in config.toml; docs/sla.md)."""

    warning_share: float = 0.75
    escalate_priority: bool = True
    escalate_up_to: str = "P1"
    managers: Mapping[str, str] = field(default_factory=dict)  # department -> address, when no team lead
    reminder_after_business_days: int = 2
    auto_close_after_business_days: int = 5
    close_resolved_after_days: int = 7
    full_sweep_minutes: float = 60.0
    batch: int = 200

    def __post_init__(self) -> None:
        if not 0 < self.warning_share < 1:
            raise ValueError(f"warning_share must be between 0 and 1, got {self.warning_share}")
        if self.escalate_up_to not in PRIORITIES:
            raise ValueError(f"escalate_up_to must be one of {', '.join(PRIORITIES)}, got {self.escalate_up_to!r}")
        if not 0 < self.reminder_after_business_days < self.auto_close_after_business_days:
            raise ValueError("need 0 < reminder_after_business_days < auto_close_after_business_days")
        if self.close_resolved_after_days < 1 or self.batch < 1 or self.full_sweep_minutes <= 0:
            raise ValueError("close_resolved_after_days, batch and full_sweep_minutes must be positive")

    def raised(self, priority: str) -> str:
        """The priority after an escalation: one level up, not above ``escalate_up_to``."""
        if not self.escalate_priority or priority not in PRIORITIES:
            return priority
        level = PRIORITIES.index(priority) - 1
        return PRIORITIES[level] if level >= PRIORITIES.index(self.escalate_up_to) else priority


@dataclass(frozen=True)
class _Sweep:
    now: dt.datetime
    since: dt.datetime | None  # None: a full sweep
    recent: tuple[Row, ...] = ()  # tickets changed since ``since``, or held by another worker last time

    @property
    def recent_ids(self) -> frozenset[int]:
        return frozenset(row.id for row in self.recent)


class _Rows:
    """Events and outbox rows of one batch, inserted together after the tickets' own changes."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.events: list[dict] = []
        self.outbox: list[dict] = []

    def recorder(self, ticket: Ticket) -> lifecycle.Record:
        def record(kind: str, actor: str, cause: str = "", **data) -> None:
            self.events.append({"ticket_id": ticket.id, "at": self.now, "kind": kind, "actor": actor,
                                "cause": cause, "data": data})
        return record

    def mail(self, ticket: Ticket, row: dict) -> str:
        self.outbox.append({**row, "ticket_id": ticket.id})
        return row["message_id"]

    def write(self, session: Session) -> None:
        session.flush()
        if self.events:
            session.execute(insert(Event.__table__), self.events)
        if self.outbox:
            session.execute(insert(Outbox.__table__), self.outbox)


Act = Callable[[Session, list[Ticket], _Rows, Counter], None]


class Scheduler:
    """One scheduler; any number may sweep the same database at once."""

    def __init__(self, db: Database, services: Services, policy: SchedulerPolicy | None = None, *,
                 batch: int | None = None) -> None:
        self.db = db
        self.services = services
        self.policy = policy or SchedulerPolicy()
        unknown = set(self.policy.managers) - set(services.departments)
        if unknown:
            raise ValueError(f"scheduler.managers: unknown department(s) {', '.join(sorted(unknown))}")
        self.batch = batch or self.policy.batch
        self._swept: dt.datetime | None = None  # the previous sweep's ``now``
        self._full_at: dt.datetime | None = None
        self._retry: set[int] = set()  # tickets another worker held: look again next sweep

    def run_once(self, now: dt.datetime) -> dict[str, int]:
        """One sweep at ``now``; how many of each action it took (``breached``, ``warned`` ...)."""
        started = time.perf_counter()
        full = self._swept is None or now < self._swept or \
            now - self._full_at >= dt.timedelta(minutes=self.policy.full_sweep_minutes)
        retry, self._retry = self._retry, set()
        try:
            since = None if full else self._swept - LATE_WRITES
            sweep = _Sweep(now, since, self._recent(since, retry)) if since else _Sweep(now, None)
            counts = Counter(dict.fromkeys(COUNTS, 0))
            for step in (self._breaches, self._warnings, self._auto_close, self._reminders, self._close_resolved):
                counts.update(step(sweep))
        except BaseException:
            self._retry |= retry
            raise
        self._swept, self._full_at = now, now if full else self._full_at
        if any(counts.values()):
            self.services.outbox_ready.set()
            log.info("event=sweep full=%s seconds=%.3f %s", full, time.perf_counter() - started,
                     " ".join(f"{key}={counts[key]}" for key in COUNTS))
        return {key: counts[key] for key in COUNTS}

    # --- breaches and escalation ---------------------------------------------------------

    def _breaches(self, sweep: _Sweep) -> Counter:
        counts: Counter = Counter()
        for target in _TARGETS:
            ids = self._breach_candidates(target, sweep)
            counts += self._claim(ids, sweep.now, partial(self._breach, target, sweep.now))
        return counts

    def _breach_candidates(self, target: str, sweep: _Sweep) -> list[int]:
        """Tickets with ``target`` unmet past its due time and no breach of it recorded."""
        due, done = _TARGETS[target]
        now = sweep.now
        rows = self._find(
            sweep, (Ticket.id,), and_(Ticket.state.in_(CLOCK_RUNNING), due < now, done.is_(None)),
            keep=lambda row: row.state in CLOCK_RUNNING and _late(_get(row, due), now) and _get(row, done) is None,
            windows=None if sweep.since is None else [due >= sweep.since])
        ids = [row.id for row in rows]
        with self.db.sessions() as session:
            breached = _breaches_of(session, target, ids)
        return [id_ for id_ in ids if id_ not in breached]

    def _breach(self, target: str, now: dt.datetime, session: Session, tickets: list[Ticket], rows: _Rows,
                counts: Counter) -> None:
        due_column, done_column = _TARGETS[target]
        late = [t for t in tickets if t.state in CLOCK_RUNNING and getattr(t, done_column.key) is None
                and getattr(t, due_column.key) is not None and getattr(t, due_column.key) < now]
        # Another scheduler may have recorded it and let go of the ticket after our candidates
        # were read; now that we hold the lock, a new statement sees what it committed.
        breached = _breaches_of(session, target, [t.id for t in late])
        for ticket in late:
            if ticket.id in breached:
                continue
            due = getattr(ticket, due_column.key)
            record = rows.recorder(ticket)
            record("sla_breached", ACTOR, f"{target} due {_iso(due)} passed", target=target, due=_iso(due))
            log.warning("event=sla_breached ticket=%s target=%s due=%s", ticket.key, target, _iso(due))
            counts["breached"] += 1
            if self._escalate(ticket, target, due, now, record, rows):
                counts["escalated"] += 1

    def _escalate(self, ticket: Ticket, target: str, due: dt.datetime, now: dt.datetime,
                  record: lifecycle.Record, rows: _Rows) -> bool:
        department = self.services.departments.get(ticket.department)
        if department is None:
            log.warning("event=escalation_skipped ticket=%s reason=unknown_department", ticket.key)
            return False
        before, after = ticket.priority, self.policy.raised(ticket.priority)
        moved = False
        if after != before:
            ticket.priority, ticket.updated_at = after, now
            record("priority_changed", ACTOR, f"{TARGET_NAMES[target]} target breached",
                   **{"from": before, "to": after})
            sla = self.services.sla_rule(department, after, ticket.sla_policy)
            moved = lifecycle.recompute(ticket, at=now, actor=ACTOR, cause=f"priority {before} -> {after} on escalation",
                                        sla=sla, record=record)
        told = []
        for recipient in self._escalation_recipients(ticket, department):
            rows.mail(ticket, escalation_notice(self.services, department, ticket, recipient, target=target, due=due,
                                                previous_priority=before, now=now))
            told.append(recipient)
        promise = moved and _promise_ahead(ticket, now)
        if promise:
            rows.mail(ticket, new_promise_notice(self.services, department, ticket, now))
        record("escalated", ACTOR, f"{TARGET_NAMES[target]} due {_iso(due)} passed", target=target,
               priority={"from": before, "to": after}, notified=told, new_promise=promise)
        log.warning("event=escalated ticket=%s target=%s priority=%s->%s notified=%d", ticket.key, target, before,
                    after, len(told))
        return True

    def _escalation_recipients(self, ticket: Ticket, department: Department) -> list[str]:
        """The team lead (else the department's manager), the watchers and the assignee, each once."""
        boss = self._lead(ticket, department) or self.policy.managers.get(department.key)
        people = [boss, *(ticket.watchers or []), ticket.assignee]
        return list(dict.fromkeys(p.lower() for p in people if p and p.lower() != ticket.requester_email.lower()))

    def _lead(self, ticket: Ticket, department: Department) -> str | None:
        team = self.services.teams.get(ticket.team or department.team or "")
        return team.lead if team is not None else None

    # --- warnings --------------------------------------------------------------------------

    def _warnings(self, sweep: _Sweep) -> Counter:
        counts: Counter = Counter()
        for target in _TARGETS:
            ids = self._warning_candidates(target, sweep)
            counts += self._claim(ids, sweep.now, partial(self._warn, target, sweep.now))
        return counts

    def _warning_candidates(self, target: str, sweep: _Sweep) -> list[int]:
        """Tickets whose warning threshold for ``target`` has passed and that were not warned for their due time."""
        due, done = _TARGETS[target]
        now = sweep.now
        # One window per calendar and time left: due times the threshold passed (since the last sweep).
        windows = []
        for calendar, left in self._warning_groups(target):
            low = now if sweep.since is None else max(now, _threshold(calendar, left, sweep.since))
            windows.append(and_(due > low, due <= _threshold(calendar, left, now)))
        rows = self._find(
            sweep, (*_RULE_COLUMNS, due), and_(Ticket.state.in_(CLOCK_RUNNING), done.is_(None), due > now),
            keep=lambda row: row.state in CLOCK_RUNNING and _ahead(_get(row, due), now) and _get(row, done) is None,
            windows=windows)
        thresholds: dict[int, dt.datetime] = {}  # per rule, for this sweep
        wanted = {}
        for row in rows:
            rule = self._rule(row.department, row.priority, row.sla_policy)
            if rule is None:
                continue
            if id(rule) not in thresholds:
                thresholds[id(rule)] = _threshold(rule.calendar, self._left(rule, target), now)
            if _get(row, due) <= thresholds[id(rule)]:
                wanted[row.id] = _get(row, due)
        with self.db.sessions() as session:
            warned = _warnings_of(session, target, list(wanted))
        return [id_ for id_, due_at in wanted.items() if (id_, _iso(due_at)) not in warned]

    def _warn(self, target: str, now: dt.datetime, session: Session, tickets: list[Ticket], rows: _Rows,
              counts: Counter) -> None:
        due_column, done_column = _TARGETS[target]
        warned = _warnings_of(session, target, [t.id for t in tickets])
        for ticket in tickets:
            due, rule = getattr(ticket, due_column.key), self._rule(ticket.department, ticket.priority,
                                                                    ticket.sla_policy)
            if (ticket.state not in CLOCK_RUNNING or getattr(ticket, done_column.key) is not None or due is None
                    or rule is None or (ticket.id, _iso(due)) in warned or not
                    now < due <= _threshold(rule.calendar, self._left(rule, target), now)):
                continue
            department = self.services.departments[ticket.department]
            recipient = ticket.assignee or self._lead(ticket, department) or self.policy.managers.get(department.key)
            message_id = None
            if recipient:
                message_id = rows.mail(ticket, warning_notice(self.services, department, ticket, recipient,
                                                              target=target, due=due, share=self.policy.warning_share,
                                                              now=now))
            rows.recorder(ticket)("sla_warning", ACTOR, f"{round(self.policy.warning_share * 100)}% of the "
                                  f"{TARGET_NAMES[target]} target used", target=target, due=_iso(due),
                                  to=recipient, message_id=message_id)
            log.info("event=sla_warning ticket=%s target=%s due=%s to=%s", ticket.key, target, _iso(due),
                     "-" if recipient is None else "agent")
            counts["warned"] += 1

    def _warning_groups(self, target: str) -> set[tuple]:
        rules = [rule for department in self.services.departments.values() for rule in department.sla.values()]
        rules += [rule for policy in self.services.sla_policies.values() for rule in policy.values()]
        return {(rule.calendar, self._left(rule, target)) for rule in rules}

    def _left(self, rule: SlaRule, target: str) -> dt.timedelta:
        """The open time left of ``target`` when the warning is due."""
        return getattr(rule.target, target) * (1 - self.policy.warning_share)

    # --- waiting on the requester: auto-close and reminders ---------------------------------

    def _auto_close(self, sweep: _Sweep) -> Counter:
        days = self.policy.auto_close_after_business_days
        waiting = self._waiting(sweep, days)
        ids = [id_ for id_, (paused, calendar) in waiting.items() if calendar.add_days(paused, days) <= sweep.now]
        return self._claim(ids, sweep.now, partial(self._close_waiting, sweep.now))

    def _close_waiting(self, now: dt.datetime, session: Session, tickets: list[Ticket], rows: _Rows,
                       counts: Counter) -> None:
        days = self.policy.auto_close_after_business_days
        for ticket in tickets:
            calendar = self._business_calendar(ticket.department, ticket.priority, ticket.sla_policy)
            rule = self._rule(ticket.department, ticket.priority, ticket.sla_policy)
            if (ticket.state != WAITING or ticket.sla_paused_at is None or calendar is None or rule is None
                    or calendar.add_days(ticket.sla_paused_at, days) > now):
                continue
            lifecycle.transition(ticket, CLOSED, at=now, actor=ACTOR, cause=f"no answer from the requester "
                                 f"for {days} business days", sla=rule, record=rows.recorder(ticket))
            department = self.services.departments[ticket.department]
            rows.mail(ticket, closed_notice(self.services, department, ticket, waited_days=days, now=now))
            log.info("event=auto_closed ticket=%s", ticket.key)
            counts["auto_closed"] += 1

    def _reminders(self, sweep: _Sweep) -> Counter:
        days, close_days = self.policy.reminder_after_business_days, self.policy.auto_close_after_business_days
        wanted, changed = {}, sweep.recent_ids
        for id_, (paused, calendar) in self._waiting(sweep, days).items():
            remind_at = calendar.add_days(paused, days)
            recent = sweep.since is None or remind_at > sweep.since or id_ in changed
            if recent and remind_at <= sweep.now < calendar.add_days(paused, close_days):
                wanted[id_] = paused
        with self.db.sessions() as session:
            reminded = _reminders_of(session, list(wanted))
        ids = [id_ for id_, paused in wanted.items() if (id_, _iso(paused)) not in reminded]
        return self._claim(ids, sweep.now, partial(self._remind, sweep.now))

    def _remind(self, now: dt.datetime, session: Session, tickets: list[Ticket], rows: _Rows,
                counts: Counter) -> None:
        days, close_days = self.policy.reminder_after_business_days, self.policy.auto_close_after_business_days
        reminded = _reminders_of(session, [t.id for t in tickets])
        for ticket in tickets:
            paused = ticket.sla_paused_at
            calendar = self._business_calendar(ticket.department, ticket.priority, ticket.sla_policy)
            if ticket.state != WAITING or paused is None or calendar is None or \
                    (ticket.id, _iso(paused)) in reminded:
                continue
            close_at = calendar.add_days(paused, close_days)
            if not calendar.add_days(paused, days) <= now < close_at:
                continue
            department = self.services.departments[ticket.department]
            message_id = rows.mail(ticket, reminder_notice(self.services, department, ticket, close_at=close_at,
                                                           now=now))
            rows.recorder(ticket)("reminder_sent", ACTOR, f"waiting on the requester for {days} business days",
                                  paused_at=_iso(paused), close_at=_iso(close_at), message_id=message_id)
            log.info("event=reminder_sent ticket=%s", ticket.key)
            counts["reminded"] += 1

    def _waiting(self, sweep: _Sweep, days: int) -> dict[int, tuple]:
        """Tickets waiting on the requester for at least ``days`` calendar days (between full sweeps: and whose
        ``days`` business days may have ended since the last sweep): pause start and business calendar."""
        calendars = self._business_calendars()
        # Pauses that started by then are over by now, on every calendar (an upper bound, to the minute).
        cutoff = max((_pause_bounds(calendar, days, sweep.now)[1] for calendar in calendars), default=sweep.now)
        windows = None
        if sweep.since is not None:  # and those before this were over by the previous sweep
            windows = [Ticket.sla_paused_at > min(_pause_bounds(calendar, days, sweep.since)[0]
                                                  for calendar in calendars)]
        rows = self._find(
            sweep, (*_RULE_COLUMNS, Ticket.sla_paused_at),
            and_(Ticket.state == WAITING, Ticket.sla_paused_at <= cutoff),
            keep=lambda row: row.state == WAITING and row.sla_paused_at is not None and row.sla_paused_at <= cutoff,
            windows=windows)
        found = {}
        for row in rows:
            calendar = self._business_calendar(row.department, row.priority, row.sla_policy)
            if calendar is not None:
                found[row.id] = (row.sla_paused_at, calendar)
        return found

    # --- resolved tickets close --------------------------------------------------------------

    def _close_resolved(self, sweep: _Sweep) -> Counter:
        cutoff = sweep.now - dt.timedelta(days=self.policy.close_resolved_after_days)
        with self.db.sessions() as session:
            ids = session.scalars(select(Ticket.id).where(Ticket.state == RESOLVED, Ticket.resolved_at <= cutoff)).all()
        return self._claim(ids, sweep.now, partial(self._close, sweep.now, cutoff))

    def _close(self, now: dt.datetime, cutoff: dt.datetime, session: Session, tickets: list[Ticket], rows: _Rows,
               counts: Counter) -> None:
        days = self.policy.close_resolved_after_days
        for ticket in tickets:
            rule = self._rule(ticket.department, ticket.priority, ticket.sla_policy)
            if ticket.state != RESOLVED or ticket.resolved_at is None or ticket.resolved_at > cutoff or rule is None:
                continue
            lifecycle.transition(ticket, CLOSED, at=now, actor=ACTOR, cause=f"resolved more than {days} days ago",
                                 sla=rule, record=rows.recorder(ticket))
            counts["closed"] += 1

    # --- candidates and claims --------------------------------------------------------------

    def _recent(self, since: dt.datetime, held: set[int]) -> tuple[Row, ...]:
        """The tickets changed since ``since`` (their due times may have moved) and those ``held`` by another
        worker in the previous sweep: read once, each step keeps those it wants."""
        with self.db.sessions() as session:
            rows = {row.id: row for row in session.execute(
                select(*_COLUMNS).where(Ticket.state.in_(ACTIVE), Ticket.updated_at >= since))}
            held = sorted(held - set(rows))
            for start in range(0, len(held), _IN_CHUNK):
                rows.update((row.id, row) for row in session.execute(
                    select(*_COLUMNS).where(Ticket.id.in_(held[start:start + _IN_CHUNK]))))
        return tuple(rows.values())

    def _find(self, sweep: _Sweep, columns: tuple, condition, *, keep: Callable[[Row], bool],
              windows: list | None) -> list[Row]:
        """``columns`` (some of ``_COLUMNS``, the id first) of the tickets that meet ``condition``.

        With ``windows``, only those within one of them (the due times whose
        threshold passed: in a full sweep ever, else since the previous sweep).
        Between full sweeps also the recently changed tickets for which
        ``keep(row)``, ``condition`` said in Python.
        """
        query = select(*columns).where(condition)
        with self.db.sessions() as session:
            if windows is None:
                found = list(session.execute(query))
            else:
                found = [row for window in windows for row in session.execute(query.where(window))]
        found += [row for row in sweep.recent if keep(row)]
        return list({row.id: row for row in found}.values())

    def _business_calendars(self) -> set:
        return {calendar for department in self.services.departments.values() for priority in PRIORITIES
                if (calendar := self._business_calendar(department.key, priority, None)) is not None}

    def _claim(self, ids: Iterable[int], now: dt.datetime, act: Act) -> Counter:
        """Lock the tickets in batches (skipping those another worker holds) and ``act`` on them."""
        counts: Counter = Counter()
        ids = sorted(set(ids))
        for start in range(0, len(ids), self.batch):
            chunk = ids[start:start + self.batch]
            with self.db.transaction() as session:
                tickets = list(session.scalars(select(Ticket).where(Ticket.id.in_(chunk)).order_by(Ticket.id)
                                               .with_for_update(skip_locked=True, key_share=True)))
                held = set(chunk) - {ticket.id for ticket in tickets}
                if held:
                    self._retry |= held
                    log.debug("event=skipped_locked tickets=%d", len(held))
                rows = _Rows(now)
                act(session, tickets, rows, counts)
                rows.write(session)
        return counts

    def _rule(self, department_key: str, priority: str, policy: str | None) -> SlaRule | None:
        department = self.services.departments.get(department_key)
        if department is None:
            return None
        try:
            return self.services.sla_rule(department, priority, policy)
        except KeyError:
            return None

    def _business_calendar(self, department_key: str, priority: str, policy: str | None):
        """The calendar business days are counted on: the department's opening hours."""
        department = self.services.departments.get(department_key)
        if department is not None and department.calendar is not None:
            return department.calendar
        rule = self._rule(department_key, priority, policy)
        return rule.calendar if rule is not None else None


def _pause_bounds(calendar, days: int, instant: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """``(low, high)``, a minute apart: a pause that started before ``low`` had its ``days`` business
    days end by ``instant``, one that started after ``high`` has them end after it.

    ``add_days`` never goes back for a later start, so bisection finds the boundary.
    """
    low, high = instant - dt.timedelta(days=days + 31), instant
    if calendar.add_days(low, days) > instant:  # a month of closures: look much further back
        return low - dt.timedelta(days=MAX_WAIT_DAYS), high
    while high - low > dt.timedelta(minutes=1):
        middle = low + (high - low) / 2
        if calendar.add_days(middle, days) > instant:
            high = middle
        else:
            low = middle
    return low, high


def _threshold(calendar, left: dt.timedelta, now: dt.datetime) -> dt.datetime:
    """The latest due time with at most ``left`` of open time between ``now`` and it.

    ``add`` gives the earliest instant with ``left`` behind it; when that is a
    shift's end, the due times until the next opening have no more open time
    before them, so the bound is that opening.
    """
    return calendar.add(calendar.add(now, left), dt.timedelta(0))


def _get(row: Row, column) -> dt.datetime | None:
    return getattr(row, column.key)


def _late(due: dt.datetime | None, now: dt.datetime) -> bool:
    return due is not None and due < now


def _ahead(due: dt.datetime | None, now: dt.datetime) -> bool:
    return due is not None and due > now


def _iso(instant: dt.datetime) -> str:
    """An instant as UTC ISO text: the form events keep due times and pauses in, to compare them."""
    return instant.astimezone(dt.timezone.utc).isoformat()


def _promise_ahead(ticket: Ticket, now: dt.datetime) -> bool:
    """Whether an unmet due time lies ahead: a promise worth telling the requester."""
    return any(due is not None and done is None and due > now for due, done in (
        (ticket.first_response_due, ticket.first_responded_at), (ticket.resolution_due, ticket.resolved_at)))


def _events_of(session: Session, kind: str, ids: list[int], *fields: str) -> set[tuple]:
    """(ticket id, *fields of its data as text) of the events of ``kind`` on the tickets ``ids``.

    The kind is compared through ``coalesce`` so that no index on it applies:
    the rows are looked up by ticket (``ix_event_ticket``), never by walking
    every event of that kind ever recorded (what SQLite, and PostgreSQL with
    stale statistics, would otherwise do).
    """
    columns = [Event.ticket_id, *(Event.data[name].as_string() for name in fields)]
    found = set()
    for start in range(0, len(ids), _IN_CHUNK):
        found.update(tuple(row) for row in session.execute(select(*columns).where(
            Event.ticket_id.in_(ids[start:start + _IN_CHUNK]), func.coalesce(Event.kind, "") == kind)))
    return found


def _breaches_of(session: Session, target: str, ids: list[int]) -> set[int]:
    """The tickets among ``ids`` with an ``sla_breached`` event of ``target``."""
    return {id_ for id_, of in _events_of(session, "sla_breached", ids, "target") if of == target}


def _warnings_of(session: Session, target: str, ids: list[int]) -> set[tuple[int, str]]:
    """(ticket id, due time) of every ``sla_warning`` of ``target`` on these tickets."""
    return {(id_, due) for id_, of, due in _events_of(session, "sla_warning", ids, "target", "due") if of == target}


def _reminders_of(session: Session, ids: list[int]) -> set[tuple[int, str]]:
    """(ticket id, pause start) of every reminder sent on these tickets."""
    return _events_of(session, "reminder_sent", ids, "paused_at")

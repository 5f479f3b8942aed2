"""A realistic ticket history for an empty database: demos, load tests, the Overview at scale.

``helpdesk seed --tickets 1000000`` fills the configured database with
tickets over the last ``days`` (two years by default), made the way the
helpdesk itself would have made them:

- the configured departments, ticket keys with their prefixes (the ticket
  counters continue after the seeded numbers, so real mail gets fresh keys),
  the configured teams' members as assignees;
- arrivals that follow office hours in each department's calendar zone (a
  morning peak, a lunch dip, little at night), quiet weekends, busier
  January and September, slow growth over the years, and short bursts of
  one problem in one department (an outage, a payroll error), the last one
  still going on: what the Overview's "rising topics" is for;
- due times, first response and resolution computed in business time on the
  department's own SLA calendars and targets (holidays, 24x7 for P1), about
  one in eight first responses and one in six resolutions late (breaches);
- waits on the requester (paused clocks, some auto-closed), reopenings,
  ratings from about a third of the resolved tickets, children of new-hire
  requests in other departments, resolved tickets closed after the
  configured days;
- each ticket's request as its first message, and its timeline as events
  (created, first response, pause and resume, state changes, rating).

The same seed gives the same history. Seeding refuses a database that
already holds tickets: it is for empty databases, never for production data.
"""
from __future__ import annotations

import datetime as dt
import math
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select

from helpdesk.build import build_departments
from helpdesk.config import Settings
from storage import Database, Event, Message, Ticket
from storage.models import TicketCounter

UTC = dt.UTC
# arrivals per local hour of a working day: office hours with a lunch dip
HOURLY = (1, 1, 1, 1, 1, 2, 5, 12, 20, 22, 20, 15, 10, 16, 18, 16, 12, 7, 4, 3, 2, 2, 1, 1)
PRIORITIES = (("P1", 0.03), ("P2", 0.17), ("P3", 0.60), ("P4", 0.20))
# the share of tickets of the first, second ... configured department; later ones get the last share
DEPARTMENT_SHARES = (0.45, 0.20, 0.15, 0.15, 0.05)
CATEGORIES = {  # by department key; others get GENERIC
    "it": ("access", "software", "hardware", "network", "security", "outage", "email", "printing"),
    "hr": ("leave", "payroll", "benefits", "onboarding", "information", "complaint"),
    "finance": ("invoices", "expenses", "purchase-orders", "payroll", "information"),
    "facilities": ("cleaning", "heating", "access-card", "workplace", "plumbing", "emergency"),
}
GENERIC = ("general", "request", "question", "complaint")
SUBJECTS = {
    "access": ["Cannot log in to {system}", "Password reset for {system}", "Need access to {system}"],
    "software": ["{system} crashes on start", "Please install {system}", "{system} update failed"],
    "hardware": ["Laptop will not charge", "Monitor flickering", "Keyboard broken", "New headset needed"],
    "network": ["VPN drops every few minutes", "Wi-Fi slow on floor {floor}", "No network in room {room}"],
    "security": ["Suspicious email received", "Phishing link clicked", "Lost my phone with work email"],
    "outage": ["{system} is down", "{system} not reachable", "Error 500 in {system}"],
    "email": ["Mailbox full", "Shared mailbox missing", "Emails to partners bounce"],
    "printing": ["Printer on floor {floor} jams", "Cannot print from {system}"],
    "leave": ["Holiday request for {month}", "Parental leave question", "Sick leave certificate"],
    "payroll": ["Payslip for {month} is wrong", "Overtime missing on payslip", "Tax class change"],
    "benefits": ["Pension scheme question", "Gym membership subsidy", "Bike leasing"],
    "onboarding": ["New hire starting {month} 1st", "Onboarding for our new colleague", "New starter in my team"],
    "information": ["Question about the {month} report", "Where do I find the policy on {system}?"],
    "complaint": ["Complaint about {system}", "Not happy with the answer to my request"],
    "invoices": ["Invoice {number} not paid", "Supplier reminder for invoice {number}", "Credit note needed"],
    "expenses": ["Travel expenses for {month}", "Expense claim rejected", "Receipt lost"],
    "purchase-orders": ["Purchase order for {system} licences", "PO {number} approval"],
    "cleaning": ["Kitchen on floor {floor} not cleaned", "Spill in room {room}"],
    "heating": ["Room {room} too cold", "Air conditioning loud on floor {floor}"],
    "access-card": ["Badge does not open the garage", "New access card needed", "Lost my badge"],
    "workplace": ["Desk for a new colleague", "Chair broken in room {room}", "Move to floor {floor}"],
    "plumbing": ["Tap dripping in room {room}", "Toilet blocked on floor {floor}"],
    "emergency": ["Water leaking from the ceiling in room {room}", "Smoke smell on floor {floor}"],
}
GENERIC_SUBJECTS = ["Question about {system}", "Request for room {room}", "Help needed with {system}"]
SYSTEMS = ("SAP", "Outlook", "Teams", "Jira", "the VPN", "the CRM", "Workday", "SharePoint", "Zoom", "the intranet")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
FIRST_NAMES = ("anna", "ben", "clara", "david", "eva", "felix", "greta", "hugo", "ida", "jan", "karla", "leon",
               "maria", "nils", "olga", "paul", "rosa", "stefan", "tina", "uwe", "vera", "yusuf", "zoe", "li")
LAST_NAMES = ("meyer", "schmidt", "ito", "novak", "silva", "haddad", "brandt", "weber", "roth", "falk", "dahl",
              "berg", "costa", "nguyen", "kowalski", "okafor", "larsen", "rossi", "garcia", "yilmaz")
BODY = ("Hello,\n\n{subject}. Could you please look into it?\n\nThanks,\n{name}")
RULES_VERSION = "seed"


class SeedError(Exception):
    """The database cannot be seeded (it already holds tickets, or the request is impossible)."""


@dataclass
class SeedSummary:
    tickets: int = 0
    messages: int = 0
    events: int = 0
    seconds: float = 0.0
    by_department: dict[str, int] = field(default_factory=dict)
    by_state: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Burst:
    department: str
    category: str
    first_day: int
    last_day: int


def seed(db: Database, settings: Settings, tickets: int, *, days: int = 730, now: dt.datetime | None = None,
         random_seed: int = 1, history: bool = True, chunk: int = 10_000,
         progress: Callable[[int], None] | None = None) -> SeedSummary:
    """Fill ``db`` (upgraded, without tickets) with ``tickets`` tickets over the ``days`` before ``now``.

    ``history`` adds each ticket's request message and its events; without it
    only ticket rows are written (enough for the Overview, much faster).
    """
    if tickets < 1:
        raise SeedError("--tickets must be at least 1")
    if days < 14:
        raise SeedError("--days must be at least 14 (two weeks of history)")
    now = (now or dt.datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    with db.sessions() as session:
        present = session.scalar(select(func.count()).select_from(Ticket))
    if present:
        raise SeedError(f"{db.url.render_as_string()} already holds {present:,} tickets: "
                        "seed fills an empty database only")
    generator = _Generator(settings, now, days, random.Random(random_seed))
    summary = SeedSummary()
    began = time.perf_counter()
    batches = {Ticket: [], Message: [], Event: []}
    statements = {model: insert(model) for model in batches}
    with db.engine.begin() as connection:
        for ticket, messages, events in generator.tickets(tickets):
            batches[Ticket].append(ticket)
            summary.by_department[ticket["department"]] = summary.by_department.get(ticket["department"], 0) + 1
            summary.by_state[ticket["state"]] = summary.by_state.get(ticket["state"], 0) + 1
            if history:
                batches[Message].extend(messages)
                batches[Event].extend(events)
            if len(batches[Ticket]) == chunk:
                _flush(connection, statements, batches, summary)
                if progress:
                    progress(summary.tickets)
        _flush(connection, statements, batches, summary)
        for department, number in generator.numbers.items():  # the counter holds the last number given
            connection.execute(insert(TicketCounter).values(department=department, next_number=number))
    if not db.is_sqlite:
        with db.engine.begin() as connection:  # ids were given: the next real ticket continues after them
            connection.exec_driver_sql("SELECT setval(pg_get_serial_sequence('ticket', 'id'), max(id)) FROM ticket")
        with db.engine.connect() as connection:  # what autovacuum would do after a bulk load: planner statistics
            connection.execution_options(isolation_level="AUTOCOMMIT")
            for table in ("ticket", "message", "event", "ticket_counter"):
                connection.exec_driver_sql(f"VACUUM ANALYZE {table}")
    else:
        with db.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
    summary.seconds = time.perf_counter() - began
    if progress:
        progress(summary.tickets)
    return summary


def _flush(connection, statements, batches, summary: SeedSummary) -> None:
    counts = {Ticket: "tickets", Message: "messages", Event: "events"}
    for model, name in counts.items():  # tickets first: messages and events refer to them
        rows = batches[model]
        if rows:
            connection.execute(statements[model], rows)
            setattr(summary, name, getattr(summary, name) + len(rows))
            rows.clear()


class _Generator:
    """Makes the rows; everything random comes from one seeded ``random.Random``."""

    def __init__(self, settings: Settings, now: dt.datetime, days: int, rnd: random.Random) -> None:
        self.settings, self.now, self.days, self.rnd = settings, now, days, rnd
        self.departments = build_departments(settings)
        keys = list(self.departments)
        self.department_keys = keys
        self.department_weights = [DEPARTMENT_SHARES[min(n, len(DEPARTMENT_SHARES) - 1)] for n in range(len(keys))]
        self.categories = {key: CATEGORIES.get(key, GENERIC) for key in keys}
        # Zipf-like: the first categories of a department are the common ones
        self.category_weights = {key: [1 / (n + 1) for n in range(len(cats))] for key, cats in self.categories.items()}
        self.agents = {key: [] for key in keys}
        for team in settings.teams.values():
            for member in team.members:
                if member not in self.agents.get(team.department, [member]):
                    self.agents[team.department].append(member)
        for key in keys:
            if not self.agents[key]:
                self.agents[key] = [f"{key}.agent{n}@{settings.organisation.domain}" for n in range(1, 4)]
        self.teams = {key: self.departments[key].team or next(
            (name for name, team in settings.teams.items() if team.department == key), None) for key in keys}
        domain = settings.organisation.domain
        self.people = [(f"{first}.{last}{batch or ''}@{domain}", f"{first.title()} {last.title()}")
                       for batch in range(10) for last in LAST_NAMES for first in FIRST_NAMES]
        self.start = (now - dt.timedelta(days=days)).date()
        self.bursts = self._bursts()
        self.close_after = dt.timedelta(days=settings.scheduler.close_resolved_after_days)
        self.numbers = dict.fromkeys(keys, 0)
        self.last_onboarding: tuple[int, dt.datetime] | None = None

    def _bursts(self) -> list[_Burst]:
        """A burst of one category in one department every five weeks or so; the last one runs until today."""
        bursts, day = [], self.rnd.randrange(10, 40)
        while day < self.days:
            department = self.rnd.choices(self.department_keys, self.department_weights)[0]
            category = self.rnd.choice(self.categories[department][1:] or self.categories[department])
            bursts.append(_Burst(department, category, day, day + self.rnd.randrange(2, 6)))
            day += self.rnd.randrange(25, 45)
        department = self.department_keys[0]
        bursts.append(_Burst(department, self.categories[department][-1], self.days - 6, self.days))
        return bursts

    def _arrivals(self, count: int) -> list[tuple[int, int]]:
        """(day index, local hour) of every ticket, oldest first."""
        rnd, weights = self.rnd, []
        for n in range(self.days + 1):
            day = self.start + dt.timedelta(days=n)
            weights.append((0.12 if day.weekday() >= 5 else 1.0) * (1.25 if day.month in (1, 9) else 1.0)
                           * (1 + 0.3 * n / self.days))
        picked = sorted(rnd.choices(range(self.days + 1), weights, k=count))
        hours = rnd.choices(range(24), HOURLY, k=count)
        return list(zip(picked, hours, strict=True))

    def tickets(self, count: int) -> Iterator[tuple[dict, list[dict], list[dict]]]:
        rnd = self.rnd
        arrivals = self._arrivals(count)
        departments = rnd.choices(self.department_keys, self.department_weights, k=count)
        priorities = rnd.choices([p for p, _ in PRIORITIES], [w for _, w in PRIORITIES], k=count)
        bursts_by_day: dict[int, list[_Burst]] = {}
        for burst in self.bursts:
            for day in range(burst.first_day, burst.last_day + 1):
                bursts_by_day.setdefault(day, []).append(burst)
        zones: dict[str, ZoneInfo] = {key: dep.calendar.zone for key, dep in self.departments.items()}
        for index in range(count):
            day, hour = arrivals[index]
            department = departments[index]
            local = dt.datetime.combine(self.start + dt.timedelta(days=day), dt.time(hour), zones[department])
            created = (local + dt.timedelta(seconds=rnd.randrange(3600))).astimezone(UTC)
            created = min(created, self.now - dt.timedelta(seconds=1))
            category = None
            for burst in bursts_by_day.get(day, ()):
                if burst.department == department and rnd.random() < 0.4:
                    category = burst.category
            if category is None:
                category = rnd.choices(self.categories[department], self.category_weights[department])[0]
            yield self._ticket(index + 1, department, category, priorities[index], created)

    def _ticket(self, id_: int, department: str, category: str, priority: str, created: dt.datetime):
        rnd, now = self.rnd, self.now
        spec = self.departments[department]
        rule = spec.sla[priority]
        calendar, target = rule.calendar, rule.target
        self.numbers[department] += 1
        email, name = self.people[rnd.randrange(len(self.people))]
        subject = rnd.choice(SUBJECTS.get(category, GENERIC_SUBJECTS)).format(
            system=rnd.choice(SYSTEMS), floor=rnd.randrange(1, 9), room=rnd.randrange(100, 900),
            month=MONTHS[rnd.randrange(12)], number=rnd.randrange(10_000, 99_999))
        events = [_event(id_, created, "created", "requester", f"mail to {spec.address}", department=department,
                         category=category, priority=priority)]
        row = {
            "id": id_, "key": f"{spec.prefix}-{self.numbers[department]:06d}", "department": department,
            "requester_email": email, "requester_name": name, "subject": subject, "category": category,
            "priority": priority, "state": "new", "tags": [], "rules_version": RULES_VERSION,
            "created_at": created, "updated_at": created,
            "first_response_due": _utc(calendar.add(created, target.first_response)),
            "resolution_due": _utc(calendar.add(created, target.resolution)),
            "first_responded_at": None, "resolved_at": None, "closed_at": None, "assignee": None,
            "team": self.teams[department], "sla_policy": None, "watchers": [], "parent_id": None,
            "related_id": None, "sla_paused_at": None, "paused_seconds": 0, "reopened_count": 0,
            "satisfaction": None, "first_response_seconds": None, "resolution_seconds": None, "rated_at": None,
        }
        if priority == "P1" or rnd.random() < 0.15:
            row["tags"] = [rnd.choice(("urgent", "vip", "follow-up", "recurring"))]
        if category == "onboarding" and rnd.random() < 0.5:
            self.last_onboarding = (id_, created)
        elif (self.last_onboarding and department != "hr" and rnd.random() < 0.03
              and created - self.last_onboarding[1] < dt.timedelta(days=2)):
            row["parent_id"] = self.last_onboarding[0]
            events[0]["data"]["parent"] = self.last_onboarding[0]
        messages = [{"ticket_id": id_, "direction": "in", "message_id": None, "sender": email, "subject": subject,
                     "body_text": BODY.format(subject=subject, name=name.split()[0]), "created_at": created}]
        agents = self.agents[department]
        assignee = agents[id_ % len(agents)]
        if rnd.random() < 0.8:  # assigned by a rule or round-robin on arrival
            row.update(assignee=assignee, state="open")
            events.append(_event(id_, created, "assigned", "rule", "round-robin", assignee=assignee))
        late_response = rnd.random() < 0.12
        first = target.first_response * (rnd.uniform(1.05, 3) if late_response else rnd.uniform(0.05, 1))
        first = dt.timedelta(seconds=int(first.total_seconds()))
        responded = _utc(calendar.add(created, first))
        if responded > now:
            return self._finish(row, events, messages)
        row.update(first_responded_at=responded, first_response_seconds=int(first.total_seconds()),
                   assignee=row["assignee"] or assignee, state="open")
        events.append(_event(id_, responded, "first_response", "agent", "first answer to the requester"))
        late = rnd.random() < 0.18
        work = max(target.resolution * (rnd.uniform(1.05, 4) if late else rnd.uniform(0.1, 1)),
                   first + dt.timedelta(minutes=5))
        resolved = _utc(calendar.add(created, dt.timedelta(seconds=int(work.total_seconds()))))
        if rnd.random() < 0.08:  # asked the requester something and waited
            paused_at = responded + dt.timedelta(minutes=rnd.randrange(5, 120))
            if paused_at > now:
                return self._finish(row, events, messages)
            events.append(_event(id_, paused_at, "sla_paused", "agent", "waiting on the requester"))
            if rnd.random() < 0.25:  # never answered: reminded, then closed by the scheduler
                closed = _utc(calendar.add_days(paused_at, self.settings.scheduler.auto_close_after_business_days))
                if closed > now:
                    row.update(state="waiting_on_requester", sla_paused_at=paused_at)
                    return self._finish(row, events, messages)
                paused = calendar.elapsed(paused_at, closed)
                row.update(state="closed", closed_at=closed, paused_seconds=int(paused.total_seconds()))
                events.append(_event(id_, closed, "state_changed", "scheduler", "no answer from the requester",
                                     **{"from": "waiting_on_requester", "to": "closed"}))
                return self._finish(row, events, messages)
            resumed = paused_at + dt.timedelta(hours=rnd.uniform(1, 72))
            if resumed > now:
                row.update(state="waiting_on_requester", sla_paused_at=paused_at)
                return self._finish(row, events, messages)
            paused = calendar.elapsed(paused_at, resumed)
            row["paused_seconds"] = int(paused.total_seconds())
            row["resolution_due"] = _utc(calendar.add(row["resolution_due"], paused))
            events.append(_event(id_, resumed, "sla_resumed", "requester", "the requester answered",
                                 paused_seconds=row["paused_seconds"]))
            resolved = max(resolved, resumed) + (resumed - paused_at if resolved > paused_at else dt.timedelta(0))
        if resolved > now:
            return self._finish(row, events, messages)
        spent = calendar.elapsed(created, resolved).total_seconds() - row["paused_seconds"]
        row.update(state="resolved", resolved_at=resolved, resolution_seconds=max(int(spent), 0))
        events.append(_event(id_, resolved, "state_changed", "agent", "#resolve", **{"from": "open", "to": "resolved"}))
        reopened = rnd.choices((0, 1, 2), (0.93, 0.06, 0.01))[0]
        if reopened:
            row["reopened_count"] = reopened
            events.insert(-1, _event(id_, resolved - dt.timedelta(minutes=30), "reopened", "requester",
                                     "replied after the resolution"))
        if rnd.random() < 0.3:
            rated = resolved + dt.timedelta(hours=rnd.uniform(0.5, 48))
            if rated <= now:
                rating = rnd.choices((1, 2, 3, 4, 5), (5, 5, 10, 30, 50))[0]
                row.update(satisfaction=rating, rated_at=rated)
                events.append(_event(id_, rated, "rated", "requester", f"rated {rating} of 5", rating=rating))
        if resolved + self.close_after <= now:
            row.update(state="closed", closed_at=resolved + self.close_after)
            events.append(_event(id_, row["closed_at"], "state_changed", "scheduler",
                                 f"resolved {self.close_after.days} days ago", **{"from": "resolved", "to": "closed"}))
        return self._finish(row, events, messages)

    @staticmethod
    def _finish(row: dict, events: list[dict], messages: list[dict]):
        row["updated_at"] = max(event["at"] for event in events)
        return row, messages, events


def _event(ticket_id: int, at: dt.datetime, kind: str, actor: str, cause: str, **data) -> dict:
    return {"ticket_id": ticket_id, "at": at, "kind": kind, "actor": actor, "cause": cause, "data": data}


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(UTC)


def describe(summary: SeedSummary) -> str:
    rate = summary.tickets / summary.seconds if summary.seconds else math.inf
    parts = ", ".join(f"{key} {count:,}" for key, count in sorted(summary.by_department.items()))
    states = ", ".join(f"{key} {count:,}" for key, count in sorted(summary.by_state.items()))
    return (f"seeded {summary.tickets:,} tickets ({parts}), {summary.messages:,} messages, {summary.events:,} events "
            f"in {summary.seconds:.1f} s ({rate:,.0f} tickets/s)\nstates: {states}")

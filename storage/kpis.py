"""The Overview's KPIs, each defined once: SQL aggregates that return small results.

``docs/kpis.md`` states every definition in words; this module is the same
definition in code (change them together). Each function runs one or a few
aggregate queries, grouped or limited in the database, so no ticket rows
cross the wire. Days are UTC calendar days, as in ``storage.queries``; only
the arrivals heatmap is drawn in a time zone of the caller's choice.

Terms used throughout:

* A ticket is **done** when it left the open states: at ``resolved_at``, or
  at ``closed_at`` when it was closed without being resolved (auto-closed
  after waiting on the requester). A reopened ticket has no ``resolved_at``
  until it is resolved again, so it counts as open again from its creation.
* Department, priority and category are the ticket's current ones (an
  escalated ticket counts under its raised priority). A child ticket of a
  request to several departments counts as a ticket of its own department,
  like any other ticket.
* ``now`` (default: the current time) is when the figures are taken; tests
  pass it to get fixed answers.

The queries are shaped for the indexes they need at a million tickets
(``docs/kpis.md``, "Speed").
"""
from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session

from storage.db import utcnow
from storage.models import Ticket, TicketState, UtcDateTime
from storage.queries import OPEN_STATES

UTC = dt.UTC
DAY = dt.timedelta(days=1)
WEEK = dt.timedelta(days=7)
TARGETS = ("first_response", "resolution")
PRIORITIES = ("P1", "P2", "P3", "P4")
STATES = tuple(state.value for state in TicketState)


# --- the filter ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class KpiFilter:
    """The time range and the tickets the Overview looks at.

    ``since`` and ``until`` are aware datetimes, the half-open range
    [since, until), or dates: whole UTC days, both included
    (``until=date(2026, 3, 31)`` ends at midnight UTC after March 31). Both
    are kept as UTC datetimes. A dimension of ``None`` means every value; an
    empty sequence means none.
    """

    since: dt.datetime
    until: dt.datetime
    departments: tuple[str, ...] | None = None
    priorities: tuple[str, ...] | None = None
    categories: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        since, until = _instant(self.since), _instant(self.until, end_of_day=True)
        if until <= since:
            raise ValueError(f"until ({until.isoformat()}) must come after since ({since.isoformat()})")
        object.__setattr__(self, "since", since)
        object.__setattr__(self, "until", until)
        for name in ("departments", "priorities", "categories"):
            values = getattr(self, name)
            if isinstance(values, str):
                raise TypeError(f"{name} is a sequence of names, not one string")
            if values is not None:
                object.__setattr__(self, name, tuple(values))


def _instant(value: dt.date | dt.datetime, *, end_of_day: bool = False) -> dt.datetime:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given to KpiFilter: say its zone (UTC)")
        return value.astimezone(UTC)
    day = value + DAY if end_of_day else value
    return dt.datetime.combine(day, dt.time.min, UTC)


def _dims(session: Session, query, kpi: KpiFilter):
    """``query`` narrowed to the filter's departments, priorities and categories."""
    department = Ticket.department
    if _dialect(session) == "sqlite":
        # Without statistics SQLite prefers the equality on ix_ticket_department_state to
        # any time range, and reads every ticket the department ever had; compared through
        # coalesce, no index on it applies and the time range narrows the query.
        department = func.coalesce(Ticket.department, "")
    for column, values in ((department, kpi.departments), (Ticket.priority, kpi.priorities),
                           (Ticket.category, kpi.categories)):
        if values is not None:
            query = query.where(column.in_(values))
    return query


def _count(session: Session, kpi: KpiFilter, *where) -> int:
    return session.execute(_dims(session, select(func.count()).where(*where), kpi)).scalar_one()


def _between(column, start: dt.datetime, end: dt.datetime):
    return and_(column >= start, column < end)


def _done_between(start: dt.datetime, end: dt.datetime):
    """Done in [start, end): resolved then, or closed then without a resolution (two indexable ranges)."""
    return or_(_between(Ticket.resolved_at, start, end),
               and_(_unresolved(), _between(Ticket.closed_at, start, end)))


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _days(start: dt.datetime, end: dt.datetime) -> list[dt.date]:
    """Every UTC day that [start, end) touches."""
    first, last = start.date(), (end - dt.timedelta(microseconds=1)).date()
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


# --- throughput and backlog ---------------------------------------------------------------------

@dataclass(frozen=True)
class Flow:
    start: dt.date  # the UTC day, or the Monday of the ISO week
    created: int
    resolved: int  # done: resolved, or closed without a resolution
    open: int  # open at the end of the day or week (at the range's end, or now, for the last one)


def daily_flow(session: Session, kpi: KpiFilter, now: dt.datetime | None = None) -> list[Flow]:
    """Throughput and backlog: per UTC day of the range up to ``now``, tickets created, tickets done,
    and tickets open at the end of the day.

    The open count is worked backwards from the tickets open now (open
    at the end of a day = open now − created since + done since), from
    per-day counts: no query per day. Days after ``now`` are not listed.
    """
    now = now or utcnow()
    end = min(kpi.until, now)
    if end <= kpi.since:
        return []
    created, done = _created_per_day(session, kpi, kpi.since, end), _done_per_day(session, kpi, kpi.since, end)
    open_at_end = _count(session, kpi, Ticket.state.in_(OPEN_STATES))
    if end < now:  # the range ended in the past: step back from now to its end
        open_at_end += (_count(session, kpi, _done_between(end, now))
                        - _count(session, kpi, _between(Ticket.created_at, end, now)))
    days = []
    for day in reversed(_days(kpi.since, end)):
        days.append(Flow(day, created[day], done[day], open_at_end))
        open_at_end += done[day] - created[day]
    return days[::-1]


def weekly_flow(days: Sequence[Flow]) -> list[Flow]:
    """:func:`daily_flow` summed per ISO week (Monday first); a week cut by the range has only its days in it."""
    weeks: dict[dt.date, Flow] = {}
    for day in days:
        monday = day.start - dt.timedelta(days=day.start.weekday())
        week = weeks.get(monday, Flow(monday, 0, 0, 0))
        weeks[monday] = Flow(monday, week.created + day.created, week.resolved + day.resolved, day.open)
    return list(weeks.values())


def _created_per_day(session: Session, kpi: KpiFilter, start: dt.datetime, end: dt.datetime) -> Counter:
    return _per_day(session, kpi, Ticket.created_at, start, end)


def _unresolved():
    """``resolved_at IS NULL``, as the partial index ix_ticket_closed_unresolved is declared: with a
    range on closed_at it reads only the tickets closed without a resolution."""
    return Ticket.resolved_at.is_(None)


def _done_per_day(session: Session, kpi: KpiFilter, start: dt.datetime, end: dt.datetime) -> Counter:
    resolved = _per_day(session, kpi, Ticket.resolved_at, start, end)
    closed = _per_day(session, kpi, Ticket.closed_at, start, end, _unresolved())
    return resolved + closed


def _per_day(session: Session, kpi: KpiFilter, column, start: dt.datetime, end: dt.datetime, *where) -> Counter:
    """Tickets per UTC day of ``column`` in [start, end), keyed by the day."""
    bounds = _bounds(start, end, DAY)
    return Counter({lower.date(): count for lower, count in _per_bucket(session, kpi, column, bounds, *where)})


def _bounds(start: dt.datetime, end: dt.datetime, step: dt.timedelta) -> list[dt.datetime]:
    """``start``, every UTC multiple of ``step`` (a divisor of a day) after it and before ``end``, ``end``."""
    midnight = dt.datetime.combine(start.date(), dt.time.min, UTC)
    bounds, edge = [start], midnight + (start - midnight) // step * step + step
    while edge < end:
        bounds.append(edge)
        edge += step
    return [*bounds, end]


def _per_bucket(session: Session, kpi: KpiFilter, column, bounds: Sequence[dt.datetime],
                *where) -> list[tuple[dt.datetime, int]]:
    """(lower bound, tickets whose ``column`` lies in [lower, upper)) for consecutive ``bounds``; empty
    buckets left out.

    The buckets are a table (from one JSON parameter) and each is counted by
    its own range on the column's index: a b-tree seek and a count of index
    entries per bucket. ``GROUP BY`` on an expression of the column would
    compute it for every row and sort them all (5-8 times slower on SQLite).
    """
    bucket = _buckets(session, column, bounds)
    count = _dims(session, select(func.count()).where(column >= bucket.c.lower, column < bucket.c.upper, *where),
                  kpi).scalar_subquery()
    return [(lower, count_) for lower, count_ in session.execute(select(bucket.c.lower, count)) if count_]


def _buckets(session: Session, column, bounds: Sequence[dt.datetime]):
    """A CTE (lower, upper) of the consecutive ``bounds``, typed like ``column``."""
    dialect = session.get_bind().dialect
    # The dialect's own processor, as when binding a parameter: on SQLite the text as stored
    # ("2024-03-07 00:00:00.000000"), so the text comparison orders like the times; an ISO
    # string ("2024-03-07T00:00:00+00:00") would sort after every time of that day. PostgreSQL:
    # an aware datetime, cast back from its ISO text.
    to_db = column.type.dialect_impl(dialect).bind_processor(dialect)
    stored = [to_db(bound) if to_db else bound for bound in bounds]
    pairs = json.dumps([[_text(lower), _text(upper)] for lower, upper in pairwise(stored)])
    if dialect.name == "sqlite":
        rows = func.json_each(bindparam("buckets", pairs, type_=String)).table_valued("value")
        lower, upper = (func.json_extract(rows.c.value, f"$[{n}]", type_=UtcDateTime) for n in (0, 1))
    else:
        rows = func.json_array_elements(cast(bindparam("buckets", pairs, type_=String), JSON)).table_valued("value")
        lower, upper = (cast(rows.c.value.op("->>")(n), UtcDateTime) for n in (0, 1))
    return select(lower.label("lower"), upper.label("upper")).select_from(rows).cte("bucket")


def _text(value) -> str:
    return value if isinstance(value, str) else value.isoformat()


# --- response and resolution times ------------------------------------------------------------

@dataclass(frozen=True)
class Percentiles:
    """Nearest-rank percentiles of business seconds: the p-th is the ⌈p·n/100⌉-th smallest value."""

    count: int
    median: int | None
    p90: int | None


def first_response_time(session: Session, kpi: KpiFilter) -> Percentiles:
    """Business seconds from creation to the first agent answer, of tickets first answered in the range."""
    return _percentiles(session, kpi, Ticket.first_response_seconds, Ticket.first_responded_at)


def resolution_time(session: Session, kpi: KpiFilter) -> Percentiles:
    """Business seconds from creation to resolution, of tickets resolved in the range."""
    return _percentiles(session, kpi, Ticket.resolution_seconds, Ticket.resolved_at)


# Up to this many values a sort is quicker; beyond it, the ix_ticket_kpi_*_seconds indexes in value order.
_SORT_AT_MOST = 50_000


def _percentiles(session: Session, kpi: KpiFilter, value, column) -> Percentiles:
    """Median and p90 of ``value`` over the tickets whose ``column`` lies in the range."""
    # Count, then the two ranks wanted: PostgreSQL's percentile_disc, portable to SQLite.
    when = _between(column, kpi.since, kpi.until)
    count = _count(session, kpi, when, value.is_not(None))
    if not count:
        return Percentiles(0, None, None)
    median, p90 = (count * 50 + 99) // 100, (count * 90 + 99) // 100
    if count > _SORT_AT_MOST:
        # Walk the value's index (ix_ticket_kpi_*_seconds) in order to each rank, the range checked
        # inside the index: no sort of every value. Through coalesce the range cannot pick the
        # time index instead (SQLite would, then sort with a heap of the offset's size).
        in_range = _between(func.coalesce(column, column), kpi.since, kpi.until)
        in_order = _dims(session, select(value).where(in_range, value.is_not(None)), kpi).order_by(value).limit(1)
        return Percentiles(count, *(session.scalar(in_order.offset(rank - 1)) for rank in (median, p90)))
    # One sort in the database that ranks the values and keeps the two ranks wanted.
    rank = func.row_number().over(order_by=value).label("rank")
    ranked = _dims(session, select(value.label("value"), rank).where(when, value.is_not(None)), kpi).subquery()
    found = dict(session.execute(select(ranked.c.rank, ranked.c.value).where(ranked.c.rank.in_({median, p90}))).all())
    return Percentiles(count, found[median], found[p90])


# --- SLA compliance and breaches ----------------------------------------------------------------

@dataclass(frozen=True)
class SlaCompliance:
    target: str  # first_response | resolution
    met: int
    breached: int

    @property
    def share(self) -> float | None:
        """Met among the decided targets (0..1); None when none was decided."""
        decided = self.met + self.breached
        return self.met / decided if decided else None


@dataclass(frozen=True)
class Breach:
    key: str
    department: str
    priority: str
    category: str
    target: str
    due: dt.datetime
    done_at: dt.datetime | None  # when it was answered / resolved (late); None while still unmet
    subject: str = ""  # the requester's words: show as data, never as markup


def _target(target: str):
    """(due, done, stop) of a target: when it is due, when it was met, when its clock stopped for good."""
    if target == "first_response":
        # Resolved or closed without an answer: no first response will come, the clock stopped there.
        return (Ticket.first_response_due, Ticket.first_responded_at,
                func.coalesce(Ticket.first_responded_at, Ticket.resolved_at, Ticket.closed_at))
    if target == "resolution":
        done = func.coalesce(Ticket.resolved_at, Ticket.closed_at)
        return Ticket.resolution_due, done, done
    raise ValueError(f"target must be one of {TARGETS}, not {target!r}")


def _met(target: str, start: dt.datetime, end: dt.datetime):
    """Met in [start, end): done by the due time, decided when it was done."""
    due, done, _ = _target(target)
    when = (_between(Ticket.first_responded_at, start, end) if target == "first_response"
            else _done_between(start, end))
    return and_(when, due.is_not(None), done <= due)


def _breached(target: str, start: dt.datetime, end: dt.datetime, now: dt.datetime):
    """Breached in [start, end): the due time passed (before ``now``) with the target unmet, decided at
    the due time. A ticket waiting on the requester whose clock stopped before the due time is not
    breached: its due time moves when the clock resumes."""
    due, _, stop = _target(target)
    return and_(_between(due, start, min(end, now)), or_(
        stop > due,
        and_(stop.is_(None), or_(Ticket.sla_paused_at.is_(None), Ticket.sla_paused_at > due)),
    ))


def sla_compliance(session: Session, kpi: KpiFilter, now: dt.datetime | None = None) -> list[SlaCompliance]:
    """Per target (first response, resolution): how many were met and how many breached, each decided
    in the range.

    One query of five counts, each a range on an index that holds every
    column it reads (docs/kpis.md, "Speed"): first responses by
    first_responded_at, resolutions by resolved_at, closes without a
    resolution by closed_at, breaches by the due time.
    """
    now = now or utcnow()
    since, until = kpi.since, kpi.until
    counts = [
        _count_query(session, kpi, _met("first_response", since, until)),
        _count_query(session, kpi, _between(Ticket.resolved_at, since, until), Ticket.resolution_due.is_not(None),
                     Ticket.resolved_at <= Ticket.resolution_due),
        _count_query(session, kpi, _unresolved(), _between(Ticket.closed_at, since, until),
                     Ticket.resolution_due.is_not(None), Ticket.closed_at <= Ticket.resolution_due),
        _count_query(session, kpi, _breached("first_response", since, until, now)),
        _count_query(session, kpi, _breached("resolution", since, until, now)),
    ]
    fr_met, resolved_met, closed_met, fr_breached, res_breached = session.execute(select(*counts)).one()
    return [SlaCompliance("first_response", fr_met, fr_breached),
            SlaCompliance("resolution", resolved_met + closed_met, res_breached)]


def _count_query(session: Session, kpi: KpiFilter, *where):
    return _dims(session, select(func.count()).select_from(Ticket).where(*where), kpi).scalar_subquery()


def sla_breaches(session: Session, kpi: KpiFilter, limit: int = 100,
                 now: dt.datetime | None = None) -> list[Breach]:
    """The breaches counted by :func:`sla_compliance`, latest due time first, at most ``limit``.

    Read per state along the ``(state, due time)`` indexes, newest first, so
    only about ``limit`` rows per state are looked at.
    """
    now = now or utcnow()
    found = []
    for target in TARGETS:
        due, _, stop = _target(target)
        per_state = [
            _dims(session, select(Ticket.id, Ticket.key, Ticket.department, Ticket.priority, Ticket.category,
                                  due.label("due"), stop.label("done_at"), Ticket.subject)
                  .where(Ticket.state == state, _breached(target, kpi.since, kpi.until, now))
                  .order_by(due.desc(), Ticket.id.desc()).limit(limit), kpi).subquery().select()
            for state in STATES
        ]
        found += [(row.due, row.id, target, row) for row in session.execute(union_all(*per_state))]
    found.sort(key=lambda item: item[:3], reverse=True)
    return [Breach(row.key, row.department, row.priority, row.category, target, row.due, row.done_at, row.subject)
            for _, _, target, row in found[:limit]]


# --- reopenings and satisfaction ----------------------------------------------------------------

@dataclass(frozen=True)
class Rate:
    count: int
    of: int

    @property
    def share(self) -> float | None:
        return self.count / self.of if self.of else None


def reopen_rate(session: Session, kpi: KpiFilter) -> Rate:
    """Of the tickets resolved in the range, those reopened at least once."""
    query = _dims(session, select(func.sum(case((Ticket.reopened_count > 0, 1), else_=0)), func.count())
                  .where(_between(Ticket.resolved_at, kpi.since, kpi.until)), kpi)
    reopened, resolved = session.execute(query).one()
    return Rate(int(reopened or 0), resolved)


@dataclass(frozen=True)
class Satisfaction:
    resolved: int  # tickets resolved in the range
    rated: int  # ... of them with a rating
    total: int  # the sum of those ratings (1-5 each)

    @property
    def average(self) -> float | None:
        return self.total / self.rated if self.rated else None

    @property
    def response_rate(self) -> float | None:
        return self.rated / self.resolved if self.resolved else None


def satisfaction(session: Session, kpi: KpiFilter) -> Satisfaction:
    """Ratings of the tickets resolved in the range: how many were rated, and their sum (for the average)."""
    query = _dims(session, select(func.count(), func.count(Ticket.satisfaction), func.sum(Ticket.satisfaction))
                  .where(_between(Ticket.resolved_at, kpi.since, kpi.until)), kpi)
    resolved, rated, total = session.execute(query).one()
    return Satisfaction(resolved, rated, int(total or 0))


# --- arrivals -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class HeatCell:
    weekday: int  # 0 = Monday
    hour: int  # local hour, 0-23
    count: int


def arrivals_heatmap(session: Session, kpi: KpiFilter, timezone: str = "UTC") -> list[HeatCell]:
    """Tickets created in the range per local weekday and hour in ``timezone`` (IANA name): 168 cells.

    The database counts per UTC hour (per quarter hour where the zone's
    offset is not whole hours in the range); each bucket is turned into local
    time here, so daylight saving time is right on both sides of a change.
    A first bucket cut by the range's start counts in its hour.
    """
    zone = ZoneInfo(timezone)
    step = dt.timedelta(minutes=60 if _whole_hours(zone, kpi.since, kpi.until) else 15)
    bounds = _bounds(kpi.since, kpi.until, step)
    cells: Counter = Counter()
    for start, count in _per_bucket(session, kpi, Ticket.created_at, bounds):
        local = start.astimezone(zone)
        cells[local.weekday(), local.hour] += count
    return [HeatCell(weekday, hour, cells[weekday, hour]) for weekday in range(7) for hour in range(24)]


def _whole_hours(zone: ZoneInfo, since: dt.datetime, until: dt.datetime) -> bool:
    """Whether the zone's UTC offset is a whole number of hours throughout the range (sampled daily)."""
    instant = since
    while instant < until + DAY:
        offset = instant.astimezone(zone).utcoffset()
        if offset is None or offset.total_seconds() % 3600:
            return False
        instant += DAY
    return True


# --- topics -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CategoryCount:
    category: str
    count: int
    share: float  # of the tickets created in the range


def top_categories(session: Session, kpi: KpiFilter, limit: int = 10) -> list[CategoryCount]:
    """The categories with the most tickets created in the range, most first (ties by name)."""
    query = _dims(session, select(Ticket.category, func.count())
                  .where(_between(Ticket.created_at, kpi.since, kpi.until)).group_by(Ticket.category), kpi)
    counts = session.execute(query).all()
    total = sum(count for _, count in counts)
    ranked = sorted(counts, key=lambda row: (-row[1], row[0]))[:limit]
    return [CategoryCount(category, count, count / total) for category, count in ranked]


@dataclass(frozen=True)
class RisingTopic:
    kind: str  # category | tag
    name: str
    this_week: int  # tickets created in the 7 days before the range's end
    previous_week: int  # ... in the 7 days before those

    @property
    def change(self) -> int:
        return self.this_week - self.previous_week


def rising_topics(session: Session, kpi: KpiFilter, limit: int = 10) -> list[RisingTopic]:
    """Categories and tags whose ticket count grew most from the previous week to this one.

    "This week" is the 7 days before the range's end, "the previous week"
    the 7 days before that (whatever the range's start). Only topics that
    grew are listed: the largest increase first, then the larger count this
    week, then kind and name.
    """
    middle = kpi.until - WEEK
    this_week = func.sum(case((Ticket.created_at >= middle, 1), else_=0))
    previous = func.sum(case((Ticket.created_at < middle, 1), else_=0))
    window = _between(Ticket.created_at, middle - WEEK, kpi.until)
    by_category = select(Ticket.category, this_week, previous).where(window).group_by(Ticket.category)
    tag = _tags(session)
    by_tag = (select(tag.c.value, this_week, previous).select_from(Ticket).join(tag, true())
              .where(window, _is_array(session)).group_by(tag.c.value))
    topics = [RisingTopic(kind, name, int(now_ or 0), int(before or 0))
              for kind, query in (("category", by_category), ("tag", by_tag))
              for name, now_, before in session.execute(_dims(session, query, kpi))]
    rising = [topic for topic in topics if topic.change > 0]
    rising.sort(key=lambda topic: (-topic.change, -topic.this_week, topic.kind, topic.name))
    return rising[:limit]


def _tags(session: Session):
    """The ticket's tags as a table of one text column, ``value`` (joined laterally)."""
    if _dialect(session) == "sqlite":
        return func.json_each(Ticket.tags).table_valued("value").alias("tag")
    return func.json_array_elements_text(Ticket.tags).table_valued("value").alias("tag")


def _is_array(session: Session):
    if _dialect(session) == "sqlite":
        return func.json_type(Ticket.tags) == "array"
    return func.json_typeof(Ticket.tags) == "array"


# --- filter choices -----------------------------------------------------------------------------

def category_names(session: Session, kpi: KpiFilter) -> list[str]:
    """The categories of the tickets created in the filter's range and departments, sorted.

    The filter's priorities and categories are ignored: these are the choices
    for the category filter itself. Departments are not, so a user limited to
    some departments is only offered the categories seen in them.
    """
    query = (select(Ticket.category).where(_between(Ticket.created_at, kpi.since, kpi.until))
             .distinct().order_by(Ticket.category))
    return list(session.scalars(_dims(session, query, KpiFilter(kpi.since, kpi.until, kpi.departments))))

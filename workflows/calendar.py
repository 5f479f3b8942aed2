"""Business calendars: when a department is open, and business-time arithmetic.

A calendar is the weekly opening hours of a department in one time zone, minus
public holidays (from the ``holidays`` package) and company closure days. It
answers three questions about timezone-aware instants:

- ``is_open(dt)``: is the department open at this instant?
- ``add(start, business)``: when will ``business`` of open time have elapsed?
- ``elapsed(start, end)``: how much open time lies between two instants?

Shifts are local wall-clock times turned into instants with :mod:`zoneinfo`,
so a shift that spans a daylight-saving change has its real length (a
``00:00-24:00`` shift lasts 23 h or 25 h on the change days). A shift runs from
the first instant the clock shows its start time to the last instant it shows
its end time; a wall time that never occurs (inside the spring gap) is the
instant of the jump. Open time is half-open: a 09:00-17:00 shift is open at
09:00 and closed at 17:00.

Arithmetic works on a table of the open intervals of whole years (as integer
microseconds since the epoch) with the open time before each one summed up,
so ``add`` and ``elapsed`` are two binary searches, however long the span:
tens of thousands of due times per second. The table is built lazily, per
calendar, for the years asked about and rebuilt wider when a question goes
beyond it. The core is pure: its only state is these tables and the cache of
holiday dates per country, subdivision and year.
"""
from __future__ import annotations

import re
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# A search that meets this many closed days in a row gives up instead of
# looping forever (e.g. closures covering every opening day).
MAX_CLOSED_DAYS = 3 * 366

# A table spans at most this many days unless one ``add`` needs more; a question
# far away from it gets a fresh table instead of an ever larger one.
MAX_TABLE_DAYS = 40 * 366

_SHIFT = re.compile(r"(\d{2}):(\d{2})-(\d{2}):(\d{2})")
_DAY = timedelta(days=1)
_ZERO = timedelta(0)
_MICROSECOND = timedelta(microseconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US_PER_DAY = 86_400_000_000
_LAST_YEAR = 9998  # tables end here, so a day after the last one still exists

Interval = tuple[datetime, datetime]
"""An open period as UTC instants, half-open: ``[opens, closes)``."""


class CalendarError(ValueError):
    """A calendar definition, or a datetime handed to a calendar, is not valid."""


class Shift(NamedTuple):
    """One opening period of a day, in minutes after local midnight (end may be 1440)."""

    start: int
    end: int

    def __str__(self) -> str:
        return f"{_clock(self.start)}-{_clock(self.end)}"


@dataclass(frozen=True)
class BusinessCalendar:
    """Opening hours in one time zone, minus holidays and closures; build with :meth:`build`.

    Guarantees (tested): for any aware ``start`` and ``business >= 0``,
    ``elapsed(start, add(start, business)) == business``; ``add`` never gives an
    earlier instant for a later start or a longer duration; and when
    ``elapsed(start, end) > 0``, ``add(start, elapsed(start, end))`` is the
    earliest instant with that much open time behind it: ``end`` itself when
    open time runs right up to ``end``, otherwise the close of the last shift
    before ``end``.
    """

    timezone: str
    week: tuple[tuple[Shift, ...], ...]
    holidays_country: str | None = None
    holidays_subdiv: str | None = None
    closures: frozenset[date] = frozenset()
    always_open: bool = False

    @classmethod
    def build(
        cls,
        timezone: str,
        hours: Mapping[str, Sequence[str]],
        holidays_country: str | None = None,
        holidays_subdiv: str | None = None,
        closures: Iterable[date] = (),
        always_open: bool = False,
    ) -> BusinessCalendar:
        """Validate a calendar definition; raise :class:`CalendarError` naming the bad value."""
        _zone(timezone)
        week = _parse_week(hours)
        _check_holidays(holidays_country, holidays_subdiv)
        closed = _parse_closures(closures)
        if always_open and (any(week) or holidays_country or closed):
            raise CalendarError("an always-open calendar takes no hours, holidays or closures")
        if not always_open and not any(week):
            raise CalendarError("calendar has no opening hours; give hours or always_open=True")
        return cls(timezone, week, holidays_country, holidays_subdiv, closed, always_open)

    @classmethod
    def always(cls, timezone: str = "UTC") -> BusinessCalendar:
        """A 24x7 calendar (on-call), open through holidays and weekends."""
        return cls.build(timezone, {}, always_open=True)

    @property
    def zone(self) -> ZoneInfo:
        """The calendar's time zone (ZoneInfo caches instances, so this is cheap)."""
        return ZoneInfo(self.timezone)

    def in_zone(self, dt: datetime) -> datetime:
        """The instant ``dt`` expressed in the calendar's zone; naive datetimes are refused."""
        _micros(dt)  # refuses a naive datetime
        return dt.astimezone(self.zone)

    def is_open(self, dt: datetime) -> bool:
        """Whether the department is open at the instant ``dt``."""
        instant = _micros(dt)
        if self.always_open:
            return True
        table = self._table_for(instant, instant)
        index = bisect_right(table.closes, instant)
        return index < len(table.closes) and table.opens[index] <= instant

    def add(self, start: datetime, business: timedelta) -> datetime:
        """The instant when ``business`` of open time has elapsed after ``start``.

        The clock starts at the next opening when ``start`` is in closed time.
        Time that runs out exactly at a shift's end gives that end (17:00), not
        the next opening. A zero duration gives the first open instant at or
        after ``start``. The result is in the calendar's zone; compare or
        subtract it as UTC, since Python does wall-clock arithmetic between
        datetimes that share a zone (wrong across a DST change).
        """
        instant = _micros(start)
        if business < _ZERO:
            raise CalendarError(f"business time must not be negative, got {business}")
        amount = business // _MICROSECOND
        if self.always_open:
            return _instant(instant + amount).astimezone(self.zone)
        return _instant(self._advance(instant, amount)).astimezone(self.zone)

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """The open time between two instants; zero when ``end <= start``."""
        since, until = _micros(start), _micros(end)
        if until <= since:
            return _ZERO
        if self.always_open:
            return timedelta(microseconds=until - since)
        table = self._table_for(since, until)
        return timedelta(microseconds=table.position(until) - table.position(since))

    def add_days(self, start: datetime, days: int) -> datetime:
        """The instant ``days`` business days after ``start`` (reminders: "after 2 business days").

        The count starts at the first open instant at or after ``start`` and
        gives the same wall-clock time on the ``days``-th later day with
        opening hours (weekends, holidays and closures are skipped), or the
        next opening after it when the department is closed then. Result in
        the calendar's zone.
        """
        if days < 0:
            raise CalendarError(f"business days must not be negative, got {days}")
        begin = self.add(start, _ZERO)
        day, counted, closed_run = begin.date(), 0, 0
        while counted < days:
            day += _DAY
            if self.always_open or (self.week[day.weekday()] and not self._is_closed(day)):
                counted, closed_run = counted + 1, 0
            elif (closed_run := closed_run + 1) > MAX_CLOSED_DAYS:
                raise CalendarError(f"calendar is closed for {MAX_CLOSED_DAYS} days in a row from {day}")
        wall = datetime.combine(day, begin.time(), tzinfo=self.zone)
        return self.add(wall, _ZERO)

    def _advance(self, instant: int, amount: int) -> int:
        """``add`` on the table, in microseconds; the table grows until the time runs out."""
        table = self._table_for(instant, instant)
        while True:
            index = bisect_right(table.closes, instant)
            if index < len(table.closes):
                opens = max(table.opens[index], instant)
                if not amount:
                    return opens
                target = table.cumulative[index] + (opens - table.opens[index]) + amount
                last = bisect_left(table.cumulative_end, target)
                if last < len(table.closes):
                    return table.opens[last] + (target - table.cumulative[last])
            table = self._longer_table(table, instant)

    def _table_for(self, since: int, until: int) -> _Table:
        """A table of open intervals that covers the instants ``since``..``until``."""
        table = self.__dict__.get("_table")
        if table is not None and table.covers(since, until):
            return table
        first, last = _utc_day(since), _utc_day(until)
        if table is not None and (max(last, table.last_day) - min(first, table.first_day)).days <= MAX_TABLE_DAYS:
            first, last = min(first, table.first_day), max(last, table.last_day)
        return self._build_table(first.year - 1, last.year + 1)

    def _longer_table(self, table: _Table, instant: int) -> _Table:
        """The table with the next years added, for an ``add`` that runs past its end."""
        last_open = table.closes[-1] if table.closes else table.start
        if table.last_day.year >= _LAST_YEAR:
            raise CalendarError(f"no open time left before the year {_LAST_YEAR + 1}")
        if (table.last_day - _utc_day(max(last_open, instant))).days > MAX_CLOSED_DAYS:
            raise CalendarError(f"calendar is closed for {MAX_CLOSED_DAYS} days in a row from "
                                f"{_utc_day(instant)}")
        years = table.last_day.year - table.first_day.year + 1
        return self._build_table(table.first_day.year, table.last_day.year + max(2, years))  # doubling

    def _build_table(self, first_year: int, last_year: int) -> _Table:
        with _TABLE_LOCK:  # one thread builds, the others then find it
            table = self.__dict__.get("_table")
            first, last = date(max(first_year, 1), 1, 1), date(min(last_year, _LAST_YEAR), 12, 31)
            if table is None or table.first_day > first or table.last_day < last:
                table = _Table(first, last, self._intervals(first, last))
                object.__setattr__(self, "_table", table)  # the frozen fields stay as they are
        return table

    def _intervals(self, first: date, last: date) -> Iterator[Interval]:
        """Open intervals of local days ``first``..``last``, ordered and disjoint."""
        day, previous_close = first, datetime.min.replace(tzinfo=UTC)
        while day <= last:
            for opens, closes in self._day_intervals(day):
                opens = max(opens, previous_close)  # ambiguous wall times may overlap
                if opens < closes:
                    yield opens, closes
                    previous_close = closes
            day += _DAY

    def _day_intervals(self, day: date) -> list[Interval]:
        shifts = self.week[day.weekday()]
        if not shifts or self._is_closed(day):
            return []
        zone = self.zone
        return [
            (_wall_instant(day, shift.start, zone, last=False), _wall_instant(day, shift.end, zone, last=True))
            for shift in shifts
        ]

    def _is_closed(self, day: date) -> bool:
        if day in self.closures:
            return True
        country = self.holidays_country
        return country is not None and day in _holiday_dates(country, self.holidays_subdiv, day.year)


class _Table:
    """The open intervals of the local days ``first_day``..``last_day`` as epoch microseconds.

    ``cumulative[i]`` is the open time before interval ``i`` (from the table's
    start), ``cumulative_end[i]`` the open time up to its close. Instants are
    answered for only where every interval that can touch them is in the
    table: a local day and its UTC day differ by at most one.
    """

    __slots__ = ("first_day", "last_day", "start", "end", "opens", "closes", "cumulative", "cumulative_end")

    def __init__(self, first_day: date, last_day: date, intervals: Iterable[Interval]) -> None:
        self.first_day, self.last_day = first_day, last_day
        self.start = _day_micros(first_day + _DAY)
        self.end = _day_micros(last_day - _DAY)
        self.opens, self.closes, self.cumulative, self.cumulative_end = [], [], [], []
        total = 0
        for opens, closes in intervals:
            self.opens.append(_micros(opens))
            self.closes.append(_micros(closes))
            self.cumulative.append(total)
            total += self.closes[-1] - self.opens[-1]
            self.cumulative_end.append(total)

    def covers(self, since: int, until: int) -> bool:
        return self.start <= since and until < self.end

    def position(self, instant: int) -> int:
        """The open time from the table's start to ``instant``."""
        index = bisect_right(self.closes, instant)
        if index == len(self.closes):
            return self.cumulative_end[-1] if self.closes else 0
        return self.cumulative[index] + max(0, instant - self.opens[index])


_TABLE_LOCK = threading.Lock()


def _micros(dt: datetime) -> int:
    """An aware datetime as microseconds since the epoch; naive datetimes are refused."""
    if not isinstance(dt, datetime):
        raise CalendarError(f"expected a datetime, got {dt!r}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise CalendarError(f"naive datetime {dt.isoformat()} refused; give a timezone-aware datetime")
    return (dt - _EPOCH) // _MICROSECOND


def _instant(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def _utc_day(micros: int) -> date:
    return date.fromordinal(_EPOCH_ORDINAL + micros // _US_PER_DAY)


def _day_micros(day: date) -> int:
    return (day.toordinal() - _EPOCH_ORDINAL) * _US_PER_DAY


_EPOCH_ORDINAL = _EPOCH.date().toordinal()


def _wall_instant(day: date, minutes: int, zone: ZoneInfo, *, last: bool) -> datetime:
    """The UTC instant the clock shows ``minutes`` after local midnight of ``day``.

    A repeated wall time (autumn) gives its first occurrence, or its last when
    ``last``; a wall time that never occurs (spring gap) gives the jump.
    """
    wall = datetime.combine(day, time()) + timedelta(minutes=minutes)
    instant = wall.replace(tzinfo=zone, fold=int(last)).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wall:
        return instant
    return _jump_instant(wall, zone)


def _jump_instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """The instant the clock jumps over ``wall``, found by bisection on whole seconds."""
    # Inside a gap the two folds read ``wall`` with the offsets before and after the jump.
    ends = (wall.replace(tzinfo=zone, fold=fold).timestamp() for fold in (0, 1))
    low, high = sorted(int(end) for end in ends)
    before = datetime.fromtimestamp(low, zone).utcoffset()
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == before:
            low = middle
        else:
            high = middle
    return datetime.fromtimestamp(high, UTC)


@lru_cache(maxsize=512)
def _holiday_dates(country: str, subdiv: str | None, year: int) -> frozenset[date]:
    """Public holidays of one year, built once per (country, subdivision, year)."""
    return frozenset(holidays.country_holidays(country, subdiv=subdiv, years=year))


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise CalendarError(f"unknown timezone {name!r}; use an IANA name such as 'Europe/Berlin'") from exc


def _check_holidays(country: str | None, subdiv: str | None) -> None:
    if country is None:
        if subdiv is not None:
            raise CalendarError(f"holidays_subdiv {subdiv!r} given without holidays_country")
        return
    if country not in holidays.list_supported_countries():
        raise CalendarError(f"unknown holidays_country {country!r}; use an ISO 3166 code such as 'DE'")
    try:
        holidays.country_holidays(country, subdiv=subdiv)
    except NotImplementedError as exc:
        raise CalendarError(f"unknown holidays_subdiv {subdiv!r} for country {country!r}") from exc


def _parse_closures(closures: Iterable[date]) -> frozenset[date]:
    days = frozenset(closures)
    for day in days:
        # datetime is a date subclass, but would never equal a calendar day.
        if not isinstance(day, date) or isinstance(day, datetime):
            raise CalendarError(f"closure {day!r} is not a date")
    return days


def _parse_week(hours: Mapping[str, Sequence[str]]) -> tuple[tuple[Shift, ...], ...]:
    for name in hours:
        if name not in WEEKDAYS:
            raise CalendarError(f"unknown weekday {name!r}; use one of {', '.join(WEEKDAYS)}")
    return tuple(_parse_day(name, hours.get(name, ())) for name in WEEKDAYS)


def _parse_day(name: str, texts: Sequence[str]) -> tuple[Shift, ...]:
    if isinstance(texts, str) or not isinstance(texts, Sequence):
        raise CalendarError(f"{name}: expected a list of 'HH:MM-HH:MM' shifts, got {texts!r}")
    shifts = sorted(_parse_shift(name, text) for text in texts)
    for before, after in zip(shifts, shifts[1:]):
        if after.start < before.end:
            raise CalendarError(f"{name}: shifts {before} and {after} overlap")
    return tuple(shifts)


def _parse_shift(name: str, text: str) -> Shift:
    match = _SHIFT.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise CalendarError(f"{name}: malformed shift {text!r}; expected 'HH:MM-HH:MM'")
    start = _minutes(name, text, int(match[1]), int(match[2]))
    end = _minutes(name, text, int(match[3]), int(match[4]))
    if end <= start:
        raise CalendarError(f"{name}: shift {text!r} must end after it starts")
    return Shift(start, end)


def _minutes(name: str, text: str, hour: int, minute: int) -> int:
    if (hour < 24 and minute < 60) or (hour, minute) == (24, 0):
        return hour * 60 + minute
    raise CalendarError(f"{name}: no such time {hour:02d}:{minute:02d} in shift {text!r}")


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"

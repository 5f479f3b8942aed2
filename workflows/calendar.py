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

Arithmetic steps shift by shift and day by day, never minute by minute. The
core is pure: its only state is the cache of holiday tables, built lazily per
country, subdivision and year.
"""
from __future__ import annotations

import re
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

_SHIFT = re.compile(r"(\d{2}):(\d{2})-(\d{2}):(\d{2})")
_DAY = timedelta(days=1)
_ZERO = timedelta(0)

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
        return _utc(dt).astimezone(self.zone)

    def is_open(self, dt: datetime) -> bool:
        """Whether the department is open at the instant ``dt``."""
        instant = _utc(dt)
        if self.always_open:
            return True
        day = self._local_date(instant)
        return any(opens <= instant < closes for opens, closes in self._intervals(day - _DAY, day + _DAY))

    def add(self, start: datetime, business: timedelta) -> datetime:
        """The instant when ``business`` of open time has elapsed after ``start``.

        The clock starts at the next opening when ``start`` is in closed time.
        Time that runs out exactly at a shift's end gives that end (17:00), not
        the next opening. A zero duration gives the first open instant at or
        after ``start``. The result is in the calendar's zone; compare or
        subtract it as UTC, since Python does wall-clock arithmetic between
        datetimes that share a zone (wrong across a DST change).
        """
        instant = _utc(start)
        if business < _ZERO:
            raise CalendarError(f"business time must not be negative, got {business}")
        if self.always_open:
            return (instant + business).astimezone(self.zone)
        return self._advance(instant, business).astimezone(self.zone)

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """The open time between two instants; zero when ``end <= start``."""
        since, until = _utc(start), _utc(end)
        if until <= since:
            return _ZERO
        if self.always_open:
            return until - since
        days = self._local_date(since) - _DAY, self._local_date(until) + _DAY
        return sum((_overlap(interval, since, until) for interval in self._intervals(*days)), _ZERO)

    def _advance(self, instant: datetime, business: timedelta) -> datetime:
        remaining = business
        for opens, closes in self._intervals(self._local_date(instant) - _DAY):
            if closes <= instant:
                continue
            opens = max(opens, instant)
            if remaining <= closes - opens:
                return opens + remaining
            remaining -= closes - opens
        raise AssertionError("unreachable: an open-ended interval search ends by raising")

    def _intervals(self, first: date, last: date | None = None) -> Iterator[Interval]:
        """Open intervals of local days ``first``..``last`` (open-ended if None), ordered, disjoint."""
        day, previous_close, closed_run = first, datetime.min.replace(tzinfo=UTC), 0
        while last is None or day <= last:
            closed_run += 1
            for opens, closes in self._day_intervals(day):
                opens = max(opens, previous_close)  # ambiguous wall times may overlap
                if opens < closes:
                    yield opens, closes
                    previous_close, closed_run = closes, 0
            if last is None and closed_run > MAX_CLOSED_DAYS:
                raise CalendarError(f"calendar is closed for {MAX_CLOSED_DAYS} days in a row from {first}")
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

    def _local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.zone).date()


def _utc(dt: datetime) -> datetime:
    if not isinstance(dt, datetime):
        raise CalendarError(f"expected a datetime, got {dt!r}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise CalendarError(f"naive datetime {dt.isoformat()} refused; give a timezone-aware datetime")
    return dt.astimezone(UTC)


def _overlap(interval: Interval, since: datetime, until: datetime) -> timedelta:
    opens, closes = interval
    return max(_ZERO, min(closes, until) - max(opens, since))


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

"""SLA targets and due times: what we promise the requester, and by when.

Targets are written as minutes and hours of a calendar's open time ("30m",
"4h", "1h30m"). Days are refused on purpose: "1d" would be 24 hours on a 24x7
calendar but one working day elsewhere, so a target says its hours. Due times
are business-time arithmetic on a :class:`~workflows.calendar.BusinessCalendar`,
and :func:`describe_promise` is the plain sentence the requester reads.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from workflows.calendar import BusinessCalendar

_DURATION = re.compile(r"(?:(\d+)h)?\s*(?:(\d+)m)?")
_MINUTE = timedelta(minutes=1)
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)


@dataclass(frozen=True)
class SlaTarget:
    """Business time allowed until the first response and until resolution."""

    first_response: timedelta
    resolution: timedelta

    def __post_init__(self) -> None:
        if self.first_response <= timedelta(0) or self.resolution <= timedelta(0):
            raise ValueError(f"SLA targets must be positive, got {self.first_response} and {self.resolution}")
        if self.first_response > self.resolution:
            raise ValueError(
                f"first response target {self.first_response} is after resolution {self.resolution}"
            )


@dataclass(frozen=True)
class DueTimes:
    """When the first response and the resolution of a ticket are due (calendar zone)."""

    first_response_due: datetime
    resolution_due: datetime


def parse_duration(text: str) -> timedelta:
    """Read a positive target such as "30m", "4h", "1h30m" or "16h"; anything else is a ValueError."""
    cleaned = text.strip().lower()
    match = _DURATION.fullmatch(cleaned)
    if not cleaned or match is None:
        raise ValueError(
            f"bad duration {text!r}: write hours and minutes such as '30m', '4h' or '1h30m' "
            "(days are not supported: a business day differs between calendars, write '8h')"
        )
    duration = timedelta(hours=int(match[1] or 0), minutes=int(match[2] or 0))
    if duration <= timedelta(0):
        raise ValueError(f"duration {text!r} must be more than zero")
    return duration


def due_times(calendar: BusinessCalendar, target: SlaTarget, received_at: datetime) -> DueTimes:
    """The due times of a request received at ``received_at``, counted in open time."""
    return DueTimes(
        first_response_due=calendar.add(received_at, target.first_response),
        resolution_due=calendar.add(received_at, target.resolution),
    )


def describe_duration(duration: timedelta, business: bool = True) -> str:
    """Say a whole-minute duration in words: "8 business hours", "1 business hour 30 minutes"."""
    if duration < timedelta(0) or duration % _MINUTE:
        raise ValueError(f"can only describe a non-negative whole number of minutes, got {duration}")
    hours, minutes = divmod(duration // _MINUTE, 60)
    qualifier = "business " if business else ""
    if hours and minutes:
        return f"{_count(hours, qualifier + 'hour')} {_count(minutes, 'minute')}"
    if hours:
        return _count(hours, qualifier + "hour")
    return _count(minutes, qualifier + "minute")


def describe_promise(
    calendar: BusinessCalendar,
    target_duration: timedelta,
    due: datetime,
    now: datetime | None = None,
) -> str:
    """The promise sentence: "within 8 business hours, by Tuesday 24 November, 12:00 CET".

    The year is added when the due date falls in another year than ``now``
    (the current time when None), both read in the calendar's zone.
    """
    within = describe_duration(target_duration, business=not calendar.always_open)
    return f"within {within}, by {describe_when(calendar, due, now)}"


def describe_when(calendar: BusinessCalendar, when: datetime, now: datetime | None = None) -> str:
    """An instant as the requester reads it: "Tuesday 24 November, 12:00 CET" in the calendar's zone,
    with the year when it is not the year of ``now`` (the current time when None)."""
    local = calendar.in_zone(when)
    today = calendar.in_zone(now if now is not None else datetime.now(UTC))
    day = f"{_WEEKDAY_NAMES[local.weekday()]} {local.day} {_MONTH_NAMES[local.month - 1]}"
    if local.year != today.year:
        day += f" {local.year}"
    return f"{day}, {local:%H:%M} {local.tzname()}"


def _count(number: int, unit: str) -> str:
    return f"{number} {unit}{'' if number == 1 else 's'}"

"""SLA targets: parsing, due times on a business calendar, and the promise sentence."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from workflows.calendar import BusinessCalendar, CalendarError
from workflows.sla import (
    DueTimes,
    SlaTarget,
    describe_duration,
    describe_promise,
    due_times,
    parse_duration,
)

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = BusinessCalendar.build(
    "Europe/Berlin",
    {day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
    holidays_country="DE",
)
ON_CALL = BusinessCalendar.always()


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


# --- parse_duration ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "duration"),
    [
        ("30m", timedelta(minutes=30)),
        ("4h", timedelta(hours=4)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("16h", timedelta(hours=16)),
        ("90m", timedelta(hours=1, minutes=30)),
        (" 2h ", timedelta(hours=2)),
        ("1h 15m", timedelta(hours=1, minutes=15)),
        ("4H", timedelta(hours=4)),
    ],
)
def test_parse_duration(text: str, duration: timedelta) -> None:
    assert parse_duration(text) == duration


@pytest.mark.parametrize(
    "text", ["2d", "1d4h", "", "  ", "h", "30", "1.5h", "4 hours", "-1h", "1h30", "30m1h", "1w"]
)
def test_parse_duration_refuses_anything_but_hours_and_minutes(text: str) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(text))):
        parse_duration(text)


def test_parse_duration_explains_why_days_are_refused() -> None:
    with pytest.raises(ValueError, match="days are not supported"):
        parse_duration("2d")


@pytest.mark.parametrize("text", ["0m", "0h", "0h0m"])
def test_parse_duration_refuses_zero(text: str) -> None:
    with pytest.raises(ValueError, match="more than zero"):
        parse_duration(text)


# --- SlaTarget and due_times -----------------------------------------------------------


@pytest.mark.parametrize(
    ("first_response", "resolution"),
    [
        (timedelta(0), timedelta(hours=4)),
        (timedelta(hours=1), timedelta(hours=-1)),
        (timedelta(hours=8), timedelta(hours=4)),
    ],
)
def test_sla_target_refuses_impossible_targets(first_response: timedelta, resolution: timedelta) -> None:
    with pytest.raises(ValueError):
        SlaTarget(first_response, resolution)


def test_due_times_on_office_hours() -> None:
    target = SlaTarget(first_response=parse_duration("4h"), resolution=parse_duration("16h"))
    # Tue 15:00: 2 h on Tuesday, then 2 h (first response) / 8 h Wed + 6 h Thu (resolution).
    assert due_times(OFFICE, target, at(2026, 11, 24, 15)) == DueTimes(
        first_response_due=at(2026, 11, 25, 11), resolution_due=at(2026, 11, 26, 15)
    )


def test_due_times_on_call_around_the_clock() -> None:
    target = SlaTarget(first_response=parse_duration("30m"), resolution=parse_duration("4h"))
    due = due_times(ON_CALL, target, datetime(2026, 12, 25, 23, tzinfo=UTC))
    assert due.first_response_due == datetime(2026, 12, 25, 23, 30, tzinfo=UTC)
    assert due.resolution_due == datetime(2026, 12, 26, 3, tzinfo=UTC)


def test_due_times_refuses_naive_received_at() -> None:
    target = SlaTarget(timedelta(hours=1), timedelta(hours=2))
    with pytest.raises(CalendarError, match="naive"):
        due_times(OFFICE, target, datetime(2026, 11, 24, 10))


# --- describe_duration -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("duration", "business", "words"),
    [
        (timedelta(hours=8), True, "8 business hours"),
        (timedelta(hours=1), True, "1 business hour"),
        (timedelta(minutes=30), True, "30 business minutes"),
        (timedelta(minutes=1), True, "1 business minute"),
        (timedelta(hours=1, minutes=30), True, "1 business hour 30 minutes"),
        (timedelta(hours=2, minutes=1), True, "2 business hours 1 minute"),
        (timedelta(hours=4), False, "4 hours"),
        (timedelta(hours=1, minutes=30), False, "1 hour 30 minutes"),
        (timedelta(hours=40), True, "40 business hours"),
        (timedelta(0), True, "0 business minutes"),
    ],
)
def test_describe_duration(duration: timedelta, business: bool, words: str) -> None:
    assert describe_duration(duration, business=business) == words


@pytest.mark.parametrize("duration", [timedelta(minutes=-30), timedelta(minutes=1, seconds=30)])
def test_describe_duration_refuses_what_it_cannot_say(duration: timedelta) -> None:
    with pytest.raises(ValueError):
        describe_duration(duration)


# --- describe_promise ------------------------------------------------------------------

NOW = at(2026, 11, 23, 9)


@pytest.mark.parametrize(
    ("calendar", "target", "due", "now", "promise"),
    [
        pytest.param(
            OFFICE, timedelta(hours=8), at(2026, 11, 24, 12), NOW,
            "within 8 business hours, by Tuesday 24 November, 12:00 CET", id="winter",
        ),
        pytest.param(
            OFFICE, timedelta(hours=1, minutes=30), at(2026, 6, 5, 9, 5), at(2026, 6, 4, 16),
            "within 1 business hour 30 minutes, by Friday 5 June, 09:05 CEST", id="summer-single-digit-day",
        ),
        pytest.param(
            OFFICE, timedelta(hours=16), at(2027, 1, 4, 10), at(2026, 12, 30, 10),
            "within 16 business hours, by Monday 4 January 2027, 10:00 CET", id="next-year",
        ),
        pytest.param(
            # 23:30 UTC on New Year's Eve is already 2027 in Berlin: no year needed.
            OFFICE, timedelta(hours=4), at(2027, 1, 4, 13), datetime(2026, 12, 31, 23, 30, tzinfo=UTC),
            "within 4 business hours, by Monday 4 January, 13:00 CET", id="now-read-in-calendar-zone",
        ),
        pytest.param(
            OFFICE, timedelta(hours=2), datetime(2026, 11, 24, 10, tzinfo=UTC), NOW,
            "within 2 business hours, by Tuesday 24 November, 11:00 CET", id="due-given-in-utc",
        ),
        pytest.param(
            ON_CALL, timedelta(hours=4), datetime(2026, 12, 26, 14, tzinfo=UTC), NOW,
            "within 4 hours, by Saturday 26 December, 14:00 UTC", id="on-call",
        ),
    ],
)
def test_describe_promise(
    calendar: BusinessCalendar, target: timedelta, due: datetime, now: datetime, promise: str
) -> None:
    assert describe_promise(calendar, target, due, now=now) == promise


def test_describe_promise_without_now_uses_the_current_year() -> None:
    due = datetime.now(UTC)
    promise = describe_promise(ON_CALL, timedelta(hours=1), due)
    assert not re.search(r"\b\d{4},", promise)


def test_describe_promise_refuses_naive_due() -> None:
    with pytest.raises(ValueError, match="naive"):
        describe_promise(OFFICE, timedelta(hours=1), datetime(2026, 11, 24, 12), now=NOW)


def test_promise_for_a_friday_evening_request() -> None:
    target = SlaTarget(first_response=timedelta(hours=4), resolution=timedelta(hours=16))
    due = due_times(OFFICE, target, at(2026, 11, 27, 18))
    assert describe_promise(OFFICE, target.resolution, due.resolution_due, now=NOW) == (
        "within 16 business hours, by Tuesday 1 December, 17:00 CET"
    )

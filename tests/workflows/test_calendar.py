"""Business calendars: opening hours, holidays, closures, DST, and the add/elapsed guarantees.

Expected values are worked out by hand; the week of Monday 23 November 2026 is
the reference week (no holidays in Germany).
"""
from __future__ import annotations

import dataclasses
import re
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.calendar import WEEKDAYS, BusinessCalendar, CalendarError

BERLIN = ZoneInfo("Europe/Berlin")
WORKDAYS = ("mon", "tue", "wed", "thu", "fri")
NINE_TO_FIVE = {day: ["09:00-17:00"] for day in WORKDAYS}

OFFICE = BusinessCalendar.build("Europe/Berlin", NINE_TO_FIVE, holidays_country="DE")
SPLIT = BusinessCalendar.build("Europe/Berlin", {day: ["09:00-12:30", "13:30-17:00"] for day in WORKDAYS})
ROUND_CLOCK = BusinessCalendar.build("Europe/Berlin", {day: ["00:00-24:00"] for day in WEEKDAYS})
REALISTIC = BusinessCalendar.build(
    "Europe/Berlin",
    {**{day: ["08:00-12:00", "13:00-17:30"] for day in ("mon", "tue", "wed", "thu")}, "fri": ["08:00-14:00"]},
    holidays_country="DE",
    holidays_subdiv="BY",
    closures=[date(2026, 12, 24), date(2026, 12, 31), date(2027, 12, 24)],
)
# Sunday shifts with boundaries inside the DST gap or the repeated hour.
NIGHT_SHIFT = BusinessCalendar.build(
    "Europe/Berlin", {**{day: ["07:00-19:00"] for day in WORKDAYS}, "sun": ["02:30-05:00"]}
)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An aware datetime on the Berlin wall clock."""
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


# --- add: ordinary weeks -------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "business", "due"),
    [
        pytest.param(at(2026, 11, 24, 10), hours(4), at(2026, 11, 24, 14), id="during-hours"),
        pytest.param(at(2026, 11, 24, 20), hours(2), at(2026, 11, 25, 11), id="evening"),
        pytest.param(at(2026, 11, 25, 7), hours(1), at(2026, 11, 25, 10), id="early-morning"),
        pytest.param(at(2026, 11, 27, 18), hours(4), at(2026, 11, 30, 13), id="friday-evening"),
        pytest.param(at(2026, 11, 27, 15), hours(4), at(2026, 11, 30, 11), id="friday-afternoon"),
        pytest.param(at(2026, 11, 28, 10), hours(1), at(2026, 11, 30, 10), id="saturday"),
        pytest.param(at(2026, 11, 24, 16), hours(1), at(2026, 11, 24, 17), id="ends-at-shift-end"),
        pytest.param(at(2026, 11, 24, 9), hours(8), at(2026, 11, 24, 17), id="whole-day"),
        pytest.param(at(2026, 11, 23, 9), hours(40), at(2026, 11, 27, 17), id="whole-week"),
        pytest.param(at(2026, 11, 24, 10, 15), timedelta(minutes=30), at(2026, 11, 24, 10, 45), id="minutes"),
    ],
)
def test_add_on_office_hours(start: datetime, business: timedelta, due: datetime) -> None:
    assert OFFICE.add(start, business) == due


@pytest.mark.parametrize(
    ("start", "due"),
    [
        pytest.param(at(2026, 11, 24, 10), at(2026, 11, 24, 10), id="open-stays"),
        pytest.param(at(2026, 11, 24, 9), at(2026, 11, 24, 9), id="at-opening"),
        pytest.param(at(2026, 11, 24, 17), at(2026, 11, 25, 9), id="at-closing-is-closed"),
        pytest.param(at(2026, 11, 28, 10), at(2026, 11, 30, 9), id="weekend"),
    ],
)
def test_add_zero_gives_next_open_instant(start: datetime, due: datetime) -> None:
    assert OFFICE.add(start, timedelta(0)) == due


def test_add_returns_the_calendar_zone_for_any_input_zone() -> None:
    due = OFFICE.add(datetime(2026, 11, 24, 9, tzinfo=UTC), hours(1))  # 10:00 CET
    assert due == at(2026, 11, 24, 11)
    assert due.tzinfo == BERLIN
    assert due.tzname() == "CET"


def test_add_is_fast_for_long_durations() -> None:
    started = time.perf_counter()
    due = OFFICE.add(at(2026, 1, 1), hours(10_000))  # about five years of office hours
    assert time.perf_counter() - started < 1.0
    assert OFFICE.elapsed(at(2026, 1, 1), due) == hours(10_000)


# --- holidays and closures -------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "business", "due"),
    [
        # Fri 25 Dec holiday, weekend, Mon 28 Dec open: 1 h + 7 h.
        pytest.param(at(2026, 12, 24, 16), hours(8), at(2026, 12, 28, 16), id="christmas"),
        # Sat 26 Dec is a holiday and a Saturday anyway.
        pytest.param(at(2026, 12, 26, 10), hours(1), at(2026, 12, 28, 10), id="second-christmas-day"),
        # Wed 7 h + Thu 8 h, Fri 1 Jan holiday, Mon 4 Jan 1 h.
        pytest.param(at(2026, 12, 30, 10), hours(16), at(2027, 1, 4, 10), id="new-year"),
        # Thu 2 h, Good Friday, weekend with the DST switch, Easter Monday, Tue 2 h (CEST).
        pytest.param(at(2027, 3, 25, 15), hours(4), at(2027, 3, 30, 11), id="easter"),
    ],
)
def test_add_skips_public_holidays(start: datetime, business: timedelta, due: datetime) -> None:
    assert OFFICE.add(start, business) == due


@pytest.mark.parametrize(
    "day", [date(2026, 12, 25), date(2026, 12, 26), date(2027, 1, 1), date(2027, 3, 26), date(2027, 3, 29)]
)
def test_public_holidays_are_closed(day: date) -> None:
    assert not OFFICE.is_open(at(day.year, day.month, day.day, 10))


def test_subdivision_holidays_apply_only_to_that_subdivision() -> None:
    bavaria = BusinessCalendar.build(
        "Europe/Berlin", NINE_TO_FIVE, holidays_country="DE", holidays_subdiv="BY"
    )
    epiphany = at(2027, 1, 6, 10)  # a Wednesday, a holiday in Bavaria only
    assert OFFICE.is_open(epiphany)
    assert not bavaria.is_open(epiphany)
    assert bavaria.add(at(2027, 1, 5, 16), hours(2)) == at(2027, 1, 7, 10)


def test_company_closure_day() -> None:
    closed = BusinessCalendar.build("Europe/Berlin", NINE_TO_FIVE, "DE", closures=[date(2026, 12, 24)])
    assert not closed.is_open(at(2026, 12, 24, 10))
    # Wed 1 h, Thu 24 closure, Fri 25 holiday, weekend, Mon 28 1 h.
    assert closed.add(at(2026, 12, 23, 16), hours(2)) == at(2026, 12, 28, 10)


# --- split shifts ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "business", "due"),
    [
        pytest.param(at(2026, 11, 23, 11), hours(2), at(2026, 11, 23, 14), id="across-lunch"),
        pytest.param(at(2026, 11, 23, 12, 45), hours(0.5), at(2026, 11, 23, 14), id="during-lunch"),
        pytest.param(at(2026, 11, 23, 12), hours(0.5), at(2026, 11, 23, 12, 30), id="ends-at-lunch"),
        pytest.param(at(2026, 11, 23, 9), hours(7), at(2026, 11, 23, 17), id="whole-day"),
        pytest.param(at(2026, 11, 23, 16), hours(4), at(2026, 11, 24, 12), id="next-morning"),
    ],
)
def test_add_with_split_shifts(start: datetime, business: timedelta, due: datetime) -> None:
    assert SPLIT.add(start, business) == due


def test_split_shift_opening_is_half_open() -> None:
    assert SPLIT.is_open(at(2026, 11, 23, 12, 29))
    assert not SPLIT.is_open(at(2026, 11, 23, 12, 30))
    assert not SPLIT.is_open(at(2026, 11, 23, 13, 29))
    assert SPLIT.is_open(at(2026, 11, 23, 13, 30))
    assert SPLIT.elapsed(at(2026, 11, 23), at(2026, 11, 24)) == hours(7)


# --- daylight-saving changes (Europe/Berlin: 29 March and 25 October 2026) ------------


def test_friday_request_before_spring_switch() -> None:
    due = OFFICE.add(at(2026, 3, 27, 16), hours(4))  # Fri 1 h, Mon 3 h
    assert due == at(2026, 3, 30, 12)
    assert due.tzname() == "CEST"
    # Real elapsed time is 15:00 UTC to 10:00 UTC (same-zone subtraction would use wall clocks).
    assert due.astimezone(UTC) - at(2026, 3, 27, 16).astimezone(UTC) == timedelta(days=2, hours=19)


def test_friday_request_before_autumn_switch() -> None:
    due = OFFICE.add(at(2026, 10, 23, 16), hours(4))
    assert due == at(2026, 10, 26, 12)
    assert due.tzname() == "CET"


@pytest.mark.parametrize(("day", "length"), [(date(2026, 3, 29), hours(23)), (date(2026, 10, 25), hours(25))])
def test_whole_day_shift_has_its_real_length_on_dst_days(day: date, length: timedelta) -> None:
    start = at(day.year, day.month, day.day)
    assert ROUND_CLOCK.elapsed(start, start + timedelta(days=1)) == length


def test_round_the_clock_add_across_dst() -> None:
    assert ROUND_CLOCK.add(at(2026, 3, 28), hours(48)) == at(2026, 3, 30, 1)  # 24 h + 23 h + 1 h
    assert ROUND_CLOCK.add(at(2026, 10, 24), hours(48)) == at(2026, 10, 25, 23)  # 24 h + 24 of 25 h


@pytest.mark.parametrize(
    ("day", "length"),
    [
        # 02:30 does not exist: the shift opens at the jump (03:00 CEST) and closes 05:00 CEST.
        (date(2026, 3, 29), hours(2)),
        # 02:30 happens twice: the shift opens at the first (CEST) and closes 05:00 CET.
        (date(2026, 10, 25), hours(3.5)),
    ],
)
def test_shift_with_a_boundary_inside_the_dst_change(day: date, length: timedelta) -> None:
    start = at(day.year, day.month, day.day)
    assert NIGHT_SHIFT.elapsed(start, start + timedelta(days=1)) == length


def test_shift_start_inside_the_spring_gap_opens_at_the_jump() -> None:
    opening = NIGHT_SHIFT.add(at(2026, 3, 29), timedelta(0))
    assert opening == datetime(2026, 3, 29, 1, tzinfo=UTC)
    assert (opening.hour, opening.tzname()) == (3, "CEST")


# --- the 24x7 calendar --------------------------------------------------------------


def test_always_open_calendar() -> None:
    on_call = BusinessCalendar.always("Europe/Berlin")
    assert on_call.is_open(at(2026, 12, 25, 3))
    assert on_call.add(at(2026, 12, 24, 22), hours(4)) == at(2026, 12, 25, 2)
    assert on_call.add(at(2026, 3, 28, 12), hours(24)) == at(2026, 3, 29, 13)  # CET to CEST
    assert on_call.elapsed(at(2026, 3, 28, 12), at(2026, 3, 29, 13)) == hours(24)


def test_always_defaults_to_utc() -> None:
    on_call = BusinessCalendar.always()
    due = on_call.add(at(2026, 11, 28, 10), hours(1))
    assert due == datetime(2026, 11, 28, 10, tzinfo=UTC)
    assert due.tzname() == "UTC"


# --- elapsed ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "business"),
    [
        pytest.param(at(2026, 11, 27, 15), at(2026, 11, 30, 11), hours(4), id="across-weekend"),
        pytest.param(at(2026, 11, 28, 8), at(2026, 11, 29, 20), hours(0), id="weekend-only"),
        pytest.param(at(2026, 11, 24, 10), at(2026, 11, 24, 10), hours(0), id="same-instant"),
        pytest.param(at(2026, 11, 24, 12), at(2026, 11, 24, 10), hours(0), id="end-before-start"),
        pytest.param(at(2026, 11, 23), at(2026, 11, 30), hours(40), id="whole-week"),
        pytest.param(at(2026, 12, 24, 16), at(2026, 12, 28, 16), hours(8), id="christmas"),
    ],
)
def test_elapsed(start: datetime, end: datetime, business: timedelta) -> None:
    assert OFFICE.elapsed(start, end) == business


# --- guards and errors ---------------------------------------------------------------


def _every_monday(first: date, last: date) -> list[date]:
    monday = first + timedelta(days=-first.weekday() % 7)
    return [monday + timedelta(weeks=n) for n in range((last - monday).days // 7 + 1)]


def test_calendar_closed_for_years_raises_instead_of_looping() -> None:
    closures = _every_monday(date(2026, 1, 1), date(2030, 12, 31))
    mondays = BusinessCalendar.build("Europe/Berlin", {"mon": ["09:00-17:00"]}, closures=closures)
    with pytest.raises(CalendarError, match="closed for"):
        mondays.add(at(2026, 1, 1), hours(1))
    # elapsed has a bounded range and just counts nothing.
    assert mondays.elapsed(at(2026, 1, 1), at(2030, 1, 1)) == hours(0)


@pytest.mark.parametrize("hours_", [{}, {"mon": [], "sat": []}])
def test_calendar_without_any_hours_is_refused(hours_: dict[str, list[str]]) -> None:
    with pytest.raises(CalendarError, match="no opening hours"):
        BusinessCalendar.build("Europe/Berlin", hours_)


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        pytest.param({"hours": {"monday": ["09:00-17:00"]}}, "'monday'", id="unknown-weekday"),
        pytest.param({"hours": {"mon": ["9-17"]}}, "'9-17'", id="malformed"),
        pytest.param({"hours": {"mon": ["09:00-17:00-18:00"]}}, "'09:00-17:00-18:00'", id="malformed-extra"),
        pytest.param({"hours": {"mon": [900]}}, "900", id="not-text"),
        pytest.param({"hours": {"mon": "09:00-17:00"}}, "'09:00-17:00'", id="string-not-list"),
        pytest.param({"hours": {"mon": ["09:00-17:60"]}}, "17:60", id="bad-minute"),
        pytest.param({"hours": {"mon": ["25:00-26:00"]}}, "25:00", id="bad-hour"),
        pytest.param({"hours": {"mon": ["09:00-24:30"]}}, "24:30", id="past-midnight"),
        pytest.param({"hours": {"mon": ["17:00-09:00"]}}, "'17:00-09:00'", id="end-before-start"),
        pytest.param({"hours": {"mon": ["09:00-09:00"]}}, "'09:00-09:00'", id="empty-shift"),
        pytest.param({"hours": {"mon": ["24:00-24:00"]}}, "'24:00-24:00'", id="starts-at-24"),
        pytest.param(
            {"hours": {"tue": ["09:00-12:00", "11:30-14:00"]}},
            "09:00-12:00 and 11:30-14:00",
            id="overlapping",
        ),
        pytest.param({"timezone": "Mars/Olympus"}, "'Mars/Olympus'", id="unknown-timezone"),
        pytest.param({"timezone": ""}, "''", id="empty-timezone"),
        pytest.param({"holidays_country": "XX"}, "'XX'", id="unknown-country"),
        pytest.param({"holidays_country": "DE", "holidays_subdiv": "ZZ"}, "'ZZ'", id="unknown-subdivision"),
        pytest.param({"holidays_subdiv": "BY"}, "'BY'", id="subdivision-without-country"),
        pytest.param({"closures": [datetime(2026, 12, 24, 9)]}, "2026, 12, 24, 9", id="closure-not-a-date"),
        pytest.param({"always_open": True}, "always-open", id="always-open-with-hours"),
    ],
)
def test_bad_calendar_definitions(kwargs: dict[str, object], named: str) -> None:
    arguments: dict[str, object] = {"timezone": "Europe/Berlin", "hours": {"mon": ["09:00-17:00"]}, **kwargs}
    with pytest.raises(CalendarError, match=re.escape(named)):
        BusinessCalendar.build(**arguments)  # type: ignore[arg-type]


def test_calendar_error_is_a_value_error() -> None:
    assert issubclass(CalendarError, ValueError)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: OFFICE.is_open(datetime(2026, 11, 24, 10)), id="is_open"),
        pytest.param(lambda: OFFICE.add(datetime(2026, 11, 24, 10), hours(1)), id="add"),
        pytest.param(lambda: OFFICE.elapsed(datetime(2026, 11, 24), at(2026, 11, 25)), id="elapsed-start"),
        pytest.param(lambda: OFFICE.elapsed(at(2026, 11, 24), datetime(2026, 11, 25)), id="elapsed-end"),
        pytest.param(lambda: BusinessCalendar.always().add(datetime(2026, 11, 24), hours(1)), id="always"),
    ],
)
def test_naive_datetimes_are_refused(call: object) -> None:
    with pytest.raises(CalendarError, match="naive datetime"):
        call()  # type: ignore[operator]


def test_negative_duration_is_refused() -> None:
    with pytest.raises(CalendarError, match="negative"):
        OFFICE.add(at(2026, 11, 24, 10), hours(-1))


def test_calendar_is_immutable_and_hashable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        OFFICE.timezone = "UTC"  # type: ignore[misc]
    twin = BusinessCalendar.build("Europe/Berlin", NINE_TO_FIVE, holidays_country="DE")
    assert twin == OFFICE
    assert hash(twin) == hash(OFFICE)


# --- properties ---------------------------------------------------------------------
# Python compares and subtracts datetimes that share a tzinfo by wall clock,
# ignoring fold, so the properties compare UTC instants.

CALENDARS = [REALISTIC, NIGHT_SHIFT, ROUND_CLOCK, OFFICE]
CALENDAR_IDS = ["realistic", "night-shift", "round-clock", "office"]
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, database=None)

starts = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.sampled_from([UTC, BERLIN])
)
durations = st.timedeltas(min_value=timedelta(0), max_value=hours(300))
tiny = timedelta(microseconds=1)


def utc(dt: datetime) -> datetime:
    return dt.astimezone(UTC)


def test_add_inside_the_repeated_autumn_hour() -> None:
    # 02:00:00.000001 CEST is 00:00 UTC; the Sunday shift opens at the first 02:30 (00:30 UTC).
    start = datetime(2025, 10, 26, 2, 0, 0, 1, tzinfo=BERLIN)
    due = NIGHT_SHIFT.add(start, hours(0.5))
    assert utc(due) == datetime(2025, 10, 26, 1, tzinfo=UTC)
    assert (due.hour, due.fold, due.tzname()) == (2, 1, "CET")  # the second 02:00
    assert NIGHT_SHIFT.elapsed(utc(due) - tiny, due) == tiny


@pytest.mark.parametrize("calendar", CALENDARS, ids=CALENDAR_IDS)
@PROPERTY_SETTINGS
@given(start=starts, business=durations)
def test_elapsed_inverts_add(calendar: BusinessCalendar, start: datetime, business: timedelta) -> None:
    due = calendar.add(start, business)
    assert utc(due) >= utc(start)
    assert calendar.elapsed(start, due) == business
    if business:
        # Time runs out in open time: the instant just before the due time is open.
        assert calendar.elapsed(utc(due) - tiny, due) == tiny


@pytest.mark.parametrize("calendar", CALENDARS, ids=CALENDAR_IDS)
@PROPERTY_SETTINGS
@given(start=starts, first=durations, second=durations, delay=durations)
def test_add_is_monotonic(
    calendar: BusinessCalendar, start: datetime, first: timedelta, second: timedelta, delay: timedelta
) -> None:
    shorter, longer = sorted((first, second))
    assert utc(calendar.add(start, shorter)) <= utc(calendar.add(start, longer))
    assert utc(calendar.add(start, shorter)) <= utc(calendar.add(utc(start) + delay, shorter))


@pytest.mark.parametrize("calendar", CALENDARS, ids=CALENDAR_IDS)
@PROPERTY_SETTINGS
@given(start=starts, span=durations)
def test_add_of_elapsed_gives_the_earliest_instant_with_that_open_time(
    calendar: BusinessCalendar, start: datetime, span: timedelta
) -> None:
    end = utc(start) + span
    business = calendar.elapsed(start, end)
    if not business:
        return
    earliest = utc(calendar.add(start, business))
    assert earliest <= end
    assert calendar.elapsed(earliest, end) == timedelta(0)
    if calendar.elapsed(end - tiny, end) == tiny:  # open time runs right up to end
        assert earliest == end


@PROPERTY_SETTINGS
@given(start=starts)
def test_is_open_agrees_with_elapsed(start: datetime) -> None:
    assert REALISTIC.is_open(start) == (REALISTIC.elapsed(start, utc(start) + tiny) == tiny)
    assert NIGHT_SHIFT.is_open(start) == (NIGHT_SHIFT.elapsed(start, utc(start) + tiny) == tiny)


# --- business days (reminders) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("calendar", "start", "days", "expected"),
    [
        pytest.param(OFFICE, at(2026, 11, 23, 10), 2, at(2026, 11, 25, 10), id="monday-to-wednesday"),
        pytest.param(OFFICE, at(2026, 11, 27, 15), 2, at(2026, 12, 1, 15), id="over-the-weekend"),
        pytest.param(OFFICE, at(2026, 11, 27, 18), 2, at(2026, 12, 2, 9), id="counted-from-the-next-opening"),
        pytest.param(OFFICE, at(2026, 12, 23, 16), 2, at(2026, 12, 28, 16), id="christmas-holidays-skipped"),
        pytest.param(REALISTIC, at(2026, 12, 23, 10), 1, at(2026, 12, 28, 10), id="closure-skipped"),
        pytest.param(SPLIT, at(2026, 11, 23, 12, 45), 1, at(2026, 11, 24, 13, 30), id="lunch-counts-from-13-30"),
        pytest.param(REALISTIC, at(2026, 11, 26, 16), 1, at(2026, 11, 30, 8), id="friday-closes-early"),
        pytest.param(OFFICE, at(2026, 11, 24, 10), 0, at(2026, 11, 24, 10), id="zero"),
        pytest.param(NIGHT_SHIFT, at(2026, 3, 27, 10), 1, at(2026, 3, 30, 7), id="sunday-10-00-is-closed"),
        # Sunday 29 March 02:45 never shows on the clock: it is read as 02:45 CET, i.e. 03:45 CEST.
        pytest.param(NIGHT_SHIFT, at(2026, 3, 22, 2, 45), 6, datetime(2026, 3, 29, 1, 45, tzinfo=UTC),
                     id="wall-time-in-the-dst-gap"),
    ],
)
def test_add_days(calendar: BusinessCalendar, start: datetime, days: int, expected: datetime) -> None:
    assert calendar.add_days(start, days) == expected


def test_add_days_on_24x7_keeps_the_wall_clock_across_dst() -> None:
    on_call = BusinessCalendar.always("Europe/Berlin")
    assert on_call.add_days(at(2026, 3, 28, 10), 2) == at(2026, 3, 30, 10)  # 47 real hours


def test_add_days_refuses_negative_days() -> None:
    with pytest.raises(CalendarError, match="negative"):
        OFFICE.add_days(at(2026, 11, 24, 10), -1)


# --- the interval table behind add and elapsed ------------------------------------------


def test_answers_do_not_depend_on_the_questions_asked_before() -> None:
    # The table is built for the years asked about; far questions get a table of their own.
    questions = [(at(2026, 11, 24, 10), hours(20)), (datetime(2101, 6, 1, 12, tzinfo=UTC), hours(30)),
                 (at(1999, 12, 31, 16), hours(3)), (at(2026, 12, 23, 16), hours(10))]
    used = BusinessCalendar.build("Europe/Berlin", NINE_TO_FIVE, holidays_country="DE")
    for start, business in questions:
        fresh = BusinessCalendar.build("Europe/Berlin", NINE_TO_FIVE, holidays_country="DE")
        assert used.add(start, business) == fresh.add(start, business)
        assert used.elapsed(start, start + hours(100)) == fresh.elapsed(start, start + hours(100))
        assert used.is_open(start) == fresh.is_open(start)


def test_the_table_is_not_part_of_the_calendars_identity() -> None:
    used = BusinessCalendar.build("Europe/Berlin", NINE_TO_FIVE, holidays_country="DE")
    used.add(at(2026, 11, 24, 10), hours(1))
    assert used == OFFICE and hash(used) == hash(OFFICE)
    assert "_table" not in repr(used)

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


# --- helpdesk sla due -------------------------------------------------------------------

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from helpdesk import cli_sla  # noqa: E402
from helpdesk.config import load_settings  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "config.toml"


def _sla(capsys, *args: str) -> tuple[int, str, str]:
    """Run `sla ...` through a parser with only cli_sla's verbs, as helpdesk.cli registers them."""
    parser = argparse.ArgumentParser(prog="helpdesk")
    parser.add_argument("--config", default=str(CONFIG))
    common = argparse.ArgumentParser(add_help=False)
    cli_sla.add_parsers(parser.add_subparsers(dest="verb", required=True), common)
    parsed = parser.parse_args(["sla", *args])
    code = parsed.func(parsed)
    out, err = capsys.readouterr()
    return code, out, err


def test_sla_due_prints_the_due_times_and_promises(capsys) -> None:
    code, out, _ = _sla(capsys, "due", "--department", "it", "--priority", "P2", "--at", "2026-12-24T16:30:00+01:00")
    assert code == 0
    assert out.splitlines() == [
        "department:     it",
        "priority:       P2 (SLA policy standard, calendar office)",
        "arrival:        2026-12-24T16:30:00+01:00",
        "first response: 2026-12-28T10:00:00+01:00  within 2 business hours, by Monday 28 December, 10:00 CET",
        "resolution:     2026-12-28T17:00:00+01:00  within 8 business hours, by Monday 28 December, 17:00 CET",
    ]


def test_sla_due_json_reads_the_arrival_in_the_calendar_zone(capsys) -> None:
    code, out, _ = _sla(capsys, "due", "--department", "hr", "--priority", "p1", "--at", "2026-12-26T21:00:00Z",
                        "--json")
    assert code == 0
    assert json.loads(out) == {
        "department": "hr", "priority": "P1", "policy": "people",
        "arrival": "2026-12-26T22:00:00+01:00",
        "first_response_due": "2026-12-28T09:00:00+01:00", "resolution_due": "2026-12-28T12:00:00+01:00",
        "first_response_promise": "within 1 business hour, by Monday 28 December, 09:00 CET",
        "resolution_promise": "within 4 business hours, by Monday 28 December, 12:00 CET",
    }


def test_sla_due_with_a_policy_a_rule_may_choose(capsys) -> None:
    code, out, _ = _sla(capsys, "due", "--department", "it", "--priority", "P1", "--policy", "vip",
                        "--at", "2026-12-26T22:00:00+01:00", "--json")
    report = json.loads(out)
    assert code == 0 and report["policy"] == "vip"
    assert report["first_response_due"] == "2026-12-26T22:15:00+01:00"  # 15m on the 24x7 calendar
    assert report["first_response_promise"] == "within 15 minutes, by Saturday 26 December, 22:15 CET"


def test_sla_due_without_at_is_now(capsys) -> None:
    code, out, _ = _sla(capsys, "due", "--department", "it", "--priority", "P3", "--json")
    arrival = datetime.fromisoformat(json.loads(out)["arrival"])
    assert code == 0 and abs(arrival - datetime.now(UTC)) < timedelta(minutes=1)


@pytest.mark.parametrize(("args", "message"), [
    (["--department", "sales", "--priority", "P2"], "unknown department 'sales'; known: it, hr, finance, facilities"),
    (["--department", "it", "--priority", "P5"], "unknown priority 'P5'"),
    (["--department", "it", "--priority", "P2", "--policy", "gold"], "unknown SLA policy 'gold'"),
    (["--department", "it", "--priority", "P2", "--at", "2026-12-24T16:30"], "has no UTC offset"),
    (["--department", "it", "--priority", "P2", "--at", "Christmas Eve"], "is not an ISO time"),
])
def test_sla_due_explains_what_it_cannot_answer(capsys, args, message) -> None:
    code, out, err = _sla(capsys, "due", *args)
    assert code == 2 and not out
    assert err.startswith("error: ") and message in err


def test_due_report_refuses_a_naive_time() -> None:
    with pytest.raises(cli_sla.SlaQueryError, match="no UTC offset"):
        cli_sla.due_report(load_settings(CONFIG, environ={}), "it", "P2", datetime(2026, 12, 24, 16, 30))


def test_helpdesk_sla_due_command() -> None:
    from helpdesk.cli import build_parser

    verbs = next(action for action in build_parser()._actions if isinstance(action, argparse._SubParsersAction))
    if "sla" not in verbs.choices:
        pytest.skip("helpdesk.cli does not register `sla` yet: it needs cli_sla.add_parsers(verbs, common)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK")}
    result = subprocess.run(
        [sys.executable, "-m", "helpdesk.cli", "--config", str(CONFIG), "sla", "due", "--department", "it",
         "--priority", "P2", "--at", "2026-12-24T16:30:00+01:00", "--json"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["resolution_due"] == "2026-12-28T17:00:00+01:00"
    refused = subprocess.run(
        [sys.executable, "-m", "helpdesk.cli", "--config", str(CONFIG), "sla", "due", "--department", "nope",
         "--priority", "P2"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "unknown department 'nope'" in refused.stderr

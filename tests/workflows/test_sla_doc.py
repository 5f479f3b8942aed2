"""docs/sla.md's examples are what the code does: each table row is a test.

The due-time table is checked with ``workflows.sla.due_times`` on the
calendars and SLA policies of config.toml; the pause table by pausing and
resuming a ticket with ``workflows.lifecycle.transition``.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from helpdesk.build import build_calendars, build_sla_policies
from helpdesk.config import load_settings
from storage import Ticket
from workflows import lifecycle
from workflows.sla import SlaTarget, due_times, parse_duration

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "sla.md").read_text(encoding="utf-8")
SETTINGS = load_settings(ROOT / "config.toml", environ={})
CALENDARS = build_calendars(SETTINGS)
POLICIES = build_sla_policies(SETTINGS, CALENDARS)
UTC = dt.timezone.utc


def _table(first_header: str, last_header: str) -> list[dict[str, str]]:
    """The rows of the markdown table whose header runs from ``first_header`` to ``last_header``."""
    lines = DOC.splitlines()
    for index, line in enumerate(lines):
        cells = _cells(line)
        if cells and cells[0] == first_header and cells[-1] == last_header:
            rows = []
            for row in lines[index + 2:]:
                if not row.startswith("|"):
                    break
                rows.append(dict(zip(cells, _cells(row), strict=True)))
            return rows
    raise AssertionError(f"docs/sla.md has no table with columns {first_header} .. {last_header}")


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")] if line.startswith("|") else []


def _instant(text: str) -> dt.datetime:
    instant = dt.datetime.fromisoformat(text)
    assert instant.tzinfo is not None, f"{text} has no UTC offset"
    return instant


def _target_and_due(cell: str) -> tuple[dt.timedelta, dt.datetime]:
    duration, due = (part.strip() for part in cell.split("→"))
    return parse_duration(duration), _instant(due)


def _rule(row: dict[str, str]):
    policy, priority = row["SLA"].split()
    rule = POLICIES[policy][priority]
    assert rule.calendar == CALENDARS[row["calendar"]], f"{row['SLA']} does not run on {row['calendar']}"
    return rule


def _same_instant_and_offset(actual: dt.datetime, expected: dt.datetime) -> bool:
    """Equal as instants and shown with the same UTC offset (the doc's wall-clock reading)."""
    return actual == expected and actual.utcoffset() == expected.utcoffset()


DUE_TIMES = _table("example", "resolution")
PAUSES = _table("example", "resolution due")


def test_the_doc_covers_what_the_acceptance_asks_for():
    names = " ".join(row["example"].lower() for row in DUE_TIMES + PAUSES)
    for topic in ("overnight", "weekend", "holiday", "closure", "split shift", "dst in spring", "dst in autumn",
                  "24×7", "waited"):
        assert topic in names, topic
    arrivals = {row["arrival"][:10] for row in DUE_TIMES}
    assert {"2026-12-23", "2026-12-24"} <= arrivals  # holidays and the closure in Berlin's Christmas
    assert {"2026-03-28", "2026-10-25"} <= arrivals  # the DST change days in Europe/Berlin


@pytest.mark.parametrize("row", DUE_TIMES, ids=[row["example"] for row in DUE_TIMES])
def test_due_time_example(row):
    rule = _rule(row)
    first_response, first_response_due = _target_and_due(row["first response"])
    resolution, resolution_due = _target_and_due(row["resolution"])
    assert (first_response, resolution) == (rule.target.first_response, rule.target.resolution), \
        f"the targets of {row['SLA']} in config.toml changed"
    due = due_times(rule.calendar, SlaTarget(first_response, resolution), _instant(row["arrival"]))
    assert _same_instant_and_offset(due.first_response_due, first_response_due), due.first_response_due.isoformat()
    assert _same_instant_and_offset(due.resolution_due, resolution_due), due.resolution_due.isoformat()


@pytest.mark.parametrize("row", PAUSES, ids=[row["example"] for row in PAUSES])
def test_pause_and_resume_example(row):
    rule = _rule(row)
    arrival = _instant(row["arrival"])
    waiting_from, waiting_to = (_instant(part.strip()) for part in row["waiting on the requester"].split("→"))
    before, after = (_instant(part.strip()) for part in row["resolution due"].split("→"))
    due = due_times(rule.calendar, rule.target, arrival)
    ticket = Ticket(key="IT-000001", state="open", priority=row["SLA"].split()[1], created_at=arrival,
                    updated_at=arrival, first_response_due=due.first_response_due,
                    resolution_due=due.resolution_due, paused_seconds=0, reopened_count=0)
    assert _same_instant_and_offset(ticket.resolution_due, before), ticket.resolution_due.isoformat()
    events = []

    def record(kind, actor, cause="", **data):
        events.append(kind)

    lifecycle.responded(ticket, at=waiting_from, actor="agent:alex.berg@corp.example", record=record)
    lifecycle.transition(ticket, "waiting_on_requester", at=waiting_from, actor="agent:alex.berg@corp.example",
                         cause="#waiting", sla=rule, record=record)
    lifecycle.transition(ticket, "open", at=waiting_to, actor="requester", cause="reply", sla=rule, record=record)
    assert _same_instant_and_offset(ticket.resolution_due, after), ticket.resolution_due.isoformat()
    assert ticket.paused_seconds == rule.calendar.elapsed(waiting_from, waiting_to).total_seconds()
    assert ["sla_paused", "sla_resumed"] == [kind for kind in events if kind.startswith("sla_")]


def test_the_cli_example_in_the_doc_matches_the_command():
    from helpdesk.cli_sla import due_report

    block = re.search(r"```console\n\$ helpdesk sla due (.*?)\n(.*?)```", DOC, re.S)
    args = dict(re.findall(r"--(\w+) (\S+)", block.group(1)))
    report = due_report(SETTINGS, args["department"], args["priority"], _instant(args["at"]))
    assert f"first response: {report['first_response_due']}  {report['first_response_promise']}" in block.group(2)
    assert f"resolution:     {report['resolution_due']}  {report['resolution_promise']}" in block.group(2)

"""`helpdesk sla due`: the due times of a request arriving at a given time, to check a calendar.

    helpdesk sla due --department it --priority P2 --at 2026-12-24T16:30:00+01:00 [--policy vip] [--json]

It reads config.toml only (no database) and answers with the same code the
pipeline uses: ``workflows.sla.due_times`` on the SLA policy's calendar, and
the promise sentences the requester would read.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from helpdesk.config import PRIORITIES, Settings, load_settings


class SlaQueryError(ValueError):
    """A question `sla due` cannot answer (unknown department, naive time ...); the message says why."""


def due_report(settings: Settings, department: str, priority: str, at: dt.datetime | None = None,
               policy: str | None = None) -> dict:
    """The due times of a request to ``department`` with ``priority`` arriving ``at`` (default: now)."""
    from helpdesk.build import build_sla_policies
    from workflows.sla import describe_promise, due_times

    if department not in settings.departments:
        raise SlaQueryError(f"unknown department {department!r}; known: {', '.join(settings.departments)}")
    priority = priority.upper()
    if priority not in PRIORITIES:
        raise SlaQueryError(f"unknown priority {priority!r}; use one of {', '.join(PRIORITIES)}")
    if policy is not None and policy not in settings.sla_policies:
        raise SlaQueryError(f"unknown SLA policy {policy!r}; known: {', '.join(settings.sla_policies)}")
    at = dt.datetime.now(dt.timezone.utc) if at is None else at
    if at.tzinfo is None or at.utcoffset() is None:
        raise SlaQueryError(f"--at {at.isoformat()} has no UTC offset; write e.g. {at.isoformat()}+01:00")
    chosen = policy or settings.departments[department].sla_policy
    rule = build_sla_policies(settings)[chosen][priority]  # what the department's tickets get (Services.sla_rule)
    calendar_name = settings.sla_policies[chosen].target(priority).calendar or settings.sla_policies[chosen].calendar
    due = due_times(rule.calendar, rule.target, at)
    return {
        "department": department,
        "priority": priority,
        "policy": chosen,
        "calendar": calendar_name,
        "arrival": rule.calendar.in_zone(at).isoformat(),
        "first_response_due": due.first_response_due.isoformat(),
        "resolution_due": due.resolution_due.isoformat(),
        "first_response_promise": describe_promise(rule.calendar, rule.target.first_response,
                                                   due.first_response_due, now=at),
        "resolution_promise": describe_promise(rule.calendar, rule.target.resolution, due.resolution_due, now=at),
    }


def parse_at(text: str) -> dt.datetime:
    """An ISO 8601 time with its UTC offset (``2026-12-24T16:30:00+01:00``; ``Z`` for UTC)."""
    try:
        at = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise SlaQueryError(f"--at {text!r} is not an ISO time like 2026-12-24T16:30:00+01:00") from None
    if at.tzinfo is None:
        raise SlaQueryError(f"--at {text!r} has no UTC offset; write e.g. {at.isoformat()}+01:00")
    return at


def cmd_sla_due(args) -> int:
    try:
        at = parse_at(args.at) if args.at else None
        report = due_report(load_settings(args.config), args.department, args.priority, at, args.policy)
    except SlaQueryError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.json:
        report.pop("calendar")
        print(json.dumps(report, ensure_ascii=False))
        return 0
    print(f"department:     {report['department']}\n"
          f"priority:       {report['priority']} (SLA policy {report['policy']}, calendar {report['calendar']})\n"
          f"arrival:        {report['arrival']}\n"
          f"first response: {report['first_response_due']}  {report['first_response_promise']}\n"
          f"resolution:     {report['resolution_due']}  {report['resolution_promise']}")
    return 0


def add_parsers(verbs, common: argparse.ArgumentParser) -> None:
    """Register `sla due` on the `helpdesk` verbs."""
    sla = verbs.add_parser("sla", parents=[common], help="SLA due times, to check the calendars",
                           description="SLA targets and business calendars (docs/sla.md).")
    sla_verbs = sla.add_subparsers(dest="sla_verb", required=True, metavar="ACTION")
    due = sla_verbs.add_parser("due", parents=[common], help="the due times of a request arriving at a given time",
                               description="Print the first-response and resolution due times of a request to "
                                           "DEPARTMENT with PRIORITY arriving at --at (default: now), computed "
                                           "on the SLA policy's business calendar, and the promise the requester "
                                           "reads. Reads config.toml only.")
    due.add_argument("--department", required=True, metavar="KEY", help="a department key of config.toml (it, hr ...)")
    due.add_argument("--priority", required=True, metavar="P", help="P1, P2, P3 or P4")
    due.add_argument("--at", default=None, metavar="TIME",
                     help="arrival as ISO time with UTC offset, e.g. 2026-12-24T16:30:00+01:00 (default: now)")
    due.add_argument("--policy", default=None, metavar="NAME",
                     help="an SLA policy a rule may choose (default: the department's)")
    due.add_argument("--json", action="store_true", help="print one JSON object")
    due.set_defaults(func=cmd_sla_due)

"""`helpdesk rules check | test | replay`: try a rule file before it routes real mail."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from pathlib import Path

_SINCE = re.compile(r"^(\d+)([hdw])$")


def _context(args):
    """Settings, services (the rules' view of departments, directory, calendars) and the rule set."""
    from helpdesk.build import build_services, load_ruleset
    from helpdesk.cli import _settings

    settings = _settings(args)
    services = build_services(settings)
    ruleset = load_ruleset(settings, getattr(args, "rules", None) or getattr(args, "path", None))
    return settings, services, ruleset


def _load_or_report(args):
    from rules import RuleFileError

    try:
        return _context(args)
    except RuleFileError as error:
        for problem in error.problems:
            print(f"error: {problem}", file=sys.stderr)
        print(f"{len(error.problems)} problem(s): the rule file cannot be used", file=sys.stderr)
        return None


def cmd_rules_check(args) -> int:
    from rules.explain import lint
    from workflows.ruletools import run_examples

    loaded = _load_or_report(args)
    if loaded is None:
        return 1
    settings, services, ruleset = loaded
    results = run_examples(services, ruleset)
    with open(ruleset.source, encoding="utf-8-sig") as handle:
        warnings = lint(ruleset, handle.read(), set(settings.departments))
    failed = [result for result in results if result.failures]
    if args.json:
        print(json.dumps({"source": ruleset.source, "version": ruleset.version, "rules": len(ruleset.rules),
                          "examples": [{"name": r.name, "line": r.line, "passed": not r.failures,
                                        "failures": list(r.failures)} for r in results],
                          "warnings": [{"rule": w.rule, "line": w.line, "message": w.message} for w in warnings]},
                         indent=2))
    else:
        for result in failed:
            place = f"{ruleset.source}:{result.line}" if result.line else ruleset.source
            print(f"{place}: example {result.name!r} failed:", file=sys.stderr)
            for failure in result.failures:
                print(f"    {failure}", file=sys.stderr)
        for warning in warnings:
            place = f"{ruleset.source}:{warning.line}" if warning.line else ruleset.source
            print(f"{place}: warning: rule {warning.rule!r} {warning.message}")
        print(f"{ruleset.source}: {len(ruleset.rules)} rules (version {ruleset.version}), "
              f"{len(results) - len(failed)}/{len(results)} examples passed, {len(warnings)} warning(s)")
    if failed or (warnings and args.strict):
        return 1
    return 0


def cmd_rules_test(args) -> int:
    from workflows.ruletools import MessageError, explain_message

    loaded = _load_or_report(args)
    if loaded is None:
        return 1
    _, services, ruleset = loaded
    try:
        raw = Path(args.file).read_bytes()
    except OSError as error:
        print(f"error: {args.file}: {error.strerror}", file=sys.stderr)
        return 2
    at = None
    if args.at:
        from helpdesk.cli_sla import SlaQueryError, parse_at

        try:
            at = parse_at(args.at)
        except SlaQueryError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    try:
        explanation = explain_message(services, ruleset, raw, to=args.to, at=at)
    except MessageError as error:
        print(f"error: {args.file}: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(explanation.as_json(), indent=2, default=str, ensure_ascii=False))
        return 0
    print(f"Rules {ruleset.source} (version {ruleset.version})")
    print("Decision:")
    for name, value in explanation.decision_dict().items():
        if value not in (None, [], ()):
            shown = ", ".join(map(str, value)) if isinstance(value, list) else value
            print(f"  {name}: {shown}")
    print("Rules, in order:")
    for rule in explanation.rules:
        mark = "MATCH" if rule.matched else "skip " if rule.skipped else "no   "
        stop = " (stop)" if rule.stop and rule.matched else ""
        print(f"  {mark} {rule.priority:>5} {rule.name}{stop}: {rule.why}")
    return 0


def parse_since(text: str, now: dt.datetime) -> dt.datetime:
    """``30d``, ``12h``, ``2w`` before ``now``, or an ISO date / date-time (UTC when it has no offset)."""
    match = _SINCE.match(text.strip())
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        return now - dt.timedelta(**{{"h": "hours", "d": "days", "w": "weeks"}[unit]: amount})
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"--since {text!r}: say 30d, 12h, 2w or a date like 2026-11-01") from None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def cmd_rules_replay(args) -> int:
    from storage import Database
    from workflows.ruletools import replay

    loaded = _load_or_report(args)
    if loaded is None:
        return 1
    settings, services, ruleset = loaded
    try:
        since = parse_since(args.since, dt.datetime.now(dt.UTC))
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    db = Database(settings.storage_url())
    printed_header = False
    try:
        with db.sessions() as session:
            for item in replay(session, services, ruleset, since=since, limit=args.limit):
                if getattr(item, "is_summary", False):
                    if args.json:
                        print(json.dumps({"summary": True, "replayed": item.replayed, "changed": item.changed,
                                          "unreadable": item.unreadable, "rules_version": ruleset.version}))
                    else:
                        print(f"{item} (rules {ruleset.source}, version {ruleset.version})")
                    continue
                if args.json:
                    print(json.dumps({"ticket": item.key, "received_at": item.received_at.isoformat(),
                                      "old": dict(zip(("department", "category", "priority"), item.old,
                                                      strict=True)),
                                      "new": dict(zip(("department", "category", "priority"), item.new,
                                                      strict=True))}))
                    continue
                if not printed_header:
                    print(f"{'ticket':<12} {'department':<26} {'category':<30} {'priority':<10}")
                    printed_header = True
                row = item.row()
                print(f"{row['ticket']:<12} {row['department']:<26} {row['category']:<30} {row['priority']:<10}")
    finally:
        db.dispose()
    return 0


def add_parsers(verbs, common: argparse.ArgumentParser) -> None:
    rules = verbs.add_parser("rules", parents=[common], help="check, test and replay routing rules",
                             description="Try a rule file before it routes real mail (docs/rules.md).")
    actions = rules.add_subparsers(dest="rules_verb", required=True, metavar="ACTION")

    check = actions.add_parser("check", parents=[common], help="validate a rule file and run its examples",
                               description="Validate the rule file (default: the configured one) against "
                                           "config.toml, run its [[example]]s and warn about rules that can "
                                           "never match or that an earlier stop rule shadows. Exit 1 on any "
                                           "error or failed example.")
    check.add_argument("path", nargs="?", default=None, metavar="PATH")
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.add_argument("--strict", action="store_true", help="warnings fail the check too")
    check.set_defaults(func=cmd_rules_check)

    test = actions.add_parser("test", parents=[common], help="decide one message and explain every rule",
                              description="The decision for one .eml file and, for every rule in order, "
                                          "whether it matched and why (each test, the message's value).")
    test.add_argument("file", metavar="FILE.eml")
    test.add_argument("--rules", default=None, metavar="PATH", help="a rule file (default: the configured one)")
    test.add_argument("--to", default=None, metavar="ADDRESS",
                      help="the department address it was sent to (default: its first department recipient)")
    test.add_argument("--at", default=None, metavar="TIME",
                      help="arrival time with offset (default: the message's Date)")
    test.add_argument("--json", action="store_true", help="print one JSON object")
    test.set_defaults(func=cmd_rules_test)

    replay = actions.add_parser("replay", parents=[common], help="what a candidate rule file would change",
                                description="Decide the stored mail that opened each ticket since --since "
                                            "with a candidate rule file and list the tickets whose department, "
                                            "category or priority would differ from what they are now. "
                                            "Changes nothing.")
    replay.add_argument("--since", default="30d", metavar="WHEN", help="30d, 12h, 2w or a date (default: 30d)")
    replay.add_argument("--rules", default=None, metavar="PATH", help="the candidate (default: the configured one)")
    replay.add_argument("--limit", type=int, default=None, metavar="N", help="at most N tickets")
    replay.add_argument("--json", action="store_true", help="one JSON object per changed ticket, then a summary")
    replay.set_defaults(func=cmd_rules_replay)

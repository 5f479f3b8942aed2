"""Admin verbs of the `helpdesk` command line: agents away and back, and the templates check."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys


def cmd_agents_away(args) -> int:
    from helpdesk.cli import _settings
    from storage import Database, repo

    settings = _settings(args)
    email = args.email.strip().lower()
    if not _known_agent(settings, email):
        print(f"error: {email} is in no team of config.toml ([teams.<name>] members or lead)", file=sys.stderr)
        return 2
    until = None
    if args.until:
        try:
            until = dt.datetime.fromisoformat(args.until)
        except ValueError:
            print(f"error: --until {args.until!r} is not a date or date-time (2026-12-31 or 2026-12-31T18:00+01:00)",
                  file=sys.stderr)
            return 2
        if until.tzinfo is None:  # a date means the end of that day in the organisation's zone: be generous
            until = until.replace(tzinfo=dt.UTC) + (dt.timedelta(days=1) if len(args.until) == 10
                                                             else dt.timedelta(0))
    db = Database(settings.storage_url())
    try:
        with db.transaction() as session:
            repo.set_agent_away(session, email, args.away, until)
    finally:
        db.dispose()
    state = "away" + (f" until {until.isoformat()}" if until else "") if args.away else "back"
    print(f"{email} is {state}; round-robin assignment {'skips' if args.away else 'includes'} them")
    return 0


def cmd_agents_list(args) -> int:
    from helpdesk.cli import _settings
    from storage import Database, repo, utcnow

    settings = _settings(args)
    db = Database(settings.storage_url())
    try:
        with db.sessions() as session:
            statuses = {row.email: row for row in repo.agent_statuses(session)}
    finally:
        db.dispose()
    now = utcnow()
    rows = []
    for name, team in settings.teams.items():
        for email in [*team.members, *([team.lead] if team.lead else [])]:
            status = statuses.get(email)
            away = bool(status and status.away and (status.away_until is None or status.away_until > now))
            rows.append({"team": name, "department": team.department, "email": email,
                         "role": "lead" if email == team.lead and email not in team.members else "member",
                         "away": away, "away_until": status.away_until.isoformat() if away and status.away_until
                         else None})
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    for row in rows:
        until = f" until {row['away_until']}" if row["away_until"] else ""
        print(f"{row['team']:<20} {row['department']:<12} {row['email']:<36} {row['role']:<7} "
              f"{'away' + until if row['away'] else 'available'}")
    return 0


def _known_agent(settings, email: str) -> bool:
    return any(email in team.members or email == team.lead for team in settings.teams.values())


def cmd_templates_check(args) -> int:
    """Render every template with a sample context; non-zero on any error."""
    from workflows.templates import TemplateError, TemplateRenderer, sample_context

    folders = [args.folder] if args.folder else []
    renderer = TemplateRenderer(folders)
    failures = 0
    for name in sorted(renderer.names()):
        try:
            rendered = renderer.render(name, sample_context(name))
        except TemplateError as error:
            failures += 1
            print(f"FAIL {name}: {error}")
            continue
        print(f"ok   {name} (text{' + html' if rendered.html is not None else ''})")
    print(f"{len(renderer.names())} templates, {failures} failed")
    return 1 if failures else 0


def cmd_seed(args) -> int:
    """Fill an empty database with a realistic ticket history."""
    from helpdesk.cli import _settings
    from helpdesk.seed import SeedError, describe, seed
    from storage import Database

    settings = _settings(args)
    db = Database(settings.storage_url())
    reported = [0]

    def progress(done: int) -> None:
        if done - reported[0] >= 100_000 or done == args.tickets:
            reported[0] = done
            print(f"  {done:,} of {args.tickets:,} tickets", file=sys.stderr, flush=True)

    try:
        db.upgrade()
        summary = seed(db, settings, args.tickets, days=args.days, random_seed=args.seed,
                       history=not args.tickets_only, progress=progress)
    except SeedError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        db.dispose()
    if args.json:
        print(json.dumps({"tickets": summary.tickets, "messages": summary.messages, "events": summary.events,
                          "seconds": round(summary.seconds, 2), "by_department": summary.by_department,
                          "by_state": summary.by_state}, sort_keys=True))
    else:
        print(describe(summary))
    return 0


def add_parsers(verbs, common: argparse.ArgumentParser) -> None:
    seeding = verbs.add_parser(
        "seed", parents=[common], help="fill an empty database with a realistic ticket history",
        description="Fill the configured database, which must hold no tickets, with TICKETS tickets over the last "
                    "DAYS days: the configured departments, teams and SLA calendars, office-hour and seasonal "
                    "arrivals, bursts of one problem, late responses and resolutions, waits on the requester, "
                    "reopenings, ratings, child tickets; each with its request message and its events. For "
                    "demos, load tests and the Overview at scale; the same --seed gives the same history.")
    seeding.add_argument("--tickets", type=int, required=True, metavar="TICKETS", help="how many tickets")
    seeding.add_argument("--days", type=int, default=730, help="history length in days (default: %(default)s)")
    seeding.add_argument("--seed", type=int, default=1, help="random seed (default: %(default)s)")
    seeding.add_argument("--tickets-only", action="store_true",
                         help="no messages and events: enough for the Overview, several times faster")
    seeding.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    seeding.set_defaults(func=cmd_seed)

    agents = verbs.add_parser("agents", parents=[common], help="mark agents away or back, list them",
                              description="Agents are the members and leads of the teams in config.toml. One marked "
                                          "away is skipped by round-robin assignment until they are back (or the "
                                          "--until time passes).")
    agent_verbs = agents.add_subparsers(dest="agents_verb", required=True, metavar="ACTION")
    away = agent_verbs.add_parser("away", parents=[common], help="mark an agent away",
                                  description="Mark an agent away: new tickets go to the rest of their teams.")
    away.add_argument("email", metavar="EMAIL")
    away.add_argument("--until", default=None, metavar="WHEN",
                      help="back automatically after this date (2026-12-31) or time (2026-12-31T18:00+01:00)")
    away.set_defaults(func=cmd_agents_away, away=True)
    back = agent_verbs.add_parser("back", parents=[common], help="mark an agent back",
                                  description="Mark an agent available again for round-robin assignment.")
    back.add_argument("email", metavar="EMAIL")
    back.set_defaults(func=cmd_agents_away, away=False, until=None)
    listing = agent_verbs.add_parser("list", parents=[common], help="every agent, their teams and whether away",
                                     description="List every team member and lead with their status.")
    listing.add_argument("--json", action="store_true", help="print a JSON list")
    listing.set_defaults(func=cmd_agents_list)

    templates = verbs.add_parser("templates", parents=[common], help="check the reply templates",
                                 description="Reply templates (workflows/templates and overrides).")
    template_verbs = templates.add_subparsers(dest="templates_verb", required=True, metavar="ACTION")
    check = template_verbs.add_parser("check", parents=[common], help="render every template with a sample context",
                                      description="Render every template (text and HTML) with a sample context in "
                                                  "the sandbox, with undefined names as errors; exit 1 on any error.")
    check.add_argument("--folder", default=None, metavar="DIR", help="an override folder searched first")
    check.set_defaults(func=cmd_templates_check)

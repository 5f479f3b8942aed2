"""The `helpdesk` command line."""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path

from helpdesk.config import ConfigError, Settings, load_settings

DEFAULT_CONFIG = os.environ.get("HELPDESK_CONFIG", "config.toml")


def _settings(args) -> Settings:
    return load_settings(args.config)


def cmd_run(args) -> int:
    from helpdesk.build import configure_logging
    from helpdesk.runner import Helpdesk

    configure_logging(args.log_level)
    helpdesk = Helpdesk(_settings(args))
    _stop_on_signals(helpdesk)
    helpdesk.start()
    helpdesk.wait()
    helpdesk.stop()
    return 0


def _stop_on_signals(helpdesk) -> None:
    """SIGINT/SIGTERM end wait(); stop() then runs on the main thread."""

    def handler(signum, frame):
        helpdesk.request_stop()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def cmd_worker(args) -> int:
    from helpdesk.build import configure_logging
    from helpdesk.config import Settings
    from helpdesk.runner import run_worker

    configure_logging(args.log_level, args.log_file)
    settings = Settings.model_validate_json(sys.stdin.buffer.read()) if args.settings_stdin else _settings(args)

    def announce() -> None:
        print("ready", flush=True)

    run_worker(settings, parent_pid=args.parent_pid, announce=announce, index=args.index, send=args.send)
    return 0


def cmd_demo(args) -> int:
    from helpdesk.demo import run_demo

    return run_demo(args.config, send_samples=not args.no_samples, log_level=args.log_level)


def cmd_dashboard(args) -> int:
    from helpdesk.dashboard import run_dashboard

    return run_dashboard(_settings(args))


def cmd_db_upgrade(args) -> int:
    from storage import Database

    settings = _settings(args)
    db = Database(settings.storage_url())
    db.upgrade()
    db.dispose()
    print(f"database at {db.url.render_as_string()} is up to date")
    return 0


def cmd_stats(args) -> int:
    import functools

    from helpdesk.build import load_ruleset
    from storage import Database, mailboxes, utcnow
    from storage.repo import stats
    from workflows import rulekeeper

    settings = _settings(args)
    db = Database(settings.storage_url())
    try:
        with db.sessions() as session:
            result = stats(session)
            result["imap"] = mailboxes.report(session, utcnow())
            result["rules"] = rulekeeper.report(session, functools.partial(load_ruleset, settings))
    finally:
        db.dispose()
    if args.json:
        print(json.dumps(result, sort_keys=True))
    else:
        for section, values in result.items():
            print(f"{section}: {values}")
    return 0


def _envelope_sender(raw: bytes) -> str:
    """The envelope sender a message had: its Return-Path, else its From address ("" for the null path)."""
    from email.parser import BytesHeaderParser
    from email.utils import getaddresses

    headers = BytesHeaderParser().parsebytes(raw)
    for name in ("return-path", "from"):
        value = str(headers.get(name) or "").strip()
        if value:
            addresses = [address for _, address in getaddresses([value]) if "@" in address]
            return addresses[0] if addresses else ""
    return ""


def cmd_ingest(args) -> int:
    from helpdesk.build import build_services
    from storage import Database
    from storage import repo
    from storage.models import InboundMessage
    from workflows.pipeline import Pipeline

    settings = _settings(args)
    if settings.department_for_address(args.to) is None:
        print(f"error: {args.to} is not a department address", file=sys.stderr)
        return 2
    raw = Path(args.file).read_bytes()
    db = Database(settings.storage_url())
    db.upgrade()
    with db.transaction() as session:
        sender = _envelope_sender(raw) if args.sender is None else args.sender
        row = repo.add_inbound(session, source="cli", mail_from=sender, rcpt_to=[args.to], raw=raw)
        session.flush()
        inbound_id = row.id
    if not args.no_process:
        Pipeline(db, build_services(settings)).drain()
    with db.sessions() as session:
        row = session.get(InboundMessage, inbound_id)
        result = {"inbound_id": row.id, "status": row.status, "error": row.error,
                  "ticket": row.ticket.key if row.ticket else None}
    db.dispose()
    print(json.dumps(result))
    return 0


def cmd_parse(args) -> int:
    from mailgateway.describe import describe_file

    out = getattr(sys.stdout, "buffer", None)
    for path in args.files:
        record = describe_file(path)
        if args.json:
            line = json.dumps(record, ensure_ascii=False)
        elif "error" in record:
            line = f"{path}: error: {record['error']}"
        else:
            line = (f"{path}: {record['classification']['kind']} | from {record['from']['email'] or '-'} | "
                    f"{record['subject']!r} | {len(record['attachments'])} attachment(s)")
        if out is not None:
            out.write(line.encode("utf-8", "replace") + b"\n")
            out.flush()
        else:
            print(line, flush=True)
    return 0


def _verb_options() -> argparse.ArgumentParser:
    """Options every verb also takes after its name (`helpdesk run --config PATH`)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", default=argparse.SUPPRESS, help="path to config.toml")
    common.add_argument("--log-level", default=argparse.SUPPRESS, choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return common


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="helpdesk", description="An internal helpdesk that lives on email.")
    parser.add_argument("--config", default=DEFAULT_CONFIG, help="path to config.toml (default: %(default)s, or $HELPDESK_CONFIG)")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    common = _verb_options()

    run = verbs.add_parser("run", parents=[common], help="run the helpdesk: SMTP gateway, workers, scheduler, sender",
                           description="Run the SMTP gateway, pipeline workers, scheduler and outbound sender until SIGINT/SIGTERM.")
    run.set_defaults(func=cmd_run)

    worker = verbs.add_parser("worker", parents=[common], help="run pipeline workers only (more capacity, or on other machines)",
                              description="Process pending inbound mail until SIGTERM. `run` starts these itself; start more, on this or other machines, against the same PostgreSQL database.")
    worker.add_argument("--settings-stdin", action="store_true", help=argparse.SUPPRESS)
    worker.add_argument("--parent-pid", type=int, default=None, help=argparse.SUPPRESS)
    worker.add_argument("--index", type=int, default=0, help=argparse.SUPPRESS)
    worker.add_argument("--send", action="store_true", help="also send the outbox through the relay")
    worker.add_argument("--log-file", default=None, metavar="PATH", help="append logs to this file instead of stderr")
    worker.set_defaults(func=cmd_worker)

    demo = verbs.add_parser("demo", parents=[common], help="run the helpdesk with a capture relay, the dashboard and sample mail",
                            description="Start everything locally: the helpdesk on SQLite, a relay that captures replies, the dashboard; then send sample mail. Ctrl-C stops it.")
    demo.add_argument("--no-samples", action="store_true", help="do not send the sample mail")
    demo.set_defaults(func=cmd_demo)

    dashboard = verbs.add_parser("dashboard", parents=[common], help="run the Streamlit dashboard",
                                 description="Run the dashboard on [dashboard] host:port; the admin password comes from the environment variable named in [dashboard] password_env.")
    dashboard.set_defaults(func=cmd_dashboard)

    db = verbs.add_parser("db", parents=[common], help="database maintenance", description="Database maintenance.")
    db_verbs = db.add_subparsers(dest="db_verb", required=True, metavar="ACTION")
    upgrade = db_verbs.add_parser("upgrade", parents=[common], help="create or migrate the schema to the newest version",
                                  description="Create the tables or migrate them to the newest schema (safe to repeat).")
    upgrade.set_defaults(func=cmd_db_upgrade)

    stats = verbs.add_parser("stats", parents=[common], help="counts of inbound messages, tickets and outbox",
                             description="Counts of inbound messages by status, tickets by state and department, outbox by status; "
                                         "per IMAP mailbox its last successful check, last error and whether it is stale; "
                                         "the rules version applied last, and the errors of the rule file when it is refused.")
    stats.add_argument("--json", action="store_true", help="print one JSON object")
    stats.set_defaults(func=cmd_stats)

    ingest = verbs.add_parser("ingest", parents=[common], help="feed one .eml file as if it had been received",
                              description="Store one message as if received by the gateway for ADDRESS, then process pending mail.")
    ingest.add_argument("file", metavar="FILE.eml")
    ingest.add_argument("--to", required=True, metavar="ADDRESS", help="the department address it was sent to")
    ingest.add_argument("--from", dest="sender", default=None, metavar="SENDER",
                        help='envelope sender (default: the Return-Path, else the From address; "" for the null path)')
    ingest.add_argument("--no-process", action="store_true", help="only store it; a running helpdesk processes it")
    ingest.set_defaults(func=cmd_ingest)

    parse = verbs.add_parser("parse", parents=[common], help="show how .eml files are read and classified",
                             description="Parse each FILE.eml as the gateway does and print what was read: addresses, "
                                         "subject, ids, date, text, attachments, defects and the classification "
                                         "(normal, autoreply, bounce ...). Needs no configuration or database. A file "
                                         "that cannot be read or is not a message gets an error line; the others "
                                         "still come, and the exit status is 0.")
    parse.add_argument("files", nargs="+", metavar="FILE.eml")
    parse.add_argument("--json", action="store_true", help="one JSON object per file and line, in order")
    parse.set_defaults(func=cmd_parse)

    from helpdesk import cli_admin, cli_rules, cli_sla, cli_users
    cli_admin.add_parsers(verbs, common)
    cli_rules.add_parsers(verbs, common)
    cli_sla.add_parsers(verbs, common)
    cli_users.add_parsers(verbs, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        if _is_rule_file_error(exc):
            print(f"rule file refused:\n{exc}", file=sys.stderr)
            return 2
        if not _is_database_unusable(exc):
            raise
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        print(f"database error: {reason}\n(is the database reachable, and its schema created with "
              f"`helpdesk db upgrade`?)", file=sys.stderr)
        return 1


def _is_rule_file_error(exc: Exception) -> bool:
    """A rule file that cannot be used at start-up (a running helpdesk keeps its rules instead)."""
    from rules import RuleFileError

    return isinstance(exc, RuleFileError)


def _is_database_unusable(exc: Exception) -> bool:
    """A database that cannot be reached or has no schema: an operator's problem, not a crash."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    return isinstance(exc, (OperationalError, ProgrammingError))


if __name__ == "__main__":
    sys.exit(main())

"""`helpdesk users`: dashboard users, their roles and departments, their passwords.

A password is never taken from the command line (it would sit in the shell
history and the process list): it is read from standard input with
``--password-stdin`` (one line), or asked twice on a terminal.
"""
from __future__ import annotations

import argparse
import getpass
import json
import sys


def _read_password(args) -> str | None:
    if args.password_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        print("error: no terminal to ask for the password: pipe it in with --password-stdin", file=sys.stderr)
        return None
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        print("error: the passwords differ", file=sys.stderr)
        return None
    return first


def _run(args, action) -> int:
    from helpdesk.cli import _settings
    from storage import Database
    from storage.users import UserError

    settings = _settings(args)
    db = Database(settings.storage_url())
    try:
        with db.transaction() as session:
            return action(session, set(settings.departments))
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        db.dispose()


def _describe(account) -> str:
    seen = "all departments" if account.departments is None else (", ".join(account.departments) or "no departments")
    state = " (disabled)" if account.disabled else ""
    return f"{account.name}: {account.role}, {seen}{state}"


def cmd_users_add(args) -> int:
    from storage import users

    password = _read_password(args)
    if password is None:
        return 2

    def add(session, known):
        account = users.add_user(session, args.name, password, args.role, users.parse_departments(args.departments),
                                 email=args.email, known_departments=known)
        print(f"added {_describe(account)}")
        return 0
    return _run(args, add)


def cmd_users_list(args) -> int:
    from storage import users

    def show(session, known):
        accounts = users.list_users(session)
        if args.json:
            print(json.dumps([{"name": a.name, "role": a.role, "departments": a.departments, "email": a.email,
                               "disabled": a.disabled} for a in accounts], indent=2))
        elif not accounts:
            print("no users yet: add one with `helpdesk users add NAME --role admin --password-stdin`")
        else:
            for account in accounts:
                print(_describe(account))
        return 0
    return _run(args, show)


def cmd_users_set_role(args) -> int:
    from storage import users

    def change(session, known):
        account = users.set_role(session, args.name, args.role, users.parse_departments(args.departments),
                                 known_departments=known)
        print(f"changed {_describe(account)}")
        return 0
    return _run(args, change)


def cmd_users_passwd(args) -> int:
    from storage import users

    password = _read_password(args)
    if password is None:
        return 2

    def change(session, known):
        users.set_password(session, args.name, password)
        print(f"password of {args.name} changed")
        return 0
    return _run(args, change)


def cmd_users_disable(args) -> int:
    from storage import users

    def change(session, known):
        account = users.set_disabled(session, args.name, args.disabled)
        print(f"{'disabled' if account.disabled else 'enabled'} {account.name}")
        return 0
    return _run(args, change)


def add_parsers(verbs, common: argparse.ArgumentParser) -> None:
    from storage.users import ROLES

    users = verbs.add_parser("users", parents=[common], help="dashboard users, roles and passwords",
                             description="Dashboard users. Roles: agent (works the tickets of their departments), "
                                         "manager (sees the figures and tickets of their departments), admin "
                                         "(everything, including the rules). Passwords are stored as Argon2id hashes.")
    actions = users.add_subparsers(dest="users_verb", required=True, metavar="ACTION")
    departments_help = "comma-separated department names (it,hr), or * for all; admins always see all"

    add = actions.add_parser("add", parents=[common], help="add a user",
                             description="Add a dashboard user. The password comes from standard input with "
                                         "--password-stdin, or is asked twice on a terminal; never on the command line.")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--departments", default=None, metavar="LIST", help=departments_help)
    add.add_argument("--email", default=None, metavar="ADDRESS")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.set_defaults(func=cmd_users_add)

    listing = actions.add_parser("list", parents=[common], help="list users (never their hashes)",
                                 description="List the dashboard users with role, departments and state.")
    listing.add_argument("--json", action="store_true", help="print a JSON list")
    listing.set_defaults(func=cmd_users_list)

    role = actions.add_parser("set-role", parents=[common], help="change a user's role (and departments)",
                              description="Change a user's role; with --departments also what they see.")
    role.add_argument("name", metavar="NAME")
    role.add_argument("role", choices=ROLES)
    role.add_argument("--departments", default=None, metavar="LIST", help=departments_help)
    role.set_defaults(func=cmd_users_set_role)

    passwd = actions.add_parser("passwd", parents=[common], help="set a user's password",
                                description="Set a user's password (from standard input with --password-stdin, "
                                            "or asked twice on a terminal).")
    passwd.add_argument("name", metavar="NAME")
    passwd.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    passwd.set_defaults(func=cmd_users_passwd)

    for verb, disabled, text in (("disable", True, "refuse a user's logins"), ("enable", False, "allow them again")):
        parser = actions.add_parser(verb, parents=[common], help=text, description=text[0].upper() + text[1:] + ".")
        parser.add_argument("name", metavar="NAME")
        parser.set_defaults(func=cmd_users_disable, disabled=disabled)

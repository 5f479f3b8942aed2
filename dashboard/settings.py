"""The dashboard's settings, read from the environment the launcher sets."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DB_URL = "HELPDESK_DASHBOARD_DB_URL"
PASSWORD = "HELPDESK_DASHBOARD_PASSWORD"
TITLE = "HELPDESK_DASHBOARD_TITLE"
# The departments' calendar time zone (config.toml [calendars]), for figures drawn in local time.
TIMEZONE = "HELPDESK_DASHBOARD_TIMEZONE"
# The helpdesk's config.toml: the Rules page validates rule files against its departments, teams and policies.
CONFIG = "HELPDESK_DASHBOARD_CONFIG"


class SettingsError(Exception):
    """The environment does not hold a usable configuration."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Settings:
    db_url: str = field(repr=False)  # may hold a database password
    password: str = field(repr=False)  # only to create the first admin while there are no users
    title: str = "Helpdesk"
    timezone: str = "UTC"  # an IANA name
    config_path: str | None = None  # the helpdesk's config.toml (the Rules page needs it)


def load_settings(environ: Mapping[str, str] = os.environ) -> Settings:
    """Settings from the environment; every problem is reported at once."""
    db_url = environ.get(DB_URL, "").strip()
    password = environ.get(PASSWORD, "")
    problems = []
    if not db_url:
        problems.append(f"{DB_URL} is not set: the dashboard needs the database URL.")
    elif not _is_url(db_url):
        # The value itself is not echoed: it may contain a password.
        problems.append(f"{DB_URL} is not a valid SQLAlchemy database URL.")
    try:
        timezone = load_timezone(environ)
    except SettingsError as error:
        problems += error.problems
    if problems:
        raise SettingsError(problems)
    title = environ.get(TITLE, "").strip() or "Helpdesk"
    config_path = environ.get(CONFIG, "").strip() or None
    return Settings(db_url=db_url, password=password, title=title, timezone=timezone, config_path=config_path)


def load_timezone(environ: Mapping[str, str] = os.environ) -> str:
    """The dashboard's time zone (an IANA name such as Europe/Berlin), UTC when unset."""
    name = environ.get(TIMEZONE, "").strip() or "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError([f"{TIMEZONE} is not a known IANA time zone: {name!r} (e.g. Europe/Berlin)."]) from None
    return name


def _is_url(value: str) -> bool:
    try:
        make_url(value)
    except ArgumentError:
        return False
    return True

"""Launch the Streamlit dashboard as a child process with its settings in the environment."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dashboard
from helpdesk.config import ConfigError, Settings

APP = Path(dashboard.__file__).with_name("app.py")


def dashboard_command(settings: Settings) -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.address", settings.dashboard.host,
        "--server.port", str(settings.dashboard.port),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
        "--global.developmentMode", "false",
        "--client.toolbarMode", "minimal",
    ]


def dashboard_env(settings: Settings, password: str | None = None) -> dict[str, str]:
    """The dashboard's environment. ``password`` (default: the variable named by ``[dashboard] password_env``)
    only lets the first admin log in while there are no users yet; it may be empty once there are."""
    env = dict(os.environ)
    password = password if password is not None else env.get(settings.dashboard.password_env, "")
    env.update({
        "HELPDESK_DASHBOARD_DB_URL": settings.storage_url(),
        "HELPDESK_DASHBOARD_PASSWORD": password,
        "HELPDESK_DASHBOARD_TITLE": settings.dashboard.title,
        "HELPDESK_DASHBOARD_CONFIG": str(Path(settings.config_path).resolve()) if settings.config_path else "",
        "HELPDESK_DASHBOARD_TIMEZONE": _timezone(settings),
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    })
    return env


def _timezone(settings: Settings) -> str:
    """The zone of the calendar most departments keep (the Overview draws arrivals per hour in it)."""
    zones = [settings.calendars[settings.sla_policies[spec.sla_policy].calendar].timezone
             for spec in settings.departments.values()
             if settings.sla_policies[spec.sla_policy].calendar in settings.calendars]
    return max(set(zones), key=zones.count) if zones else "UTC"


def start_dashboard(settings: Settings, password: str, log_path: Path) -> subprocess.Popen:
    """The dashboard in the background, its output in ``log_path``."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        return subprocess.Popen(dashboard_command(settings), env=dashboard_env(settings, password),
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def _has_users(settings: Settings) -> bool:
    from sqlalchemy.exc import SQLAlchemyError

    from storage import Database, users

    db = Database(settings.storage_url())
    try:
        with db.sessions() as session:
            return users.count_users(session) > 0
    except SQLAlchemyError:
        return False
    finally:
        db.dispose()


def run_dashboard(settings: Settings) -> int:
    env = dashboard_env(settings)
    if not env["HELPDESK_DASHBOARD_PASSWORD"] and not _has_users(settings):
        raise ConfigError("there are no dashboard users yet: add one with `helpdesk users add NAME --role admin "
                          f"--password-stdin`, or set {settings.dashboard.password_env} to a password of at least "
                          "10 characters and log in once as admin to create the first admin")
    process = subprocess.Popen(dashboard_command(settings), env=env)
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        return process.wait(timeout=15)

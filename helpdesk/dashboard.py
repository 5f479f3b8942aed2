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
    env = dict(os.environ)
    password = password if password is not None else env.get(settings.dashboard.password_env, "")
    if not password:
        raise ConfigError(f"set the dashboard password in the environment variable {settings.dashboard.password_env}")
    env.update({
        "HELPDESK_DASHBOARD_DB_URL": settings.storage_url(),
        "HELPDESK_DASHBOARD_PASSWORD": password,
        "HELPDESK_DASHBOARD_TITLE": settings.dashboard.title,
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    })
    return env


def start_dashboard(settings: Settings, password: str, log_path: Path) -> subprocess.Popen:
    """The dashboard in the background, its output in ``log_path``."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        return subprocess.Popen(dashboard_command(settings), env=dashboard_env(settings, password),
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def run_dashboard(settings: Settings) -> int:
    process = subprocess.Popen(dashboard_command(settings), env=dashboard_env(settings))
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        return process.wait(timeout=15)

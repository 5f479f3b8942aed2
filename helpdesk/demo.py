"""`helpdesk demo`: everything on one machine, with sample mail flowing.

Starts the helpdesk on the configured (SQLite) storage with the capture
relay in place of a real mail server, starts the dashboard, sends the sample
requests over SMTP, prints where to look, and runs until Ctrl-C.
"""
from __future__ import annotations

import logging
import os
import secrets
import signal
import smtplib
import time
import urllib.request

from helpdesk.build import configure_logging
from helpdesk.config import ConfigError, load_settings
from helpdesk.dashboard import start_dashboard
from helpdesk.runner import Helpdesk
from helpdesk.samples import SAMPLES, build_sample
from storage.repo import stats

log = logging.getLogger("helpdesk.demo")


def run_demo(config_path: str, *, send_samples: bool = True, log_level: str = "INFO") -> int:
    environ = dict(os.environ)
    environ.setdefault("HELPDESK__CAPTURE__ENABLED", "true")
    settings = load_settings(config_path, environ=environ)
    log_path = settings.path("var/demo.log")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    configure_logging(log_level, str(log_path))
    password = os.environ.get(settings.dashboard.password_env) or secrets.token_urlsafe(12)

    helpdesk = Helpdesk(settings)
    stop = helpdesk.request_stop
    signal.signal(signal.SIGINT, lambda *_: stop())
    signal.signal(signal.SIGTERM, lambda *_: stop())
    helpdesk.start()
    logins = _demo_users(settings, password)
    dashboard = start_dashboard(settings, password, settings.path("var/dashboard.log"))
    try:
        _announce(settings, logins, log_path)
        if send_samples:
            _send_samples(settings)
            _wait_processed(helpdesk, timeout=60)
        dashboard_ok = _wait_dashboard(settings, timeout=60)
        print(f"Dashboard:    http://{settings.dashboard.host}:{settings.dashboard.port}/ "
              f"({'up' if dashboard_ok else 'not answering yet, see var/dashboard.log'})", flush=True)
        print("Ready. Press Ctrl-C to stop.", flush=True)
        helpdesk.wait()
    finally:
        dashboard.terminate()
        try:
            dashboard.wait(timeout=15)
        except Exception:
            dashboard.kill()
        helpdesk.stop()
        print("Stopped.", flush=True)
    return 0


def _demo_users(settings, admin_password: str) -> list[tuple[str, str, str]]:
    """An admin, an IT agent and a manager of every department, with passwords made now (printed once).

    A user kept from an earlier demo gets a new password: the one printed is always the one that works.
    """
    from storage import Database, users

    wanted = [("admin", "admin", None, admin_password, None),
              ("it-agent", "agent", ["it"], secrets.token_urlsafe(12), _first_member(settings, "it")),
              ("manager", "manager", ["*"], secrets.token_urlsafe(12), None)]
    db = Database(settings.storage_url())
    try:
        with db.transaction() as session:
            existing = {account.name for account in users.list_users(session)}
            for name, role, departments, password, email in wanted:
                if name in existing:
                    users.set_role(session, name, role, departments)
                    users.set_password(session, name, password)
                    users.set_disabled(session, name, False)
                else:
                    users.add_user(session, name, password, role, departments, email=email)
    except users.UserError as error:
        raise ConfigError(f"{settings.dashboard.password_env}: {error}") from None
    finally:
        db.dispose()
    return [(name, role, password) for name, role, _, password, _ in wanted]


def _first_member(settings, department: str) -> str | None:
    """The first member of the department's team: the IT agent acts as them (their answers, their notices)."""
    team = settings.teams.get(settings.departments[department].team or "") if department in settings.departments \
        else None
    return team.members[0] if team is not None and team.members else None


def _announce(settings, logins, log_path) -> None:
    gw, out = settings.gateway, settings.outbound
    print("Helpdesk demo is running.", flush=True)
    print(f"SMTP gateway: {gw.smtp_host}:{gw.smtp_port} (send to "
          + ", ".join(d.address for d in settings.departments.values()) + ")", flush=True)
    print(f"Replies:      captured by the relay on {out.relay_host}:{out.relay_port} into "
          f"{settings.path(settings.capture.maildir).resolve()} (a Maildir)", flush=True)
    print(f"Database:     {settings.storage_url()}", flush=True)
    for name, role, password in logins:
        print(f"Dashboard login: {name} / {password} ({role})", flush=True)
    print(f"Logs:         {log_path.resolve()}", flush=True)


def _send_samples(settings) -> None:
    gw = settings.gateway
    with smtplib.SMTP(gw.smtp_host, gw.smtp_port, timeout=30) as client:
        for index in range(len(SAMPLES)):
            sender, recipient, raw = build_sample(index)
            client.sendmail(sender, [recipient], raw)
    print(f"Sent {len(SAMPLES)} sample requests.", flush=True)


def _wait_processed(helpdesk: Helpdesk, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with helpdesk.db.sessions() as session:
            counts = stats(session)
        if counts["inbound"]["pending"] == 0 and counts["outbox"]["pending"] == 0:
            break
        time.sleep(0.2)
    tickets = counts["tickets"]
    print(f"Tickets:      {tickets['total']} ({', '.join(f'{k}: {v}' for k, v in sorted(tickets['by_department'].items()))}); "
          f"replies sent: {counts['outbox_by_kind'].get('acknowledgement', 0)}, "
          f"notices to agents: {counts['outbox_by_kind'].get('agent_new', 0)}", flush=True)


def _wait_dashboard(settings, timeout: float) -> bool:
    url = f"http://{settings.dashboard.host}:{settings.dashboard.port}/_stcore/health"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.3)
    return False

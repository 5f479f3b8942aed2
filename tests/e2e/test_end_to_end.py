"""The whole path with real servers on free ports: smtplib → gateway → ticket → reply in the capture relay."""
import email
import json
import os
import smtplib
import subprocess
import sys
import time
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from helpdesk.config import load_settings
from helpdesk.runner import Helpdesk
from mailgateway.capture import captured
from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def running(database, config_env):
    """A running helpdesk (gateway, worker, sender, capture relay) on each backend."""
    env = {**config_env, "HELPDESK__STORAGE__URL": database.url.render_as_string(hide_password=False)}
    settings = load_settings(ROOT / "config.toml", environ=env)
    helpdesk = Helpdesk(settings)
    helpdesk.start()
    try:
        yield settings, env
    finally:
        helpdesk.stop()


def request_mail(subject="My laptop will not start", body="It shows a black screen since this morning.",
                 headers=None) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "Anna Schmidt <anna.schmidt@corp.example>"
    mail["To"] = "it@corp.example"
    mail["Subject"] = subject
    mail["Message-ID"] = f"<{time.time_ns()}@mail.corp.example>"
    for name, value in (headers or {}).items():
        mail[name] = value
    mail.set_content(body)
    return mail


def cli_stats(env):
    result = subprocess.run([sys.executable, "-m", "helpdesk.cli", "--config", str(ROOT / "config.toml"), "stats", "--json"],
                            env={**os.environ, **env}, capture_output=True, text=True, timeout=60, check=True)
    return json.loads(result.stdout)


def _captured(settings):
    folder = settings.path(settings.capture.maildir)
    if not (folder / "new").exists():
        return []
    return [email.message_from_bytes(raw, policy=policy.default) for raw in captured(folder)]


def _replies(settings, to="anna.schmidt@corp.example"):
    """The mail the requester got (the agents get their own notices)."""
    return [mail for mail in _captured(settings) if mail["To"].addresses[0].addr_spec == to]


def _send(settings, mail):
    with smtplib.SMTP(settings.gateway.smtp_host, settings.gateway.smtp_port, timeout=10) as client:
        client.send_message(mail, from_addr="anna.schmidt@corp.example", to_addrs=["it@corp.example"])


def test_request_gets_a_reply_with_key_priority_and_promise_within_5s(running):
    settings, env = running
    started = time.monotonic()
    _send(settings, request_mail())
    replies = wait_for(lambda: _replies(settings), timeout=5.0)
    elapsed = time.monotonic() - started
    assert replies, "no reply captured within 5 s"
    assert elapsed < 5.0
    (reply,) = replies
    assert reply["To"].addresses[0].addr_spec == "anna.schmidt@corp.example"
    assert reply["Subject"].startswith("[IT-000001]")
    assert reply["Auto-Submitted"] == "auto-replied"
    text = reply.get_body(("plain",)).get_content()
    assert "IT-000001" in text
    assert any(f"Priority:  P{n}" in text for n in range(1, 5))
    assert "resolve it within" in text and ", by " in text
    stats = cli_stats(env)
    assert stats["tickets"]["total"] == 1
    assert stats["tickets"]["by_department"] == {"it": 1}


def test_reply_to_the_acknowledgement_lands_on_the_same_ticket(running):
    settings, env = running
    _send(settings, request_mail())
    (ack,) = wait_for(lambda: _replies(settings))
    follow_up = request_mail(subject=f"Re: {ack['Subject']}", body="Also the charger LED is off.",
                             headers={"In-Reply-To": ack["Message-ID"], "References": ack["Message-ID"]})
    _send(settings, follow_up)
    assert wait_for(lambda: cli_stats(env)["inbound"]["done"] == 2, timeout=10)
    stats = cli_stats(env)
    assert stats["tickets"]["total"] == 1
    assert len(_replies(settings)) == 1


@pytest.mark.parametrize("address", ["nobody@corp.example", "someone@elsewhere.example"])
def test_unknown_recipients_get_550(running, address):
    settings, _ = running
    with smtplib.SMTP(settings.gateway.smtp_host, settings.gateway.smtp_port, timeout=10) as client:
        client.ehlo("client.test")
        client.mail("anna.schmidt@corp.example")
        code, _ = client.rcpt(address)
    assert code == 550

"""SIGKILL after 250 loses nothing and duplicates nothing."""
import os
import signal
import smtplib
import subprocess
import sys
import time
from pathlib import Path

from helpdesk.samples import build_sample
from storage import Database, Outbox, Ticket
from storage.repo import stats

ROOT = Path(__file__).resolve().parents[2]


def _start(env, log):
    with open(log, "ab") as output:
        return subprocess.Popen([sys.executable, "-m", "helpdesk.cli", "--config", str(ROOT / "config.toml"),
                                 "--log-level", "WARNING", "run"],
                                env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT)


def _wait_smtp(host, port, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with smtplib.SMTP(host, port, timeout=2) as client:
                client.noop()
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the helpdesk did not start")


def _counts(url):
    db = Database(url)
    try:
        with db.sessions() as session:
            return stats(session)
    finally:
        db.dispose()


def _root_tickets(url):
    db = Database(url)
    try:
        with db.sessions() as session:
            return session.query(Ticket).filter(Ticket.parent_id.is_(None)).count()
    finally:
        db.dispose()


def _acknowledgements(url):
    db = Database(url)
    try:
        with db.sessions() as session:
            return session.query(Outbox).filter_by(kind="acknowledgement").count()
    finally:
        db.dispose()


def test_sigkill_after_250_loses_no_message_and_duplicates_no_ticket(database, config_env, tmp_path):
    log = tmp_path / "helpdesk.log"
    url = database.url.render_as_string(hide_password=False)
    env = {**config_env, "HELPDESK__STORAGE__URL": url}
    port = int(env["HELPDESK__GATEWAY__SMTP_PORT"])
    process = _start(env, log)
    sent = 40
    try:
        _wait_smtp("127.0.0.1", port)
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            for index in range(sent):
                sender, recipient, raw = build_sample(index)
                client.sendmail(sender, [recipient], raw)  # raises unless 250
        process.send_signal(signal.SIGKILL)  # right after the last 250, mid-processing
        process.wait(timeout=10)
        before = _counts(url)
        assert sum(before["inbound"].values()) == sent  # every 250 is in the store
        process = _start(env, log)
        _wait_smtp("127.0.0.1", port)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _counts(url)["inbound"]["pending"]:
            time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0, log.read_text()[-3000:]
    after = _counts(url)
    assert after["inbound"]["done"] == sent
    assert _root_tickets(url) == sent  # one per message (a new hire also opens child tickets)
    assert _acknowledgements(url) == sent

"""Rules reloaded while mail streams in over SMTP: no message lost, each decided by one whole version."""
import logging
import smtplib
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import func, select

from helpdesk.config import load_settings
from helpdesk.runner import Helpdesk
from rules import parse_rules
from storage import Event, InboundMessage, Ticket, rule_versions
from tests.e2e.test_end_to_end import cli_stats
from tests.waiting import wait_for
from tests.workflows.test_rulekeeper import BROKEN_FIELD_LINE, broken_text, rewrite, rules_text

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 200
REWRITE_EVERY = 40  # messages; sent at about 40 a second, so each version is in place for about a second


@pytest.fixture
def running(database, config_env, tmp_path):
    """A running helpdesk (gateway, a worker process, sender) whose rules come from a file of the test's own."""
    rule_file = tmp_path / "rules.toml"
    rule_file.write_text(rules_text("alpha"))
    env = {**config_env, "HELPDESK__STORAGE__URL": database.url.render_as_string(hide_password=False),
           "HELPDESK__RULES__PATH": str(rule_file), "HELPDESK__GATEWAY__MAX_MESSAGES_PER_MINUTE_PER_PEER": "0"}
    settings = load_settings(ROOT / "config.toml", environ=env)
    helpdesk = Helpdesk(settings)
    helpdesk.start()
    try:
        yield settings, env, rule_file
    finally:
        helpdesk.stop()


def zebra_mail(subject: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "Anna Schmidt <anna.schmidt@corp.example>"
    mail["To"] = "it@corp.example"
    mail["Subject"] = subject
    mail["Message-ID"] = f"<{time.time_ns()}.{abs(hash(subject))}@mail.corp.example>"
    mail.set_content("Seen near the main entrance.")
    return mail


def send(client: smtplib.SMTP, subject: str) -> None:
    client.send_message(zebra_mail(subject), from_addr="anna.schmidt@corp.example", to_addrs=["it@corp.example"])


def done_count(database) -> int:
    with database.sessions() as session:
        return session.scalar(select(func.count()).where(InboundMessage.status == "done"))


def test_rules_reloaded_under_a_stream_of_mail(running, database, caplog):
    settings, env, rule_file = running
    alpha, beta = parse_rules(rules_text("alpha")).version, parse_rules(rules_text("beta")).version
    written = [alpha]
    with smtplib.SMTP(settings.gateway.smtp_host, settings.gateway.smtp_port, timeout=10) as client:
        for number in range(1, MESSAGES + 1):
            send(client, f"Zebra sighting {number}")
            if number % REWRITE_EVERY == 0:
                category = "beta" if written[-1] == alpha else "alpha"
                rewrite(rule_file, rules_text(category))
                written.append(beta if category == "beta" else alpha)
            time.sleep(0.02)
        time.sleep(2.0)  # the last version is picked up within 2 s ...
        for number in range(1, 6):
            send(client, f"Zebra probe {number}")  # ... so these are decided by the last version
    assert written == [alpha, beta, alpha, beta, alpha, beta]
    total = MESSAGES + 5
    assert wait_for(lambda: done_count(database) == total, timeout=20), f"{done_count(database)} of {total} done"

    with database.sessions() as session:
        tickets = {ticket.subject: ticket for ticket in session.scalars(select(Ticket))}
        matched = {(ticket_id, event.cause, event.data["rules_version"]) for ticket_id, event in session.execute(
            select(Event.ticket_id, Event).where(Event.kind == "rule_matched"))}
        recorded = [row.version for row in reversed(rule_versions.list_versions(session))]
    subjects = [f"Zebra sighting {n}" for n in range(1, MESSAGES + 1)] + [f"Zebra probe {n}" for n in range(1, 6)]
    assert sorted(tickets) == sorted(subjects)  # every message became its own ticket
    for ticket in tickets.values():
        assert (ticket.rules_version, ticket.category) in {(alpha, "alpha"), (beta, "beta")}, ticket.subject
        assert (ticket.id, "zebra", ticket.rules_version) in matched
    assert len(matched) == total  # one rule_matched event per ticket, from the version on the ticket
    used = [tickets[subject].rules_version for subject in subjects]
    assert set(used[:MESSAGES]) == {alpha, beta}, "the stream was not decided by both versions"
    assert used[MESSAGES:] == [beta] * 5
    assert recorded == written  # every version applied, once each, in order

    rewrite(rule_file, broken_text())
    with caplog.at_level(logging.WARNING, logger="helpdesk.rules"):
        assert wait_for(lambda: f"keeping rules version {beta}" in caplog.text, timeout=2.0)
    rules = cli_stats(env)["rules"]
    assert rules["version"] == beta and rules["file_version"] is None
    assert rules["last_error"].startswith(f'{rule_file}:{BROKEN_FIELD_LINE}: rule "zebra": when: unknown field')
    time.sleep(1.0)  # the worker process has looked at the broken file too
    with smtplib.SMTP(settings.gateway.smtp_host, settings.gateway.smtp_port, timeout=10) as client:
        send(client, "Zebra after the broken save")
    assert wait_for(lambda: done_count(database) == total + 1, timeout=10)
    with database.sessions() as session:
        ticket = session.scalars(select(Ticket).where(Ticket.subject == "Zebra after the broken save")).one()
    assert (ticket.category, ticket.rules_version) == ("beta", beta)

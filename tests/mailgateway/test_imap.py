"""IMAP ingestion against a real Dovecot: IDLE and polling, reconnects, checkpoints, UIDVALIDITY, backlog, health."""
import contextlib
import email
import json
import logging
import os
import subprocess
import sys
import threading
import time
from email import policy
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from helpdesk.build import build_services
from helpdesk.config import load_settings
from helpdesk.runner import Helpdesk
from mailgateway.capture import captured
from mailgateway.imap import Backoff, ImapMailbox, MailboxFetcher, envelope_sender, move, uid_set
from storage import Database, InboundMessage, MailboxState, Ticket
from tests.imap_server import PASSWORD
from tests.waiting import wait_for
from workflows.pipeline import Pipeline

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def services():
    return build_services(load_settings(ROOT / "config.toml", environ={}))


def request(number: int, sender: str = "anna@corp.example") -> bytes:
    return (f"Return-Path: <{sender}>\r\nFrom: Anna Schmidt <{sender}>\r\nTo: it@corp.example\r\n"
            f"Subject: Request {number}: printer on floor 3\r\nMessage-ID: <request.{number}@mail.corp.example>\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\nThe printer does not print, item {number}.\r\n").encode()


def mailbox(server, user: str, **options) -> ImapMailbox:
    """The "it" mailbox on a private Dovecot, with short timeouts and backoff for tests."""
    settings = dict(name="it", host=server.host, port=server.port, user=user, password=PASSWORD,
                    department="it", address="it@corp.example", security="plain", poll_seconds=60.0,
                    timeout_seconds=5.0, reconnect_base_seconds=0.1, reconnect_max_seconds=0.5)
    return ImapMailbox(**{**settings, **options})


@contextlib.contextmanager
def fetching(box: ImapMailbox, db: Database, fetcher_class=MailboxFetcher, **options):
    """A fetcher thread for the length of the block; it must stop within two seconds."""
    fetcher = fetcher_class(box, db, **options)
    stop = threading.Event()
    thread = threading.Thread(target=fetcher.run, args=(stop,), name=f"imap-{box.name}")
    thread.start()
    try:
        yield fetcher
    finally:
        stop.set()
        started = time.monotonic()
        thread.join(timeout=10)
    assert not thread.is_alive() and time.monotonic() - started < 2


def inbound(db: Database) -> list[InboundMessage]:
    with db.sessions() as session:
        return list(session.scalars(select(InboundMessage).order_by(InboundMessage.id)))


def inbound_count(db: Database) -> int:
    with db.sessions() as session:
        return session.scalar(select(func.count()).select_from(InboundMessage))


def state(db: Database, name: str = "it") -> MailboxState | None:
    with db.sessions() as session:
        return session.get(MailboxState, name)


def last_error(db: Database) -> str:
    current = state(db)
    return (current.last_error if current else None) or ""


def checked(db: Database) -> bool:
    current = state(db)
    return current is not None and current.last_check_at is not None


def ticket_count(db: Database) -> int:
    with db.sessions() as session:
        return session.scalar(select(func.count()).select_from(Ticket))


def test_mail_arriving_while_idle_is_stored_within_seconds_then_moved(dovecot, database):
    box = mailbox(dovecot, "idle", poll_seconds=600)  # no poll in this test: only IDLE can wake it
    raw = request(1)
    with fetching(box, database):
        assert wait_for(lambda: checked(database))
        started = time.monotonic()
        dovecot.deliver("idle", [raw])
        assert wait_for(lambda: inbound_count(database) == 1)
        elapsed = time.monotonic() - started
        assert wait_for(lambda: dovecot.uids("idle", "Processed") == [1])
    assert elapsed < 3
    [row] = inbound(database)
    assert (row.source, row.status, row.mail_from, row.rcpt_to) == ("imap", "pending", "anna@corp.example",
                                                                     ["it@corp.example"])
    assert row.raw == raw and row.size == len(raw)
    assert (row.mailbox, row.uidvalidity, row.uid) == ("it", state(database).uidvalidity, 1)
    assert dovecot.uids("idle") == []


def test_mail_that_comes_between_the_check_and_idle_is_stored_at_once(dovecot, sqlite_database):
    """Dovecot announces such mail right after its "+ idling", which the client may read in one go with it:
    the fetcher must see it then, not at its next poll."""
    delivered = []

    class DeliveredBeforeIdle(MailboxFetcher):  # the mail comes after the check's last select
        def connect(self):
            client = super().connect()
            idle = client.idle

            def deliver_then_idle():
                if not delivered:
                    dovecot.deliver("gap", [request(1)])
                    delivered.append(time.monotonic())
                return idle()
            client.idle = deliver_then_idle
            return client

    with fetching(mailbox(dovecot, "gap", poll_seconds=600), sqlite_database, DeliveredBeforeIdle):
        assert wait_for(lambda: inbound_count(sqlite_database) == 1)
        elapsed = time.monotonic() - delivered[0]
        assert wait_for(lambda: dovecot.uids("gap", "Processed") == [1])
    assert elapsed < 3


@pytest.mark.parametrize("flag, unflagged", [("\\Seen", "UNSEEN"), ("$Helpdesk", ["NOT", "KEYWORD", "$Helpdesk"])])
def test_without_idle_it_polls_and_flags_instead_of_moving(dovecot_factory, sqlite_database, flag, unflagged):
    server = dovecot_factory(capabilities="IMAP4rev1 LITERAL+ UIDPLUS")  # no IDLE, no MOVE
    server.deliver("poll", [request(1)])
    box = mailbox(server, "poll", after_fetch="flag", processed_flag=flag, poll_seconds=0.2)
    with fetching(box, sqlite_database):
        assert wait_for(lambda: inbound_count(sqlite_database) == 1)
        with server.client("poll") as client:  # read by a person before the helpdesk saw it: still new
            client.append("INBOX", request(2), flags=[b"\\Seen"])
        assert wait_for(lambda: inbound_count(sqlite_database) == 2)
        assert wait_for(lambda: server.uids("poll", criteria=unflagged) == [])
    assert server.uids("poll") == [1, 2]
    assert [row.uid for row in inbound(sqlite_database)] == [1, 2]
    with fetching(box, sqlite_database):  # started again: nothing is stored twice
        assert wait_for(lambda: state(sqlite_database).last_check_at > state(sqlite_database).started_at)
    assert inbound_count(sqlite_database) == 2


@pytest.mark.parametrize("capabilities, left", [("IMAP4rev1 LITERAL+ UIDPLUS", [2, 4]), ("IMAP4rev1 LITERAL+", [2])])
def test_without_move_messages_are_copied_deleted_and_expunged(dovecot_factory, capabilities, left):
    server = dovecot_factory(capabilities=capabilities)
    server.deliver("copy", [request(n) for n in (1, 2, 3, 4)])
    with server.client("copy") as client:
        client.create_folder("Processed")
        client.select_folder("INBOX")
        client.add_flags([4], [b"\\Deleted"])  # someone else's; UID EXPUNGE (UIDPLUS) leaves it alone
        move(client, [1, 3], "Processed")
    assert server.uids("copy") == left
    assert len(server.uids("copy", "Processed")) == 2


def test_server_restart_mid_session_reconnects_and_continues(dovecot, sqlite_database):
    db = sqlite_database
    with fetching(mailbox(dovecot, "restart", poll_seconds=2), db):
        dovecot.deliver("restart", [request(1)])
        assert wait_for(lambda: inbound_count(db) == 1)
        dovecot.stop()
        assert wait_for(lambda: last_error(db))
        dovecot.start()  # the same port
        dovecot.deliver("restart", [request(2)])
        assert wait_for(lambda: inbound_count(db) == 2, timeout=10)
        assert wait_for(lambda: len(dovecot.uids("restart", "Processed")) == 2)
    assert [row.uid for row in inbound(db)] == [1, 2]
    current = state(db)
    assert current.last_check_at > current.last_error_at


@pytest.mark.parametrize("folder, configured, expected", [
    ("INBOX", "Processed", "INBOX.Processed"), ("INBOX", "INBOX.Done", "INBOX.Done"),
    ("INBOX.Requests", "Processed", "INBOX.Processed")])
def test_a_server_with_a_namespace_prefix_gets_the_processed_folder_under_it(dovecot_factory, sqlite_database,
                                                                              folder, configured, expected):
    """Courier, Cyrus and many hosted Dovecots refuse folders outside the personal prefix "INBOX."; a folder
    configured without the prefix ("Requests") is found under it."""
    server = dovecot_factory(prefix="INBOX.", separator=".")
    with server.client("prefixed") as client:
        with pytest.raises(Exception, match="namespace"):  # what a plain create of the name gets there
            client.create_folder("Elsewhere")
    box = mailbox(server, "prefixed", folder=folder.removeprefix("INBOX."), processed_folder=configured)
    server.deliver("prefixed", [request(1), request(2)], folder=folder)
    with fetching(box, sqlite_database):
        assert wait_for(lambda: len(server.uids("prefixed", expected)) == 2)
    server.deliver("prefixed", [request(3)], folder=folder)
    with fetching(box, sqlite_database):  # a new connection finds the folder it made
        assert wait_for(lambda: len(server.uids("prefixed", expected)) == 3)
    assert inbound_count(sqlite_database) == 3 and server.uids("prefixed", folder) == []
    with server.client("prefixed") as client:
        names = sorted(name for _, _, name in client.list_folders())
    assert names == sorted({"INBOX", folder, expected})


def test_uidvalidity_change_rescans_the_folder_without_duplicate_tickets(dovecot, database, services):
    box = mailbox(dovecot, "uidv", folder="Requests", after_fetch="flag", processed_flag="$Helpdesk")
    dovecot.deliver("uidv", [request(n) for n in (1, 2, 3)], folder="Requests")
    with fetching(box, database):
        assert wait_for(lambda: inbound_count(database) == 3)
        first = state(database).uidvalidity
        assert Pipeline(database, services).drain() == 3
        # The folder is recreated (restored, migrated): a new UIDVALIDITY and UIDs from 1 again.
        # Request 4 gets UID 1, below the old checkpoint: only a rescan finds it.
        with dovecot.client("uidv") as client:
            client.delete_folder("Requests")
            client.create_folder("Requests")
            client.multiappend("Requests", [request(4), request(1), request(2), request(3)])
        assert wait_for(lambda: inbound_count(database) == 7, timeout=10)
    assert state(database).uidvalidity != first
    assert Pipeline(database, services).drain() == 4
    assert ticket_count(database) == 4
    copies = [row for row in inbound(database) if row.status == "discarded"]
    assert len(copies) == 3 and all("duplicate" in row.error for row in copies)


class Crash(BaseException):
    """The process dies: raised right after the commit, before the messages are moved."""


def crash() -> None:
    raise Crash()


@pytest.mark.parametrize("checkpoint", ["kept", "lost"])
def test_crash_between_commit_and_move_stores_each_message_once(dovecot, database, services, checkpoint):
    dovecot.deliver("crash", [request(n) for n in (1, 2, 3)])
    box = mailbox(dovecot, "crash")
    with pytest.raises(Crash):
        MailboxFetcher(box, database, on_commit=crash).run(threading.Event())
    assert inbound_count(database) == 3 and dovecot.uids("crash") == [1, 2, 3]  # committed, not moved
    if checkpoint == "lost":  # then the unique (mailbox, UIDVALIDITY, UID) index alone must hold
        with database.transaction() as session:
            session.execute(delete(MailboxState))
    with fetching(box, database):  # the restarted fetcher
        assert wait_for(lambda: len(dovecot.uids("crash", "Processed")) == 3)
        assert wait_for(lambda: checked(database))
    assert dovecot.uids("crash") == []
    assert sorted(row.uid for row in inbound(database)) == [1, 2, 3]
    assert Pipeline(database, services).drain() == 3
    assert ticket_count(database) == 3


def test_backlog_of_1000_messages_is_stored_in_batches_and_moved(dovecot, database):
    dovecot.deliver("backlog", [request(n) for n in range(1000)])
    with fetching(mailbox(dovecot, "backlog"), database):
        assert wait_for(lambda: checked(database), timeout=30)
    with database.sessions() as session:
        count, uids, pending = session.execute(
            select(func.count(), func.count(InboundMessage.uid.distinct()),
                   func.count().filter(InboundMessage.status == "pending"))).one()
    assert count == uids == pending == 1000
    assert state(database).last_uid == 1000
    assert dovecot.uids("backlog") == []
    assert len(dovecot.uids("backlog", "Processed")) == 1000


def cli_stats(env: dict) -> dict:
    result = subprocess.run([sys.executable, "-m", "helpdesk.cli", "--config", str(ROOT / "config.toml"), "stats",
                             "--json"], env={**os.environ, **env}, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_stale_mailbox_is_logged_and_reported_by_stats_json(dovecot, config_env, caplog):
    caplog.set_level(logging.INFO, logger="helpdesk.gateway.imap")
    db = Database(config_env["HELPDESK__STORAGE__URL"])
    db.upgrade()
    dovecot.stop()  # down from the start
    box = mailbox(dovecot, "stale", stale_after_seconds=2, poll_seconds=0.3)
    try:
        with fetching(box, db):
            assert wait_for(lambda: "event=imap_mailbox_stale mailbox=it" in caplog.text, timeout=6)
            report = cli_stats(config_env)["imap"]["it"]
            assert report["stale"] is True and report["last_check_at"] is None
            assert "ConnectionRefusedError" in report["last_error"]
            dovecot.start()
            assert wait_for(lambda: "event=imap_mailbox_recovered mailbox=it" in caplog.text)
            report = cli_stats(config_env)["imap"]["it"]
    finally:
        db.dispose()
    assert report["stale"] is False and report["last_check_at"] > report["last_error_at"]
    assert (report["department"], report["folder"]) == ("it", "INBOX")


def test_helpdesk_run_fetches_its_mailboxes_and_acknowledges(dovecot, config_env, monkeypatch):
    monkeypatch.setenv("HELPDESK_TEST_IMAP_PASSWORD", PASSWORD)
    prefix = "HELPDESK__IMAP__MAILBOXES__IT_INBOX__"
    env = {**config_env, "HELPDESK__WORKER__PROCESSES": "0", f"{prefix}HOST": dovecot.host,
           f"{prefix}PORT": str(dovecot.port), f"{prefix}SECURITY": "plain", f"{prefix}USER": "e2e",
           f"{prefix}PASSWORD_ENV": "HELPDESK_TEST_IMAP_PASSWORD", f"{prefix}DEPARTMENT": "it"}
    settings = load_settings(ROOT / "config.toml", environ=env)
    helpdesk = Helpdesk(settings)
    helpdesk.start()
    try:
        dovecot.deliver("e2e", [request(1)])
        folder = settings.path(settings.capture.maildir)
        def acknowledgements():  # the agents' notice of the new ticket is captured too
            mails = [email.message_from_bytes(raw, policy=policy.default)
                     for raw in ((folder / "new").exists() and captured(folder) or [])]
            return [mail for mail in mails if mail["Auto-Submitted"] == "auto-replied"]
        replies = wait_for(acknowledgements, timeout=10)
        assert replies, "no acknowledgement: the message was not fetched"
        assert wait_for(lambda: dovecot.uids("e2e", "Processed") == [1])
    finally:
        started = time.monotonic()
        helpdesk.stop()
        assert time.monotonic() - started < 5
    [reply] = replies
    assert reply["Subject"].startswith("[IT-000001] ") and reply["To"].addresses[0].addr_spec == "anna@corp.example"
    report = cli_stats(env)["imap"]["it_inbox"]
    assert report["last_check_at"] and report["last_error"] is None


def test_tls_and_starttls_verify_the_server_certificate(dovecot_factory, sqlite_database):
    server = dovecot_factory(tls=True)
    db = sqlite_database
    server.deliver("tls", [request(1)])
    with fetching(mailbox(server, "tls", security="tls", port=server.tls_port), db):  # system CAs only: refused
        assert wait_for(lambda: "CERTIFICATE_VERIFY_FAILED" in last_error(db))
    assert inbound_count(db) == 0
    with fetching(mailbox(server, "tls", security="tls", port=server.tls_port, ca_file=str(server.ca_file)), db):
        assert wait_for(lambda: inbound_count(db) == 1)
    server.deliver("tls", [request(2)])
    with fetching(mailbox(server, "tls", security="starttls", ca_file=str(server.ca_file)), db):
        assert wait_for(lambda: inbound_count(db) == 2)


def test_envelope_sender_is_the_return_path_else_from():
    assert envelope_sender(b"Return-Path: <bounce@lists.example>\r\nFrom: a@corp.example\r\n\r\nx") == "bounce@lists.example"
    assert envelope_sender(b"Return-Path: <>\r\nFrom: MAILER-DAEMON@mx.example\r\n\r\nx") == ""
    assert envelope_sender(b"From: Anna <anna@corp.example>\r\n\r\nx") == "anna@corp.example"
    assert envelope_sender(b"Subject: nothing\r\n\r\nx") == ""


def test_uid_sets_are_compact_and_backoff_grows_to_its_maximum():
    assert uid_set([5, 1, 2, 3, 9, 10]) == "1:3,5,9:10"
    assert uid_set([7]) == "7"
    backoff = Backoff(1.0, 8.0)
    delays = [backoff.next() for _ in range(6)]
    assert all(0.75 * cap <= delay <= cap for delay, cap in zip(delays, [1, 2, 4, 8, 8, 8]))
    backoff.reset()
    assert backoff.next() <= 1.0



def test_a_processed_folder_made_meanwhile_by_another_connection_is_no_error(dovecot, sqlite_database):
    """Two fetchers (two processes, or a reconnect) may both find the folder missing; the second create
    then fails with ALREADYEXISTS, which must not stop the mailbox."""
    box = mailbox(dovecot, "race")
    fetcher = MailboxFetcher(box, sqlite_database)
    client = fetcher.connect()
    try:
        other = fetcher.connect()
        other.create_folder(box.processed_folder)  # the other connection wins the race
        _logout_quietly(other)
        asked = []
        real_exists = client.folder_exists
        client.folder_exists = lambda name: bool(asked.append(name)) or (len(asked) > 1 and real_exists(name))
        stop = threading.Event()
        stop.set()
        fetcher._serve(client, stop)  # first asks: "missing"; the create fails; asked again: it exists
        assert asked == [box.processed_folder, box.processed_folder]
    finally:
        _logout_quietly(client)


def _logout_quietly(client) -> None:
    with contextlib.suppress(Exception):  # a test's cleanup: the connection may be gone already
        client.logout()

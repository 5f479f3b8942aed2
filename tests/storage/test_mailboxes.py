"""IMAP mailbox state and the (mailbox, UIDVALIDITY, UID) key on both backends."""
import datetime as dt

import pytest
from sqlalchemy.exc import IntegrityError

from storage import mailboxes, repo, utcnow

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)


def _imap_row(uid: int, uidvalidity: int = 7, mailbox: str = "it") -> dict:
    return {"source": "imap", "peer": "imap.corp.example", "mail_from": "anna@corp.example",
            "rcpt_to": ["it@corp.example"], "raw": b"Subject: x\r\n\r\ny\r\n", "mailbox": mailbox,
            "uidvalidity": uidvalidity, "uid": uid}


def test_one_inbound_row_per_mailbox_uidvalidity_and_uid(database):
    with database.transaction() as session:
        repo.add_inbound_many(session, [_imap_row(1), _imap_row(2), _imap_row(1, uidvalidity=8),
                                        _imap_row(1, mailbox="hr")])
        repo.add_inbound(session, source="smtp", mail_from="", rcpt_to=["it@corp.example"], raw=b"a")
        repo.add_inbound(session, source="smtp", mail_from="", rcpt_to=["it@corp.example"], raw=b"b")
    with pytest.raises(IntegrityError):
        with database.transaction() as session:
            repo.add_inbound_many(session, [_imap_row(2)])
    with database.sessions() as session:
        assert mailboxes.stored_uids(session, "it", 7, [1, 2, 3]) == {1, 2}
        assert mailboxes.stored_uids(session, "it", 8, [1, 2, 3]) == {1}
        assert repo.stats(session)["inbound"]["pending"] == 6


def test_checkpoint_survives_a_restart_and_stale_counts_from_the_later_of_start_and_check(database):
    with database.transaction() as session:
        mailboxes.register_mailbox(session, mailbox="it", department="it", folder="INBOX",
                                   stale_after_seconds=900, now=T0)
        assert mailboxes.checkpoint(session, "it") == (None, 0)
        mailboxes.save_checkpoint(session, "it", 7, 42)
        mailboxes.record_check(session, "it", T0 + dt.timedelta(minutes=1))
        mailboxes.record_error(session, "it", "ConnectionRefusedError: [Errno 111]", T0 + dt.timedelta(minutes=2))
    with database.sessions() as session:
        report = mailboxes.report(session, T0 + dt.timedelta(minutes=17))["it"]
    assert report == {"department": "it", "folder": "INBOX", "last_check_at": "2026-11-23T09:01:00+00:00",
                      "last_error": "ConnectionRefusedError: [Errno 111]", "last_error_at": "2026-11-23T09:02:00+00:00",
                      "stale": True, "uidvalidity": 7, "last_uid": 42}
    with database.transaction() as session:  # the fetcher starts again: a fresh grace period, same checkpoint
        mailboxes.register_mailbox(session, mailbox="it", department="it", folder="Requests",
                                   stale_after_seconds=600, now=T0 + dt.timedelta(minutes=20))
    with database.sessions() as session:
        assert mailboxes.checkpoint(session, "it") == (7, 42)
        assert mailboxes.report(session, T0 + dt.timedelta(minutes=29))["it"]["stale"] is False
        report = mailboxes.report(session, T0 + dt.timedelta(minutes=31))["it"]
    assert report["stale"] is True and report["folder"] == "Requests"


def test_report_is_empty_without_mailboxes(database):
    with database.sessions() as session:
        assert mailboxes.report(session, utcnow()) == {}

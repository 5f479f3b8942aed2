"""The Health page's queries and actions on both backends."""
import datetime as dt

from storage import InboundMessage, Outbox, RuleVersion, health, repo

T0 = dt.datetime(2026, 11, 23, 9, tzinfo=dt.timezone.utc)
RAW = b"From: x@evil.example\r\nSubject: =?utf-8?q?Gewinn_f=C3=BCr_Sie?=\r\n\r\n<script>alert(1)</script>\r\n"


def _inbound(session, status, at, error=None):
    row = repo.add_inbound(session, source="smtp", mail_from="x@evil.example", rcpt_to=["it@corp.example"],
                           raw=RAW, received_at=at)
    row.status, row.error = status, error
    session.flush()
    return row.id


def test_queue_quarantine_release_and_delete(database):
    with database.transaction() as session:
        _inbound(session, "pending", T0 + dt.timedelta(minutes=5))
        _inbound(session, "pending", T0)
        _inbound(session, "done", T0 - dt.timedelta(days=1))
        first = _inbound(session, "quarantined", T0, "rule executable-attachment: executable attachment")
        second = _inbound(session, "quarantined", T0, "unparseable: no header fields")
    with database.sessions() as session:
        queue = health.inbound_queue(session)
        assert (queue.pending, queue.oldest_received_at) == (2, T0)
        assert queue.oldest_age(T0 + dt.timedelta(minutes=10)) == dt.timedelta(minutes=10)
        rows = health.quarantined(session)
        assert [row.id for row in rows] == [second, first] and health.quarantined_count(session) == 2
        assert rows[1].subject == "Gewinn für Sie" and rows[1].reason.startswith("rule executable-attachment")
        assert rows[1].recipients == ["it@corp.example"]
    with database.transaction() as session:
        assert health.release(session, first) and not health.release(session, first)
        assert health.delete_quarantined(session, second) and not health.delete_quarantined(session, second)
    with database.sessions() as session:
        released = session.get(InboundMessage, first)
        assert released.status == "pending" and released.error is None
        assert session.get(InboundMessage, second) is None
        assert health.inbound_queue(session).pending == 3


def test_failed_sends_retry_heartbeats_and_rules_version(database):
    with database.transaction() as session:
        for status in ("failed", "sent"):
            session.add(Outbox(created_at=T0, kind="acknowledgement", mail_from="", rcpt_to=["a@corp.example"],
                               message_id="<m@x>", raw=b"Subject: Ticket IT-000001\r\n\r\nx", status=status,
                               attempts=8, next_attempt_at=T0, last_error="550 5.1.1 no such user"))
        session.add(RuleVersion(version="abc123", source="rules/default.toml", content="", applied_at=T0, diff=""))
        session.add(RuleVersion(version="def456", source="rules/default.toml", content="",
                                applied_at=T0 + dt.timedelta(hours=1), diff=""))
        health.beat(session, "scheduler", T0, {"breaches": 2})
    with database.transaction() as session:
        [failed] = health.outbox_failures(session)
        assert failed.reason == "550 5.1.1 no such user" and failed.subject == "Ticket IT-000001"
        assert health.retry_outbox(session, failed.id, T0 + dt.timedelta(hours=2))
        assert not health.retry_outbox(session, failed.id, T0)
        health.beat(session, "scheduler", T0 + dt.timedelta(minutes=1), {"breaches": 0})
    with database.sessions() as session:
        row = session.get(Outbox, failed.id)
        assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 0, T0 + dt.timedelta(hours=2))
        assert health.outbox_failed_count(session) == 0
        beat = health.last_beat(session, "scheduler")
        assert beat.at == T0 + dt.timedelta(minutes=1) and beat.detail == {"breaches": 0}
        assert health.active_rules(session).version == "def456"

"""The outbound sender against real SMTP servers: the capture relay and aiosmtpd relays that refuse."""
import datetime as dt

import pytest
from aiosmtpd.controller import Controller

from mailgateway.capture import CaptureRelay, captured
from mailgateway.outbound import OutboundSender, RelaySettings
from storage import Outbox, utcnow

ACK = (b"From: IT Service Desk <it@corp.example>\r\nTo: Anna <anna@corp.example>\r\n"
       b"Subject: [IT-000001] VPN not working\r\nMessage-ID: <ack-1@corp.example>\r\n"
       b"Auto-Submitted: auto-replied\r\n\r\nWe have opened ticket IT-000001.\r\n.leading dot line\r\n")


def _trace(*recipients, mail_from=""):
    return f"Return-Path: <{mail_from}>\r\nX-Capture-Recipients: {', '.join(recipients)}\r\n".encode()


def _queue(db, raw=ACK, rcpt=("anna@corp.example",), message_id="<ack-1@corp.example>"):
    with db.transaction() as session:
        row = Outbox(created_at=utcnow(), kind="acknowledgement", mail_from="", rcpt_to=list(rcpt),
                     message_id=message_id, raw=raw, status="pending", attempts=0, next_attempt_at=utcnow())
        session.add(row)
        session.flush()
        return row.id


def _row(db, outbox_id):
    with db.sessions() as session:
        return session.get(Outbox, outbox_id)


def _make_due(db, outbox_id):
    with db.transaction() as session:
        session.get(Outbox, outbox_id).next_attempt_at = utcnow() - dt.timedelta(seconds=1)


def _settings(port, **changes):
    values = dict(host="127.0.0.1", port=port, timeout=5, max_attempts=4, retry_base_seconds=10,
                  retry_max_seconds=25)
    values.update(changes)
    return RelaySettings(**values)


class _Relay:
    """An aiosmtpd relay on a free port; stopped by the fixture."""

    def __init__(self, handler, port):
        self.controller = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=10)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


@pytest.fixture
def capture(tmp_path, free_port):
    port = free_port()
    relay = CaptureRelay(tmp_path / "capture", host="127.0.0.1", port=port)
    relay.start()
    yield relay
    relay.stop()


def test_capture_relay_receives_the_exact_messages_and_rows_become_sent(database, capture):
    other = ACK.replace(b"anna@", b"ben@").replace(b"ack-1@", b"ack-2@")
    first = _queue(database)
    second = _queue(database, other, rcpt=("ben@corp.example", "carla@corp.example"), message_id="<ack-2@corp.example>")
    sender = OutboundSender(database, _settings(capture.port))
    before = utcnow()
    assert sender.send_due() == 2
    after = utcnow()
    assert sorted(captured(capture.path)) == sorted([
        _trace("anna@corp.example") + ACK,
        _trace("ben@corp.example", "carla@corp.example") + other,
    ])
    for outbox_id in (first, second):
        row = _row(database, outbox_id)
        assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)
        assert before <= row.sent_at <= after
    assert sender.send_due() == 0
    assert len(captured(capture.path)) == 2


def test_relay_down_keeps_the_row_pending_and_retries_when_due(database, tmp_path, free_port):
    port = free_port()  # nothing listens here yet
    outbox_id = _queue(database)
    sender = OutboundSender(database, _settings(port, retry_base_seconds=60, retry_max_seconds=600))
    before = utcnow()
    assert sender.send_due() == 1
    after = utcnow()
    row = _row(database, outbox_id)
    assert (row.status, row.attempts, row.sent_at) == ("pending", 1, None)
    assert before + dt.timedelta(seconds=60) <= row.next_attempt_at <= after + dt.timedelta(seconds=60)
    assert "relay" in row.last_error

    relay = CaptureRelay(tmp_path / "capture", host="127.0.0.1", port=port)
    relay.start()
    try:
        assert sender.send_due() == 0  # not due yet, although the relay is up now
        assert captured(relay.path) == []
        _make_due(database, outbox_id)
        assert sender.send_due() == 1
        assert captured(relay.path) == [_trace("anna@corp.example") + ACK]
    finally:
        relay.stop()
    row = _row(database, outbox_id)
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)


class _UnknownUser:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return "550 5.1.1 no such user"


class _BusyAtData:
    def __init__(self):
        self.tries = 0

    async def handle_DATA(self, server, session, envelope):
        self.tries += 1
        return "451 4.3.0 try again later"


def test_permanent_refusal_fails_the_row_after_one_attempt(database, free_port):
    port = free_port()
    outbox_id = _queue(database)
    with _Relay(_UnknownUser(), port):
        assert OutboundSender(database, _settings(port)).send_due() == 1
    row = _row(database, outbox_id)
    assert (row.status, row.attempts, row.sent_at) == ("failed", 1, None)
    assert "550" in row.last_error and "no such user" in row.last_error


def test_temporary_refusal_backs_off_doubling_up_to_the_cap_then_fails(database, free_port):
    port = free_port()
    outbox_id = _queue(database)
    handler = _BusyAtData()
    sender = OutboundSender(database, _settings(port, max_attempts=4, retry_base_seconds=10, retry_max_seconds=25))
    with _Relay(handler, port):
        for attempt, delay in [(1, 10), (2, 20), (3, 25)]:
            before = utcnow()
            assert sender.send_due() == 1
            after = utcnow()
            row = _row(database, outbox_id)
            assert (row.status, row.attempts) == ("pending", attempt)
            assert "451" in row.last_error
            assert before + dt.timedelta(seconds=delay) <= row.next_attempt_at <= after + dt.timedelta(seconds=delay)
            assert sender.send_due() == 0  # backing off
            _make_due(database, outbox_id)
        assert sender.send_due() == 1
    row = _row(database, outbox_id)
    assert (row.status, row.attempts, row.sent_at) == ("failed", 4, None)
    assert handler.tries == 4


def test_bare_line_feeds_go_out_as_crlf(database, capture):
    bare = ACK.replace(b"\r\n", b"\n")
    assert b"\r" not in bare
    outbox_id = _queue(database, bare)
    assert OutboundSender(database, _settings(capture.port)).send_due() == 1
    assert captured(capture.path) == [_trace("anna@corp.example") + ACK]
    assert _row(database, outbox_id).status == "sent"


def test_captured_still_reads_a_message_a_mail_reader_has_flagged(database, capture):
    _queue(database)
    OutboundSender(database, _settings(capture.port)).send_due()
    (path,) = (capture.path / "new").iterdir()
    path.rename(capture.path / "cur" / f"{path.name}:2,S")  # read, as mutt leaves it
    assert captured(capture.path) == [_trace("anna@corp.example") + ACK]


def test_the_sender_yields_to_a_backlog_for_at_most_the_yield_time(database, capture):
    """Beside a busy pipeline, replies wait until it has caught up, or until the yield time is up."""
    import threading
    import time

    from helpdesk.runner import send_loop

    sender = OutboundSender(database, _settings(capture.port))
    stop, ready, caught_up = threading.Event(), threading.Event(), threading.Event()
    first = _queue(database)
    thread = threading.Thread(target=send_loop, args=(sender, stop, ready, caught_up, 1.5), daemon=True)
    started = time.monotonic()
    thread.start()
    try:
        time.sleep(0.6)
        assert _row(database, first).status == "pending"  # the pipeline is busy: the reply waits
        assert captured(capture.path) == []
        while _row(database, first).status == "pending" and time.monotonic() - started < 10:
            time.sleep(0.05)
        waited = time.monotonic() - started
        assert _row(database, first).status == "sent"
        assert 1.4 <= waited < 4  # busy all along: sent once the yield time was up

        caught_up.set()  # the pipeline has caught up: what comes now goes at once
        second = _queue(database, ACK.replace(b"ack-1@", b"ack-2@"), message_id="<ack-2@corp.example>")
        queued = time.monotonic()
        ready.set()
        while _row(database, second).status == "pending" and time.monotonic() - queued < 10:
            time.sleep(0.02)
        assert _row(database, second).status == "sent"
        assert time.monotonic() - queued < 1.0
    finally:
        stop.set()
        caught_up.set()
        ready.set()
        thread.join(10)
    assert not thread.is_alive()
    assert len(captured(capture.path)) == 2

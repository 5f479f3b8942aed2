"""The SMTP edge against a real aiosmtpd server, spoken to with smtplib."""
import smtplib

import pytest

from mailgateway.smtp import GatewayController, HelpdeskHandler, RateLimiter
from mailgateway.store import InboundWriter
from storage import Database, InboundMessage

DEPARTMENTS = {"it@corp.example", "hr@corp.example"}


def _gateway(db, port, *, max_bytes=10_000, rate=0):
    writer = InboundWriter(db)
    writer.start()
    handler = HelpdeskHandler(writer, lambda a: a.lower() in DEPARTMENTS, max_recipients=3,
                              rate_limiter=RateLimiter(rate))
    controller = GatewayController(handler, host="127.0.0.1", port=port, hostname="helpdesk.test",
                                   max_message_bytes=max_bytes, max_sessions=10)
    controller.start()
    return controller, writer


@pytest.fixture
def gateway(database, free_port):
    port = free_port()
    controller, writer = _gateway(database, port)
    yield port
    controller.stop()
    writer.stop()


def _rcpt(port, address):
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.ehlo("client.test")
        client.mail("a@corp.example")
        return client.rcpt(address)


def test_unknown_and_foreign_recipients_are_refused(gateway):
    assert _rcpt(gateway, "nobody@corp.example")[0] == 550
    code, text = _rcpt(gateway, "someone@elsewhere.example")
    assert (code, text[:5]) == (550, b"5.1.1")
    assert _rcpt(gateway, "IT@corp.example")[0] == 250


def test_accepted_message_is_stored_byte_for_byte(gateway, database):
    raw = b"From: a@corp.example\r\nTo: it@corp.example\r\nSubject: caf\xc3\xa9\r\n\r\n.dot line\r\nbody\r\n"
    with smtplib.SMTP("127.0.0.1", gateway, timeout=10) as client:
        client.sendmail("a@corp.example", ["it@corp.example", "hr@corp.example"], raw)
    with database.sessions() as session:
        (row,) = session.query(InboundMessage).all()
    assert row.raw == raw
    assert row.rcpt_to == ["it@corp.example", "hr@corp.example"]
    assert row.mail_from == "a@corp.example"
    assert row.status == "pending" and row.peer == "127.0.0.1"


def test_oversized_message_gets_552_5_3_4(gateway, database):
    with smtplib.SMTP("127.0.0.1", gateway, timeout=10) as client:
        client.ehlo("client.test")
        assert client.has_extn("size") and int(client.esmtp_features["size"]) == 10_000
        client.mail("a@corp.example")
        client.rcpt("it@corp.example")
        code, text = client.data(b"Subject: big\r\n\r\n" + b"x" * 76 + (b"\r\n" + b"x" * 76) * 200)
    assert (code, text[:5]) == (552, b"5.3.4")
    with smtplib.SMTP("127.0.0.1", gateway, timeout=10) as client:
        client.ehlo("client.test")
        code, text = client.mail("a@corp.example", ["SIZE=20000"])
    assert (code, text[:5]) == (552, b"5.3.4")
    with database.sessions() as session:
        assert session.query(InboundMessage).count() == 0


def test_store_failure_is_a_temporary_451(tmp_path, free_port):
    broken = Database(f"sqlite:///{tmp_path / 'no-schema.db'}")  # never migrated: inserts fail
    port = free_port()
    controller, writer = _gateway(broken, port)
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.ehlo("client.test")
            client.mail("a@corp.example")
            client.rcpt("it@corp.example")
            code, text = client.data(b"Subject: hello\r\n\r\nbody\r\n")
    finally:
        controller.stop()
        writer.stop()
    assert (code, text[:5]) == (451, b"4.3.0")


def test_rate_limit_per_peer_is_temporary(database, free_port):
    port = free_port()
    controller, writer = _gateway(database, port, rate=2)
    codes = []
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.ehlo("client.test")
            for _ in range(3):
                client.mail("a@corp.example")
                client.rcpt("it@corp.example")
                codes.append(client.data(b"Subject: x\r\n\r\ny\r\n")[0])
    finally:
        controller.stop()
        writer.stop()
    assert codes == [250, 250, 451]


def test_too_many_recipients(gateway):
    with smtplib.SMTP("127.0.0.1", gateway, timeout=10) as client:
        client.ehlo("client.test")
        client.mail("a@corp.example")
        codes = [client.rcpt(a)[0] for a in ["it@corp.example", "hr@corp.example", "it@corp.example", "hr@corp.example"]]
    assert codes == [250, 250, 250, 452]


def test_rate_limiter_window_slides():
    now = [0.0]
    limiter = RateLimiter(2, clock=lambda: now[0])
    assert limiter.allow("p") and limiter.allow("p") and not limiter.allow("p")
    assert limiter.allow("other")
    now[0] = 60.5
    assert limiter.allow("p")


def test_null_reverse_path_is_stored_empty(gateway, database):
    with smtplib.SMTP("127.0.0.1", gateway, timeout=10) as client:
        client.sendmail("<>", ["it@corp.example"], b"Subject: bounce\r\n\r\nbody\r\n")
    with database.sessions() as session:
        (row,) = session.query(InboundMessage).all()
    assert row.mail_from == ""


def test_the_gateway_runs_on_uvloop_when_installed():
    import uvloop

    from mailgateway.smtp import _event_loop

    loop = _event_loop()
    try:
        assert isinstance(loop, uvloop.Loop)
    finally:
        loop.close()


def test_a_path_the_address_parser_chokes_on_is_a_malformed_address_and_the_session_goes_on(gateway, database):
    with smtplib.SMTP("127.0.0.1", gateway, timeout=10) as client:
        client.ehlo()
        code, text = client.docmd("MAIL FROM:<0@[>")  # the standard library's parser raised on this
        assert (code, text[:5]) == (553, b"5.1.3")
        assert client.docmd("RCPT TO:<it@[>")[0] == 503  # no sender yet
        assert client.docmd("MAIL FROM:<Ada.Lovelace+x@Corp.Example> SIZE=60")[0] == 250
        assert client.docmd("RCPT TO:<it@corp.example>")[0] == 250
        assert client.docmd("DATA")[0] == 354
        client.send(b"Subject: after junk\r\n\r\nbody\r\n.\r\n")
        assert client.getreply()[0] == 250
    with database.sessions() as session:
        (row,) = session.query(InboundMessage).all()
    assert (row.mail_from, row.rcpt_to) == ("Ada.Lovelace+x@Corp.Example", ["it@corp.example"])

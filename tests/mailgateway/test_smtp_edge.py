"""The SMTP edge against a real aiosmtpd server and a real SQLite database: what clients and MTAs really do."""
import logging
import smtplib
import socket
import time

import pytest

from mailgateway.smtp import GatewayController, HelpdeskHandler, HelpdeskSMTP, RateLimiter
from mailgateway.store import InboundWriter
from storage import InboundMessage

DEPARTMENTS = {"it@corp.example", "hr@corp.example", "jörg@corp.example"}


@pytest.fixture
def gateway(sqlite_database, free_port):
    def start(max_sessions=10):
        writer = InboundWriter(sqlite_database)
        writer.start()
        handler = HelpdeskHandler(writer, lambda a: a.lower() in DEPARTMENTS, max_recipients=50,
                                  rate_limiter=RateLimiter(0))
        port = free_port()
        controller = GatewayController(handler, host="127.0.0.1", port=port, hostname="helpdesk.test",
                                       max_message_bytes=10_000, max_sessions=max_sessions)
        controller.start()
        started.append((controller, writer))
        return port

    started = []
    yield start
    for controller, writer in started:
        controller.stop()
        writer.stop()


def _stored(db):
    with db.sessions() as session:
        return [(row.mail_from, row.rcpt_to, row.raw) for row in session.query(InboundMessage).order_by(InboundMessage.id)]


def _talk(port, data: bytes, wait=1.0) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.settimeout(0.3)
        sock.sendall(data)
        answer, deadline = b"", time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                break
            answer += chunk
    return answer.decode("utf-8", "replace")


def test_a_refused_session_over_the_limit_is_a_clean_421(gateway, sqlite_database, caplog):
    port = gateway(max_sessions=1)
    deadline = time.monotonic() + 5
    while HelpdeskSMTP.active_sessions and time.monotonic() < deadline:
        time.sleep(0.05)  # the controller's own check that the server is up is still ending
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as first:
        first.ehlo("client.test")
        with pytest.raises(smtplib.SMTPConnectError) as refused:
            smtplib.SMTP("127.0.0.1", port, timeout=5)
        assert refused.value.smtp_code == 421
        time.sleep(0.3)  # the refused connection is closed on the server's loop
        assert first.noop()[0] == 250
    time.sleep(0.3)
    assert HelpdeskSMTP.active_sessions == 0
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as again:  # the slot is free again
        assert again.noop()[0] == 250


def test_pipelined_transactions_are_each_stored(gateway, sqlite_database):
    port = gateway()
    answer = _talk(port, b"EHLO client.test\r\nMAIL FROM:<a@corp.example>\r\nRCPT TO:<it@corp.example>\r\nDATA\r\n"
                         b"Subject: one\r\n\r\nbody\r\n.\r\nMAIL FROM:<b@corp.example>\r\nRCPT TO:<HR@corp.example>\r\n"
                         b"RCPT TO:<nobody@corp.example>\r\nDATA\r\nSubject: two\r\n\r\nbody\r\n.\r\nQUIT\r\n")
    assert answer.count("250 2.0.0 OK queued") == 2 and "550 5.1.1" in answer and answer.rstrip().endswith("Bye")
    assert [(f, r) for f, r, _ in _stored(sqlite_database)] == [("a@corp.example", ["it@corp.example"]),
                                                                ("b@corp.example", ["HR@corp.example"])]


def test_smtputf8_and_8bit_mail_is_stored_as_sent(gateway, sqlite_database):
    port = gateway()
    body = "From: Jürgen <jürgen@corp.example>\r\nSubject: Drucker im 2. Stock\r\n\r\nGrüße\r\n".encode()
    answer = _talk(port, b"EHLO client.test\r\nMAIL FROM:<j\xc3\xbcrgen@corp.example> SMTPUTF8 BODY=8BITMIME\r\n"
                         b"RCPT TO:<j\xc3\xb6rg@corp.example>\r\nDATA\r\n" + body + b".\r\nQUIT\r\n")
    assert "250 2.0.0 OK queued" in answer
    assert _stored(sqlite_database) == [("jürgen@corp.example", ["jörg@corp.example"], body)]


def test_a_client_that_disconnects_mid_data_leaves_nothing(gateway, sqlite_database):
    port = gateway()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"EHLO client.test\r\nMAIL FROM:<a@corp.example>\r\nRCPT TO:<it@corp.example>\r\nDATA\r\n"
                     b"Subject: half\r\n\r\nthe first half of the body\r\n")
        time.sleep(0.3)
    time.sleep(0.3)
    assert _stored(sqlite_database) == []
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:  # and the gateway goes on
        client.sendmail("a@corp.example", ["it@corp.example"], b"Subject: whole\r\n\r\nbody\r\n")
    assert len(_stored(sqlite_database)) == 1


@pytest.mark.parametrize("path", ["<it@corp.example@evil.example>", "<@corp.example:evil@evil.example>",
                                  "<evil%evil.example@corp.example>", '<"it@corp.example"@evil.example>',
                                  "<it@[127.0.0.1]>", "<it>"])
def test_no_relay_through_address_tricks(gateway, path):
    port = gateway()
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
        client.ehlo("client.test")
        client.mail("a@evil.example")
        assert client.docmd(f"RCPT TO:{path}")[0] in (550, 553)


def test_a_bare_lf_dot_does_not_end_the_data(gateway, sqlite_database):
    # SMTP smuggling: "\n.\n" must not end one message and start another with a forged sender.
    port = gateway()
    answer = _talk(port, b"EHLO client.test\r\nMAIL FROM:<a@corp.example>\r\nRCPT TO:<it@corp.example>\r\nDATA\r\n"
                         b"Subject: one\r\n\r\nbody\n.\nMAIL FROM:<ceo@corp.example>\nRCPT TO:<hr@corp.example>\nDATA\n"
                         b"From: ceo@corp.example\nSubject: smuggled\n\nx\r\n.\r\nQUIT\r\n")
    assert answer.count("250 2.0.0 OK queued") == 1
    ((mail_from, rcpt_to, raw),) = _stored(sqlite_database)
    assert (mail_from, rcpt_to) == ("a@corp.example", ["it@corp.example"]) and b"smuggled" in raw

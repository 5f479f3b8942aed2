"""Outgoing messages read back exactly as meant, by the stdlib's strict modern parser."""
import re
from email import policy
from email.parser import BytesParser

from mailgateway.compose import build_message, header_safe, mailbox

PARSE = BytesParser(policy=policy.default).parsebytes


def _headers(subject="[IT-000001] VPN", to=("Anna Schmidt", "anna@corp.example")):
    return [("From", mailbox("IT Service Desk", "it@corp.example")), ("To", mailbox(*to)),
            ("Subject", subject), ("Message-ID", "<a.b@corp.example>"), ("Auto-Submitted", "auto-replied")]


def test_non_ascii_headers_and_bodies_round_trip():
    subject = "[HR-000042] Überstunden im Oktober – 残業 " + "lang " * 30
    raw = build_message(_headers(subject, ("Zoë Ünal", "zoe@corp.example")), "Grüße,\nZoë\n" + "x" * 200 + "\n",
                        "<p>Grüße &amp; <b>danke</b></p>")
    mail = PARSE(raw)
    assert mail["Subject"] == " ".join(subject.split())
    assert mail["To"].addresses[0].display_name == "Zoë Ünal"
    assert mail["To"].addresses[0].addr_spec == "zoe@corp.example"
    assert mail.get_body(("plain",)).get_content().replace("\r\n", "\n") == "Grüße,\nZoë\n" + "x" * 200 + "\n"
    assert "<b>danke</b>" in mail.get_body(("html",)).get_content()
    assert mail["Auto-Submitted"] == "auto-replied"
    assert not mail.defects


def test_every_line_ends_in_crlf_and_stays_short():
    raw = build_message(_headers("x" * 300), ".leading dot\n" + "é" * 500 + "\n")
    assert not re.search(rb"(?<!\r)\n", raw)
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    assert PARSE(raw).get_content().replace("\r\n", "\n").startswith(".leading dot\n")


def test_header_injection_is_neutralised():
    raw = build_message(_headers("hi\r\nBcc: victim@evil.example", ("Eve\r\nBcc: x@evil.example", "e@corp.example")), "x")
    mail = PARSE(raw)
    assert mail["Bcc"] is None
    assert "Bcc: victim@evil.example" in mail["Subject"]  # kept as text on one line
    assert header_safe("a\r\n\tb\x00c") == "a b c"

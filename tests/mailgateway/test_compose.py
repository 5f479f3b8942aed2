"""Outgoing messages read back exactly as meant, by the stdlib's strict modern parser."""
import datetime as dt
import re
from email import policy
from email.parser import BytesParser
from email.utils import format_datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from mailgateway.compose import build_message, date_header, header_safe, mailbox

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


def test_long_header_lines_fold_at_spaces_and_long_tokens_are_encoded():
    references = " ".join(f"<id{n}.abcdefghij@mail.example>" for n in range(40))
    token = "y" * 1500
    raw = build_message(_headers(f"see {token} end") + [("References", references)], "body\n")
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert all(len(line) <= 998 for line in head.split(b"\r\n"))
    assert max(len(line) for line in head.split(b"\r\n") if not line.startswith(b"Subject")) <= 78
    mail = PARSE(raw)
    assert mail["Subject"] == f"see {token} end"
    assert str(mail["References"]).split() == references.split()


def test_ascii_body_with_a_very_long_line_is_quoted_printable():
    raw = build_message(_headers(), "a" * 2000 + "\nshort\n")
    mail = PARSE(raw)
    assert mail["Content-Transfer-Encoding"] == "quoted-printable"
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    assert mail.get_content().replace("\r\n", "\n") == "a" * 2000 + "\nshort\n"


def test_plain_ascii_reply_stays_readable_on_the_wire():
    raw = build_message(_headers(), "Hello Anna,\n\nyour ticket is IT-000001.\n")
    assert b"Content-Transfer-Encoding: 7bit" in raw
    assert raw.endswith(b"\r\n\r\nHello Anna,\r\n\r\nyour ticket is IT-000001.\r\n")
    multipart = PARSE(build_message(_headers(), "text\n", "<p>text</p>\n"))
    assert [part.get_content_type() for part in multipart.iter_parts()] == ["text/plain", "text/html"]
    assert multipart.get_content_type() == "multipart/alternative"


@settings(max_examples=400, deadline=None)
@given(name=st.sampled_from(["Subject", "To", "Message-ID", "X-Helpdesk-Ticket"]),
       value=st.one_of(st.from_regex(r"[!-~]{1,12}( [!-~]{1,12}){0,8}", fullmatch=True),
                       st.text(alphabet=st.characters(max_codepoint=0x2FF), max_size=120)))
def test_short_plain_headers_are_written_as_the_full_path_writes_them(name, value):
    """The shortcut for short printable ASCII values gives what sanitising and folding give: a leading
    space (which sanitising strips) sends the same value through the full path."""
    from mailgateway.compose import _header_line

    assert _header_line(name, value) == _header_line(name, " " + value)


def test_date_headers_are_written_in_each_times_own_zone_even_for_one_instant():
    utc = dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.timezone.utc)
    berlin = utc.astimezone(dt.timezone(dt.timedelta(hours=1)))  # equal to ``utc``, written otherwise
    for moment in (utc, utc, berlin, utc, berlin, berlin, utc + dt.timedelta(seconds=1)):
        assert date_header(moment) == format_datetime(moment)
    assert date_header(berlin) == "Mon, 23 Nov 2026 10:30:00 +0100"

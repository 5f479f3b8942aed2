"""Parsing realistic messages, built as the bytes a mail client sends."""
import datetime as dt

import pytest

from mailgateway.htmltext import html_to_text
from mailgateway.parse import ParseError, parse


def _mail(headers: str, body: bytes, content_type="text/plain; charset=utf-8") -> bytes:
    head = "From: Anna Schmidt <anna@corp.example>\r\nTo: it@corp.example\r\nSubject: Help\r\n" if not headers else headers
    return (head + f"MIME-Version: 1.0\r\nContent-Type: {content_type}\r\n\r\n").encode() + body


def test_encoded_words_in_subject_and_display_name_are_decoded():
    raw = _mail("From: =?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?= <Juergen.Mueller@Corp.Example>\r\n"
                "To: =?ISO-8859-1?Q?Fran=E7ois?= <it@corp.example>\r\n"
                "Subject: =?ISO-8859-1?Q?Drucker_im_B=FCro?= =?UTF-8?Q?_ist_kaputt_=E2=9C=97?=\r\n",
                b"Hallo\r\n")
    parsed = parse(raw)
    assert parsed.sender.name == "Jürgen Müller"
    assert parsed.sender.email == "juergen.mueller@corp.example"
    assert parsed.to[0].name == "François"
    assert parsed.subject == "Drucker im Büro ist kaputt ✗"
    assert parsed.defects == ()


def test_multipart_alternative_prefers_text_and_keeps_html():
    raw = _mail("", b"--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nLine one\r\nLine two\r\n"
                    b"--B\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Line <b>one</b></p><p>Line two</p>\r\n"
                    b"--B--\r\n",
                content_type='multipart/alternative; boundary="B"')
    parsed = parse(raw)
    assert parsed.text == "Line one\nLine two"
    assert parsed.html.strip() == "<p>Line <b>one</b></p><p>Line two</p>"
    assert parsed.attachments == ()


def test_html_only_gets_a_text_without_scripts_and_styles():
    raw = _mail("", b"<html><head><title>Mail</title><style>p { color: red }</style></head><body>"
                    b"<p>Hello &amp; good morning,</p><script>alert('x')</script><div>the printer &lt;P3&gt; jams.</div>"
                    b"<p>Escaped markup: &amp;lt;br&amp;gt;</p></body></html>\r\n",
                content_type="text/html; charset=utf-8")
    parsed = parse(raw)
    assert parsed.text == "Hello & good morning,\n\nthe printer <P3> jams.\n\nEscaped markup: &lt;br&gt;"
    assert "alert" not in parsed.text and "color" not in parsed.text and "Mail" not in parsed.text
    assert parsed.html.startswith("<html>")


def test_html_to_text_decodes_each_entity_once():
    assert html_to_text("<p>a &amp;amp; b</p><br>c&nbsp;d") == "a &amp; b\n\nc d"


def test_attachments_are_listed_and_kept_out_of_the_text():
    raw = _mail("", b"--M\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the attached files.\r\n"
                    b"--M\r\nContent-Type: application/pdf; name=\"r.pdf\"\r\n"
                    b"Content-Disposition: attachment; filename*=UTF-8''R%C3%A9sum%C3%A9.pdf\r\n"
                    b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n"
                    b"--M\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Disposition: attachment; filename=\"log.txt\"\r\n\r\n"
                    b"ERROR 42\r\n"
                    b"--M\r\nContent-Type: text/calendar; method=REQUEST; charset=utf-8\r\n\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
                    b"--M\r\nContent-Type: image/png\r\nContent-Disposition: inline\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                    b"iVBORw0KGgo=\r\n--M--\r\n",
                content_type='multipart/mixed; boundary="M"')
    parsed = parse(raw)
    assert parsed.text == "See the attached files."
    assert [(a.filename, a.content_type, a.size, a.disposition) for a in parsed.attachments] == [
        ("Résumé.pdf", "application/pdf", 9, "attachment"),
        ("log.txt", "text/plain", 8, "attachment"),
        (None, "text/calendar", 30, None),
        (None, "image/png", 8, "inline"),
    ]


def test_quoted_reply_attribution_and_signature_are_not_visible():
    body = (b"Still broken after the restart.\r\nCould you call me?\r\n\r\n"
            b"On Mon, 23 Nov 2026 at 10:00, IT Service Desk <it@corp.example> wrote:\r\n"
            b"> We have opened ticket IT-000001.\r\n> Regards\r\n")
    assert parse(_mail("", body)).visible_text == "Still broken after the restart.\nCould you call me?"
    interleaved = b"Answers inline:\r\n> Which laptop?\r\nThe ThinkPad.\r\n-- \r\nAnna Schmidt\r\nPhone 1234\r\n"
    parsed = parse(_mail("", interleaved))
    assert parsed.visible_text == "Answers inline:\nThe ThinkPad."
    assert "Phone 1234" in parsed.text


def test_the_senders_name_with_a_phone_under_it_ends_the_visible_text():
    body = b"The printer on floor 3 jams again.\r\n\r\nAnna Schmidt\r\nFinance\r\n+49 30 1234567\r\n"
    assert parse(_mail("", body)).visible_text == "The printer on floor 3 jams again."


def test_message_ids_are_extracted():
    raw = _mail("From: anna@corp.example\r\nSubject: Re: x\r\nMessage-ID: <new.1@mail.corp.example>\r\n"
                "In-Reply-To: <ack.7@corp.example>\r\n"
                "References: <orig.1@mail.corp.example>\r\n <ack.7@corp.example>\r\n", b"ok\r\n")
    parsed = parse(raw)
    assert parsed.message_id == "<new.1@mail.corp.example>"
    assert parsed.in_reply_to == "<ack.7@corp.example>"
    assert parsed.references == ("<orig.1@mail.corp.example>", "<ack.7@corp.example>")


def test_date_is_aware_and_a_broken_one_is_none():
    good = parse(_mail("From: anna@corp.example\r\nDate: Mon, 23 Nov 2026 10:00:00 +0100\r\n", b"x\r\n"))
    assert good.date == dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)
    for value in ("yesterday at noon", "Mon, 31 Feb 2026 10:00:00 +0000", "Mon, 23 Nov 2026 25:61:00 +0000",
                  "Mon, 31 Feb 2026 10:00:00.5 +0000", "November 2026", "Mon, 23 Nov", "10:00"):
        broken = parse(_mail(f"From: anna@corp.example\r\nDate: {value}\r\n", b"x\r\n"))
        assert broken.date is None
        assert "date: InvalidDateDefect" in broken.defects


def test_wrong_charset_label_falls_back_and_records_a_defect():
    raw = _mail("", "Grüße aus dem Büro\r\n".encode("latin-1"), content_type="text/plain; charset=x-no-such-charset")
    parsed = parse(raw)
    assert parsed.text == "Grüße aus dem Büro"
    assert parsed.defects == ("undecodable body in 'x-no-such-charset'",)
    mislabelled = parse(_mail("", "Grüße\r\n".encode("latin-1"), content_type="text/plain; charset=utf-8"))
    assert mislabelled.text == "Grüße"
    assert mislabelled.defects == ("undecodable body in 'utf-8'",)


@pytest.mark.parametrize("raw", [b"", b"  \r\n\r\n", b"just some words\r\n"])
def test_not_a_message_is_a_parse_error(raw):
    with pytest.raises(ParseError):
        parse(raw)


def test_an_outlook_msg_file_is_refused_with_a_reason_a_person_can_act_on():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "R\0o\0o\0t\0 \0E\0n\0t\0r\0y\0".encode("latin-1")
    with pytest.raises(ParseError, match=r"^no header fields: an Outlook \.msg file .* save it as \.eml"):
        parse(ole)

"""MIME structure as clients build it and break it: boundaries, attachments, TNEF, forwarded messages."""
import base64
import binascii
import struct

import pytest

from mailgateway.parse import Attachment, Mailbox, ParseError, parse

HEAD = b"From: Anna <anna@corp.example>\nTo: it@corp.example\nSubject: Files\nMIME-Version: 1.0\n"


def _multipart(content_type: bytes, body: bytes) -> bytes:
    return HEAD + b"Content-Type: " + content_type + b"\n\n" + body


def _summary(parsed):
    return [(a.filename, a.content_type, a.size, a.disposition) for a in parsed.attachments]


def test_a_wrong_boundary_is_taken_from_the_body():
    parsed = parse(_multipart(b'multipart/mixed; boundary="declared"',
                              b"--actual\nContent-Type: text/plain\n\nHello\n"
                              b"--actual\nContent-Type: application/pdf; name=r.pdf\nContent-Transfer-Encoding: base64\n\n"
                              b"JVBERi0=\n--actual--\n"))
    assert parsed.text == "Hello"
    assert _summary(parsed) == [("r.pdf", "application/pdf", 5, None)]
    assert "boundary 'declared' not found; used 'actual' from the body" in parsed.defects


def test_a_missing_boundary_parameter_is_taken_from_the_body():
    parsed = parse(_multipart(b"multipart/alternative",
                              b"This is a multi-part message.\n\n------=_Part_1\nContent-Type: text/plain\n\nPlain\n"
                              b"------=_Part_1\nContent-Type: text/html\n\n<p>HTML</p>\n------=_Part_1--\n"))
    assert parsed.text == "Plain"
    assert parsed.html == "<p>HTML</p>"


def test_a_multipart_without_any_boundary_line_is_read_as_text():
    parsed = parse(_multipart(b'multipart/mixed; boundary="gone"', b"Just text after all.\n"))
    assert parsed.text == "Just text after all."
    assert parsed.attachments == ()


def test_a_missing_closing_boundary_keeps_the_last_part():
    parsed = parse(_multipart(b"multipart/mixed; boundary=B",
                              b"--B\nContent-Type: text/plain\n\nHello\n--B\nContent-Type: text/csv; name=a.csv\n\n"
                              b"a,b\n1,2\n"))
    assert _summary(parsed) == [("a.csv", "text/csv", 8, None)]
    assert "closing boundary missing" in parsed.defects


def test_missing_content_type_is_plain_text_and_missing_blank_line_is_forgiven():
    parsed = parse(b"From: anna@corp.example\nSubject: Hi\nThe header ends here without an empty line.\nSecond line.\n")
    assert parsed.subject == "Hi"
    assert parsed.text == "The header ends here without an empty line.\nSecond line."
    assert "header ended without an empty line" in parsed.defects


def test_a_multipart_body_whose_content_type_was_dropped_is_still_split():
    # A list or gateway dropped the Content-Type field; the body is plainly multipart.
    parsed = parse(HEAD + b"\nThis message is in MIME format. Your mail reader may not show all of it.\n\n"
                   b"------=_NextPart_000_01\nContent-Type: text/plain; charset=utf-8\n\nDer Drucker streikt.\n"
                   b"------=_NextPart_000_01\nContent-Type: application/pdf; name=r.pdf\n"
                   b"Content-Transfer-Encoding: base64\n\nJVBERi0=\n------=_NextPart_000_01--\n")
    assert parsed.text == "Der Drucker streikt."
    assert _summary(parsed) == [("r.pdf", "application/pdf", 5, None)]
    assert any("no Content-Type; multipart" in defect for defect in parsed.defects)


@pytest.mark.parametrize("body", [
    # One boundary-like line only: a person's text.
    b"Hi,\n--Anna\nContent-Type: is what my script prints. Why?\n",
    # MIME text quoted further down the message (a returned original inside a report): not this body's structure.
    b"Your message could not be delivered.\n" + b"Details follow.\n" * 60
    + b"--B\nContent-Type: text/plain\n\nOriginal\n--B--\n",
])
def test_text_without_content_type_that_only_mentions_mime_stays_text(body):
    parsed = parse(HEAD + b"\n" + body)
    assert parsed.text == body.decode().strip("\n") and parsed.attachments == ()


def test_an_mbox_from_line_before_the_header_is_skipped():
    parsed = parse(b"From anna@corp.example Mon Nov 23 10:00:00 2026\nFrom: anna@corp.example\nSubject: Hi\n\nBody\n")
    assert (parsed.sender.email, parsed.subject, parsed.text) == ("anna@corp.example", "Hi", "Body")


@pytest.mark.parametrize("junk, skipped", [
    (b"+OK 1234 octets\r\n", 1),                       # a POP3 server's answer saved with the message
    (b"garbage line\nmore garbage\n", 2),
    (b"   an indented line\n", 1),
    (b"Dear Bob, note: see below\n", 1),
    (b"\r\n\r\n", 2),                                    # blank lines on top of a saved message
])
def test_a_few_lines_of_junk_before_the_header_are_skipped(junk, skipped):
    for newline in (b"\n", b"\r\n"):
        raw = junk + newline.join([b"From: Anna <anna@corp.example>", b"Subject: Printer", b"", b"It jams."]) + newline
        parsed = parse(raw)
        assert (parsed.sender, parsed.subject, parsed.text) == (Mailbox("anna@corp.example", "Anna"), "Printer", "It jams.")
        assert f"{skipped} line(s) before the header ignored" in parsed.defects


@pytest.mark.parametrize("raw", [
    b"just some text\nwithout any header\n",
    b"one\ntwo\nthree\nfour\nfive\nsix\nFrom: a@corp.example\n\nx\n",  # too far down to be the header
    b"a note\n\nFrom: a@corp.example\n\nx\n",                          # an empty line ends the (empty) header
])
def test_text_that_only_contains_a_header_further_down_is_no_message(raw):
    with pytest.raises(ParseError):
        parse(raw)


def test_base64_with_bad_padding_and_line_noise():
    parsed = parse(HEAD + b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
                          b"R3LDvMOfZSBhdXMgZGVtIELDvHJv\nIQ\n")  # "Grüße aus dem Büro!" with the "=" padding cut
    assert parsed.text == "Grüße aus dem Büro!"
    assert parsed.defects == ("base64 with bad padding",)


@pytest.mark.parametrize("headers, filename", [
    (b"Content-Disposition: attachment;\n filename*0*=UTF-8''Bewerbung%20J%C3%BCrgen%20M;\n filename*1*=%C3%BCller.pdf\n",
     "Bewerbung Jürgen Müller.pdf"),
    (b"Content-Disposition: attachment; filename*=iso-8859-1'de'R%E9sum%E9.pdf\n", "Résumé.pdf"),
    (b'Content-Disposition: attachment; filename="=?UTF-8?B?UsOpc3Vtw6kucGRm?="\n', "Résumé.pdf"),
    (b"Content-Disposition: attachment; filename=\"" + "Résumé.pdf".encode() + b"\"\n", "Résumé.pdf"),
    (b'Content-Disposition: attachment; filename="=?utf-8?Q?R=C3=A9sum=C3=A9?=\n =?utf-8?Q?.pdf?="\n', "Résumé.pdf"),
    (b"Content-Disposition: attachment\n", "Résumé.pdf"),  # the name parameter of Content-Type
])
def test_attachment_names(headers, filename):
    raw = _multipart(b"multipart/mixed; boundary=B",
                     b"--B\nContent-Type: text/plain\n\nSee attached.\n--B\n"
                     b"Content-Type: application/pdf; name=\"=?utf-8?B?UsOpc3Vtw6kucGRm?=\"\n" + headers +
                     b"Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--B--\n")
    assert _summary(parse(raw)) == [(filename, "application/pdf", 9, "attachment")]


@pytest.mark.parametrize("headers, filename", [
    (b'Content-Type: application/pdf\nContent-Disposition: attachment; name="Offer 2026.pdf"\n', "Offer 2026.pdf"),
    (b'Content-Type: application/octet-stream; file="SETUP.EXE"\nContent-Disposition: attachment\n', "SETUP.EXE"),
])
def test_attachment_names_where_some_mailers_put_them(headers, filename):
    raw = _multipart(b"multipart/mixed; boundary=B",
                     b"--B\nContent-Type: text/plain\n\nSee attached.\n--B\n" + headers +
                     b"Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--B--\n")
    assert [a.filename for a in parse(raw).attachments] == [filename]


def test_inline_images_of_an_html_mail_are_listed_as_inline():
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 92)
    raw = _multipart(b'multipart/related; boundary="R"; type="multipart/alternative"',
                     b"--R\nContent-Type: multipart/alternative; boundary=A\n\n"
                     b"--A\nContent-Type: text/plain\n\nSee the screenshot.\n"
                     b"--A\nContent-Type: text/html\n\n<p>See the screenshot.</p><img src=\"cid:img1\">\n--A--\n"
                     b"--R\nContent-Type: image/png; name=\"image001.png\"\nContent-ID: <img1>\n"
                     b"Content-Transfer-Encoding: base64\n\n" + png + b"\n"
                     b"--R\nContent-Type: image/jpeg\nContent-Transfer-Encoding: base64\n\n/9j/4AAQ\n--R--\n")
    parsed = parse(raw)
    assert parsed.text == "See the screenshot."
    assert _summary(parsed) == [("image001.png", "image/png", 100, "inline"), (None, "image/jpeg", 6, "inline")]


def test_apple_mail_text_around_an_inline_image_is_joined():
    raw = _multipart(b"multipart/mixed; boundary=M",
                     b"--M\nContent-Type: text/plain; charset=us-ascii\n\nBefore the picture.\n"
                     b"--M\nContent-Type: image/png; name=shot.png\nContent-Disposition: inline; filename=shot.png\n"
                     b"Content-Transfer-Encoding: base64\n\niVBORw0KGgo=\n"
                     b"--M\nContent-Type: text/plain; charset=us-ascii\n\nAfter the picture.\n--M--\n")
    parsed = parse(raw)
    assert parsed.text == "Before the picture.\nAfter the picture."
    assert _summary(parsed) == [("shot.png", "image/png", 8, "inline")]


@pytest.mark.parametrize("disposition", [b"inline; filename=note.txt", None])
def test_a_named_text_part_that_is_the_only_text_is_read_and_stays_an_attachment(disposition):
    field = b"Content-Disposition: " + disposition + b"\n" if disposition else b""
    raw = HEAD + b"Content-Type: text/plain; charset=iso-8859-1; name=note.txt\n" + field + b"\nCaf\xe9 is closed.\n"
    parsed = parse(raw)
    assert parsed.text == "Café is closed."
    assert [a.filename for a in parsed.attachments] == ["note.txt"]


def test_a_named_text_part_next_to_the_body_is_only_an_attachment():
    raw = _multipart(b"multipart/mixed; boundary=M",
                     b"--M\nContent-Type: text/plain\n\nThe log is attached.\n"
                     b"--M\nContent-Type: text/plain; name=app.log\nContent-Disposition: inline; filename=app.log\n\n"
                     b"ERROR disk full\n"
                     b"--M\nContent-Type: text/plain\nContent-Disposition: attachment; filename=old.txt\n\nold\n--M--\n")
    parsed = parse(raw)
    assert parsed.text == "The log is attached."
    assert [a.filename for a in parsed.attachments] == ["app.log", "old.txt"]


@pytest.mark.parametrize("disposition", [b"attachment", b"x-unknown"])
def test_a_named_text_part_marked_otherwise_than_inline_is_not_read(disposition):
    parsed = parse(HEAD + b"Content-Type: text/plain\nContent-Disposition: " + disposition + b"; filename=a.txt\n\nhello\n")
    assert (parsed.text, [a.filename for a in parsed.attachments]) == ("", ["a.txt"])


def test_a_file_uuencoded_into_the_text_is_an_attachment_and_leaves_the_text():
    data = bytes(range(256)) * 2
    block = b"".join(binascii.b2a_uu(data[i:i + 45]) for i in range(0, len(data), 45))
    parsed = parse(HEAD + b"\nThe log is below.\n\nbegin 644 app log.zip\n" + block + b"`\nend\n\nAnna\n")
    assert _summary(parsed) == [("app log.zip", "application/zip", 512, "attachment")]
    assert "begin" not in parsed.text and parsed.text.startswith("The log is below.") and parsed.text.endswith("Anna")


def test_words_like_begin_and_end_in_a_text_are_no_uuencoded_file():
    text = b"We begin 644 tests tomorrow.\nbegin 644 steps, then\nend\n"
    parsed = parse(HEAD + b"\n" + text)
    assert (parsed.text, parsed.attachments) == (text.decode().strip(), ())


def test_a_forwarded_message_is_one_attachment_and_not_part_of_the_text():
    inner = (b"From: Bob <bob@partner.example>\nSubject: Quote\nContent-Type: multipart/mixed; boundary=I\n\n"
             b"--I\nContent-Type: text/plain\n\nInner text.\n--I\nContent-Type: application/pdf; name=q.pdf\n\n%PDF\n--I--\n")
    raw = _multipart(b"multipart/mixed; boundary=O",
                     b"--O\nContent-Type: text/plain\n\nSee the forwarded mail.\n"
                     b"--O\nContent-Type: message/rfc822\nContent-Disposition: attachment; filename=\"Quote.eml\"\n\n"
                     + inner + b"\n--O--\n")
    parsed = parse(raw)
    assert parsed.text == "See the forwarded mail."
    assert _summary(parsed) == [("Quote.eml", "message/rfc822", len(inner), "attachment")]


def test_a_digest_has_messages_as_its_default_part_type():
    raw = _multipart(b"multipart/digest; boundary=D",
                     b"--D\n\nFrom: a@x.example\nSubject: one\n\nOne\n--D\n\nFrom: b@x.example\nSubject: two\n\nTwo\n--D--\n")
    assert [a.content_type for a in parse(raw).attachments] == ["message/rfc822", "message/rfc822"]


def test_an_empty_plain_alternative_falls_back_to_the_html():
    raw = _multipart(b"multipart/alternative; boundary=A",
                     b"--A\nContent-Type: text/plain\n\n\n--A\nContent-Type: text/html\n\n<p>Only here</p>\n--A--\n")
    assert parse(raw).text == "Only here"


def test_format_flowed_lines_are_joined():
    raw = HEAD + (b"Content-Type: text/plain; charset=utf-8; format=flowed; delsp=no\n\n"
                  b"This is a long line that the client \nwrapped at the 72nd column.\n\n"
                  b"> A quoted line that was \n> wrapped too.\n"
                  b" From the space-stuffed line.\n-- \nAnna\n")
    assert parse(raw).text == ("This is a long line that the client wrapped at the 72nd column.\n\n"
                               "> A quoted line that was wrapped too.\nFrom the space-stuffed line.\n-- \nAnna")
    delsp = HEAD + b"Content-Type: text/plain; format=flowed; delsp=yes\n\nUnter \nbrochen\n"
    assert parse(delsp).text == "Unterbrochen"


def test_a_multipart_sent_in_base64_is_still_split():
    inner = b"--B\nContent-Type: text/plain\n\nHidden text\n--B\nContent-Type: text/csv; name=x.csv\n\na,b\n--B--\n"
    raw = HEAD + b"Content-Type: multipart/mixed; boundary=B\nContent-Transfer-Encoding: base64\n\n" + base64.b64encode(inner)
    parsed = parse(raw)
    assert parsed.text == "Hidden text"
    assert _summary(parsed) == [("x.csv", "text/csv", 3, None)]


def _tnef_attribute(level: int, attribute: int, data: bytes) -> bytes:
    return struct.pack("<BII", level, attribute, len(data)) + data + struct.pack("<H", sum(data) & 0xFFFF)


def _mapi_string(prop_type: int, prop_id: int, value: bytes) -> bytes:
    padded = value + b"\x00" * (-len(value) % 4)
    return struct.pack("<HHII", prop_type, prop_id, 1, len(value)) + padded


def _tnef(files) -> bytes:
    """A TNEF stream as Outlook writes it ([MS-OXTNEF] 2.1.3): per file a rendering record, its 8.3 title,
    its data and its MAPI properties with the long file name and MIME type."""
    stream = struct.pack("<IH", 0x223E9F78, 0x0101)
    stream += _tnef_attribute(1, 0x00069007, struct.pack("<II", 1252, 0))  # attOemCodepage
    for long_name, short_name, mime, data in files:
        stream += _tnef_attribute(2, 0x00069002, b"\x01\x00\xff\xff\xff\xff" + b"\x00" * 8)  # attAttachRenddata
        stream += _tnef_attribute(2, 0x00018010, short_name + b"\x00")                    # attAttachTitle
        stream += _tnef_attribute(2, 0x0006800F, data)                                     # attAttachData
        props = _mapi_string(0x001F, 0x3707, (long_name + "\x00").encode("utf-16-le"))     # PR_ATTACH_LONG_FILENAME
        props += _mapi_string(0x001E, 0x370E, mime + b"\x00")                              # PR_ATTACH_MIME_TAG
        props += struct.pack("<HHI", 0x0003, 0x3705, 1)                                    # PR_ATTACH_METHOD
        stream += _tnef_attribute(2, 0x00069005, struct.pack("<I", 3) + props)             # attAttachment
    return stream


def test_winmail_dat_is_listed_as_the_files_inside_it():
    tnef = _tnef([("Quarterly report 2026.xlsx", b"QUARTE~1.XLS",
                   b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK" + b"x" * 98),
                  ("Grüße.txt", b"GRE~1.TXT", b"text/plain", b"hello")])
    raw = _multipart(b"multipart/mixed; boundary=W",
                     b"--W\nContent-Type: text/plain\n\nSee the report.\n"
                     b"--W\nContent-Type: application/ms-tnef; name=\"winmail.dat\"\n"
                     b"Content-Disposition: attachment; filename=\"winmail.dat\"\nContent-Transfer-Encoding: base64\n\n"
                     + base64.encodebytes(tnef) + b"--W--\n")
    assert parse(raw).attachments == (
        Attachment("Quarterly report 2026.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   100, "attachment"),
        Attachment("Grüße.txt", "text/plain", 5, "attachment"),
    )


def test_a_winmail_dat_that_is_not_tnef_stays_listed_as_it_is():
    raw = _multipart(b"multipart/mixed; boundary=W",
                     b"--W\nContent-Type: text/plain\n\nx\n--W\nContent-Type: application/ms-tnef; name=winmail.dat\n\n"
                     b"garbage\n--W--\n")
    parsed = parse(raw)
    assert _summary(parsed) == [("winmail.dat", "application/ms-tnef", 7, None)]
    assert "winmail.dat is not TNEF" in parsed.defects


def test_a_cut_tnef_stream_gives_the_files_read_so_far():
    tnef = _tnef([("a.txt", b"A.TXT", b"text/plain", b"aaa"), ("b.txt", b"B.TXT", b"text/plain", b"bbbb")])
    raw = _multipart(b"multipart/mixed; boundary=W",
                     b"--W\nContent-Type: application/vnd.ms-tnef\nContent-Transfer-Encoding: base64\n\n"
                     + base64.encodebytes(tnef[:-60]) + b"--W--\n")
    assert [a.filename for a in parse(raw).attachments][:1] == ["a.txt"]


def test_lines_ended_by_a_lone_cr_are_lines():
    raw = (b"From: Jo Meyer <jo@corp.example>\rTo: it@corp.example\rSubject: Scanner offline\r"
           b"References: <a1@corp.example>\r <b2@corp.example>\rContent-Type: multipart/mixed; boundary=B\r\r"
           b"--B\rContent-Type: text/plain; charset=utf-8\r\rThe scanner\ris offline.\r"
           b"--B\rContent-Type: text/csv; name=log.csv\r\ra,b\r--B--\r")
    parsed = parse(raw)
    assert parsed.sender == Mailbox("jo@corp.example", "Jo Meyer")
    assert parsed.subject == "Scanner offline"
    assert parsed.references == ("<a1@corp.example>", "<b2@corp.example>")
    assert parsed.text == "The scanner\nis offline."
    assert _summary(parsed) == [("log.csv", "text/csv", 3, None)]
    assert "lines ended by a lone CR" in parsed.defects


def test_lone_cr_mixed_with_lf_and_crlf():
    parsed = parse(b"Reply-To: Jo <jo@corp.example>\rSubject: Hi\nContent-Type: text/plain\r\n\r1234\r\nsecond\n")
    assert parsed.reply_to == (Mailbox("jo@corp.example", "Jo"),)
    assert parsed.subject == "Hi"
    assert parsed.text == "1234\nsecond"


def test_a_stray_cr_inside_a_value_is_no_line_end():
    parsed = parse(b"Subject: half\rway\r\nFrom: jo@corp.example\r\n\r\nBody\rwith a stray CR\r\n")
    assert parsed.sender.email == "jo@corp.example"
    assert parsed.subject == "half way"
    assert "lines ended by a lone CR" not in parsed.defects


def test_alternatives_give_the_text_once_not_once_per_alternative():
    # A mailer that sends the plain text twice (once per charset), and a second alternative without headers.
    raw = _multipart(b'multipart/alternative; boundary="alt-7"',
                     b"--alt-7\nContent-Type: text/plain; charset=us-ascii\n\nThe printer is jammed again.\n"
                     b"--alt-7\nContent-Type: text/plain; charset=utf-8\n\nThe printer is jammed again.\n"
                     b"--alt-7\n\nThe printer is jammed again (headless copy).\n--alt-7--\n")
    assert parse(raw).text == "The printer is jammed again."


def test_an_alternative_holding_html_and_files_keeps_the_first_plain_text_and_its_html():
    # Apple Mail: the plain text, then a mixed alternative with the HTML pieces around an image.
    raw = _multipart(b"multipart/alternative; boundary=Apple-Mail-A",
                     b"--Apple-Mail-A\nContent-Type: text/plain; charset=us-ascii\n\nSee the photo.\n\n"
                     b"--Apple-Mail-A\nContent-Type: multipart/mixed; boundary=Apple-Mail-B\n\n"
                     b"--Apple-Mail-B\nContent-Type: text/html\n\n<p>See the photo.</p>\n"
                     b"--Apple-Mail-B\nContent-Type: image/png; name=a.png\nContent-Disposition: inline; filename=a.png\n"
                     b"Content-Transfer-Encoding: base64\n\niVBORw0KGgo=\n"
                     b"--Apple-Mail-B\nContent-Type: text/plain\n\nSee the photo.\n"
                     b"--Apple-Mail-B\nContent-Type: text/html\n\n<p>Regards</p>\n--Apple-Mail-B--\n--Apple-Mail-A--\n")
    parsed = parse(raw)
    assert parsed.text == "See the photo."
    assert parsed.html == "<p>See the photo.</p>\n<p>Regards</p>"
    assert _summary(parsed) == [("a.png", "image/png", 8, "inline")]


def test_a_multipart_holding_only_its_closing_line_has_no_text_and_no_attachments():
    raw = _multipart(b'multipart/mixed; boundary="----=_Part_0_1"', b"------=_Part_0_1--\n")
    parsed = parse(raw)
    assert (parsed.text, parsed.attachments) == ("", ())
    assert "multipart without parts" in parsed.defects


def test_an_html_part_that_is_no_alternative_of_the_plain_text_is_part_of_the_text():
    # An HTML-only mail that a mailing list passed on with its plain-text footer as a second part.
    raw = _multipart(b'multipart/mixed; boundary="===============0421=="',
                     b'--===============0421==\nContent-Type: text/html; charset="utf-8"\n\n'
                     b"<p>The VPN gateway is down since <b>09:40</b>.</p>\n"
                     b'--===============0421==\nContent-Type: text/plain; charset="us-ascii"\n\n'
                     b"_______________________________________________\nit-announce mailing list\n"
                     b"--===============0421==--\n")
    parsed = parse(raw)
    assert parsed.text == ("The VPN gateway is down since 09:40.\n"
                           "_______________________________________________\nit-announce mailing list")
    assert parsed.html == "<p>The VPN gateway is down since <b>09:40</b>.</p>"


def test_the_html_alternative_of_a_plain_text_is_not_read_twice_next_to_a_plain_footer():
    raw = _multipart(b"multipart/mixed; boundary=M",
                     b"--M\nContent-Type: multipart/alternative; boundary=A\n\n"
                     b"--A\nContent-Type: text/plain\n\nThe VPN is down.\n"
                     b"--A\nContent-Type: text/html\n\n<p>The VPN is down.</p>\n--A--\n"
                     b"--M\nContent-Type: text/plain\n\n-- \nit-announce\n--M--\n")
    assert parse(raw).text == "The VPN is down.\n-- \nit-announce"


def test_an_html_part_saying_what_the_plain_text_says_is_not_read_twice():
    # The alternative's boundary is the mixed one's too, so its plain and HTML parts end up side by side.
    raw = _multipart(b'multipart/mixed; boundary="----=Part_01"',
                     b'------=Part_01\nContent-Type: multipart/alternative; boundary="----=Part_01"\n\n'
                     b"------=Part_01\nContent-Type: text/plain\n\nSee the scan.\n--Sent from my iPhone\n"
                     b"------=Part_01\nContent-Type: text/html\n\n<div>See the scan.</div><div>--Sent from my iPhone</div>\n"
                     b"------=Part_01--\n")
    assert parse(raw).text == "See the scan.\n--Sent from my iPhone"


def test_the_history_quoted_in_an_html_part_next_to_a_plain_footer_is_not_what_the_writer_wrote():
    raw = _multipart(b"multipart/mixed; boundary=M",
                     b"--M\nContent-Type: text/html\n\n<div>Restarted it, works again.</div>"
                     b'<blockquote type="cite"><div>The VPN gateway is down.</div></blockquote>\n'
                     b"--M\nContent-Type: text/plain\n\n-- \nit-announce mailing list\n--M--\n")
    parsed = parse(raw)
    assert parsed.text == "Restarted it, works again.\n\nThe VPN gateway is down.\n-- \nit-announce mailing list"
    assert "The VPN gateway is down." not in parsed.visible_text
    assert parsed.visible_text.startswith("Restarted it, works again.")

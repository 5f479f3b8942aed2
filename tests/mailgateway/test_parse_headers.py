"""Header fields as real clients write them: encoded words, odd address lists, ids and dates."""
import datetime as dt

import pytest

from mailgateway.parse import Mailbox, parse


def _mail(headers: bytes, body: bytes = b"Hello\n") -> bytes:
    return headers + b"Content-Type: text/plain; charset=utf-8\n\n" + body


@pytest.mark.parametrize("raw_subject, expected", [
    (b"=?UTF-8?B?RHJ1Y2tlciBpbSBCw7xybw==?=", "Drucker im Büro"),
    (b"=?iso-8859-1?q?Drucker_im_B=FCro?=", "Drucker im Büro"),
    # adjacent words: the whitespace between them is not text (RFC 2047 6.2)
    (b"=?utf-8?q?Drucker_im?= =?utf-8?q?_B=C3=BCro?=", "Drucker im Büro"),
    (b"=?utf-8?q?Drucker_im?=\n =?utf-8?q?_B=C3=BCro?=", "Drucker im Büro"),
    # one character split across two words (as Outlook and Thunderbird fold long subjects)
    (b"=?utf-8?B?5omT5Y2w5py65Z2P?= =?utf-8?B?5LqG?=", "打印机坏了"),
    (b"=?UTF-8?B?5omT5Y2w?= =?UTF-8?B?5py6?=", "打印机"),
    (b"=?utf-8?q?=E6=89=93=E5?= =?utf-8?q?=8D=B0?=", "打印"),
    # words glued to text, lower-case encoding letter, a space inside a Q word, an unterminated last word
    (b"Re:=?utf-8?q?_Caf=C3=A9?=-Maschine", "Re: Café-Maschine"),
    (b"=?UTF-8?Q?Caf=C3=A9 kaputt?=", "Café kaputt"),
    (b"Drucker =?utf-8?B?aW0gQsO8cm8=", "Drucker im Büro"),
    # base64 without its padding, charset with a language tag (RFC 2231)
    (b"=?utf-8?B?QsO8cm8?=", "Büro"),
    (b"=?utf-8*de?q?B=C3=BCro?=", "Büro"),
    # aliases mail clients use
    (b"=?ks_c_5601-1987?B?vsiz58fPvLy/5A==?=", "안녕하세요"),
    (b"=?gb2312?B?tPLTobv6?=", "打印机"),
    (b"=?windows-1251?B?z/Do7fLl8A==?=", "Принтер"),
    (b"=?iso-8859-8-i?B?+ezl7Q==?=", "שלום"),
    # a word in an unknown charset is decoded as what it looks like; a broken word stays as written
    (b"=?x-unknown?q?B=C3=BCro?=", "Büro"),
    (b"=?utf-8?B?###?= Drucker", "=?utf-8?B?###?= Drucker"),
    # a Q escape cut by a fold inside the word, or at the end of a word and finished in the next one
    (b"Men=?utf-8?Q?=C3=BC_f=C3=\n BCr_heute?=", "Menü für heute"),
    (b"=?utf-8?Q?Men=C3=BC_f=C3=B?=\n =?utf-8?Q?Cr_heute?=", "Menü für heute"),
    (b"=?utf-8?Q?Men=C3=BC_f=C3=?=\n =?utf-8?Q?BCr_heute?=", "Menü für heute"),
    # base64 cut inside a group of four characters, finished in the next word
    (b"=?utf-8?B?RHJ1Y2tlciBpbSBC?=\n =?utf-8?B?w7?= =?utf-8?B?xybw==?=", "Drucker im Büro"),
    (b"=?utf-8?B?RHJ1Y2tlciBpbSBCw7xyb?= =?utf-8?B?w?=", "Drucker im Büro"),
    # a space before or after the encoding letter, as some gateways write it
    (b"=?UTF-8? Q?Drucker_im_B=C3=BCro?=", "Drucker im Büro"),
    (b"=?UTF-8?B ?RHJ1Y2tlciBpbSBCw7xybw==?=", "Drucker im Büro"),
    # a subject encoded twice: a gateway encoded the encoded words again
    (b"=?UTF-8?Q?=3D=3Futf-8=3FQ=3FDrucker=5Fim=5FB=3DC3=3DBCro=3F=3D?=", "Drucker im Büro"),
    (b"=?us-ascii?B?PT9VVEYtOD9CP1JISjFZMnRsY2lCcGJTQkN3N3h5Ync9PT89?=", "Drucker im Büro"),
])
def test_subject_encoded_words(raw_subject, expected):
    assert parse(_mail(b"From: a@corp.example\nSubject: " + raw_subject + b"\n")).subject == expected


@pytest.mark.parametrize("raw_subject, hint, expected", [
    ("Drucker im Büro".encode("utf-8"), None, "Drucker im Büro"),       # raw UTF-8 (SMTPUTF8 or careless clients)
    ("Drucker im Büro".encode("latin-1"), None, "Drucker im Büro"),
    ("Принтер на третьем этаже".encode("cp1251"), "windows-1251", "Принтер на третьем этаже"),
    ("Принтер на третьем этаже".encode("koi8-r"), "koi8-r", "Принтер на третьем этаже"),
])
def test_unlabelled_eight_bit_subjects(raw_subject, hint, expected):
    content_type = f"text/plain; charset={hint}".encode() if hint else b"text/plain"
    raw = b"From: a@corp.example\nSubject: " + raw_subject + b"\nContent-Type: " + content_type + b"\n\nx\n"
    assert parse(raw).subject == expected


@pytest.mark.parametrize("raw_from, expected", [
    (b"Anna Schmidt <Anna.Schmidt@Corp.Example>", Mailbox("anna.schmidt@corp.example", "Anna Schmidt")),
    (b'"Schmidt, Anna" <anna@corp.example>', Mailbox("anna@corp.example", "Schmidt, Anna")),
    (b"=?utf-8?q?M=C3=BCller=2C_J=C3=BCrgen?= <jm@corp.example>", Mailbox("jm@corp.example", "Müller, Jürgen")),
    (b"=?utf-8?q?M=C3=BCller,_J=C3=BCrgen?= <jm@corp.example>", Mailbox("jm@corp.example", "Müller, Jürgen")),
    (b'"=?utf-8?B?SsO8cmdlbiBNw7xsbGVy?=" <jm@corp.example>', Mailbox("jm@corp.example", "Jürgen Müller")),
    (b"=?utf-8?B?SsO8cmdlbiBNw7xsbGVyIDxqbUBjb3JwLmV4YW1wbGU+?=", Mailbox("jm@corp.example", "Jürgen Müller")),
    ("Jürgen Müller <jm@corp.example>".encode(), Mailbox("jm@corp.example", "Jürgen Müller")),
    (b"anna@corp.example (Anna Schmidt)", Mailbox("anna@corp.example", "Anna Schmidt")),
    (b"'Anna Schmidt' <anna@corp.example>", Mailbox("anna@corp.example", "Anna Schmidt")),
    (b"<mailto:anna@corp.example>", Mailbox("anna@corp.example", "")),
    (b"<@relay.corp.example:anna@corp.example>", Mailbox("anna@corp.example", "")),
    (b"anna@corp.example", Mailbox("anna@corp.example", "")),
    (b'<"System Administrator"@corp.example>', Mailbox('"system administrator"@corp.example', "")),
    (b'"Mail Admin"@corp.example (Postmaster)', Mailbox('"mail admin"@corp.example', "Postmaster")),
    (b'Anna <"anna.schmidt"@corp.example>', Mailbox("anna.schmidt@corp.example", "Anna")),
    (b'<"a\\"b"@corp.example>', Mailbox('"a\\"b"@corp.example', "")),
    (b"alice@partner.example <bob@partner.example>", Mailbox("bob@partner.example", "alice@partner.example")),
    (b"anna @ corp.example", Mailbox("anna@corp.example", "")),  # white space around "@" (RFC 5322 4.4)
    (b"Anna Schmidt anna@ corp.example", Mailbox("anna@corp.example", "Anna Schmidt")),
    (b"Anna Schmidt", Mailbox("", "")),
    (b"", Mailbox("", "")),
])
def test_from_address(raw_from, expected):
    assert parse(_mail(b"From: " + raw_from + b"\nSubject: x\n")).sender == expected


def test_address_lists_with_groups_quotes_and_junk():
    raw = _mail(b"From: anna@corp.example\n"
                b'To: "Weber, Klaus" <klaus@corp.example>, Team: a@corp.example, b@corp.example;,\n'
                b" undisclosed-recipients:;, =?utf-8?q?Lu=C3=ADs?= <luis@corp.example>\n"
                b"Cc: <>, just-a-name, carla@corp.example\nReply-To: Help Desk <help@corp.example>\n")
    parsed = parse(raw)
    assert parsed.to == (Mailbox("klaus@corp.example", "Weber, Klaus"), Mailbox("a@corp.example"),
                         Mailbox("b@corp.example"), Mailbox("luis@corp.example", "Luís"))
    assert parsed.cc == (Mailbox("carla@corp.example"),)
    assert parsed.reply_address == Mailbox("help@corp.example", "Help Desk")


@pytest.mark.parametrize("raw_to, expected", [
    # a parenthesis never closed is no comment that swallows the rest of the list
    (b"Klaus (Sales <klaus@corp.example>, carla@corp.example",
     (Mailbox("klaus@corp.example", "Klaus Sales"), Mailbox("carla@corp.example"))),
    (b"anna@corp.example (Anna, carla@corp.example",
     (Mailbox("anna@corp.example", "Anna"), Mailbox("carla@corp.example"))),
    (b"((((, anna@corp.example, Carla Rossi <carla@corp.example> ((((",
     (Mailbox("anna@corp.example"), Mailbox("carla@corp.example", "Carla Rossi"))),
    (b"Anna) <anna@corp.example>", (Mailbox("anna@corp.example", "Anna"),)),
    # nor is an angle bracket never closed
    (b"Anna <anna@corp.example, carla@corp.example",
     (Mailbox("anna@corp.example", "Anna"), Mailbox("carla@corp.example"))),
    # closed ones work as before
    (b"anna@corp.example (Anna Schmidt), <carla@corp.example> (Carla)",
     (Mailbox("anna@corp.example", "Anna Schmidt"), Mailbox("carla@corp.example", "Carla"))),
])
def test_unclosed_parentheses_and_angle_brackets_keep_the_addresses_after_them(raw_to, expected):
    assert parse(_mail(b"From: a@corp.example\nTo: " + raw_to + b"\n")).to == expected


@pytest.mark.parametrize("raw_to, expected", [
    (b"Anna < anna (sales) @ corp.example (desk) >", Mailbox("anna@corp.example", "Anna")),   # comments in <...>
    (b"Lab <ops@[IPv6:2001:db8::1]>", Mailbox("ops@[ipv6:2001:db8::1]", "Lab")),            # a domain literal
    (b"Lab <@relay.example,@hub.example:ops@corp.example>", Mailbox("ops@corp.example", "Lab")),  # a source route
    ('"José"@corp.example'.encode(), Mailbox('"josé"@corp.example')),                  # UTF-8 in a quoted local part
])
def test_what_an_address_may_carry_besides_itself(raw_to, expected):
    assert parse(_mail(b"From: a@corp.example\nTo: " + raw_to + b"\n")).to == (expected,)


@pytest.mark.parametrize("raw_to, expected", [
    (b"Anna <anna (sales (2nd floor)) @ corp.example>", (Mailbox("anna@corp.example", "Anna"),)),  # nested comments
    (b"(sent by (the) portal) Anna <anna@corp.example>", (Mailbox("anna@corp.example", "Anna"),)),
    (b"<anna@corp.example.>", (Mailbox("anna@corp.example"),)),                      # the root's dot of the domain
    # a name with a comma the client did not quote: one mailbox, not a name alone and then an address
    (b"Weber, Klaus <klaus@corp.example>, carla@corp.example",
     (Mailbox("klaus@corp.example", "Weber, Klaus"), Mailbox("carla@corp.example"))),
    (b"Klaus Weber, Jr. <klaus@corp.example>", (Mailbox("klaus@corp.example", "Klaus Weber, Jr."),)),
    (b"just-a-name, carla@corp.example", (Mailbox("carla@corp.example"),)),  # a bare address takes no name
    (b"<Anna Schmidt <anna@corp.example>", (Mailbox("anna@corp.example"),)),  # a bracket opened before the name
    # an encoded word in quotes (some clients) next to one outside them: the space between them is the name's
    (b'"=?utf-8?q?Jos=C3=A9?=" =?utf-8?q?Garc=C3=ADa?= <jose@corp.example>', (Mailbox("jose@corp.example", "José García"),)),
])
def test_names_and_addresses_that_need_mending(raw_to, expected):
    assert parse(_mail(b"From: a@corp.example\nTo: " + raw_to + b"\n")).to == expected


def test_a_recipient_list_cut_at_the_length_limit_ends_with_a_whole_address():
    parsed = parse(_mail(b"From: a@corp.example\nTo: " + b"user@corp.example, " * 10_000 + b"\n"))
    assert parsed.to == (Mailbox("user@corp.example"),)
    many = ", ".join(f'"User {i}" <user{i}@corp.example>' for i in range(5_000)).encode()
    recipients = parse(_mail(b"From: a@corp.example\nTo: " + many + b"\n")).to
    assert recipients[-1] == Mailbox(f"user{len(recipients) - 1}@corp.example", f"User {len(recipients) - 1}")
    assert [m.email for m in recipients] == [f"user{i}@corp.example" for i in range(len(recipients))]


@pytest.mark.parametrize("headers, message_id, in_reply_to, references", [
    (b"Message-ID: <a.1@corp.example>\nIn-Reply-To: <b.2@corp.example> (Anna's message)\n"
     b"References: <c.3@corp.example>\n\t<b.2@corp.example>\n",
     "<a.1@corp.example>", "<b.2@corp.example>", ("<c.3@corp.example>", "<b.2@corp.example>")),
    # Without brackets (some ticket systems), and References run together
    (b"Message-ID: a.1@corp.example\nReferences: <c.3@corp.example><b.2@corp.example>\n",
     "<a.1@corp.example>", None, ("<c.3@corp.example>", "<b.2@corp.example>")),
    (b"Message-ID: \n", None, None, ()),
])
def test_message_ids_keep_their_angle_brackets(headers, message_id, in_reply_to, references):
    parsed = parse(_mail(b"From: a@corp.example\n" + headers))
    assert (parsed.message_id, parsed.in_reply_to, parsed.references) == (message_id, in_reply_to, references)


@pytest.mark.parametrize("value, expected", [
    (b"Mon, 23 Nov 2026 10:00:00 +0100", "2026-11-23T10:00:00+01:00"),
    (b"Mon, 23 Nov 2026 10:00:00 +0100 (CET)", "2026-11-23T10:00:00+01:00"),
    (b"23 Nov 2026 10:00 GMT", "2026-11-23T10:00:00+00:00"),
    (b"Mon, 23 Nov 26 10:00:00 -0500", "2026-11-23T10:00:00-05:00"),
    (b"Mon, 23 Nov 2026 10:00:00", "2026-11-23T10:00:00+00:00"),  # no zone: taken as UTC
    (b"2026-11-23T10:00:00+01:00", "2026-11-23T10:00:00+01:00"),   # ISO 8601 from some systems
    # seconds with a fraction (some Java and .NET mailers), with or without a zone
    (b"Mon, 23 Nov 2026 10:00:00.123 +0100", "2026-11-23T10:00:00.123000+01:00"),
    (b"Fri, 29 Jan 2021 07:24:22.501 +0530", "2021-01-29T07:24:22.501000+05:30"),
    (b"23 Nov 2026 10:00:00.5933", "2026-11-23T10:00:00.593300+00:00"),
    # a day without a time: its midnight, UTC
    (b"23 Nov 2026", "2026-11-23T00:00:00+00:00"),
    (b"Mon, 23 Nov 2026", "2026-11-23T00:00:00+00:00"),
    # comments between the tokens (RFC 5322 allows them anywhere), and a leap second
    (b"Mon (day), 23 Nov (month) 2026 10 (h): 00 (m): 00 +0100", "2026-11-23T10:00:00+01:00"),
    (b"(sent (from the office)) Mon, 23 Nov 2026 10:00:00 +0100", "2026-11-23T10:00:00+01:00"),
    (b"Thu, 31 Dec 2026 23:59:60 +0000", "2027-01-01T00:00:00+00:00"),
    # zones the standard library reads as none (and so as UTC): with a colon, after "GMT", by a European name
    (b"Mon, 23 Nov 2026 10:00:00 +01:00", "2026-11-23T10:00:00+01:00"),
    (b"Mon Nov 23 2026 10:00:00 GMT+0100 (Central European Standard Time)", "2026-11-23T10:00:00+01:00"),
    (b"Mon, 23 Nov 2026 10:00:00 MEZ", "2026-11-23T10:00:00+01:00"),
    (b"Mon Nov 23 10:00:00 CEST 2026", "2026-11-23T10:00:00+02:00"),
])
def test_dates(value, expected):
    parsed = parse(_mail(b"From: a@corp.example\nDate: " + value + b"\n"))
    assert parsed.date.isoformat() == expected
    assert parsed.date.tzinfo is not None
    assert parsed.date == dt.datetime.fromisoformat(expected)


def test_repeated_references_lines_are_one_chain():
    raw = _mail(b"From: anna@corp.example\nIn-Reply-To: <r2@corp.example>\nReferences: <r1@corp.example>\n"
                b"Subject: Printer\nReferences: <r2@corp.example>\n")
    parsed = parse(raw)
    assert parsed.references == ("<r1@corp.example>", "<r2@corp.example>")
    assert parsed.in_reply_to == "<r2@corp.example>"


def test_repeated_address_lines_are_one_list_and_an_address_is_listed_once():
    # Some mail systems write a second To line instead of a second address in one.
    raw = _mail(b"From: anna@corp.example\nTo: <it@corp.example>\nTo: Facilities <facilities@corp.example>\n"
                b"Cc: klaus@corp.example\nCc: KLAUS@corp.example, carla@corp.example\nSubject: Printer\n")
    parsed = parse(raw)
    assert parsed.to == (Mailbox("it@corp.example"), Mailbox("facilities@corp.example", "Facilities"))
    assert parsed.cc == (Mailbox("klaus@corp.example"), Mailbox("carla@corp.example"))
    assert parsed.subject == "Printer"


def test_headers_dict_holds_first_values_unfolded_and_decoded():
    raw = _mail(b"From: a@corp.example\nX-Note: first\nX-Note: second\n"
                b"List-Unsubscribe: <https://lists.example/u>,\n <mailto:leave@lists.example>\n"
                + "X-Team: Büro".encode() + b"\n")
    headers = parse(raw).headers
    assert headers["x-note"] == "first"
    assert headers["list-unsubscribe"] == "<https://lists.example/u>, <mailto:leave@lists.example>"
    assert headers["x-team"] == "Büro"


def test_folded_lines_that_lost_their_leading_space_continue_the_field_above():
    # A header copied out of Outlook on the web's "view message source" and saved as a file: every
    # folded line starts at the left margin, yet the header goes on below it.
    raw = (b"Received: from AM6PR04MB1234.eurprd04.prod.outlook.com\n"
           b"(2603:10a6:20b:e4::16) by DB8PR04MB5678.eurprd04.prod.outlook.com with\n"
           b"HTTPS; Tue, 3 Mar 2026 09:12:44\n"
           b"+0000\n"
           b"Authentication-Results: spf=pass (sender IP is 40.107.1.2)\n"
           b"smtp.mailfrom=corp.example; dkim=pass (signature was verified)\n"
           b"header.d=corp.example;\n"
           b"From: Anna Schmidt <anna@corp.example>\n"
           b"To: IT Support <it@corp.example>\n"
           b"Subject: VPN drops every ten minutes\n"
           b"Date: Tue, 3 Mar 2026 10:12:40 +0100\n"
           b"Content-Type: multipart/alternative;\n"
           b'boundary="_000_AM6PR04MB1234_"\n'
           b"MIME-Version: 1.0\n\n"
           b"--_000_AM6PR04MB1234_\nContent-Type: text/plain; charset=us-ascii\n\nSince this morning.\n"
           b"--_000_AM6PR04MB1234_--\n")
    parsed = parse(raw)
    assert parsed.sender == Mailbox("anna@corp.example", "Anna Schmidt")
    assert parsed.subject == "VPN drops every ten minutes"
    assert parsed.date == dt.datetime(2026, 3, 3, 9, 12, 40, tzinfo=dt.timezone.utc)
    assert parsed.text == "Since this morning."
    assert parsed.headers["received"].endswith("HTTPS; Tue, 3 Mar 2026 09:12:44 +0000")
    assert "header line without leading white space joined to the field above" in parsed.defects


def test_text_right_under_the_header_is_still_the_body_when_no_field_follows_it():
    # The empty line after the header is missing; the lines below only look like "Word: text".
    parsed = parse(b"From: anna@corp.example\nSubject: Printer\nHello,\nthe printer shows\nError: paper jam\n"
                   b"Thanks\n")
    assert parsed.subject == "Printer"
    assert parsed.text == "Hello,\nthe printer shows\nError: paper jam\nThanks"


def test_a_message_without_a_readable_date_takes_resent_date_then_its_mbox_line():
    # Messages taken out of an mbox archive: one sent again keeps only Resent-Date; an old one has no Date
    # at all, or a zone no clock has ("-3000"); the "From " line says when it was delivered.
    resent = parse(b"From anna@corp.example  Tue Nov 24 08:01:02 2026\nFrom: anna@corp.example\nSubject: x\n"
                   b"Resent-Date: Mon, 23 Nov 2026 20:53:05 -0600\n\nHello\n")
    assert resent.date == dt.datetime(2026, 11, 24, 2, 53, 5, tzinfo=dt.timezone.utc)
    for date_line in (b"", b"Date: Mon, 23 Nov 2026 23:56:33 -3000 (CST)\n"):
        parsed = parse(b"From anna@corp.example  Tue Nov 24 08:01:02 2026\nFrom: anna@corp.example\nSubject: x\n"
                       + date_line + b"\nHello\n")
        assert parsed.date == dt.datetime(2026, 11, 24, 8, 1, 2, tzinfo=dt.timezone.utc)
    assert parse(b"From: anna@corp.example\nSubject: x\n\nHello\n").date is None

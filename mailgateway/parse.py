"""Raw bytes to a `ParsedMessage`: the fields the pipeline needs, decoded.

The MIME structure comes from ``mailgateway.mime`` (fast, forgiving); only
the header fields the helpdesk reads are decoded. It never raises for a bad
message part: what had to be forgiven is recorded in ``defects`` and the rest
still comes through. Only input that is not a message at all raises
``ParseError``.

What the fields hold:

- ``message_id``, ``in_reply_to``, ``references``: ids with their angle
  brackets, ``<local@domain>``, as written in the header; an id written
  without brackets is given them, so the same id always compares equal.
- addresses in lower case; display names decoded, on one line.
- ``date``: timezone-aware; a Date without a zone is taken as UTC, one without
  a time as its midnight; fractions of a second are kept.
- ``text``: the text/plain body parts (format=flowed joined), or the HTML
  converted to text when there is no plain text; ``html`` the HTML as sent;
  ``visible_text`` what the writer just wrote (``mailgateway.quotes``).
- ``attachments``: every part that is not the readable body, in order:
  files, inline images (disposition ``inline``: they have a Content-ID or sit
  in a multipart/related), forwarded messages (message/rfc822), the parts of a
  delivery report; the files inside a TNEF ``winmail.dat`` instead of it.
- ``headers``: the first value of every header field, unfolded, 8-bit bytes
  decoded, encoded words not (hygiene reads tokens from them).
- ``delivery_status`` / ``feedback_report``: the text of the
  message/delivery-status (RFC 3464) and message/feedback-report (RFC 5965)
  parts, ``returned_status`` that of a delivery report attached as a message,
  and ``part_types`` the content type of every part, for hygiene.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

from mailgateway import mime, tnef
from mailgateway.addresses import mailboxes, one_line
from mailgateway.charsets import decode, eight_bit_text, header_text
from mailgateway.htmltext import html_to_texts
from mailgateway.quotes import visible_text

#: Beyond this much HTML only the first part is converted to text; nobody reads a
#: megabyte of text in a ticket, and it keeps parsing under a second.
TEXT_LIMIT = 1_000_000
#: What the writer just wrote is looked for in the first this many characters of the text.
VISIBLE_LIMIT = 100_000
#: Header values decoded (subject, addresses) are cut here: 2,000 recipients fit.
HEADER_LIMIT = 100_000

_MSGID = re.compile(r"<[^<>\s]+>")
_BARE_MSGID = re.compile(r"[^<>\s,;\"]+@[^<>\s,;\"]+")
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_:.+-]+)""", re.I)
_BODY_TYPES = ("text/plain", "text/html")
#: A named text part with a zero byte in its first this many bytes is a binary file, not text to read.
_SAMPLE_FOR_BINARY = 4096
#: A uuencoded file in a text body: "begin 644 name", lines of 61 characters starting with "M", "end".
_UU_BEGIN = re.compile(rb"^begin [0-7]{3,4} ([^\r\n]*?\S)[ \t]*\r?\n(?=M[ -`]{60}\r?$|[!-M][ -`]{1,60}\r?\n)", re.MULTILINE)
_UU_END = re.compile(rb"^end[ \t]*\r?$", re.MULTILINE)
_MAX_UUENCODED = 50
_TNEF_TYPES = ("application/ms-tnef", "application/vnd.ms-tnef")
_REPORT_TYPES = ("message/delivery-status", "message/global-delivery-status")
_REPORT_HEADER = re.compile(rb"report-type\s*=\s*\"?delivery-status", re.I)


class ParseError(ValueError):
    """The bytes are not an email message."""


@dataclass(frozen=True)
class Mailbox:
    email: str
    name: str = ""


@dataclass(frozen=True)
class Attachment:
    filename: str | None
    content_type: str
    size: int
    disposition: str | None


@dataclass(frozen=True)
class ParsedMessage:
    sender: Mailbox
    to: tuple[Mailbox, ...]
    cc: tuple[Mailbox, ...]
    reply_to: tuple[Mailbox, ...]
    subject: str
    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    date: dt.datetime | None
    text: str
    html: str | None
    visible_text: str
    attachments: tuple[Attachment, ...]
    headers: dict[str, str] = field(default_factory=dict)
    defects: tuple[str, ...] = ()
    delivery_status: str = ""
    returned_status: str = ""  # a delivery report's, attached to this message as a message/rfc822
    feedback_report: str = ""
    part_types: tuple[str, ...] = ()

    @property
    def reply_address(self) -> Mailbox:
        """Where a human answer goes: Reply-To if given, else From."""
        return self.reply_to[0] if self.reply_to else self.sender


def parse(raw: bytes) -> ParsedMessage:
    """The message in ``raw``; raises ``ParseError`` only when it is no message at all."""
    if not raw or raw.isspace():
        raise ParseError("empty message")
    root = mime.parse(raw)
    if not _is_message_header(root.headers):
        start = _header_after_junk(raw)
        if start is None:
            if raw.startswith(_OLE_MAGIC):
                raise ParseError("no header fields: an Outlook .msg file (a compound document), not a mail "
                                 "message; save it as .eml or forward it as an attachment")
            raise ParseError("no header fields")
        skipped = raw[:start].count(b"\n")
        root = mime.parse(raw[start:])
        root.defects.append(f"{skipped} line(s) before the header ignored")
    hint = _charset_hint(root)
    raw_values = _first_values(root.headers)
    defects: list[str] = []
    body = _Body(defects)
    body.collect(root)
    text = body.text()
    sender = _first(_mailboxes(raw_values, "from", hint)) or Mailbox("")
    return ParsedMessage(
        sender=sender,
        to=_mailboxes(raw_values, "to", hint),
        cc=_mailboxes(raw_values, "cc", hint),
        reply_to=_mailboxes(raw_values, "reply-to", hint),
        subject=one_line(header_text(raw_values.get("subject", ""), hint)),
        message_id=_first(_message_ids(raw_values.get("message-id", ""))),
        in_reply_to=_first(_message_ids(raw_values.get("in-reply-to", ""))),
        references=_message_ids(raw_values.get("references", "")),
        date=_date(raw_values.get("date", ""), defects) or _fallback_date(raw, raw_values),
        text=text,
        html="\n".join(body.htmls) if body.htmls else None,
        visible_text=_visible(text if body.quoted is None else body.quoted, sender.name),
        attachments=tuple(body.attachments),
        headers={name: one_line(value if value.isascii() else eight_bit_text(value, hint))
                 for name, value in raw_values.items()},
        defects=tuple(dict.fromkeys(defects)),
        delivery_status="\n\n".join(body.delivery_status),
        returned_status="\n\n".join(body.returned_status),
        feedback_report="\n\n".join(body.feedback_report),
        part_types=tuple(body.part_types),
    )


def _is_message_header(headers: list[tuple[str, str]]) -> bool:
    """At least one field a message has (a text whose first line holds a colon is no message)."""
    return any(mime.is_message_field(name) for name, _ in headers)


#: The first bytes of an OLE compound document, such as an Outlook .msg file saved from the client.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: Lines of junk before the header that are skipped ("+OK" of a POP3 server, a note, a stray line).
_JUNK_LINES = 5
_JUNK_WINDOW = 2048


def _header_after_junk(raw: bytes) -> int | None:
    """Where the header starts when a few lines that are no header fields come first; None if it does not.

    Empty lines first are skipped only when the header follows right after them (a message saved
    with a blank line on top); otherwise they end an empty header and the rest is a body.
    """
    if raw.startswith((b"\n", b"\r\n")):
        position = len(raw) - len(raw[:_JUNK_WINDOW].lstrip(b"\r\n"))
        return position if _header_at(raw, position) else None
    position = 0
    for _ in range(_JUNK_LINES):
        newline = raw.find(b"\n", position, _JUNK_WINDOW)
        if newline < 0:
            return None
        position = newline + 1
        if raw.startswith((b"\n", b"\r\n"), position):
            return None
        if _header_at(raw, position):
            return position
    return None


def _header_at(raw: bytes, position: int) -> bool:
    return bool(mime.FIELD_NAME.match(raw, position)) and _is_message_header(mime.split_header(raw, position)[0])


def _charset_hint(root: mime.Part) -> str | None:
    """The charset the message declares for its text: the best guess for 8-bit bytes in its header."""
    stack = [root]
    while stack:
        part = stack.pop()
        charset = (part.charset or "").lower()
        if charset and charset not in ("us-ascii", "ascii", "utf-8", "utf8"):
            return charset
        stack.extend(reversed(part.parts))
    return None


#: Address lists a message may wrongly carry twice; both lines name recipients, so they are joined.
_ADDRESS_LISTS = frozenset({"to", "cc", "bcc", "reply-to"})


def _first_values(fields: list[tuple[str, str]]) -> dict[str, str]:
    """The first value of each field, raw (a field may repeat: Received, Subject ...); repeated To,
    Cc, Bcc and Reply-To lines are joined into one list, repeated References lines into one chain."""
    values: dict[str, str] = {}
    for name, value in fields:
        if name not in values:
            values[name] = value
        elif name in _ADDRESS_LISTS and len(values[name]) < HEADER_LIMIT:
            values[name] = f"{values[name]}, {value}"
        elif name == "references" and len(values[name]) < HEADER_LIMIT:
            values[name] = f"{values[name]} {value}"
    for name, value in values.items():
        if len(value) > HEADER_LIMIT:
            values[name] = _cut(value, name in _ADDRESS_LISTS or name in ("from", "sender"))
    return values


def _cut(value: str, addresses: bool) -> str:
    """``value`` cut at ``HEADER_LIMIT``; an address list after its last whole address (no half address)."""
    if addresses:
        comma = max(value.rfind(",", 0, HEADER_LIMIT), value.rfind(";", 0, HEADER_LIMIT))
        if comma > 0:
            return value[:comma]
    return value[:HEADER_LIMIT]


def _mailboxes(raw_values: dict[str, str], name: str, hint: str | None) -> tuple[Mailbox, ...]:
    value = raw_values.get(name)
    if not value:
        return ()
    listed: dict[str, Mailbox] = {}  # an address named twice is one recipient (its first name kept)
    for address, display in mailboxes(value, hint):
        listed.setdefault(address, Mailbox(address, display))
    return tuple(listed.values())


def _first(items):
    return items[0] if items else None


def _message_ids(value: str) -> tuple[str, ...]:
    ids = _MSGID.findall(value)
    if not ids and "@" in value:
        ids = [f"<{bare}>" for bare in _BARE_MSGID.findall(value)]
    return tuple(ids)


def _date(value: str, defects: list[str]) -> dt.datetime | None:
    value = value.strip()
    if not value:
        return None
    parsed = _rfc5322_date(value)
    if parsed is None:
        fraction = _FRACTION.search(value, 0, 200)
        if fraction:  # seconds with a fraction ("09:12:44.123 +0200"), as some Java and .NET mailers write
            parsed = _rfc5322_date(value[:fraction.start()] + value[fraction.end():])
            if parsed is not None:
                parsed = parsed.replace(microsecond=int(fraction.group(1)[:6].ljust(6, "0")))
        elif _DAY_ONLY.match(value):  # a day without a time: its midnight
            parsed = _rfc5322_date(f"{value} 00:00:00")
    if parsed is None and ("(" in value or ":60" in value):
        parsed = _mended_date(value)
    if parsed is None or parsed.tzinfo is None:
        parsed = _zoned_date(value) or parsed
    if parsed is None:
        try:
            parsed = dt.datetime.fromisoformat(value)  # some systems write ISO 8601
        except ValueError:
            defects.append("date: InvalidDateDefect")
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


#: The date of an mbox "From " line: "From anna@corp.example  Wed Dec  1 00:56:19 1999" (asctime, no zone).
_MBOX_DATE = re.compile(rb"From \S*[ \t]+(?:[A-Z][a-z]{2},? +)?([A-Z][a-z]{2}) +(\d{1,2}) +(\d\d?:\d\d(?::\d\d)?)"
                        rb"(?: +[A-Z]{3,5})? +(\d{4})[ \t]*\r?$", re.MULTILINE)
_MONTHS = {name: number for number, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}


def _fallback_date(raw: bytes, raw_values: dict[str, str]) -> dt.datetime | None:
    """When the Date field is missing or unreadable: Resent-Date (a message sent again keeps only that),
    else the date of the mbox "From " line the message was saved with, taken as UTC."""
    resent = raw_values.get("resent-date", "")
    if resent:
        parsed = _date(resent, [])
        if parsed is not None:
            return parsed
    if not raw.startswith(b"From "):
        return None
    end = raw.find(b"\n", 0, 1000)
    line = _MBOX_DATE.match(raw, 0, end if end >= 0 else 1000)
    if line is None or line.group(1).decode() not in _MONTHS:
        return None
    clock = [int(piece) for piece in line.group(3).split(b":")] + [0]
    try:
        return dt.datetime(int(line.group(4)), _MONTHS[line.group(1).decode()], int(line.group(2)),
                           clock[0], clock[1], clock[2], tzinfo=dt.timezone.utc)
    except ValueError:
        return None


def _mended_date(value: str) -> dt.datetime | None:
    """A date with comments between its tokens ("Thu (day), 01 Oct ...", RFC 5322 CFWS) or a leap second."""
    text = value[:200]
    for _ in range(5):  # comments nest
        stripped = _DATE_COMMENT.sub(" ", text)
        if stripped == text:
            break
        text = stripped
    text = " ".join(_SPACED_COMMA.sub(", ", _SPACED_COLON.sub(":", text)).split())
    leap = _LEAP_SECOND.search(text)
    if leap:
        text = text[:leap.start()] + ":59" + text[leap.end():]
    parsed = _rfc5322_date(text)
    return parsed + dt.timedelta(seconds=1) if parsed is not None and leap else parsed


def _zoned_date(value: str) -> dt.datetime | None:
    """A date whose zone the standard library does not read: "+01:00", "GMT+0100" (JavaScript's), "CET"."""
    text = _COLON_OFFSET.sub(r"\1\2", _GMT_BEFORE_OFFSET.sub("", value[:200]))
    if not _NUMERIC_ZONE.search(text):
        text = _NAMED_ZONE.sub(lambda match: _ZONES[match.group()], text, count=1)
    if text == value:
        return None
    parsed = _rfc5322_date(text)
    return parsed if parsed is not None and parsed.tzinfo else None


#: Zone names that name one offset (unlike IST or CST), beyond the American ones the standard library knows.
_ZONES = {"CET": "+0100", "CEST": "+0200", "MEZ": "+0100", "MESZ": "+0200", "WET": "+0000", "WEST": "+0100",
          "EET": "+0200", "EEST": "+0300", "BST": "+0100", "MSK": "+0300", "JST": "+0900", "KST": "+0900",
          "HKT": "+0800", "SGT": "+0800", "AEST": "+1000", "AEDT": "+1100", "NZST": "+1200", "NZDT": "+1300"}
_NAMED_ZONE = re.compile(r"\b(?:" + "|".join(_ZONES) + r")\b")
_NUMERIC_ZONE = re.compile(r"(?<![\d:])[+-]\d{4}\b")
_COLON_OFFSET = re.compile(r"(?<=\s)([+-]\d\d):(\d\d)\b")
_GMT_BEFORE_OFFSET = re.compile(r"\b(?:GMT|UTC)(?=[+-]\d\d:?\d\d\b)")
_DATE_COMMENT = re.compile(r"\((?:[^()\\]|\\.)*\)")
_SPACED_COLON = re.compile(r"\s*:\s*")
_SPACED_COMMA = re.compile(r"\s*,\s*")
_LEAP_SECOND = re.compile(r"(?<=\d\d:\d\d):60(?!\d)")
_FRACTION = re.compile(r"(?<=\d\d:\d\d:\d\d)[.,](\d{1,9})(?!\d)")
_DAY_ONLY = re.compile(r"\s*(?:[A-Za-z]{3},?\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s*\Z")


def _rfc5322_date(value: str) -> dt.datetime | None:
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _visible(text: str, sender: str) -> str:
    return visible_text(text[:VISIBLE_LIMIT], sender)


class _Body:
    """Walks the parts (not into attached messages): body text, HTML, attachments, report parts."""

    def __init__(self, defects: list[str]) -> None:
        self.defects = defects
        self.plain: list[str] = []
        self.htmls: list[str] = []
        # Every text read, in order: (content type, text, the alternatives it is in), for ``text``.
        self.pieces: list[tuple[str, str, tuple]] = []
        self.attachments: list[Attachment] = []
        self.delivery_status: list[str] = []
        self.feedback_report: list[str] = []
        self.returned_status: list[str] = []
        self.part_types: list[str] = []
        self.quoted: str | None = None  # text from HTML with its blockquotes marked "> " (html_to_texts)
        self.named_texts: list[mime.Part] = []  # text parts with a file name not marked as attachments

    def collect(self, root: mime.Part) -> None:
        # ``alternatives``: for each multipart/alternative above a part, which of its alternatives the
        # part is in and, shared by them all, the first alternative that gave the plain text or the HTML.
        stack: list[tuple[mime.Part, str | None, tuple]] = [(root, None, ())]
        while stack:
            part, parent, alternatives = stack.pop()
            if part.parts or part.is_multipart:  # a multipart without parts has nothing to show
                self.defects.extend(part.defects)
                if part.content_type == "multipart/alternative":
                    chosen: dict[str, int] = {}
                    stack.extend((child, part.content_type, (*alternatives, (chosen, index)))
                                 for index, child in reversed(list(enumerate(part.parts))))
                else:
                    stack.extend((child, part.content_type, alternatives) for child in reversed(part.parts))
            else:
                self._leaf(part, parent, alternatives)
                self.defects.extend(part.defects)  # incl. those found while decoding it
        if not self.plain and not self.htmls:
            # Nothing else to read: the named text parts not marked as attachments are shown in the
            # message, as a mail client shows them ("inline; filename=note.txt"); they stay attachments too.
            for part in self.named_texts:
                if b"\x00" not in part.payload()[:_SAMPLE_FOR_BINARY] or (part.charset or "").lower().startswith("utf-"):
                    self._body_text(part)  # not a file of binary data that calls itself text

    def _leaf(self, part: mime.Part, parent: str | None, alternatives: tuple = ()) -> None:
        content_type = part.content_type
        self.part_types.append(content_type)
        disposition, params = part.disposition()
        filename = params.get("filename") or part.params.get("name") or None
        if filename is None and content_type not in _BODY_TYPES:
            # Where some mailers name a file: "name" on the disposition, "file" on the type.
            filename = params.get("name") or part.params.get("file") or None
        if filename and "\x00" in filename:  # "%00" in an RFC 2231 name
            filename = filename.replace("\x00", "") or None
        if content_type in _BODY_TYPES and disposition != "attachment":
            if not filename:
                # Alternatives are one text written several ways: the plain text and the HTML are each
                # read from the first alternative that has them, not once per alternative.
                if any(chosen.get(content_type, index) < index for chosen, index in alternatives):
                    return
                if self._body_text(part, alternatives):
                    for chosen, index in alternatives:
                        chosen.setdefault(content_type, index)
                return
            if disposition in (None, "inline"):  # an unknown disposition is an attachment's (RFC 2183 2.8)
                self.named_texts.append(part)
        payload = part.payload()
        if content_type in _REPORT_TYPES:
            self.delivery_status.append(decode(payload, part.charset or "utf-8"))
        elif content_type == "message/rfc822" and _REPORT_HEADER.search(payload, 0, 8192):
            self._returned_report(payload)
        elif content_type == "message/feedback-report":
            self.feedback_report.append(decode(payload, part.charset or "utf-8"))
        if content_type in _TNEF_TYPES or (filename or "").lower() == "winmail.dat":
            if self._tnef(payload):
                return
        if disposition is None and (part.get("content-id") or parent == "multipart/related"):
            disposition = "inline"
        self.attachments.append(Attachment(filename, content_type, len(payload), disposition))

    def _body_text(self, part: mime.Part, alternatives: tuple = ()) -> bool:
        """Reads a text part into the body; False when it has no text."""
        payload = part.payload()
        if part.content_type == "text/plain" and b"begin " in payload:
            payload = self._uuencoded_files(payload)
        if not payload.strip():
            return False
        charset = part.charset
        if charset is None and part.content_type == "text/html" and not payload.isascii():
            declared = _META_CHARSET.search(payload, 0, 4096)
            charset = declared.group(1).decode("ascii") if declared else None
        text = decode(payload, charset, self.defects)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if "\x00" in text:  # no text holds one, and no database column takes one
            text = text.replace("\x00", "")
        if part.content_type == "text/html":
            self.htmls.append(text)
            self.pieces.append(("text/html", text, alternatives))
        else:
            if part.params.get("format", "").lower() == "flowed" and len(text) <= TEXT_LIMIT:
                text = _unflow(text, part.params.get("delsp", "").lower() == "yes")
            self.plain.append(text)
            self.pieces.append(("text/plain", text, alternatives))
        return True

    def _uuencoded_files(self, payload: bytes) -> bytes:
        """The text without the files uuencoded into it (Outlook Express, old Unix mail), which become attachments."""
        position = 0
        for _ in range(_MAX_UUENCODED):
            begin = _UU_BEGIN.search(payload, position)
            end = _UU_END.search(payload, begin.end()) if begin else None
            if end is None:
                break
            data = mime.decode_transfer(payload[begin.start():end.end()], "x-uuencode", self.defects)
            filename = begin.group(1).decode("utf-8", "replace")
            content_type = mime.type_of_file(filename) or "application/octet-stream"
            self.attachments.append(Attachment(filename, content_type, len(data), "attachment"))
            payload = payload[:begin.start()] + payload[end.end():]
            position = begin.start()
        return payload

    def _returned_report(self, payload: bytes) -> None:
        """The delivery-status parts of a delivery report passed on as an attached message (some
        gateways wrap the reports they relay): kept apart from the message's own (``returned_status``)."""
        stack = [mime.parse(payload)]
        while stack:
            part = stack.pop()
            stack.extend(part.parts)
            if part.content_type in _REPORT_TYPES:
                self.returned_status.append(decode(part.payload(), part.charset or "utf-8"))

    def _tnef(self, payload: bytes) -> bool:
        try:
            inner = tnef.files(payload)
        except tnef.TnefError:
            self.defects.append("winmail.dat is not TNEF")
            return False
        self.attachments.extend(Attachment(f.filename, f.content_type, f.size, "attachment") for f in inner)
        return True

    def text(self) -> str:
        plain = "\n".join(self.plain)
        if plain.strip() or not self.htmls:
            if all(content_type == "text/plain" or any("text/plain" in chosen for chosen, _ in alternatives)
                   for content_type, _, alternatives in self.pieces):
                return plain.strip("\n")  # every HTML part is an alternative of a plain one: the usual case
            return self._plain_and_html_text()
        markup = "\n".join(self.htmls)
        if len(markup) > TEXT_LIMIT:
            self.defects.append(f"html: text from its first {TEXT_LIMIT} characters only")
            cut = markup.rfind("<", 0, TEXT_LIMIT)  # not inside a tag
            markup = markup[:cut if cut > 0 else TEXT_LIMIT]
        text, self.quoted = html_to_texts(markup)
        return text

    def _plain_and_html_text(self) -> str:
        """The plain text, with the text of each HTML part that is no alternative of a plain one in its place:
        a mixed message of HTML and plain parts (an HTML mail with a plain footer a list added, an HTML
        part between two plain ones) has its say in each of them. ``quoted`` gets the same with the
        HTML's quoted blockquotes marked, as for an HTML-only message."""
        texts: list[str] = []
        quoted: list[str] = []
        budget = TEXT_LIMIT
        plain_words = None
        for content_type, text, alternatives in self.pieces:
            if content_type == "text/plain":
                texts.append(text)
                quoted.append(text)
            elif budget > 0 and not any("text/plain" in chosen for chosen, _ in alternatives):
                converted, marked = html_to_texts(text[:budget])
                budget -= len(text)
                if plain_words is None:
                    plain_words = " ".join(" ".join(self.plain).split())
                if " ".join(converted.split()) not in plain_words:  # not the plain text again (a flattened alternative)
                    texts.append(converted)
                    quoted.append(marked)
        if len(quoted) > len(self.plain):
            self.quoted = "\n".join(quoted).strip("\n")
        return "\n".join(texts).strip("\n")


def _unflow(text: str, delsp: bool) -> str:
    """RFC 3676 format=flowed: join soft-broken lines (ending in a space) at the same quote depth."""
    lines: list[str] = []
    current_depth, current = None, None
    for line in text.split("\n"):
        stripped = line.lstrip(">")
        depth = len(line) - len(stripped)
        if stripped.startswith(" "):
            stripped = stripped[1:]  # space-stuffing
        flowed = stripped.endswith(" ") and stripped != "-- "
        if flowed and delsp:
            stripped = stripped[:-1]
        if current is not None and depth == current_depth:
            current += stripped
        else:
            if current is not None:
                lines.append(_quoted(current_depth, current))
            current_depth, current = depth, stripped
        if not flowed:
            lines.append(_quoted(current_depth, current))
            current_depth, current = None, None
    if current is not None:
        lines.append(_quoted(current_depth, current))
    return "\n".join(lines)


def _quoted(depth: int, line: str) -> str:
    return f"{'>' * depth} {line}" if depth else line

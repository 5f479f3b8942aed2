"""Raw bytes to a `ParsedMessage`: the fields the pipeline needs, decoded.

Parsing uses the stdlib with ``policy.default``. It never raises for a bad
message part: what cannot be decoded is recorded in ``defects`` and the
rest still comes through. Only input that is not a message at all raises
``ParseError``.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

class _HeaderClasses(HeaderRegistry):
    """The stdlib registry builds a new class on every lookup; build each once."""

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = super().__getitem__(key)
        return made


#: ``policy.default`` with a cached header registry: same behaviour, less work.
POLICY = policy.default.clone(header_factory=_HeaderClasses())
_PARSER = BytesParser(policy=POLICY)
_MSGID = re.compile(r"<[^<>\s]+>")


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

    @property
    def reply_address(self) -> Mailbox:
        """Where a human answer goes: Reply-To if given, else From."""
        return self.reply_to[0] if self.reply_to else self.sender


def parse(raw: bytes) -> ParsedMessage:
    if not raw.strip():
        raise ParseError("empty message")
    message = _PARSER.parsebytes(raw)
    if not message.keys():
        raise ParseError("no header fields")
    defects: list[str] = [type(d).__name__ for d in message.defects]
    raw_headers = _raw_headers(message)
    text, html_body, attachments = _bodies(message, defects)
    return ParsedMessage(
        sender=_first(_mailboxes(message, "from", defects)) or Mailbox(""),
        to=_mailboxes(message, "to", defects),
        cc=_mailboxes(message, "cc", defects),
        reply_to=_mailboxes(message, "reply-to", defects),
        subject=_one_line(_header(message, "subject", defects)),
        message_id=_first(_message_ids(raw_headers.get("message-id", ""))),
        in_reply_to=_first(_message_ids(raw_headers.get("in-reply-to", ""))),
        references=_message_ids(raw_headers.get("references", "")),
        date=_date(raw_headers.get("date", ""), defects),
        text=text,
        html=html_body,
        visible_text=visible_text(text),
        attachments=attachments,
        headers={name: raw_headers[name] for name in _HYGIENE if name in raw_headers},
        defects=tuple(dict.fromkeys(defects)),
    )


def _raw_headers(message: EmailMessage) -> dict[str, str]:
    """The first value of each header as sent, unfolded; for fields that need no decoding
    (ids, dates, tokens), which is much cheaper than the policy's header objects."""
    headers: dict[str, str] = {}
    for name, value in message.raw_items():
        key = name.lower()
        if key not in headers:
            headers[key] = _one_line(str(value))
    return headers


def _header(message: EmailMessage, name: str, defects: list[str]) -> str:
    try:
        value = message.get(name)
    except Exception as exc:  # a header the stdlib cannot decode
        defects.append(f"{name}: {type(exc).__name__}")
        value = next((v for k, v in message.raw_items() if k.lower() == name), "")
    defects.extend(f"{name}: {type(defect).__name__}" for defect in getattr(value, "defects", ()))
    return "" if value is None else str(value)


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _mailboxes(message: EmailMessage, name: str, defects: list[str]) -> tuple[Mailbox, ...]:
    value = _header(message, name, defects)
    if not value:
        return ()
    boxes = []
    for display, address in getaddresses([value]):
        address = address.strip()
        if "@" in address and not any(c in address for c in "\r\n\x00"):
            boxes.append(Mailbox(address.lower(), _one_line(display)))
    return tuple(boxes)


def _first(items):
    return items[0] if items else None


def _message_ids(value: str) -> tuple[str, ...]:
    return tuple(_MSGID.findall(value))


def _date(value: str, defects: list[str]) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        defects.append("date: InvalidDateDefect")
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


_HYGIENE = ("auto-submitted", "precedence", "list-id", "list-unsubscribe", "x-autoreply",
            "x-autorespond", "x-auto-response-suppress", "return-path", "content-type")


def _bodies(message: EmailMessage, defects: list[str]) -> tuple[str, str | None, tuple[Attachment, ...]]:
    plain: list[str] = []
    htmls: list[str] = []
    attachments: list[Attachment] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        disposition = part.get_content_disposition()
        content_type = part.get_content_type()
        filename = _filename(part, defects)
        # Only plain text and HTML are the body; text/calendar, text/csv & co. are files.
        if disposition == "attachment" or filename or content_type not in _BODY_TYPES:
            attachments.append(Attachment(filename, content_type, len(part.get_payload(decode=True) or b""), disposition))
            continue
        body = _content(part, defects)
        (htmls if content_type == "text/html" else plain).append(body)
    html_body = "\n".join(htmls) if htmls else None
    text = "\n".join(plain) if plain else html_to_text(html_body or "")
    return text.strip("\n"), html_body, tuple(attachments)


_BODY_TYPES = ("text/plain", "text/html")


def _filename(part: EmailMessage, defects: list[str]) -> str | None:
    try:
        return part.get_filename()
    except Exception as exc:
        defects.append(f"filename: {type(exc).__name__}")
        return None


def _content(part: EmailMessage, defects: list[str]) -> str:
    payload = part.get_payload(decode=True) or b""
    # The decoded payload keeps the wire's CRLF; the rest of the helpdesk works in \n.
    return _decode(payload, part.get_content_charset() or "utf-8", defects).replace("\r\n", "\n")


def _decode(payload: bytes, charset: str, defects: list[str]) -> str:
    try:
        return payload.decode(charset)
    except (LookupError, UnicodeDecodeError):
        defects.append(f"undecodable body in {charset!r}")
        for fallback in ("utf-8", "cp1252"):
            try:
                return payload.decode(fallback)
            except UnicodeDecodeError:
                continue
        return payload.decode("latin-1")


class _TextExtractor(HTMLParser):
    _SKIP = {"script", "style", "head", "title"}
    _BREAK = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BREAK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self._SKIP and self._skipping:
            self._skipping -= 1
        elif tag in self._BREAK:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skipping:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Readable text from HTML: tags and scripts dropped, entities decoded."""
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    text = "".join(extractor.parts)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    # No html.unescape here: convert_charrefs already decoded each entity once.
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


_ATTRIBUTION = re.compile(r"^(On .+ wrote:|Am .+ schrieb .+:|Le .+ a écrit\s?:|-----Original Message-----|From: .+)$")
_SIGNATURE = re.compile(r"^-- ?$")


def visible_text(text: str) -> str:
    """What the writer just wrote: quoted history and the signature cut off."""
    kept: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if _SIGNATURE.match(line) or _ATTRIBUTION.match(stripped):
            break
        if stripped.startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept).strip()

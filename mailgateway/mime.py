"""The MIME structure of raw message bytes: header fields, parts, decoded payloads.

Why not ``email.parser``: it reads line by line in Python, so a 25 MB
message takes 0.7 s when its lines are long and 2.5 to 4 s when they are
short. Here header blocks end at the first empty line and parts at their
boundary lines, both found with ``bytes`` searches, and only header lines
are looked at one by one (at most ``MAX_HEADER_LINES`` per part).

It forgives what real mail gets wrong: a missing or wrong boundary (the
boundary is taken from the body when the declared one is not there), a
missing closing boundary, a missing empty line after the header, an mbox
``From `` line, bad base64 padding, a missing or malformed Content-Type. It
never raises; what it had to forgive is listed in ``defects``. Header values
stay raw (bytes held as Latin-1 characters): decoding them is the caller's
choice, done only for the fields it needs.
"""
from __future__ import annotations

import binascii
import mimetypes
import re
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes

from mailgateway.charsets import decode, decode_words, header_text

MAX_DEPTH = 12
MAX_PARTS = 500
MAX_HEADER_LINES = 2000
#: A lost boundary is looked for this far into the body (it starts the first part, near the top).
_RECOVERY_WINDOW = 2_000_000
_HEADER_WINDOW = 1_000_000

#: A header field's name and colon at the start of a line.
FIELD_NAME = re.compile(rb"([!-9;-~]+)[ \t]*:")
_CONTENT_TYPE = re.compile(r"\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*/\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)")
_PARAM = re.compile(r"""\s*([^\s=;"]+)\s*=\s*("(?:[^"\\]|\\.)*"?|[^;]*)""")
_SECTION = re.compile(r"^(.+?)\*(\d+)?(\*)?$")
# A line "--something" followed by a header field: a boundary line, whatever the Content-Type says.
_CANDIDATE_BOUNDARY = re.compile(rb"^--([!-~][ -~]{0,150}?)(--)?[ \t]*\r?\n(?=[A-Za-z][A-Za-z0-9-]*:)", re.M)
# The same for a part that has no Content-Type at all: only before a Content- field, at the top.
_HEADLESS_BOUNDARY = re.compile(
    rb"^--([!-~][ -~]{0,150}?)[ \t]*\r?\n(?=content-(?:type|transfer-encoding|disposition)[ \t]*:)", re.M | re.I)
_HEADLESS_WINDOW = 600  # a preamble of a few lines at most ("This is a multi-part message ...")
#: A lone CR (no LF after it) right before a header field's name: the header's lines end in CR alone.
_CR_BEFORE_FIELD = re.compile(rb"\r(?=[!-9;-~]+[ \t]*:)")


@dataclass(eq=False)
class Part:
    """One MIME entity: its header fields, its body (still transfer-encoded) and, for a multipart, its parts.

    The body is ``source[start:end]``: parts point into the message bytes instead of copying them,
    so a deeply nested 25 MB message is not copied once per level.
    """

    headers: list[tuple[str, str]]
    source: bytes
    start: int
    end: int
    content_type: str = "text/plain"
    params: dict[str, str] = field(default_factory=dict)
    parts: list["Part"] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)

    @property
    def body(self) -> bytes:
        return self.source[self.start:self.end]

    def get(self, name: str, default: str | None = None) -> str | None:
        """The first value of a header field, raw and unfolded (``name`` in lower case)."""
        for key, value in self.headers:
            if key == name:
                return value
        return default

    @property
    def is_multipart(self) -> bool:
        return self.content_type.startswith("multipart/")

    @property
    def charset(self) -> str | None:
        return self.params.get("charset") or None

    def disposition(self) -> tuple[str | None, dict[str, str]]:
        value = self.get("content-disposition")
        if value is None:
            return None, {}
        kind, _, rest = value.partition(";")
        kind = kind.strip().lower() or None
        return kind, parse_params(rest, self.defects)

    def payload(self) -> bytes:
        """The body with its Content-Transfer-Encoding undone."""
        encoding = (self.get("content-transfer-encoding") or "").strip().lower()
        return decode_transfer(self.body, encoding, self.defects)


def parse(raw: bytes) -> Part:
    """The tree of parts of a message (or of any MIME entity)."""
    head_end, _ = _header_end(raw, 0, len(raw))
    if _CR_BEFORE_FIELD.search(raw, 0, head_end):
        # Lines ended by a lone CR (old Mac mailers, some converters), alone or mixed with LF and CRLF.
        raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        root = _entity(raw, 0, len(raw), "text/plain", 0, [0])
        root.defects.append("lines ended by a lone CR")
        return root
    return _entity(raw, 0, len(raw), "text/plain", 0, [0])


def _entity(data: bytes, start: int, end: int, default_type: str, depth: int, counter: list[int]) -> Part:
    counter[0] += 1
    headers, body_start, defects = split_header(data, start, end)
    part = Part(headers, data, body_start, end, defects=defects)
    value = part.get("content-type")
    part.content_type, part.params = parse_content_type(value, default_type, defects)
    if value is None and default_type == "text/plain":
        _headless_multipart(part)
    if part.is_multipart:
        encoding = (part.get("content-transfer-encoding") or "").strip().lower()
        if encoding in ("base64", "quoted-printable"):
            defects.append(f"multipart with Content-Transfer-Encoding {encoding}")
            decoded = decode_transfer(part.body, encoding, defects)
            part.source, part.start, part.end = decoded, 0, len(decoded)
        _split_children(part, depth, counter)
    return part


def split_header(data: bytes, start: int = 0, end: int | None = None) -> tuple[list[tuple[str, str]], int, list[str]]:
    """Header fields (lower-case name, raw unfolded value) of ``data[start:end]`` and where its body starts."""
    end = len(data) if end is None else end
    defects: list[str] = []
    if data.startswith(b"\n", start, end):
        return [], start + 1, defects
    if data.startswith(b"\r\n", start, end):
        return [], start + 2, defects
    head_end, body_start = _header_end(data, start, end)
    names: list[str] = []
    values: list[list[bytes]] = []
    position = start
    while position < head_end:
        newline = data.find(b"\n", position, head_end)
        line_end = head_end if newline < 0 else newline
        line = data[position:line_end].rstrip(b"\r")
        if line[:1] in (b" ", b"\t") and values:
            values[-1].append(line)
        else:
            match = FIELD_NAME.match(line)
            if match is None and not names and line.startswith(b"From "):
                defects.append("mbox From line before the header")
            elif names and (match is None or not line[:1].isalpha() and not _FIELD_WORD.fullmatch(match.group(1))) \
                    and line and _fields_follow(data, line_end + 1, head_end):
                # A folded line that lost its leading space (a header copied out of a mail client, or
                # re-wrapped by a tool): the header goes on below it, so it continues the field above.
                values[-1].append(b" " + line)
                defects.append("header line without leading white space joined to the field above")
            elif match is None or len(names) >= MAX_HEADER_LINES:
                defects.append("header ended without an empty line" if match is None else "too many header fields")
                body_start = position
                break
            else:
                names.append(match.group(1).decode("ascii").lower())
                values.append([line[match.end():]])
        position = line_end + 1
    headers = [(name, b"".join(pieces).strip().decode("latin-1")) for name, pieces in zip(names, values)]
    return headers, body_start, defects


#: Fields every message header has some of: a text with one of them on top is a message.
MESSAGE_FIELDS = frozenset({
    "from", "to", "cc", "bcc", "subject", "date", "message-id", "sender", "reply-to", "received", "return-path",
    "mime-version", "content-type", "delivered-to", "in-reply-to", "references", "envelope-to", "x-mailer",
})
#: A line naming one of these inside a header is certainly a header line.
_HEADER_LINE_FIELDS = MESSAGE_FIELDS | {
    "authentication-results", "received-spf", "user-agent", "thread-topic", "thread-index", "importance",
    "organization", "precedence", "accept-language", "errors-to",
}
#: What real field names are made of; "(2603:10a6::16) by ..." is a folded line.
_FIELD_WORD = re.compile(rb"[A-Za-z0-9_.-]+")
#: A field name of hyphenated words ("Authentication-Results", "X-MS-Has-Attach"): a header line, unlike
#: a line of text that starts with a word and a colon ("Note: ...").
_HYPHENATED_FIELD = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)+")
_MESSAGE_FIELD_PREFIXES = ("x-", "content-", "list-", "resent-", "dkim-", "arc-")
#: Lines without a field name and without leading space that may stand between two fields of a header.
_UNFOLDED_LINES = 6


def is_message_field(name: str) -> bool:
    """Whether a header field of this (lower-case) name is one that messages have."""
    return name in MESSAGE_FIELDS or name.startswith(_MESSAGE_FIELD_PREFIXES)


def _fields_follow(data: bytes, position: int, head_end: int) -> bool:
    """Whether a message's header field starts within the next few lines before the header's end."""
    for _ in range(_UNFOLDED_LINES):
        if position >= head_end:
            return False
        newline = data.find(b"\n", position, head_end)
        line_end = head_end if newline < 0 else newline
        match = FIELD_NAME.match(data, position, line_end)
        if match is not None:
            name = match.group(1).decode("ascii").lower()
            if name in _HEADER_LINE_FIELDS or name.startswith(_MESSAGE_FIELD_PREFIXES) \
                    or (len(name) >= 8 and _HYPHENATED_FIELD.fullmatch(name)):
                return True
        position = line_end + 1
    return False


def _header_end(data: bytes, start: int, end: int) -> tuple[int, int]:
    """Where the header block ends and the body starts: at the first empty line (LF or CRLF).

    Looked for in the first ``_HEADER_WINDOW`` bytes: a longer header is cut at
    ``MAX_HEADER_LINES`` anyway.
    """
    window = min(end, start + _HEADER_WINDOW)
    found = [(position, position + len(separator)) for separator in (b"\n\n", b"\n\r\n")
             if (position := data.find(separator, start, window)) >= 0]
    if not found:
        return end, end
    head_end, body_start = min(found)
    if head_end > start and data[head_end - 1] == 0x0D:
        head_end -= 1
    return head_end, body_start


def parse_content_type(value: str | None, default: str, defects: list[str]) -> tuple[str, dict[str, str]]:
    """``(type/subtype, params)``; a missing or malformed value gives ``default``."""
    if value is None:
        return default, {}
    match = _CONTENT_TYPE.match(value)
    if match is None:
        defects.append(f"malformed Content-Type {value[:60]!r}")
        return ("text/plain" if value.strip().lower().startswith("text") else default), parse_params(value, defects)
    content_type = f"{match.group(1)}/{match.group(2)}".lower()
    return content_type, parse_params(value[match.end():], defects)


def parse_params(text: str, defects: list[str]) -> dict[str, str]:
    """MIME parameters, with RFC 2231 continuations and charsets, and the RFC 2047 words some clients use."""
    plain: dict[str, str] = {}
    sections: dict[str, list[tuple[int, bool, str]]] = {}
    for match in _PARAM.finditer(text):
        name, value = match.group(1).lower(), match.group(2).strip()
        if value.startswith('"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1] if value.endswith('"') and len(value) > 1 else value[1:])
        star = _SECTION.match(name) if "*" in name else None
        if star:
            # "name*" alone is one extended value; "name*0*", "name*1" ... are sections, "*" marking extended ones.
            extended = star.group(2) is None or bool(star.group(3))
            sections.setdefault(star.group(1), []).append((int(star.group(2) or 0), extended, value))
        elif name not in plain:
            plain[name] = value
    params = {name: value if name == "boundary" else header_text(value) for name, value in plain.items()}
    for name, pieces in sections.items():
        params[name] = _rfc2231(sorted(pieces, key=lambda piece: piece[0]), defects)
    return params


def _rfc2231(pieces: list[tuple[int, bool, str]], defects: list[str]) -> str:
    charset = None
    data = bytearray()
    for index, (_, encoded, value) in enumerate(pieces):
        if encoded:
            if index == 0 and value.count("'") >= 2:
                charset, _, value = value.split("'", 2)
            data += unquote_to_bytes(value)
        else:
            data += value.encode("latin-1", "replace")
    text = decode(bytes(data), charset or None, defects, "parameter")
    return decode_words(text) if "=?" in text else text


def _headless_multipart(part: Part) -> None:
    """A part without Content-Type whose body is plainly multipart (a list or gateway dropped the
    field): its first line "--boundary" before a Content- field, and that boundary again further on."""
    data, start = part.source, part.start
    found = _HEADLESS_BOUNDARY.search(data, start, min(part.end, start + _HEADLESS_WINDOW))
    if found is None:
        return
    boundary = found.group(1).rstrip()
    if data.find(b"\n--" + boundary, found.end(), part.end) < 0:
        return
    part.content_type, part.params = "multipart/mixed", {"boundary": boundary.decode("latin-1")}
    part.defects.append(f"no Content-Type; multipart with boundary {part.params['boundary']!r} found in the body")


def _split_children(part: Part, depth: int, counter: list[int]) -> None:
    if depth >= MAX_DEPTH or counter[0] >= MAX_PARTS:
        part.defects.append("multipart nested too deeply or too many parts; read as one part")
        part.content_type, part.params = "application/octet-stream", {}
        return
    data, start, end = part.source, part.start, part.end
    boundary = part.params.get("boundary", "").strip()
    spans = _spans(data, start, end, boundary.encode("latin-1", "replace")) if boundary else None
    if not spans or spans == [True]:
        found = _CANDIDATE_BOUNDARY.search(data, start, min(end, start + _RECOVERY_WINDOW))
        if found and found.group(1) != boundary.encode("latin-1", "replace"):
            part.defects.append(f"boundary {boundary!r} not found; used {found.group(1).decode('latin-1')!r} from the body")
            spans = _spans(data, start, end, found.group(1))
    if spans == [True]:  # the closing line alone: a multipart with no parts (nothing to show)
        part.defects.append("multipart without parts")
        return
    if not spans:
        part.defects.append(f"multipart without parts (boundary {boundary!r} not found)")
        part.content_type, part.params = "text/plain", {}
        return
    closed, spans = spans[0], spans[1:]
    if not closed:
        part.defects.append("closing boundary missing")
    child_type = "message/rfc822" if part.content_type == "multipart/digest" else "text/plain"
    for child_start, child_end in spans:
        if counter[0] >= MAX_PARTS:
            part.defects.append(f"more than {MAX_PARTS} parts; the rest ignored")
            break
        part.parts.append(_entity(data, child_start, child_end, child_type, depth + 1, counter))


def _spans(data: bytes, start: int, end: int, boundary: bytes) -> list | None:
    """``[closed, (start, end), ...]``: where each part's bytes lie between the boundary lines."""
    # A literal first, so the regex engine can skip ahead fast; "at the start of a line" is checked below.
    delimiter = re.compile(b"--" + re.escape(boundary) + rb"(--)?[ \t]*(?:\r?\n|\r?\Z)")
    spans: list = []
    part_start = None
    for match in delimiter.finditer(data, start, end):
        if len(spans) > MAX_PARTS:
            break
        if match.start() > start and data[match.start() - 1] != 0x0A:
            continue
        if part_start is not None:
            # The line break before a boundary line belongs to the boundary (RFC 2046 5.1.1).
            part_end = match.start()
            if part_end > part_start and data[part_end - 1] == 0x0A:
                part_end -= 1
                if part_end > part_start and data[part_end - 1] == 0x0D:
                    part_end -= 1
            spans.append((part_start, part_end))
        if match.group(1):
            return [True, *spans]  # without spans: a multipart with no parts, only its closing line
        part_start = match.end()
    if part_start is None:
        return None
    spans.append((part_start, end))
    return [False, *spans]


def decode_transfer(body: bytes, encoding: str, defects: list[str]) -> bytes:
    """Undo a Content-Transfer-Encoding; an unknown one leaves the bytes as they are."""
    if encoding == "base64":
        return _base64(body, defects)
    if encoding == "quoted-printable":
        return binascii.a2b_qp(body)
    if encoding in ("x-uuencode", "uuencode", "x-uue", "uue"):
        return _uudecode(body, defects)
    return body


def _base64(body: bytes, defects: list[str]) -> bytes:
    try:
        return binascii.a2b_base64(body)
    except binascii.Error:
        pass
    # Bad padding, or text appended after the data: keep the alphabet, pad to a whole quantum.
    clean = re.sub(rb"[^A-Za-z0-9+/]", b"", body.split(b"=", 1)[0])
    clean = clean[:len(clean) - len(clean) % 4 if len(clean) % 4 == 1 else len(clean)]
    defects.append("base64 with bad padding")
    try:
        return binascii.a2b_base64(clean + b"=" * (-len(clean) % 4))
    except binascii.Error:
        return b""


def _uudecode(body: bytes, defects: list[str]) -> bytes:
    out = bytearray()
    started = False
    for line in body.splitlines():
        if not started:
            started = line.startswith(b"begin ")
            continue
        if line.strip() in (b"end", b"`", b""):
            if line.strip() == b"end":
                break
            continue
        try:
            out += binascii.a2b_uu(line)
        except binascii.Error:
            defects.append("bad uuencoded line")
    return bytes(out)


#: The built-in extension table only, so a file's type does not depend on the machine's mime.types.
_TYPES = mimetypes.MimeTypes()


def type_of_file(name: str | None) -> str | None:
    """The content type a file name's extension means ("report.pdf": application/pdf), or None."""
    return _TYPES.guess_type(name)[0] if name else None

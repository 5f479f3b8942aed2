"""Building outgoing mail as bytes, fast.

Every header value here is our own, so the message is written directly
rather than through ``email.message`` objects, whose per-header policy
machinery costs more than the rest of processing a request. The rules it
keeps: no CR, LF or other control character reaches a header
(``header_safe``); non-ASCII header text is RFC 2047 encoded; header lines
are folded at spaces to 78 characters where they can be; bodies are UTF-8
quoted-printable (plain 7bit when ASCII with short lines); every line ends
in CRLF. The tests read each result back with the stdlib's strict parser.
"""
from __future__ import annotations

import binascii
import datetime as dt
import random
import re
from collections.abc import Sequence
from email import charset as _charset
from email.header import Header
from email.utils import format_datetime, formataddr

_UTF8_QP = _charset.Charset("utf-8")
_UTF8_QP.header_encoding = _charset.QP
_UTF8_QP.body_encoding = _charset.QP
ADDRESS_HEADERS = {"from", "to", "cc", "reply-to", "sender"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_FOLD_AT = 78
_MAX_LINE = 998


def header_safe(value: str) -> str:
    """A header value with CR, LF and other control characters replaced by spaces."""
    return " ".join(_CONTROL.sub(" ", value).split())


def mailbox(name: str, address: str) -> str:
    """``Name <address>`` with the name encoded if it is not ASCII."""
    name, address = header_safe(name), header_safe(address)
    return formataddr((name, address), charset="utf-8") if name else address


_last_date: tuple[dt.datetime | None, str] = (None, "")


def date_header(moment: dt.datetime) -> str:
    """The Date header of mail written at ``moment`` (RFC 5322, in ``moment``'s own zone).

    A message's replies and notices are all written at its one moment, so
    the text made last is kept for that same datetime object.
    """
    global _last_date
    last, text = _last_date
    if last is not moment:
        text = format_datetime(moment)
        _last_date = (moment, text)
    return text


_PLAIN = re.compile(r"[\x21-\x7e]+(?: [\x21-\x7e]+)*")  # printable ASCII words, single spaces


def _header_line(name: str, value: str) -> str:
    """One header field, folded, without the final CRLF."""
    if len(name) + len(value) + 2 <= _FOLD_AT and _PLAIN.fullmatch(value):
        return f"{name}: {value}"  # already safe, and short enough not to fold (most of our headers)
    value = header_safe(value)
    words = value.split(" ")
    encode = (not value.isascii() and name.lower() not in ADDRESS_HEADERS) or any(
        len(word) > _MAX_LINE - len(name) - 2 for word in words)
    if encode:
        return f"{name}: " + Header(value, _UTF8_QP, header_name=name).encode(linesep="\r\n")
    lines: list[str] = []
    current = f"{name}:"
    bare = True  # no word on the current line yet
    for word in words:
        if not bare and len(current) + 1 + len(word) > _FOLD_AT:
            lines.append(current)
            current = ""
        current = f"{current} {word}"
        bare = False
    lines.append(current)
    return "\r\n".join(lines)


def _part(text: str, subtype: str) -> tuple[list[str], bytes]:
    """Content headers and the encoded body of one text part."""
    data = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n").encode("utf-8")
    if text.isascii() and all(len(line) <= _MAX_LINE for line in data.split(b"\r\n")):
        headers = [f'Content-Type: text/{subtype}; charset="us-ascii"', "Content-Transfer-Encoding: 7bit"]
        return headers, data
    headers = [f'Content-Type: text/{subtype}; charset="utf-8"', "Content-Transfer-Encoding: quoted-printable"]
    return headers, binascii.b2a_qp(data, istext=True)


def _boundary(bodies: Sequence[bytes]) -> str:
    while True:
        boundary = f"==============={random.randrange(10**18, 10**19)}=="
        if not any(boundary.encode() in body for body in bodies):
            return boundary


def build_message(headers: Sequence[tuple[str, str]], text: str, html: str | None = None) -> bytes:
    """A complete message: headers (already formatted values), a text body and an optional HTML one."""
    lines = [_header_line(name, value) for name, value in headers]
    lines.append("MIME-Version: 1.0")
    parts = [_part(text, "plain")] if html is None else [_part(text, "plain"), _part(html, "html")]
    if html is None:
        part_headers, body = parts[0]
        return "\r\n".join([*lines, *part_headers, "", ""]).encode("utf-8") + body + _final_crlf(body)
    boundary = _boundary([body for _, body in parts])
    lines += [f'Content-Type: multipart/alternative; boundary="{boundary}"', ""]
    chunks = ["\r\n".join(lines).encode("utf-8")]
    for part_headers, body in parts:
        chunks.append(f"\r\n--{boundary}\r\n".encode() + "\r\n".join([*part_headers, "", ""]).encode() + body)
    chunks.append(f"\r\n--{boundary}--\r\n".encode())
    return b"".join(chunks)


def _final_crlf(body: bytes) -> bytes:
    return b"" if body.endswith(b"\r\n") else b"\r\n"

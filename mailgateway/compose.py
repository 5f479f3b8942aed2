"""Building outgoing mail as bytes, fast.

``policy.default``'s header objects parse every value we set, which costs
more than the rest of processing a request; here every value is our own, so
we use the classic ``email.mime`` classes (the ``compat32`` policy) and do
the one thing that parsing would have given us ourselves: no CR, LF or other
control character reaches a header. Non-ASCII text is RFC 2047 encoded;
bodies are UTF-8, quoted-printable, with CRLF line ends.
"""
from __future__ import annotations

from collections.abc import Sequence
from email import charset as _charset
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import formataddr

_UTF8_QP = _charset.Charset("utf-8")
_UTF8_QP.header_encoding = _charset.QP
_UTF8_QP.body_encoding = _charset.QP
_WIRE = compat32.clone(linesep="\r\n", max_line_length=78)
ADDRESS_HEADERS = {"from", "to", "cc", "reply-to", "sender"}


def header_safe(value: str) -> str:
    """A header value with CR, LF and other control characters replaced by spaces."""
    return " ".join("".join(ch if ch >= " " and ch != "\x7f" else " " for ch in value).split())


def mailbox(name: str, address: str) -> str:
    """``Name <address>`` with the name encoded if it is not ASCII."""
    name, address = header_safe(name), header_safe(address)
    return formataddr((name, address), charset="utf-8") if name else address


def _encoded(name: str, value: str) -> str | Header:
    value = header_safe(value)
    if value.isascii() or name.lower() in ADDRESS_HEADERS:
        return value
    return Header(value, _UTF8_QP, header_name=name)


def _text_part(text: str, subtype: str) -> MIMEText:
    if text.isascii():
        return MIMEText(text, subtype, "us-ascii")
    return MIMEText(text, subtype, _UTF8_QP)


def build_message(headers: Sequence[tuple[str, str]], text: str, html: str | None = None) -> bytes:
    """A complete message: headers (already formatted values), a text body and an optional HTML one."""
    if html is None:
        message = _text_part(text, "plain")
    else:
        message = MIMEMultipart("alternative")
        message.attach(_text_part(text, "plain"))
        message.attach(_text_part(html, "html"))
    for name, value in headers:
        message[name] = _encoded(name, value)
    return message.as_bytes(policy=_WIRE)

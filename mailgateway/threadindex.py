"""Outlook's Thread-Index header: which conversation a message belongs to.

The value is base64: a 22-byte header (a FILETIME and a GUID) names the
conversation, and each reply appends a 5-byte block. Outlook keeps the
22-byte header on every reply, even when the subject was changed and the
References were dropped, so it ties a reply to its thread.
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt

_HEADER = 22
_BLOCK = 5
_FILETIME_EPOCH = dt.datetime(1601, 1, 1, tzinfo=dt.timezone.utc)


def _decode(value: str) -> bytes | None:
    compact = "".join(value.split())
    try:
        raw = base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) < _HEADER or (len(raw) - _HEADER) % _BLOCK:
        return None
    return raw


def conversation(value: str | None) -> str | None:
    """The conversation's identity (the 22-byte header, hex), or None if the value is not a Thread-Index."""
    raw = _decode(value or "")
    return raw[:_HEADER].hex() if raw else None


def reply_index(value: str | None, now: dt.datetime) -> str | None:
    """The Thread-Index of a reply to a message with this one: the same conversation, one block more."""
    raw = _decode(value or "")
    if raw is None:
        return None
    started = int.from_bytes(raw[:6] + b"\x00\x00", "big")  # FILETIME, the top 6 of 8 bytes
    elapsed = max(0, int((now - _FILETIME_EPOCH).total_seconds() * 10_000_000) - started)
    # A child block: 1 bit of format, 31 bits of elapsed time (units of 2**18 ticks), 8 random-ish bits.
    block = ((elapsed >> 18) & 0x7FFFFFFF).to_bytes(4, "big") + bytes([len(raw) % 256])
    return base64.b64encode(raw + block).decode()

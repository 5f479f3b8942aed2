"""The files inside a TNEF attachment (``winmail.dat``, ``application/ms-tnef``).

Outlook wraps the attachments of a "rich text" message in TNEF, so the mail
shows one opaque ``winmail.dat`` where the sender attached a PDF and a
spreadsheet. This reads the stream as described in [MS-OXTNEF] and lists the
files in it with their real names: the long name from the attachment's MAPI
properties where there is one, else the 8.3 title. Only names, types and
sizes are needed, so bodies (RTF) and message properties are skipped.

A small reader of our own: the TNEF library on PyPI has had no release since
2021, and this needs a fraction of it.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

from mailgateway.mime import type_of_file

SIGNATURE = 0x223E9F78
_LEVEL_ATTACHMENT = 0x02
_ATT_ATTACH_RENDDATA = 0x9002  # starts each attachment
_ATT_ATTACH_TITLE = 0x8010
_ATT_ATTACH_DATA = 0x800F
_ATT_ATTACHMENT = 0x9005  # the attachment's MAPI properties
_ATT_OEM_CODEPAGE = 0x9007

_PR_ATTACH_DATA = 0x3701
_PR_ATTACH_FILENAME = 0x3704
_PR_ATTACH_LONG_FILENAME = 0x3707
_PR_ATTACH_MIME_TAG = 0x370E
_PR_DISPLAY_NAME = 0x3001

_FIXED_SIZES = {0x0002: 4, 0x0003: 4, 0x0004: 4, 0x0005: 8, 0x0006: 8, 0x0007: 8, 0x000A: 4, 0x000B: 4,
                0x0014: 8, 0x0040: 8, 0x0048: 16, 0x0001: 0, 0x0000: 0}
_STRING8, _UNICODE, _BINARY, _OBJECT = 0x001E, 0x001F, 0x0102, 0x000D
_VARIABLE = {_STRING8, _UNICODE, _BINARY, _OBJECT}


class TnefError(ValueError):
    """The bytes are not a TNEF stream."""


@dataclass(frozen=True)
class TnefFile:
    filename: str | None
    content_type: str
    size: int


class _Attachment:
    def __init__(self) -> None:
        self.title: str | None = None
        self.long_name: str | None = None
        self.mime_tag: str | None = None
        self.size: int | None = None

    def file(self) -> TnefFile:
        name = self.long_name or self.title or None
        content_type = (self.mime_tag or type_of_file(name)
                        or "application/octet-stream")
        return TnefFile(name, content_type.lower(), self.size or 0)


def files(data: bytes) -> list[TnefFile]:
    """The attached files, in order. Raises ``TnefError`` when ``data`` is not TNEF;
    a stream cut short gives the files read so far."""
    if len(data) < 6 or struct.unpack_from("<I", data)[0] != SIGNATURE:
        raise TnefError("no TNEF signature")
    codepage = "cp1252"
    attachments: list[_Attachment] = []
    position = 6
    while position + 9 <= len(data):
        level, attribute, length = struct.unpack_from("<BII", data, position)
        start = position + 9
        value = data[start:start + length]
        position = start + length + 2  # the value, then a checksum we do not need
        attribute_id = attribute & 0xFFFF
        if attribute_id == _ATT_OEM_CODEPAGE and len(value) >= 4:
            codepage = f"cp{struct.unpack_from('<I', value)[0]}"
        if level != _LEVEL_ATTACHMENT:
            continue
        if attribute_id == _ATT_ATTACH_RENDDATA or not attachments:
            attachments.append(_Attachment())
        current = attachments[-1]
        if attribute_id == _ATT_ATTACH_TITLE:
            current.title = _string8(value, codepage)
        elif attribute_id == _ATT_ATTACH_DATA:
            current.size = len(value)
        elif attribute_id == _ATT_ATTACHMENT:
            _read_properties(value, current, codepage)
    return [attachment.file() for attachment in attachments
            if attachment.size is not None or attachment.title or attachment.long_name]


def _string8(value: bytes, codepage: str) -> str:
    value = value.split(b"\x00", 1)[0]
    try:
        return value.decode(codepage).strip()
    except (LookupError, UnicodeDecodeError):
        return value.decode("cp1252", "replace").strip()


def _read_properties(block: bytes, attachment: _Attachment, codepage: str) -> None:
    """Take names, MIME type and data size from a MAPI property list; stop quietly where it is cut short."""
    try:
        count, = struct.unpack_from("<I", block)
        position = 4
        for _ in range(count):
            kind, prop_id = struct.unpack_from("<HH", block, position)
            position += 4
            if prop_id >= 0x8000:  # a named property: GUID, then a number or a UTF-16 name
                name_kind, = struct.unpack_from("<I", block, position + 16)
                position += 20
                if name_kind == 0:
                    position += 4
                else:
                    name_length, = struct.unpack_from("<I", block, position)
                    position += 4 + _padded(name_length)
            values, position = _values(block, position, kind)
            if values:
                _note(attachment, prop_id, kind & 0x0FFF, values[0], codepage)
    except struct.error:
        return


def _values(block: bytes, position: int, kind: int) -> tuple[list[bytes], int]:
    base = kind & 0x0FFF
    multiple = bool(kind & 0x1000)
    count = 1
    if multiple or base in _VARIABLE:
        count, = struct.unpack_from("<I", block, position)
        position += 4
    values = []
    for _ in range(count):
        if base in _VARIABLE:
            length, = struct.unpack_from("<I", block, position)
            position += 4
            values.append(block[position:position + length])
            position += _padded(length)
        else:
            size = _FIXED_SIZES.get(base)
            if size is None:
                raise struct.error(f"unknown MAPI property type {base:#x}")
            values.append(block[position:position + size])
            position += size
    if position > len(block):
        raise struct.error("property list cut short")
    return values, position


def _padded(length: int) -> int:
    return (length + 3) & ~3


def _note(attachment: _Attachment, prop_id: int, base: int, value: bytes, codepage: str) -> None:
    if prop_id == _PR_ATTACH_DATA:
        # An embedded object starts with the 16-byte IID of its interface.
        attachment.size = len(value) - 16 if base == _OBJECT and len(value) >= 16 else len(value)
        return
    if base not in (_STRING8, _UNICODE):
        return
    text = (value.decode("utf-16-le", "replace").split("\x00", 1)[0].strip() if base == _UNICODE
            else _string8(value, codepage))
    if prop_id == _PR_ATTACH_LONG_FILENAME and text:
        attachment.long_name = text
    elif prop_id in (_PR_ATTACH_FILENAME, _PR_DISPLAY_NAME) and text and not attachment.title:
        attachment.title = text
    elif prop_id == _PR_ATTACH_MIME_TAG and text:
        attachment.mime_tag = text

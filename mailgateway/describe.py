"""One message as a JSON-ready record: what ``helpdesk parse --json`` prints for each file.

Ids keep their angle brackets, the date is ISO 8601 with the offset the
message gave, and a file that cannot be read or is not a message gives
``{"file": ..., "error": ...}`` instead.
"""
from __future__ import annotations

from pathlib import Path

from mailgateway.hygiene import classify
from mailgateway.parse import Mailbox, ParsedMessage, ParseError, parse


def describe(raw: bytes) -> dict:
    """The parsed fields and the classification of one message; raises ``ParseError`` for a non-message."""
    parsed = parse(raw)
    return {**_fields(parsed), "classification": classify(parsed).as_record(), "defects": list(parsed.defects)}


def describe_file(path: str | Path) -> dict:
    """``describe`` for a file; a file that cannot be read or parsed gives an error record."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        return {"file": str(path), "error": exc.strerror or str(exc)}
    try:
        return describe(raw)
    except ParseError as exc:
        return {"file": str(path), "error": f"not a message: {exc}"}
    except Exception as exc:  # one bad file must not end the listing of the others
        return {"file": str(path), "error": f"{type(exc).__name__}: {exc}"}


def _fields(parsed: ParsedMessage) -> dict:
    return {
        "from": _box(parsed.sender),
        "to": [_box(box) for box in parsed.to],
        "cc": [_box(box) for box in parsed.cc],
        "reply_to": [_box(box) for box in parsed.reply_to],
        "subject": parsed.subject,
        "message_id": parsed.message_id,
        "in_reply_to": parsed.in_reply_to,
        "references": list(parsed.references),
        "date": parsed.date.isoformat() if parsed.date else None,
        "text": parsed.text,
        "html": parsed.html,
        "visible_text": parsed.visible_text,
        "attachments": [{"filename": a.filename, "content_type": a.content_type, "size": a.size,
                         "disposition": a.disposition} for a in parsed.attachments],
    }


def _box(box: Mailbox) -> dict:
    return {"email": box.email, "name": box.name}

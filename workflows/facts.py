"""The facts the rules see about one message (see ``rules.facts`` for the fields).

One function, used by the pipeline, by ``helpdesk rules test``/``check`` (the
rule files' examples) and by ``helpdesk rules replay``, so that a rule
decides the same way wherever it is tried.
"""
from __future__ import annotations

import datetime as dt
import re

from mailgateway.parse import ParsedMessage
from workflows.calendar import BusinessCalendar
from workflows.directory import Directory

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_X_PRIORITY = re.compile(r"^\s*(\d)")


def message_facts(
    parsed: ParsedMessage,
    *,
    kind: str,
    department: str,
    address: str,
    at: dt.datetime,
    calendar: BusinessCalendar | None = None,
    directory: Directory | None = None,
) -> dict[str, object]:
    """The facts of ``parsed``, sent to ``address`` (department ``department``), arriving ``at``.

    ``kind`` is the message's classification (normal, autoreply, bounce ...);
    arrival is judged on ``calendar`` (UTC and always open without one); the
    requester fields come from ``directory`` when the sender is listed.
    """
    sender = parsed.sender.email.lower()
    facts: dict[str, object] = {
        "department": department,
        "to_address": address,
        "to": ", ".join(box.email for box in parsed.to),
        "cc": ", ".join(box.email for box in parsed.cc),
        "sender": sender,
        "sender_domain": sender.rpartition("@")[2],
        "subject": parsed.subject,
        "body": parsed.visible_text or parsed.text,
        "attachment_count": len(parsed.attachments),
        "attachment_types": " ".join(_attachment_words(parsed)),
        "importance": importance(parsed.headers),
        "classification": kind,
    }
    local = calendar.in_zone(at) if calendar is not None else at.astimezone(dt.timezone.utc)
    facts["weekday"] = WEEKDAYS[local.weekday()]
    facts["hour"] = local.hour
    facts["business_hours"] = calendar.is_open(at) if calendar is not None else True
    person = directory.get(sender) if directory is not None else None
    if person is not None:
        facts.update(
            requester_name=person.name,
            requester_department=person.department,
            requester_manager=person.manager,
            requester_location=person.location,
            requester_vip=person.vip,
        )
    return facts


def importance(headers: dict[str, str]) -> str:
    """``high``, ``normal`` or ``low``, from Importance, X-Priority, Priority or X-MSMail-Priority."""
    value = headers.get("importance", "").strip().lower()
    if value in ("high", "low", "normal"):
        return value
    number = _X_PRIORITY.match(headers.get("x-priority", ""))
    if number:
        level = int(number.group(1))
        return "high" if level <= 2 else "low" if level >= 4 else "normal"
    value = headers.get("priority", "").strip().lower()
    if value in ("urgent", "non-urgent"):
        return "high" if value == "urgent" else "low"
    value = headers.get("x-msmail-priority", "").strip().lower()
    return value if value in ("high", "low") else "normal"


def _attachment_words(parsed: ParsedMessage):
    for attachment in parsed.attachments:
        yield attachment.content_type.lower()
        if attachment.filename:
            yield attachment.filename

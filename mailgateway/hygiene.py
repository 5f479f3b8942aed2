"""Mail hygiene: tell people's mail from machines' mail, so we never answer a machine.

RFC 3834 (Auto-Submitted), RFC 3464 (delivery status reports) and the
headers real autoresponders and list servers set.
"""
from __future__ import annotations

import re

from mailgateway.parse import ParsedMessage

_AUTOREPLY_SUBJECT = re.compile(
    r"^\s*(out of (the )?office|automatic reply|auto(matic)?[- ]?reply|autoresponse|abwesenheitsnotiz"
    r"|automatische antwort|r[ée]ponse automatique|absence|respuesta autom[áa]tica|fuori sede)\b",
    re.IGNORECASE,
)
_DAEMONS = ("mailer-daemon@", "postmaster@")


def classify_message(parsed: ParsedMessage, envelope_from: str) -> str:
    """``normal``, ``autoreply``, ``bounce`` or ``bulk``."""
    headers = parsed.headers
    content_type = headers.get("content-type", "").lower()
    sender = parsed.sender.email
    if "report-type=delivery-status" in content_type.replace(" ", "").replace('"', ""):
        return "bounce"
    if not envelope_from and (sender.startswith(_DAEMONS) or "multipart/report" in content_type):
        return "bounce"
    if sender.startswith(_DAEMONS):
        return "bounce"
    auto_submitted = headers.get("auto-submitted", "no").strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return "autoreply"
    if "x-autoreply" in headers or "x-autorespond" in headers:
        return "autoreply"
    precedence = headers.get("precedence", "").strip().lower()
    if precedence == "auto_reply" or _AUTOREPLY_SUBJECT.match(parsed.subject):
        return "autoreply"
    if precedence in {"bulk", "list", "junk"} or "list-id" in headers or "list-unsubscribe" in headers:
        return "bulk"
    return "normal"

"""Mail hygiene: tell people's mail from machines' mail, so we never answer a machine.

RFC 3834 (Auto-Submitted), RFC 3464 (delivery status reports) and the
headers real autoresponders and list servers set.
"""
from __future__ import annotations

import re

from mailgateway.parse import ParsedMessage

_AUTOREPLY_SUBJECT = re.compile(
    r"^\s*(out of (the )?office|automatic reply|auto(matic)?[- ]?reply|autoresponse|abwesenheitsnotiz"
    r"|automatische antwort|r[ée]ponse automatique|absent(e)? du bureau|respuesta autom[áa]tica|fuori sede)\b",
    re.IGNORECASE,
)
_DAEMONS = ("mailer-daemon@", "postmaster@")


def classify_message(parsed: ParsedMessage, envelope_from: str) -> str:
    """``normal``, ``autoreply``, ``bounce`` or ``bulk``."""
    headers = parsed.headers
    content_type = headers.get("content-type", "").lower()
    sender = parsed.sender.email
    # The null reverse-path (RFC 5321 4.5.5) arrives as "" or, from aiosmtpd, as "<>".
    null_sender = envelope_from.strip() in ("", "<>")
    if "report-type=delivery-status" in content_type.replace(" ", "").replace('"', ""):
        return "bounce"
    if null_sender and (sender.startswith(_DAEMONS) or "multipart/report" in content_type):
        return "bounce"
    if sender.startswith(_DAEMONS):
        return "bounce"
    # RFC 3834 5: any value but "no" (a comment or parameters may follow) is automatic.
    auto_submitted = re.split(r"[\s;(]", headers.get("auto-submitted", "no").strip().lower(), maxsplit=1)[0]
    if auto_submitted and auto_submitted != "no":
        return "autoreply"
    if "x-autoreply" in headers or "x-autorespond" in headers:
        return "autoreply"
    precedence = headers.get("precedence", "").strip().lower()
    if precedence == "auto_reply" or _AUTOREPLY_SUBJECT.match(parsed.subject):
        return "autoreply"
    if precedence in {"bulk", "list", "junk"} or "list-id" in headers or "list-unsubscribe" in headers:
        return "bulk"
    return "normal"

"""Outgoing mail: render a template and build the message and its outbox row."""
from __future__ import annotations

import datetime as dt
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from mailgateway.parse import POLICY, SMTP_POLICY, ParsedMessage
from storage import Message, Outbox, OutboxStatus, Ticket
from workflows.services import Department, Services
from workflows.sla import describe_promise


def header_safe(value: str) -> str:
    """A header value with CR, LF and other control characters removed."""
    return "".join(ch if ch >= " " and ch != "\x7f" else " " for ch in value).strip()


def tagged_subject(key: str, subject: str) -> str:
    subject = header_safe(subject) or "(no subject)"
    tag = f"[{key}]"
    return subject if tag in subject else f"{tag} {subject}"


def acknowledgement(services: Services, department: Department, ticket: Ticket,
                    parsed: ParsedMessage, now: dt.datetime) -> tuple[Outbox, Message]:
    """The acknowledgement of a new ticket, ready for the outbox."""
    rule = department.sla[ticket.priority]
    context = {
        "ticket_key": ticket.key,
        "requester_name": ticket.requester_name,
        "subject": ticket.subject,
        "category": ticket.category,
        "priority": ticket.priority,
        "department_name": department.display_name,
        "organisation": services.organisation,
        "first_response_promise": describe_promise(rule.calendar, rule.target.first_response,
                                                   ticket.first_response_due, now=now),
        "resolution_promise": describe_promise(rule.calendar, rule.target.resolution,
                                               ticket.resolution_due, now=now),
    }
    rendered = services.renderer.render("acknowledgement", context)
    mail = _compose(services, department, ticket, parsed, now, rendered)
    outbox = Outbox(ticket=ticket, created_at=now, kind="acknowledgement", mail_from="",
                    rcpt_to=[ticket.requester_email], message_id=mail["Message-ID"],
                    raw=mail.as_bytes(policy=SMTP_POLICY), status=OutboxStatus.PENDING.value, attempts=0, next_attempt_at=now)
    message = Message(ticket=ticket, direction="out", message_id=mail["Message-ID"],
                      sender=department.address, subject=mail["Subject"], body_text=rendered.text,
                      created_at=now)
    return outbox, message


def _mailbox(name: str, address: str) -> Address | str:
    try:
        return Address(header_safe(name), addr_spec=address)
    except (ValueError, IndexError):
        return header_safe(address)


def _compose(services, department, ticket, parsed, now, rendered) -> EmailMessage:
    mail = EmailMessage(policy=POLICY)
    mail["From"] = _mailbox(department.display_name, department.address)
    mail["To"] = _mailbox(ticket.requester_name, ticket.requester_email)
    mail["Subject"] = tagged_subject(ticket.key, parsed.subject)
    mail["Date"] = format_datetime(now)
    mail["Message-ID"] = make_msgid(idstring=ticket.key.lower(), domain=services.domain)
    if parsed.message_id:
        mail["In-Reply-To"] = parsed.message_id
        mail["References"] = " ".join([*parsed.references[-10:], parsed.message_id])
    # RFC 3834: an automatic reply, which other automata must not answer.
    mail["Auto-Submitted"] = "auto-replied"
    mail["X-Auto-Response-Suppress"] = "All"
    mail["X-Helpdesk-Ticket"] = ticket.key
    mail.set_content(rendered.text)
    if rendered.html is not None:
        mail.add_alternative(rendered.html, subtype="html")
    return mail

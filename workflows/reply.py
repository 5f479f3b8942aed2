"""Outgoing mail: render a template and build the message and its outbox row."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from mailgateway.compose import build_message, date_header, header_safe, mailbox
from mailgateway.threadindex import conversation, reply_index
from mailgateway.parse import ParsedMessage
from storage import OutboxStatus, Ticket
from workflows.services import Department, Services
from workflows.sla import describe_promise


def tagged_subject(key: str, subject: str) -> str:
    subject = header_safe(subject) or "(no subject)"
    tag = f"[{key}]"
    return subject if tag in subject else f"{tag} {subject}"


def acknowledgement(services: Services, department: Department, ticket: Ticket,
                    parsed: ParsedMessage, now: dt.datetime,
                    also: Sequence[tuple[Ticket, Department]] = (),
                    template: str = "acknowledgement") -> tuple[dict, dict]:
    """The acknowledgement of a new ticket: its outbox row and its message row (without ticket_id).

    ``also``: the child tickets of the same request in other departments, named in the one reply;
    ``template``: the template to render (a rule may choose another than the default).
    """
    rule = services.sla_rule(department, ticket.priority, ticket.sla_policy)
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
        "also": [_also(services, child, child_department, now) for child, child_department in also],
        "articles": [article.as_context() for article in services.knowledge_base.suggest(
            department.key, ticket.category, f"{ticket.subject}\n{parsed.visible_text or parsed.text}")],
    }
    rendered = services.renderer.render(template, context)
    message_id = services.tokens.message_id(ticket.key)
    reply_to = services.tokens.reply_address(department.address, ticket.key)
    headers = _headers(department, ticket, parsed, now, message_id, reply_to)
    raw = build_message(headers, rendered.text, rendered.html)
    outbox = {"created_at": now, "kind": "acknowledgement", "mail_from": "", "rcpt_to": [ticket.requester_email],
              "message_id": message_id, "raw": raw, "status": OutboxStatus.PENDING.value, "attempts": 0,
              "next_attempt_at": now}
    message = {"inbound_id": None, "direction": "out", "message_id": message_id, "sender": department.address,
               "subject": dict(headers)["Subject"], "body_text": rendered.text, "created_at": now,
               "conversation": conversation(dict(headers).get("Thread-Index"))}
    return outbox, message


def _also(services: Services, ticket: Ticket, department: Department, now: dt.datetime) -> dict:
    rule = services.sla_rule(department, ticket.priority, ticket.sla_policy)
    return {"ticket_key": ticket.key, "department_name": department.display_name, "priority": ticket.priority,
            "resolution_promise": describe_promise(rule.calendar, rule.target.resolution, ticket.resolution_due,
                                                   now=now)}


def _headers(department: Department, ticket: Ticket, parsed: ParsedMessage, now: dt.datetime,
             message_id: str, reply_to: str) -> list[tuple[str, str]]:
    headers = [
        ("From", mailbox(department.display_name, department.address)),
        ("Reply-To", mailbox(department.display_name, reply_to)),
        ("To", mailbox(ticket.requester_name, ticket.requester_email)),
        ("Subject", tagged_subject(ticket.key, parsed.subject)),
        ("Date", date_header(now)),
        ("Message-ID", message_id),
    ]
    thread_index = reply_index(parsed.headers.get("thread-index"), now)
    if thread_index:  # Outlook keeps the conversation on replies to this one
        headers += [("Thread-Index", thread_index), ("Thread-Topic", parsed.subject)]
    if parsed.message_id:
        headers.append(("In-Reply-To", parsed.message_id))
        headers.append(("References", " ".join([*parsed.references[-10:], parsed.message_id])))
    # RFC 3834: an automatic reply, which other automata must not answer.
    headers += [("Auto-Submitted", "auto-replied"), ("X-Auto-Response-Suppress", "All"),
                ("X-Helpdesk-Ticket", ticket.key)]
    return headers

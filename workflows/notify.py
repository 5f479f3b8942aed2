"""Notices about a ticket's SLA: the outbox rows of warnings, escalations, reminders, resolutions and new promises.

Each function renders a template in the sandbox (``workflows/templates``:
text, and an autoescaped HTML alternative) and returns the values of one
outbox row, without ``ticket_id`` (the caller writes it with the ticket).
Every header value is stripped of CR/LF. Every message carries a signed
Message-ID and Reply-To of its ticket (``services.tokens``), so an answer
threads onto the ticket even with a changed subject; notices to an agent of
the department get the reply address signed for that agent, so their answer
counts as an agent's. Nothing here was written by a person in reply to a
message, so everything is ``Auto-Submitted: auto-generated`` (RFC 3834) and
goes with a null return path, like the acknowledgement.

Agent-facing: :func:`warning_notice` (a share of a target is used up) and
:func:`escalation_notice` (a target was breached). Requester-facing:
:func:`reminder_notice` (we wait for your answer), :func:`closed_notice`
(closed without your answer), :func:`resolution_notice` (resolved; rate us
1-5 with one click), :func:`new_promise_notice` (the due times moved) and
:func:`quarantine_notice` (your message waits for a person; it has no ticket).
"""
from __future__ import annotations

import datetime as dt
from email.utils import make_msgid
from urllib.parse import quote, urlencode

from mailgateway.compose import build_message, date_header, header_safe, mailbox
from storage import OutboxStatus, Ticket
from workflows.agentmail import due_text, ticket_mail
from workflows.reply import tagged_subject
from workflows.services import Department, Services
from workflows.sla import describe_duration, describe_promise, describe_when

TARGET_NAMES = {"first_response": "first response", "resolution": "resolution"}
RATINGS = ((1, "very dissatisfied"), (2, "dissatisfied"), (3, "neither"), (4, "satisfied"), (5, "very satisfied"))


def warning_notice(services: Services, department: Department, ticket: Ticket, recipient: str, *, target: str,
                   due: dt.datetime, share: float, now: dt.datetime) -> dict:
    """Tell ``recipient`` (the assignee, or whoever stands in) that ``share`` of a target is used."""
    rule = services.sla_rule(department, ticket.priority, ticket.sla_policy)
    left = rule.calendar.elapsed(now, due)
    context = {**_internal(department, ticket), "target_name": TARGET_NAMES[target], "due": due_text(department, due),
               "left": describe_duration(left - left % dt.timedelta(minutes=1), not rule.calendar.always_open),
               "share": round(share * 100)}
    subject = f"[{ticket.key}] SLA warning: {TARGET_NAMES[target]} due {context['due']} ({ticket.priority}) " \
              f"{header_safe(ticket.subject) or '(no subject)'}"
    return _agent_mail(services, department, ticket, recipient, "sla_warning", "warning", context, subject, now)


def escalation_notice(services: Services, department: Department, ticket: Ticket, recipient: str, *, target: str,
                      due: dt.datetime, previous_priority: str, now: dt.datetime) -> dict:
    """Tell ``recipient`` (team lead, manager, watcher, assignee) that a target of the ticket was breached."""
    context = {**_internal(department, ticket), "target_name": TARGET_NAMES[target], "due": due_text(department, due),
               "previous_priority": previous_priority, "raised": previous_priority != ticket.priority}
    subject = f"[{ticket.key}] Escalated: {TARGET_NAMES[target]} overdue ({ticket.priority}) " \
              f"{header_safe(ticket.subject) or '(no subject)'}"
    return _agent_mail(services, department, ticket, recipient, "escalation", "escalation", context, subject, now)


def reminder_notice(services: Services, department: Department, ticket: Ticket, *, close_at: dt.datetime,
                    now: dt.datetime) -> dict:
    """Remind the requester that the ticket waits for their answer, and when it closes without one."""
    calendar = services.sla_rule(department, ticket.priority, ticket.sla_policy).calendar
    context = {**_requester(services, department, ticket),
               "close_on": describe_when(department.calendar or calendar, close_at, now)}
    subject = tagged_subject(ticket.key, f"Waiting for your answer: {ticket.subject or '(no subject)'}")
    return _requester_mail(services, department, ticket, "reminder", "reminder", context, subject, now)


def closed_notice(services: Services, department: Department, ticket: Ticket, *, waited_days: int,
                  now: dt.datetime) -> dict:
    """Tell the requester the ticket closed because they did not answer; a reply opens a linked ticket."""
    context = {**_requester(services, department, ticket), "waited_days": waited_days}
    subject = tagged_subject(ticket.key, f"Closed without your answer: {ticket.subject or '(no subject)'}")
    return _requester_mail(services, department, ticket, "closed", "closed", context, subject, now)


def quarantine_notice(services: Services, department: Department, *, to: str, to_name: str, subject: str,
                      reason: str, now: dt.datetime) -> dict:
    """Tell a sender their message was set aside for a person: an outbox row with no ticket.

    ``reason`` is shown to the sender as it is, so it must be written for them (a rule's
    ``quarantine`` text, or a plain sentence), never an internal error message.
    """
    context = {"requester_name": to_name, "subject": subject, "reason": reason,
               "department_name": department.display_name, "organisation": services.organisation}
    rendered = services.renderer.render("quarantine", context)
    message_id = make_msgid("quarantine", domain=services.tokens.domain)
    headers = [
        ("From", mailbox(department.display_name, department.address)),
        ("To", mailbox(to_name, to)),
        ("Subject", header_safe(f"Held for review: {subject or '(no subject)'}")),
        ("Date", date_header(now)),
        ("Message-ID", message_id),
        ("Auto-Submitted", "auto-replied"),
        ("X-Auto-Response-Suppress", "All"),
    ]
    return {"created_at": now, "kind": "quarantine", "mail_from": "", "rcpt_to": [header_safe(to)],
            "message_id": message_id, "raw": build_message(headers, rendered.text, rendered.html),
            "status": OutboxStatus.PENDING.value, "attempts": 0, "next_attempt_at": now}


def resolution_notice(services: Services, department: Department, ticket: Ticket, now: dt.datetime) -> dict:
    """Tell the requester the ticket is resolved and ask for a rating: five one-click ``mailto:`` links."""
    reply_to = services.tokens.reply_address(department.address, ticket.key)
    context = {**_requester(services, department, ticket), "reopen_days": services.reopen_window.days,
               "ratings": [{"score": score, "label": label, "link": rating_link(reply_to, ticket.key, score)}
                           for score, label in RATINGS]}
    subject = tagged_subject(ticket.key, f"Resolved: {ticket.subject or '(no subject)'}")
    return _requester_mail(services, department, ticket, "resolution", "resolution", context, subject, now)


def new_promise_notice(services: Services, department: Department, ticket: Ticket, now: dt.datetime) -> dict:
    """Tell the requester the ticket's due times after they moved (priority changed, escalation).

    A due time already past is not promised again: the mail says it is late instead.
    """
    rule = services.sla_rule(department, ticket.priority, ticket.sla_policy)
    promises = {}
    for name, due, done, target in (
        ("first_response_promise", ticket.first_response_due, ticket.first_responded_at, rule.target.first_response),
        ("resolution_promise", ticket.resolution_due, ticket.resolved_at, rule.target.resolution),
    ):
        late = due is not None and due <= now
        promises[name] = None if done is not None or due is None or late else \
            describe_promise(rule.calendar, target, due, now=now)
        promises[name.replace("promise", "late")] = done is None and late
    context = {**_requester(services, department, ticket), **promises}
    subject = tagged_subject(ticket.key, f"New due time: {ticket.subject or '(no subject)'}")
    return _requester_mail(services, department, ticket, "new_promise", "new_promise", context, subject, now)


def rating_link(reply_address: str, key: str, score: int) -> str:
    """``mailto:`` the ticket's reply address with "Rating N [KEY]" as subject and N as body (RFC 6068)."""
    query = urlencode({"subject": f"Rating {score} [{key}]", "body": str(score)}, quote_via=quote)
    return f"mailto:{quote(reply_address, safe='@+')}?{query}"


def _requester(services: Services, department: Department, ticket: Ticket) -> dict:
    return {"ticket_key": ticket.key, "requester_name": ticket.requester_name, "subject": ticket.subject,
            "priority": ticket.priority, "department_name": department.display_name,
            "organisation": services.organisation}


def _internal(department: Department, ticket: Ticket) -> dict:
    return {"ticket_key": ticket.key, "department_name": department.display_name,
            "requester_name": ticket.requester_name, "requester_email": ticket.requester_email,
            "subject": ticket.subject, "category": ticket.category, "priority": ticket.priority,
            "state": ticket.state, "assigned_to": ticket.assignee, "team": ticket.team,
            "first_response_due": "met" if ticket.first_responded_at else due_text(department, ticket.first_response_due),
            "resolution_due": due_text(department, ticket.resolution_due)}


def _agent_mail(services: Services, department: Department, ticket: Ticket, recipient: str, kind: str,
                template: str, context: dict, subject: str, now: dt.datetime) -> dict:
    agent = services.is_agent(recipient, department.key)
    if agent:  # their answer counts as an agent's (commands, first response)
        reply_to = services.tokens.agent_address(department.address, ticket.key, recipient)
    else:
        reply_to = services.tokens.reply_address(department.address, ticket.key)
    rendered = services.renderer.render(template, {**context, "agent_reply": agent})
    return ticket_mail(services, department, ticket, now, kind=kind, to=recipient, subject=subject,
                   reply_to=reply_to, text=rendered.text, html=rendered.html, auto="auto-generated")


def _requester_mail(services: Services, department: Department, ticket: Ticket, kind: str, template: str,
                    context: dict, subject: str, now: dt.datetime) -> dict:
    rendered = services.renderer.render(template, context)
    return ticket_mail(services, department, ticket, now, kind=kind, to=ticket.requester_email,
                       to_name=ticket.requester_name, subject=subject,
                       reply_to=services.tokens.reply_address(department.address, ticket.key),
                       text=rendered.text, html=rendered.html, auto="auto-generated")

"""Agents work tickets by email: notices to them, their answers to the requester, their commands.

An agent hears of a new ticket (and of each later mail from the requester)
by a notice whose Reply-To is an address signed for that agent only
(``TicketTokens.agent_address``). Replying to it answers the requester; the
first lines of the reply may hold commands::

    #resolve            #waiting            #priority P1
    #assign alex.berg   #department facilities (or #dept)
    #note (the rest of the mail is an internal note)

All text here comes from people: it is passed to templates as data, never
compiled as a template, and every header value is stripped of CR/LF.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from mailgateway.compose import build_message, date_header, header_safe, mailbox
from storage import OutboxStatus, Ticket
from workflows.reply import tagged_subject
from workflows.services import Department, Services

_COMMAND = re.compile(r"^#([A-Za-z][A-Za-z_-]*)\b[ \t]*(.*)$")
COMMANDS = ("resolve", "waiting", "priority", "assign", "department", "note")
_EXCERPT = 4000


@dataclass
class AgentMail:
    """An agent's mail split into its commands and what is left of the text."""

    commands: list[tuple[str, str]] = field(default_factory=list)
    text: str = ""

    @property
    def is_note(self) -> bool:
        return any(name == "note" for name, _ in self.commands)


def split_commands(text: str) -> AgentMail:
    """The ``#commands`` on the first lines of ``text`` (blank lines between them allowed), and the rest.

    ``#note`` ends the commands: whatever follows it, on its line and below,
    is the note. A line that is not a command ends the commands too.
    """
    mail = AgentMail()
    lines = text.replace("\r\n", "\n").split("\n")
    index = 0
    while index < len(lines):
        line = lines[index].strip()
        if not line:
            index += 1
            continue
        match = _COMMAND.match(line)
        if not match:
            break
        name, argument = match.group(1).lower(), match.group(2).strip()
        index += 1
        if name == "note":
            mail.commands.append((name, ""))
            rest = [argument] if argument else []
            mail.text = "\n".join(rest + lines[index:]).strip()
            return mail
        mail.commands.append((name, argument))
    mail.text = "\n".join(lines[index:]).strip()
    return mail


def agent_notice(services: Services, department: Department, ticket: Ticket, agent: str, text: str,
                 now: dt.datetime, *, kind: str) -> dict:
    """The outbox row telling ``agent`` about a new ticket (``kind="new"``) or a requester's reply
    (``kind="reply"``), with the agent's own signed reply address."""
    context = {
        "kind": kind,
        "ticket_key": ticket.key,
        "department_name": department.display_name,
        "assignee": ticket.assignee == agent,
        "requester_name": ticket.requester_name,
        "requester_email": ticket.requester_email,
        "subject": ticket.subject,
        "category": ticket.category,
        "priority": ticket.priority,
        "state": ticket.state,
        "first_response_due": due_text(department, ticket.first_response_due),
        "resolution_due": due_text(department, ticket.resolution_due),
        "text": text[:_EXCERPT],
    }
    rendered = services.renderer.render("agent_notice", context)
    prefix = "New" if kind == "new" else "Reply"
    subject = f"[{ticket.key}] {prefix}: {header_safe(ticket.subject) or '(no subject)'} ({ticket.priority})"
    reply_to = services.tokens.agent_address(department.address, ticket.key, agent)
    return ticket_mail(services, department, ticket, now, kind=f"agent_{kind}", to=agent, subject=subject,
                   reply_to=reply_to, text=rendered.text, html=rendered.html, auto="auto-generated")


def agent_answer(services: Services, department: Department, ticket: Ticket, agent: str, answer: str,
                 now: dt.datetime, in_reply_to: str | None = None) -> tuple[dict, dict]:
    """An agent's public answer to the requester: its outbox row and its message row."""
    name = agent.partition("@")[0].replace(".", " ").title()
    context = {"answer": answer, "agent_name": name, "department_name": department.display_name,
               "organisation": services.organisation, "ticket_key": ticket.key}
    rendered = services.renderer.render("agent_answer", context)
    reply_to = services.tokens.reply_address(department.address, ticket.key)
    outbox = ticket_mail(services, department, ticket, now, kind="agent_answer", to=ticket.requester_email,
                     to_name=ticket.requester_name, subject=tagged_subject(ticket.key, f"Re: {ticket.subject}"),
                     reply_to=reply_to, text=rendered.text, html=rendered.html, in_reply_to=in_reply_to)
    message = {"inbound_id": None, "direction": "out", "message_id": outbox["message_id"], "sender": agent,
               "subject": tagged_subject(ticket.key, f"Re: {ticket.subject}"), "body_text": answer,
               "created_at": now, "conversation": None}
    return outbox, message


def agent_report(services: Services, department: Department, ticket: Ticket, agent: str, done: list[str],
                 problems: list[str], now: dt.datetime) -> dict:
    """Tell an agent which of their commands could not be carried out."""
    rendered = services.renderer.render("agent_report", {"ticket_key": ticket.key, "done": done,
                                                         "problems": problems})
    reply_to = services.tokens.agent_address(department.address, ticket.key, agent)
    return ticket_mail(services, department, ticket, now, kind="agent_report", to=agent,
                   subject=f"[{ticket.key}] Not done: {'; '.join(problems)}"[:200], reply_to=reply_to,
                   text=rendered.text, html=rendered.html, auto="auto-generated")


def ticket_mail(services: Services, department: Department, ticket: Ticket, now: dt.datetime, *, kind: str, to: str,
                subject: str, reply_to: str, text: str, html: str | None, to_name: str = "",
                in_reply_to: str | None = None, auto: str | None = None) -> dict:
    """The outbox row of a mail about ``ticket`` from its department: a signed Message-ID, ``reply_to``,
    header values stripped of CR/LF. ``auto`` (e.g. "auto-generated") marks mail the helpdesk wrote on its
    own (RFC 3834: no automaton answers it; sent with a null return path)."""
    message_id = services.tokens.message_id(ticket.key)
    headers = [
        ("From", mailbox(department.display_name, department.address)),
        ("Reply-To", mailbox(department.display_name, reply_to)),
        ("To", mailbox(to_name, to)),
        ("Subject", header_safe(subject)),
        ("Date", date_header(now)),
        ("Message-ID", message_id),
    ]
    if in_reply_to:
        headers += [("In-Reply-To", header_safe(in_reply_to)), ("References", header_safe(in_reply_to))]
    if auto:
        headers += [("Auto-Submitted", auto), ("X-Auto-Response-Suppress", "All")]
    headers.append(("X-Helpdesk-Ticket", ticket.key))
    return {"created_at": now, "kind": kind, "mail_from": "" if auto else department.address,
            "rcpt_to": [header_safe(to)],
            "message_id": message_id, "raw": build_message(headers, text, html),
            "status": OutboxStatus.PENDING.value, "attempts": 0, "next_attempt_at": now}


def due_text(department: Department, due: dt.datetime | None) -> str:
    """A due time as agents read it, in the department's zone ("Mon 23 Nov 2026 12:00 CET")."""
    if due is None:
        return "-"
    local = department.calendar.in_zone(due) if department.calendar is not None else due
    return f"{local:%a %d %b %Y %H:%M %Z}"

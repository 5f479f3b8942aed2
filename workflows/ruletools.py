"""Trying rules on messages outside the pipeline: one message, a rule file's examples, or stored history.

Every path builds the facts with ``workflows.facts.message_facts`` from a
parsed message, as the pipeline does, so a rule decides the same way in
``helpdesk rules test/check/replay``, on the dashboard's Rules page and in
production.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import format_datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailgateway.compose import build_message, header_safe
from mailgateway.hygiene import classify as classify_kind
from mailgateway.parse import ParseError, parse
from rules.explain import Explanation, example_failures, explain
from rules.loader import RuleSet
from rules.model import Example
from rules.reference import classify
from storage.models import InboundMessage, Ticket
from workflows.facts import message_facts
from workflows.services import Services

# Examples without ``at`` arrive on a working Monday morning, so their outcome does not depend on the day.
EXAMPLE_ARRIVAL = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


class MessageError(ValueError):
    """The message cannot be decided (unparseable, or no department to send it to)."""


def facts_for(services: Services, raw: bytes, *, to: str | None = None, at: dt.datetime | None = None,
              mail_from: str | None = None) -> dict[str, object]:
    """The facts the rules would see for ``raw`` sent to ``to`` (default: its first department recipient)."""
    try:
        parsed = parse(raw)
    except ParseError as error:
        raise MessageError(f"cannot parse the message: {error}") from None
    addresses = [to] if to else [box.email for box in (*parsed.to, *parsed.cc)]
    department = next((found for found in map(services.department_for_address, addresses) if found), None)
    if department is None:
        known = ", ".join(d.address for d in services.departments.values())
        raise MessageError(f"no department address among {', '.join(addresses) or 'the recipients'} "
                           f"(give one with --to: {known})")
    kind = classify_kind(parsed, mail_from if mail_from is not None else parsed.sender.email,
                         services.own_addresses).kind
    return message_facts(parsed, kind=kind, department=department.key, address=department.address,
                         at=at or parsed.date or dt.datetime.now(dt.UTC), calendar=department.calendar,
                         directory=services.directory)


def explain_message(services: Services, ruleset: RuleSet, raw: bytes, *, to: str | None = None,
                    at: dt.datetime | None = None) -> Explanation:
    return explain(ruleset, facts_for(services, raw, to=to, at=at))


def example_message(example: Example, base: Path) -> bytes:
    """An example's message as bytes: its .eml file (relative to the rule file), or built from its fields."""
    if example.eml is not None:
        path = Path(example.eml)
        return (path if path.is_absolute() else base / path).read_bytes()
    headers = [("From", header_safe(example.sender)), ("To", header_safe(example.to))]
    if example.cc:
        headers.append(("Cc", ", ".join(header_safe(address) for address in example.cc)))
    headers += [("Subject", header_safe(example.subject)),
                ("Date", format_datetime(example.at or EXAMPLE_ARRIVAL)),
                ("Message-ID", "<example@rules.invalid>")]
    headers += [(name, header_safe(value)) for name, value in example.headers.items()]
    if not example.attachments:
        return build_message(headers, example.body)
    boundary = "example-boundary"
    parts = [f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{example.body}\r\n"]
    for name in example.attachments:
        parts.append(f'--{boundary}\r\nContent-Type: application/octet-stream\r\n'
                     f'Content-Disposition: attachment; filename="{header_safe(name)}"\r\n\r\nx\r\n')
    head = "".join(f"{name}: {value}\r\n" for name, value in headers)
    return (head + f'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
            + "".join(parts) + f"--{boundary}--\r\n").encode("utf-8")


@dataclass(frozen=True)
class ExampleResult:
    name: str
    line: int | None
    failures: tuple[str, ...]  # empty: it passed


def run_examples(services: Services, ruleset: RuleSet) -> list[ExampleResult]:
    """Each example of the rule file decided by its own rules, compared with what it expects."""
    base = Path(ruleset.source).parent
    results = []
    for example, line in zip(ruleset.examples, ruleset.example_lines, strict=True):
        try:
            raw = example_message(example, base)
            facts = facts_for(services, raw, to=example.to, at=example.at or EXAMPLE_ARRIVAL)
        except (OSError, MessageError) as error:
            results.append(ExampleResult(example.name, line, (str(error),)))
            continue
        failures = example_failures(classify(ruleset, facts), example.expect.expected())
        results.append(ExampleResult(example.name, line, tuple(failures)))
    return results


# --- replay -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    key: str
    received_at: dt.datetime
    subject: str
    old: tuple[str, str, str]  # department, category, priority as stored
    new: tuple[str, str, str]  # as the candidate rules decide

    def row(self) -> dict[str, str]:
        names = ("department", "category", "priority")
        return {"ticket": self.key, "received (UTC)": f"{self.received_at:%Y-%m-%d %H:%M}",
                "subject": self.subject,
                **{name: (f"{old} → {new}" if old != new else old)
                   for name, old, new in zip(names, self.old, self.new, strict=True)}}


@dataclass
class ReplaySummary:
    replayed: int = 0
    changed: int = 0
    unreadable: int = 0
    is_summary: bool = True

    def __str__(self) -> str:
        return (f"{self.replayed} messages replayed, {self.changed} would be routed differently, "
                f"{self.unreadable} could not be read")


def replay(session: Session, services: Services, ruleset: RuleSet, *, since: dt.datetime,
           limit: int | None = None, batch: int = 500) -> Iterator[Change | ReplaySummary]:
    """Yield a Change for every ticket the candidate rules would route differently, then the summary.

    Each ticket's first message (the one that opened it) is parsed again and
    decided as at its arrival; rows are streamed in batches, never all loaded.
    """
    summary = ReplaySummary()
    query = (select(InboundMessage.id, InboundMessage.raw, InboundMessage.rcpt_to, InboundMessage.mail_from,
                    InboundMessage.received_at, Ticket.key, Ticket.subject, Ticket.department, Ticket.category,
                    Ticket.priority, Ticket.parent_id)
             .join(Ticket, Ticket.id == InboundMessage.ticket_id)
             .where(InboundMessage.received_at >= since, InboundMessage.status == "done")
             .order_by(InboundMessage.id))
    seen: set[str] = set()
    for row in session.execute(query.execution_options(yield_per=batch)):
        if row.key in seen or row.parent_id is not None:
            continue  # a later message on the ticket, or a child opened by a rule: the opening one decides
        seen.add(row.key)
        if limit is not None and summary.replayed >= limit:
            break
        try:
            facts = facts_for(services, row.raw, to=next(iter(row.rcpt_to), None), at=row.received_at,
                              mail_from=row.mail_from)
        except MessageError:
            summary.unreadable += 1
            continue
        summary.replayed += 1
        decision = classify(ruleset, facts)
        new = (decision.department or facts["department"], decision.category, decision.priority)
        old = (row.department, row.category, row.priority)
        if new != old:
            summary.changed += 1
            yield Change(row.key, row.received_at, row.subject or "", old, new)
    yield summary

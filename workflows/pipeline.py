"""The pipeline: each inbound message becomes one ticket change, atomically.

The stages and their order are data (``STAGES``). Each stage is a small
class with a kebab-case ``name`` and one ``process(context)`` method. A
stage ends processing by raising ``Discard`` (kept, not acted on: loops,
duplicates, stray auto-replies) or ``Quarantine`` (set aside for a person,
with the reason). Any other error also quarantines the message, tagged with
the stage it happened in; the message's ticket changes are rolled back first.

Messages are processed in batches: one write transaction holds a batch, and
each message's changes live in a savepoint of their own, so a message that
stops or fails leaves nothing behind but its status, and one commit covers
the batch. Its last statement marks a message done only if it is still
pending; if another worker got there first, its savepoint rolls back.

The first stages only read (``writes = False``). On SQLite, which has one
writer at a time, they run for the whole batch before the write transaction
starts, so the write lock is held only for the writing stages, starting with
"dedupe" and "thread", which must see every ticket committed a moment ago.
When the SMTP intake is waiting for the lock, the batch commits early and
continues in a new transaction after it. Several SQLite workers split the
pending messages by id (``shard``) and also stage new requests: the last
stages (``stageable``: apply, sla, respond) make their tickets, events and
mail outside the write transaction, with ticket keys and turns in teams
reserved in a short one before, so the workers take turns only to look up
and write (``Pipeline._stage``). On PostgreSQL a batch is claimed first
(``FOR UPDATE SKIP LOCKED``) and all stages run in its transaction, so many
workers never work on the same message.
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from dataclasses import dataclass, field

from sqlalchemy import Connection, insert, select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from mailgateway import mime
from mailgateway.authres import spoofing_reason, trusted_results
from mailgateway.hygiene import Classification, classify
from mailgateway.parse import ParsedMessage, ParseError, parse
from mailgateway.threadindex import conversation
from rules import Decision, RulesEngine
from rules.model import MANAGER, NO_REPLY
from storage import (
    Database,
    Event,
    InboundMessage,
    InboundStatus,
    Message,
    Outbox,
    Ticket,
    TicketState,
    repo,
)
from storage.fast import Prepared
from workflows import lifecycle
from workflows.agentmail import agent_notice
from workflows.agentwork import AgentWork
from workflows.facts import message_facts
from workflows.notify import quarantine_notice
from workflows.reply import acknowledgement
from workflows.services import Department, Services
from workflows.sla import due_times

log = logging.getLogger("helpdesk.pipeline")

TICKET_TAG = re.compile(r"\[([A-Z][A-Z0-9]{1,7})-(\d{6,})\]")
DEFAULT_CATEGORY = "general"
DEFAULT_PRIORITY = "P3"


class Discard(Exception):
    """Stop processing; keep the message as discarded with this reason."""


class Quarantine(Exception):
    """Stop processing; set the message aside for a person with this reason.

    ``notice``, when given, is a sentence for the sender: they are told their
    message waits for a person (see ``_quarantine_notice`` for who is told).
    """

    def __init__(self, reason: str, notice: str | None = None) -> None:
        super().__init__(reason)
        self.notice = notice


UNPROCESSABLE = "the helpdesk could not process it automatically."
QUARANTINE_NOTICE_EVERY = dt.timedelta(hours=24)  # at most one "held for review" mail per sender


@dataclass
class Context:
    session: Session
    inbound: InboundMessage
    inbound_id: int
    services: Services
    now: dt.datetime
    dialect: Dialect  # the database's, for the rows' values
    connection: Connection | None = None  # the write transaction's, for Core statements
    engine: RulesEngine | None = None  # one rule set decides the whole message, even across a reload
    parsed: ParsedMessage | None = None
    classification: Classification | None = None
    kind: str = "normal"
    department: Department | None = None
    decision: Decision | None = None
    ticket: Ticket | None = None
    new_ticket: bool = False
    agent: str | None = None  # the agent whose answer or commands this is (through their signed address)
    related: Ticket | None = None  # the closed ticket a late reply continues (the new ticket links to it)
    also: list[Department] = field(default_factory=list)  # the other departments addressed
    children: list[tuple[Ticket, Department]] = field(default_factory=list)
    # Another copy of a request already made its ticket, and this copy names departments that one did not
    # (a Bcc delivered on its own): the ticket it made, and child tickets for them are added (see DedupeStage).
    late_children: list[Department] | None = None
    rows: dict[type, list[tuple[Ticket | None, dict]]] = field(default_factory=dict)
    # Who of a team is away, per team's members, asked once per write transaction (set by the Pipeline).
    away: dict[tuple[str, ...], set[str]] = field(default_factory=dict)
    # The departments of the new request's child tickets, each with its decision and why (see _children).
    plan: list[tuple[Department, Decision, str]] | None = None
    # Staging (see Pipeline): ticket key, team and assignee reserved per department of a new request,
    # whether the stages now run outside the write transaction, and what they made there.
    reserved: dict[str, tuple[str, str | None, str | None]] | None = None
    staging: bool = False
    staged: tuple | None = None
    ack: tuple[dict, dict] | str | None = None  # the acknowledgement (outbox, message rows), or why none
    ticket_rows: dict[int, dict] = field(default_factory=dict)  # id(ticket): its converted row, if staged

    def add_row(self, model: type, on: Ticket | None = None, **values) -> None:
        """A row of a ticket's (message, event, outbox), by default of ``ctx.ticket``; written with
        the others of its kind in one statement, and converted for the database now (wherever the
        stage runs) but for the ticket's id."""
        self.rows.setdefault(model, []).append((on, self.converted(model, values)))

    def converted(self, model: type, values: dict) -> dict:
        """A row's values converted for the database, all but the ticket's id."""
        return _INSERTS[model].converted(self.dialect, values, _LATER)

    def event(self, kind: str, actor: str, cause: str = "", on: Ticket | None = None, **data) -> None:
        """Record a change to the ticket (or to ``on``)."""
        self.add_row(Event, on, at=self.now, kind=kind, actor=actor, cause=cause, data=data)

    def stash(self) -> None:
        """Put what the staged stages made aside, until the write transaction confirms the message is new;
        its new tickets' rows are converted for the database now, as the other rows were."""
        tickets = (self.ticket, *(child for child, _ in self.children)) if self.new_ticket else ()
        ticket_rows = {id(ticket): repo.ticket_row(self.dialect, ticket) for ticket in tickets}
        self.staged = (self.ticket, self.new_ticket, self.children, self.rows, self.ack, ticket_rows)
        self.ticket, self.new_ticket, self.children, self.rows, self.ack = None, False, [], {}, None

    def adopt(self) -> None:
        """Take back what was stashed (before any rows recorded since)."""
        self.ticket, self.new_ticket, self.children, made, self.ack, self.ticket_rows = self.staged
        since, self.staged = self.rows, None
        self.rows = {model: [*made.get(model, ()), *since.get(model, ())] for model in {**made, **since}}

    @property
    def recipients(self) -> list[str]:
        """Every address the message went to: the envelope's, then To and Cc."""
        parsed = self.parsed
        return [*self.inbound.rcpt_to, *(box.email for box in (*parsed.to, *parsed.cc))]

    @property
    def conversation(self) -> str | None:
        """The message's Thread-Index conversation, if it has one."""
        return conversation(self.parsed.headers.get("thread-index")) if self.parsed is not None else None

    @property
    def message_id(self) -> str | None:
        """The message's own Message-ID, as stored (None when it has none or was not parsed)."""
        value = self.parsed.message_id if self.parsed is not None else None
        return (value or "")[:998] or None


class ParseStage:
    """Parse the raw bytes into a ParsedMessage."""

    name = "parse"
    writes = False

    def process(self, ctx: Context) -> None:
        try:
            ctx.parsed = parse(ctx.inbound.raw)
        except ParseError as exc:
            raise Quarantine(f"unparseable: {exc}") from None


class HygieneStage:
    """Refuse loops; note auto-generated mail so it gets no reply."""

    name = "hygiene"
    writes = False

    def process(self, ctx: Context) -> None:
        parsed = ctx.parsed
        if ctx.services.is_own_address(parsed.sender.email):
            raise Discard(f"loop: sent from our own address {parsed.sender.email}")
        if not parsed.sender.email:
            raise Quarantine("no usable From address")
        ctx.classification = classify(parsed, ctx.inbound.mail_from, ctx.services.own_addresses)
        ctx.kind = ctx.classification.kind


class ThreadStage:
    """Find the ticket this message continues.

    In order: a signed reply address among the recipients, a signed Message-ID
    of ours in In-Reply-To/References, any Message-ID stored on a ticket, and
    last the subject tag ``[IT-000123]``, which anyone can type, so it only
    counts for the ticket's own requester.
    """

    name = "thread"
    writes = True  # must see tickets committed a moment ago

    def process(self, ctx: Context) -> None:
        if ctx.late_children:
            return  # another copy of this request made its ticket (DedupeStage)
        ctx.ticket = self._by_agent_address(ctx)
        if ctx.ticket is not None:
            return
        ctx.ticket = (self._by_signed_address(ctx) or self._by_signed_reference(ctx)
                      or self._by_references(ctx) or self._by_conversation(ctx) or self._by_tag(ctx))
        sender = ctx.parsed.sender.email.lower()
        if (ctx.ticket is not None and ctx.kind == "normal" and sender != ctx.ticket.requester_email.lower()
                and ctx.services.is_agent(sender, ctx.ticket.department)):
            raise Quarantine(f"agent mail on {ctx.ticket.key} not sent to the reply address signed for {sender}: "
                             "answers and commands count only as replies to the agent notice",
                             notice=f"as an agent, your answers and commands on {ctx.ticket.key} count only "
                                    "when you reply to the ticket's agent notice (its reply address is "
                                    "signed for you). Nothing was sent to the requester.")
        if ctx.ticket is None and ctx.kind in DELIVERY_REPORTS:
            # A bounce quotes the message it reports on: find our signed Message-ID or reply address in it,
            # as it is, then in its parts decoded (a returned message in base64, a quoted-printable text).
            tokens = ctx.services.tokens
            ctx.ticket = self._first_ticket(ctx, tokens.keys_in(ctx.inbound.raw))
            if ctx.ticket is None:
                ctx.ticket = self._first_ticket(ctx, (key for payload in _decoded_parts(ctx.inbound.raw)
                                                      for key in tokens.keys_in(payload)))
        if ctx.ticket is None and ctx.kind != "normal":
            raise Discard(f"{ctx.kind} message that continues no ticket")

    def _by_agent_address(self, ctx: Context) -> Ticket | None:
        """An agent's reply to their notice: the address is signed for the sender, who must be an agent
        of the ticket's department (and not spoofed: the policy stage checked that)."""
        sender = ctx.parsed.sender.email.lower()
        keys = (ctx.services.tokens.key_from_agent_address(address, sender) for address in ctx.recipients)
        ticket = self._first_ticket(ctx, keys)
        if ticket is None:
            return None
        if not ctx.services.is_agent(sender, ticket.department):
            raise Quarantine(f"{sender} is not an agent of {ticket.department}: mail to an agent address "
                             f"of {ticket.key} refused")
        if ctx.kind != "normal":
            raise Discard(f"{ctx.kind} from agent {sender} on {ticket.key}: no answer, no command")
        ctx.agent = sender
        return ticket

    def _by_signed_address(self, ctx: Context) -> Ticket | None:
        return self._first_ticket(ctx, map(ctx.services.tokens.key_from_address, ctx.recipients))

    def _by_signed_reference(self, ctx: Context) -> Ticket | None:
        ids = [ctx.parsed.in_reply_to or "", *reversed(ctx.parsed.references)]
        return self._first_ticket(ctx, map(ctx.services.tokens.key_from_message_id, ids))

    def _first_ticket(self, ctx: Context, keys) -> Ticket | None:
        for key in dict.fromkeys(key for key in keys if key):
            ticket = repo.ticket_by_key(ctx.session, key)
            if ticket is not None:
                return ticket
        return None

    def _by_tag(self, ctx: Context) -> Ticket | None:
        for prefix, number in TICKET_TAG.findall(ctx.parsed.subject):
            if ctx.services.department_for_prefix(prefix):
                ticket = repo.ticket_by_key(ctx.session, f"{prefix}-{number}")
                if ticket is not None and ticket.requester_email == ctx.parsed.reply_address.email:
                    return ticket
                if ticket is not None and not ctx.staging:  # logged once, when it counts
                    log.info("event=tag_refused inbound_id=%s ticket=%s reason=not_the_requester",
                             ctx.inbound_id, ticket.key)
        return None

    def _by_conversation(self, ctx: Context) -> Ticket | None:
        """Outlook's Thread-Index: a reply keeps its conversation when subject and References are gone."""
        conversation = ctx.conversation
        ticket = repo.ticket_by_conversation(ctx.session, conversation) if conversation else None
        if ticket is not None and ticket.requester_email == ctx.parsed.reply_address.email:
            return ticket
        return None

    def _by_references(self, ctx: Context) -> Ticket | None:
        ids = list(ctx.parsed.references)
        if ctx.parsed.in_reply_to:
            ids.append(ctx.parsed.in_reply_to)
        return repo.ticket_by_message_ids(ctx.session, ids) if ids else None


class RouteStage:
    """Decide department, category and priority with the rules (used if the message starts a ticket)."""

    name = "route"
    writes = False

    def process(self, ctx: Context) -> None:
        addressed = self._addressed(ctx)
        ctx.department = addressed[0]
        ctx.decision = ctx.engine.classify(_facts(ctx, ctx.department))
        if ctx.decision.quarantine:
            rule = _deciding_rule(ctx.engine.ruleset, ctx.decision, "quarantine")
            raise Quarantine(f"rule {rule}: {ctx.decision.quarantine}", notice=ctx.decision.quarantine)
        if ctx.decision.department and ctx.decision.department != ctx.department.key:
            rerouted = ctx.services.departments.get(ctx.decision.department)
            if rerouted is None:
                raise Quarantine(f"rules routed to unknown department {ctx.decision.department!r}")
            ctx.department = rerouted
        ctx.also = [department for department in addressed if department.key != ctx.department.key]

    def _addressed(self, ctx: Context) -> list[Department]:
        """The departments this message went to: the envelope's first, then To and Cc.

        The headers count too: a mailbox fetched over IMAP sees only its own
        copy, and the other department's copy is then a duplicate.
        """
        found = [ctx.services.department_for_address(address) for address in ctx.recipients]
        if not any(found[:len(ctx.inbound.rcpt_to)]):
            raise Quarantine(f"no department among the recipients {ctx.inbound.rcpt_to}")
        return list({d.key: d for d in found if d is not None}.values())


class PolicyStage:
    """The department's sender policy, and spoofed organisation senders.

    A department that takes mail from the organisation only quarantines a
    person's mail from elsewhere. Mail from an organisation address that our
    trusted MX says failed DMARC (or SPF with no valid DKIM) is quarantined as
    spoofed: a forged "CEO" writing to finance@ is a real attack.
    """

    name = "policy"
    writes = False

    def process(self, ctx: Context) -> None:
        sender = ctx.parsed.sender.email
        internal = ctx.services.is_internal(sender)
        if ctx.department.accept_from == "organisation" and not internal and ctx.kind == "normal":
            raise Quarantine(f"sender policy: {ctx.department.name} takes mail from the organisation only, "
                             f"not from {sender}")
        # The requester is whoever the answers go to: a Reply-To outside the organisation would take an
        # organisation-only department's answers outside (a forged From with the forger's Reply-To).
        requester = ctx.parsed.reply_address.email
        if ctx.department.accept_from == "organisation" and internal and ctx.kind == "normal" \
                and not ctx.services.is_internal(requester):
            raise Quarantine(f"sender policy: {ctx.department.name} answers the organisation only, and the "
                             f"Reply-To of {sender} is {requester}",
                             notice=f"{ctx.department.display_name} answers only addresses of the organisation, "
                                    f"and your message asked for answers to go to {requester}.")
        internal = internal and ctx.services.is_internal(requester)
        if not internal:  # a Cc to an organisation-only department opens no ticket there either
            ctx.also = [department for department in ctx.also if department.accept_from != "organisation"]
        if internal:
            reason = spoofing_reason(trusted_results(ctx.inbound.raw, ctx.services.trusted_authserv_ids),
                                     sender.rpartition("@")[2])
            if reason:
                raise Quarantine(f"spoofed sender {sender}: {reason}")


class DedupeStage:
    """Refuse a Message-ID already processed (checked under the write transaction)."""

    name = "dedupe"
    writes = True

    def process(self, ctx: Context) -> None:
        ctx.late_children = None
        message_id = ctx.message_id
        if message_id and repo.inbound_seen(ctx.connection, message_id, ctx.inbound_id):
            made = self._request_made(ctx, message_id) if ctx.kind == "normal" else None
            missing = self._not_yet_addressed(ctx, made) if made is not None else []
            if not missing:
                raise Discard(f"duplicate of an already processed Message-ID {message_id}")
            ctx.ticket, ctx.late_children = made, missing

    @staticmethod
    def _request_made(ctx: Context, message_id: str) -> Ticket | None:
        """The parent ticket an earlier copy of this message made as a new request, if it made one."""
        tickets = ctx.session.scalars(select(Ticket).join(Message, Message.ticket_id == Ticket.id).where(
            Message.message_id == message_id, Message.direction == "in", Ticket.parent_id.is_(None))).all()
        for ticket in tickets:
            first = ctx.session.scalars(select(Message.message_id).where(
                Message.ticket_id == ticket.id, Message.direction == "in").order_by(Message.id).limit(1)).first()
            if first == message_id:
                return ticket
        return None

    @staticmethod
    def _not_yet_addressed(ctx: Context, parent: Ticket) -> list[Department]:
        """The departments this copy names that the request has no ticket in (and that take the sender's mail)."""
        covered = {parent.department, *ctx.session.scalars(select(Ticket.department).where(
            Ticket.parent_id == parent.id))}
        internal = ctx.services.is_internal(ctx.parsed.sender.email)
        found = (ctx.services.department_for_address(address) for address in ctx.recipients)
        return list({department.key: department for department in found
                     if department is not None and department.key not in covered
                     and (internal or department.accept_from != "organisation")}.values())


class ApplyStage:
    """Create the ticket, or add the message to the ticket it continues.

    A new request addressed to several departments (To: it@, Cc: facilities@)
    becomes one parent ticket, in the department the rules chose, and a child
    ticket in each other department, each routed by that department's rules.
    """

    name = "apply"
    writes = True
    stageable = True  # may run ahead of the write transaction for a new request (see Pipeline)

    def process(self, ctx: Context) -> None:
        if ctx.ticket is not None and ctx.kind in DELIVERY_REPORTS:
            # A report about one of our replies: an event on its ticket, not a message from the requester.
            report = ctx.classification.as_record()["bounce"] if ctx.classification else None
            recipients = (report or {}).get("recipients", [])
            kind = f"delivery_report_{ctx.kind}"
            if ctx.kind == "bounce":
                # Our notice to an agent bounced, not a reply to the requester: say whose address failed.
                failed = {(recipient.get("email") or "").lower() for recipient in recipients} - {""}
                requester = ctx.ticket.requester_email.lower()
                kind = "recipient_undeliverable" if failed and requester not in failed else "requester_undeliverable"
            ctx.event(kind, "mail-system", f"inbound {ctx.inbound.id}", classification=ctx.kind,
                      recipients=recipients)
            return
        if ctx.agent is not None:
            AgentWork(ctx).apply()
            return
        if ctx.late_children:
            self._add_late_children(ctx)
            return
        if ctx.ticket is not None and ctx.kind == "normal" and not self._follow_up(ctx):
            return
        if ctx.ticket is None:
            self._create(ctx)
        for ticket in (ctx.ticket, *(child for child, _ in ctx.children)):
            ctx.add_row(Message, ticket, inbound_id=ctx.inbound.id, direction="in", message_id=ctx.message_id,
                        sender=ctx.parsed.sender.email, subject=ctx.parsed.subject,
                        body_text=ctx.parsed.visible_text or ctx.parsed.text, created_at=ctx.now,
                        conversation=ctx.conversation)
            ctx.event("message_received", "requester", f"inbound {ctx.inbound.id}", ticket, classification=ctx.kind)
        ctx.ticket.updated_at = ctx.now

    def _follow_up(self, ctx: Context) -> bool:
        """A requester writing on their ticket: a rating, a reply that resumes or reopens it, or (on a
        closed ticket, or long after resolution) the start of a new ticket linked to it.

        False when the message is fully handled here (a rating)."""
        ticket, now = ctx.ticket, ctx.inbound.received_at
        department = ctx.services.departments.get(ticket.department, ctx.department)
        sla = ctx.services.sla_rule(department, ticket.priority, ticket.sla_policy)
        record = functools.partial(_record, ctx, ticket)
        if ticket.state in (TicketState.RESOLVED.value, TicketState.CLOSED.value):
            rating = satisfaction_rating(ctx.parsed)
            if rating is not None:
                ticket.satisfaction, ticket.rated_at, ticket.updated_at = rating, now, now
                ctx.add_row(Message, ticket, inbound_id=ctx.inbound.id, direction="in", message_id=ctx.message_id,
                            sender=ctx.parsed.sender.email, subject=ctx.parsed.subject,
                            body_text=ctx.parsed.visible_text or ctx.parsed.text, created_at=now,
                            conversation=ctx.conversation)
                record("rated", "requester", f"rated {rating} of 5", rating=rating)
                return False
        late = ticket.state == TicketState.CLOSED.value or (
            ticket.state == TicketState.RESOLVED.value and ticket.resolved_at is not None
            and now - ticket.resolved_at > ctx.services.reopen_window)
        if late:
            ctx.related, ctx.ticket = ticket, None
            return True
        if ticket.state == TicketState.WAITING_ON_REQUESTER.value:
            lifecycle.transition(ticket, TicketState.OPEN.value, at=now, actor="requester",
                                 cause=f"reply, inbound {ctx.inbound.id}", sla=sla, record=record)
        elif ticket.state == TicketState.RESOLVED.value:
            lifecycle.transition(ticket, TicketState.OPEN.value, at=now, actor="requester",
                                 cause=f"reply within {ctx.services.reopen_window.days} days of resolution", sla=sla,
                                 record=record)
        for agent in _agents_to_tell(ctx.services, ticket):
            ctx.add_row(Outbox, ticket, **agent_notice(ctx.services, department, ticket, agent,
                                                        ctx.parsed.visible_text or ctx.parsed.text, now, kind="reply"))
        return True

    def _create(self, ctx: Context) -> None:
        ctx.ticket = self._new_ticket(ctx, ctx.department, ctx.decision)
        ctx.new_ticket = True  # inserted with the other rows, once the SLA stage has set its due times
        if ctx.related is not None:
            ctx.ticket.related_id = ctx.related.id
            ctx.event("follow_up_of", "requester", f"wrote on {ctx.related.key} after it was {ctx.related.state}",
                      related=ctx.related.key)
            ctx.event("follow_up_ticket", "requester", f"a new ticket {ctx.ticket.key} continues it", ctx.related,
                      ticket=ctx.ticket.key)
        for department, decision, cause in _children(ctx):
            child = self._new_ticket(ctx, department, decision, parent=ctx.ticket)
            ctx.children.append((child, department))
            ctx.event("child_created", "rule", cause, department=department.key)

    def _add_late_children(self, ctx: Context) -> None:
        """This copy names departments the request's ticket has no child in yet (a Bcc delivered on its
        own, another mailbox's copy): a child ticket in each, under the ticket the first copy made."""
        parent = ctx.ticket
        for department in ctx.late_children:
            decision = ctx.engine.classify(_facts(ctx, department))
            child = self._new_ticket(ctx, department, decision, parent=parent)
            child.parent_id = parent.id
            ctx.children.append((child, department))
            ctx.event("child_created", "rule", f"also addressed to {department.address} (inbound {ctx.inbound.id})",
                      parent, department=department.key, ticket=child.key)
            ctx.add_row(Message, child, inbound_id=ctx.inbound.id, direction="in", message_id=ctx.message_id,
                        sender=ctx.parsed.sender.email, subject=ctx.parsed.subject,
                        body_text=ctx.parsed.visible_text or ctx.parsed.text, created_at=ctx.now,
                        conversation=ctx.conversation)
            ctx.event("message_received", "requester", f"inbound {ctx.inbound.id}", child, classification=ctx.kind)

    def reserve(self, ctx: Context) -> None:
        """Take, in the write transaction, the ticket keys and turns in teams a new request will use:
        the stages can then make its tickets outside the transaction (see Pipeline)."""
        ctx.reserved = {}
        for department, decision in ((ctx.department, ctx.decision),
                                     *((department, decision) for department, decision, _ in _children(ctx))):
            key = repo.next_ticket_key(ctx.connection, department.key, department.prefix)
            ctx.reserved[department.key] = (key, *self._pick(ctx, department, decision))

    def _new_ticket(self, ctx: Context, department: Department, decision: Decision,
                    parent: Ticket | None = None) -> Ticket:
        parsed = ctx.parsed
        requester = parsed.reply_address
        reserved = ctx.reserved.pop(department.key, None) if ctx.reserved else None  # (key, team, assignee)
        ticket = Ticket(
            key=reserved[0] if reserved else repo.next_ticket_key(ctx.connection, department.key, department.prefix),
            department=department.key,
            requester_email=requester.email,
            requester_name=requester.name or parsed.sender.name,
            subject=parsed.subject[:2000],
            category=decision.category or DEFAULT_CATEGORY,
            priority=decision.priority or DEFAULT_PRIORITY,
            state=TicketState.NEW.value,
            tags=list(decision.tags),
            rules_version=decision.rules_version,
            created_at=ctx.now,
            updated_at=ctx.now,
            sla_policy=decision.sla_policy,
            watchers=self._watchers(ctx, decision, requester.email),
        )
        cause = f"mail to {department.address}" + (f" (with {parent.key})" if parent is not None else "")
        ctx.event("created", "requester", cause, ticket, department=department.key, category=ticket.category,
                  priority=ticket.priority, **({"parent": parent.key} if parent is not None else {}))
        for match in decision.matched:
            ctx.event("rule_matched", "rule", match.rule, ticket, rules_version=decision.rules_version,
                      reasons=list(match.reasons))
        picked = reserved[1:] if reserved else self._pick(ctx, department, decision)
        self._assign(ctx, department, decision, ticket, picked)
        if ticket.watchers:
            ctx.event("watchers_added", "rule", _deciding_rule(ctx.engine.ruleset, decision, "watchers"), ticket,
                      watchers=list(ticket.watchers))
        return ticket

    @staticmethod
    def _pick(ctx: Context, department: Department, decision: Decision) -> tuple[str | None, str | None]:
        """Who works on it (team, assignee): the assignee a rule named, else the next in the rule's team if
        it is one of this department's, else in the department's own team (each call takes a turn)."""
        team = ctx.services.teams.get(decision.team) if decision.team else None
        if team is None or team.department != department.key:  # e.g. a child in another department
            team = ctx.services.teams.get(department.team) if department.team else None
        assignee = decision.assignee
        if assignee is None and team is not None:
            members = tuple(team.members)
            away = ctx.away.get(members)
            if away is None:
                away = ctx.away[members] = repo.agents_away(ctx.connection, members, ctx.now)
            assignee = repo.next_in_team(ctx.connection, team.name, members, ctx.now, away)
        return (team.name if team is not None else None), assignee

    @staticmethod
    def _assign(ctx: Context, department: Department, decision: Decision, ticket: Ticket,
                picked: tuple[str | None, str | None]) -> None:
        """Give the ticket the team and assignee ``_pick`` chose; a ticket with an assignee is open."""
        ticket.team, ticket.assignee = picked
        team = ctx.services.teams.get(ticket.team) if ticket.team else None
        if ticket.assignee is not None:
            ticket.state = TicketState.OPEN.value
            if decision.assignee or (team is not None and team.name == decision.team):
                field = "assignee" if decision.assignee else "team"
                cause = f"rule {_deciding_rule(ctx.engine.ruleset, decision, field)}"
            else:
                cause = f"team {team.name} of {department.name}"
            ctx.event("assigned", "rule", cause, ticket, assignee=ticket.assignee, team=ticket.team)
        elif team is not None:
            ctx.event("assignment_pending", "rule", f"everyone in team {team.name} is away", ticket,
                      team=team.name)

    @staticmethod
    def _watchers(ctx: Context, decision: Decision, requester: str) -> list[str]:
        directory = ctx.services.directory
        watchers: dict[str, None] = {}
        for watcher in decision.watchers:
            if watcher == MANAGER:
                manager = directory.manager_of(requester) if directory is not None else None
                if manager:
                    watchers[manager] = None
            elif watcher != requester.lower():
                watchers[watcher] = None
        return list(watchers)


class SlaStage:
    """Start the SLA clock of a new ticket (and its children): first-response and resolution due times."""

    name = "sla"
    writes = True
    stageable = True  # may run ahead of the write transaction for a new request (see Pipeline)

    def process(self, ctx: Context) -> None:
        if ctx.new_ticket:
            tickets = ((ctx.ticket, ctx.department), *ctx.children)
        elif ctx.late_children:
            tickets = ctx.children
        else:
            return
        for ticket, department in tickets:
            rule = ctx.services.sla_rule(department, ticket.priority, ticket.sla_policy)
            due = due_times(rule.calendar, rule.target, ctx.inbound.received_at)
            ticket.first_response_due = due.first_response_due
            ticket.resolution_due = due.resolution_due
            ctx.event("sla_started", "rule", f"{ticket.priority} targets of SLA policy "
                      f"{ticket.sla_policy or department.sla_policy}", ticket,
                      first_response_due=due.first_response_due.isoformat(),
                      resolution_due=due.resolution_due.isoformat())


class RespondStage:
    """Acknowledge a new request, once: the reply that names the ticket(s) and the promise."""

    name = "respond"
    writes = True
    stageable = True  # may run ahead of the write transaction for a new request (see Pipeline)

    def process(self, ctx: Context) -> None:
        if ctx.late_children:
            self._announce(ctx, ctx.children)  # the request was acknowledged when its ticket was made
            return
        if not ctx.new_ticket or ctx.kind != "normal":
            return
        self._announce(ctx)
        # Staged ahead of the write transaction, the limit per sender is checked when ``finish`` queues it.
        reason = self._withheld(ctx) or (None if ctx.staging else self._too_many(ctx))
        if reason:
            ctx.ack = reason
        else:
            outbox, message = acknowledgement(ctx.services, ctx.department, ctx.ticket, ctx.parsed, ctx.now,
                                              also=ctx.children, template=ctx.decision.template or "acknowledgement")
            ctx.ack = (ctx.converted(Outbox, outbox), ctx.converted(Message, message))
        if not ctx.staging:
            self._queue(ctx)

    def finish(self, ctx: Context) -> None:
        """In the write transaction, after the stage ran staged: queue the acknowledgement it made, unless
        the sender had too many automatic replies of late."""
        if ctx.new_ticket and ctx.kind == "normal":
            if not isinstance(ctx.ack, str):
                ctx.ack = self._too_many(ctx) or ctx.ack
            self._queue(ctx)

    @staticmethod
    def _queue(ctx: Context) -> None:
        if isinstance(ctx.ack, str):
            ctx.event("acknowledgement_withheld", "rule", ctx.ack)
            log.info("event=acknowledgement_withheld inbound_id=%s ticket=%s reason=%r", ctx.inbound_id,
                     ctx.ticket.key, ctx.ack)
            return
        outbox, message = ctx.ack
        ctx.rows.setdefault(Outbox, []).append((None, outbox))  # converted when composed
        ctx.rows.setdefault(Message, []).append((None, message))
        ctx.event("acknowledged", "rule", "acknowledgement queued", message_id=outbox["message_id"])

    @staticmethod
    def _announce(ctx: Context, tickets=None) -> None:
        """Tell the agents of each new ticket: its assignee, or everyone of its department's team(s)."""
        text = ctx.parsed.visible_text or ctx.parsed.text
        for ticket, department in tickets if tickets is not None else ((ctx.ticket, ctx.department), *ctx.children):
            agents = _agents_to_tell(ctx.services, ticket)
            for agent in agents:
                ctx.add_row(Outbox, ticket, **agent_notice(ctx.services, department, ticket, agent, text, ctx.now,
                                                           kind="new"))
            if agents:
                ctx.event("announced", "rule", f"notice to {len(agents)} agent(s)", ticket, agents=list(agents))

    def _withheld(self, ctx: Context) -> str | None:
        """Why this request gets no automatic reply, if it must not (RFC 3834 and loop safety).

        The limit on replies per sender is ``_too_many``'s: it reads the outbox in the write transaction.
        """
        if ctx.decision.template == NO_REPLY:
            return f"rule {_deciding_rule(ctx.engine.ruleset, ctx.decision, 'template')}: no reply"
        return no_automatic_reply(ctx.inbound.mail_from, ctx.ticket.requester_email)

    @staticmethod
    def _too_many(ctx: Context) -> str | None:
        limit = ctx.services.max_automatic_replies_per_hour
        if limit:
            requester = ctx.ticket.requester_email
            sent = repo.automatic_replies_since(ctx.connection, requester, ctx.now - dt.timedelta(hours=1))
            if sent >= limit:
                return f"{requester} had {sent} automatic replies in the last hour (limit {limit})"
        return None


#: Classifications that report on the delivery of a message we sent.
DELIVERY_REPORTS = frozenset({"bounce", "dsn_delayed", "dsn_delivered"})

#: Senders that never read replies (RFC 3834 3.1.8 and common practice): mail systems and robots by
#: the start of their local part, list owners ("owner-staff@", "staff-request@", RFC 2142), and "do not
#: reply" in the languages of our senders anywhere in it as a word ("github-noreply",
#: "info.ne-pas-repondre", "noreply2").
NO_REPLY_ADDRESS = re.compile(
    r"^(?:(?:mailer[-_.]?daemon|mail[-_.]?daemon|postmaster|bounces?|notifications?|auto[-_.]?reply"
    r"|autoresponder|nobody|listserv|majordomo|listmaster)(?:[-+_.][^@]*)?@"
    r"|owner-[^@]+@|[^@]+-(?:owner|request)@"
    r"|(?:[^@]*[-_.+])?(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|dont[-_.]?reply|no[-_.]?answer|no[-_.]?response"
    r"|do[-_.]?not[-_.]?respond|ne[-_.]?pas[-_.]?r[eé]pondre|nicht[-_.]?antworten|keine[-_.]?antwort"
    r"|no[-_.]?responder|n[aã]o[-_.]?responda|non[-_.]?rispondere|niet[-_.]?(?:be)?antwoorden|geen[-_.]?antwoord"
    r"|svara[-_.]?inte|ikke[-_.]?svar|nie[-_.]?odpowiadaj)\d*(?:[-+_.][^@]*)?@)", re.IGNORECASE)

#: Return paths (SMTP MAIL FROM) of mail systems and mailing lists (RFC 3834 2, RFC 2142): whatever the
#: From says, such a message came from a machine or through a list, and an automatic reply to it
#: would go to a robot or to everyone on the list.
MACHINE_RETURN_PATH = re.compile(
    r"^(?:mailer[-_.]?daemon|mail[-_.]?daemon|postmaster|owner-[^@]+|[^@]+-owner|[^@]+-request|listserv|majordomo"
    r"|listmaster)(?:@|$)", re.IGNORECASE)
#: BATV (Bounce Address Tag Validation) tags an envelope sender: ``prvs=0123abcd=mailer-daemon@...``.
_BATV = re.compile(r"^(?:prvs|msprvs\d*|btv1)=[^=@]+=", re.IGNORECASE)


def _without_batv(address: str) -> str:
    return _BATV.sub("", address, count=1)


def no_automatic_reply(return_path: str, to: str) -> str | None:
    """Why a message with this return path (SMTP MAIL FROM) must get no automatic reply sent ``to`` this
    address (an acknowledgement, a "held for review" notice), or None (RFC 3834 and loop safety)."""
    return_path = return_path.strip("<> ")
    if not return_path:
        return "null return path: automatic replies never go to it"
    if MACHINE_RETURN_PATH.match(_without_batv(return_path)):
        return f"return path {return_path} is a mail system's or a list's: automatic replies never go to it"
    if NO_REPLY_ADDRESS.match(to):
        return f"{to} takes no replies"
    return None


STAGES = ("parse", "hygiene", "route", "policy", "dedupe", "thread", "apply", "sla", "respond")
_REGISTRY = {stage.name: stage() for stage in (ParseStage, HygieneStage, ThreadStage, RouteStage, PolicyStage,
                                               DedupeStage, ApplyStage, SlaStage, RespondStage)}


def _decoded_parts(raw: bytes, depth: int = 0):
    """The transfer-decoded bodies of a message's parts, also of the messages attached to it (a few levels)."""
    if depth > 3:
        return
    stack = [mime.parse(raw)]
    while stack:
        part = stack.pop()
        if part.parts:
            stack.extend(part.parts)
            continue
        encoding = (part.get("content-transfer-encoding") or "").strip().lower()
        if encoding not in ("base64", "quoted-printable", "x-uuencode", "uuencode"):
            if part.content_type == "message/rfc822":
                yield from _decoded_parts(part.body, depth + 1)
            continue  # as it is in the raw message, searched already
        payload = part.payload()
        yield payload
        if part.content_type == "message/rfc822":
            yield from _decoded_parts(payload, depth + 1)


def _children(ctx: Context) -> list[tuple[Department, Decision, str]]:
    """The departments a new request also makes a child ticket in, each with its rules' decision and why:
    the other departments it was addressed to, then those the rules asked to work on it (kept in ctx.plan)."""
    if ctx.plan is None:
        causes = {department.key: f"also addressed to {department.address}" for department in ctx.also}
        departments = list(ctx.also)
        for key in ctx.decision.children:  # departments the rules asked to work on it too
            department = ctx.services.departments[key]
            if key != ctx.department.key and key not in causes:
                departments.append(department)
                causes[key] = f"rule {_deciding_rule(ctx.engine.ruleset, ctx.decision, 'children', key)}"
        ctx.plan = [(department, ctx.engine.classify(_facts(ctx, department)), causes[department.key])
                    for department in departments]
    return ctx.plan


def _facts(ctx: Context, department: Department) -> dict:
    return message_facts(ctx.parsed, kind=ctx.kind, department=department.key, address=department.address,
                         at=ctx.inbound.received_at, calendar=department.calendar,
                         directory=ctx.services.directory)


def _record(ctx: Context, ticket: Ticket, kind: str, actor: str, cause: str = "", **data) -> None:
    """A lifecycle ``record`` writing events of ``ticket`` with the message's other rows."""
    ctx.event(kind, actor, cause, ticket, **data)


def _agents_to_tell(services: Services, ticket: Ticket) -> tuple[str, ...]:
    """Who hears about a ticket's news: its assignee, else its team, else its department's agents."""
    if ticket.assignee:
        return (ticket.assignee,)
    team = services.teams.get(ticket.team) if ticket.team else None
    return team.members if team is not None else services.agents_of(ticket.department)


_RATING_SUBJECT = re.compile(r"\brating\s+([1-5])\b", re.IGNORECASE)
_RATING_TEXT = re.compile(r"^\s*([1-5])(?:\s*(?:/\s*5|of\s+5|stars?)?)\s*(?:$|[-–:.!,]|\s)")


def satisfaction_rating(parsed: ParsedMessage) -> int | None:
    """The 1-5 rating in a requester's answer to the resolution mail: the subject of the one-click
    ``mailto:`` link (``Rating 4 [IT-000123]``) or a short reply that starts with the number."""
    match = _RATING_SUBJECT.search(parsed.subject)
    if match:
        return int(match.group(1))
    text = (parsed.visible_text or parsed.text).strip()
    if len(text) <= 200:
        match = _RATING_TEXT.match(text)
        if match:
            return int(match.group(1))
    return None


def _deciding_rule(ruleset, decision: Decision, action: str, value: str | None = None) -> str:
    """The name of the last matching rule that set ``action`` (to ``value``), for events and reasons."""
    for match in reversed(decision.matched):
        rule = ruleset.rule(match.rule)
        if rule is None:
            continue
        set_to = getattr(rule.then, action)
        if set_to and (value is None or value == set_to or value in set_to):
            return rule.name
    return "?"


@dataclass(frozen=True)
class Outcome:
    """Why a message was set aside (a pipeline that ran through has none)."""

    status: InboundStatus
    reason: str
    stage: str
    notice: str | None = None  # for the sender of a quarantined message


class Pipeline:
    """Claims pending inbound messages and runs the stages on each."""

    def __init__(self, db: Database, services: Services, stages: tuple[str, ...] = STAGES, *,
                 batch: int = 20, shard: tuple[int, int] = (0, 1), stage_ahead: bool | None = None) -> None:
        self.db = db
        self.services = services
        self.stages = [_REGISTRY[name] for name in stages]
        first_write = next((i for i, stage in enumerate(self.stages) if stage.writes), len(self.stages))
        if any(not stage.writes for stage in self.stages[first_write:]):
            raise ValueError("reading stages must come before writing stages")
        self.reading, self.writing = self.stages[:first_write], self.stages[first_write:]
        self.batch = batch
        self.shard = shard
        # The writing stages that must see the latest commits (dedupe, thread), then those that may be staged.
        first_staged = next((i for i, stage in enumerate(self.writing) if getattr(stage, "stageable", False)),
                            len(self.writing))
        if not all(getattr(stage, "stageable", False) for stage in self.writing[first_staged:]):
            raise ValueError("stages that may be staged must come last")
        self.lookup, self.stageable = self.writing[:first_staged], self.writing[first_staged:]
        if stage_ahead is None:  # it pays where several workers share one SQLite writer
            stage_ahead = db.is_sqlite and shard[1] > 1
        self.stage_ahead = stage_ahead and db.is_sqlite and any(hasattr(stage, "reserve") for stage in self.stageable)

    def process_next(self) -> int:
        """Process the oldest pending message(s); returns how many (0: none pending)."""
        statuses = self._process_split() if self.db.is_sqlite else self._process_claimed()
        if InboundStatus.DONE in statuses:
            self.services.outbox_ready.set()
        return len(statuses)

    def drain(self, limit: int | None = None) -> int:
        """Process until nothing is pending (or about ``limit`` messages); returns the count."""
        count = 0
        while limit is None or count < limit:
            processed = self.process_next()
            if not processed:
                break
            count += processed
        return count

    def _process_claimed(self) -> list[InboundStatus]:
        with self.db.transaction() as session:
            claimed = repo.claim_pending_inbound(session, limit=self.batch)
            away: dict[tuple[str, ...], set[str]] = {}
            return [self._settle(session, self._context(session, inbound), None, self.stages, away)
                    for inbound in claimed]

    def _process_split(self) -> list[InboundStatus]:
        with self.db.sessions() as session:
            batch = repo.next_pending_inbound(session, limit=self.batch, shard=self.shard)
            prepared = []
            for inbound in batch:
                ctx = self._context(session, inbound)
                prepared.append((ctx, self._run(ctx, self.reading, in_transaction=False)))
            new = [ctx for ctx, outcome in prepared if outcome is None and self.stage_ahead and self._predict(ctx)]
        if new:
            self._stage(new)
        statuses: list[InboundStatus] = []
        while prepared:
            with self.db.transaction() as session:
                away: dict[tuple[str, ...], set[str]] = {}  # SQLite: nobody else writes while we hold the lock
                # Each message is claimed by _finish's conditional update; one
                # another worker got to first is skipped (left as it is).
                for index, (ctx, outcome) in enumerate(prepared):
                    if index and self.db.write_wanted():
                        break  # let the waiting writer (the SMTP intake) in; carry on after it
                    statuses.append(self._settle(session, ctx, outcome, self.writing, away))
                else:
                    index = len(prepared)
            prepared = prepared[index:]
        return statuses

    def _predict(self, ctx: Context) -> bool:
        """Whether the message looks like a new request, by the lookup stages on what is committed now.

        Outside the write transaction this is only a forecast: the write
        transaction runs the lookup stages again and decides.
        """
        ctx.staging, ctx.connection = True, ctx.session.connection()
        try:
            for stage in self.lookup:
                stage.process(ctx)
            if ctx.ticket is not None or ctx.agent is not None:
                return False
            _children(ctx)  # the child tickets' decisions: reserving needs their teams
            return True
        except Exception:  # noqa: BLE001  (Discard, Quarantine or worse: the write transaction says so)
            return False
        finally:
            ctx.staging, ctx.connection, ctx.ticket, ctx.agent = False, None, None, None

    def _stage(self, new: list[Context]) -> None:
        """Make the tickets, rows and mail of new requests before their write transaction.

        A short write transaction reserves their ticket keys and turns in teams
        (a reservation that is not used leaves a gap in the numbers); then the
        stageable stages run on each, outside any transaction, and put what
        they made aside. The write transaction takes it only if the lookup
        stages still find no ticket the message continues; otherwise, and for
        a message whose staging failed, the stages run there as usual. Several
        workers sharing one SQLite writer then hold it only to look up and write.
        """
        with self.db.transaction() as session:
            now, away = self.services.clock(), {}
            for ctx in new:
                ctx.session, ctx.connection, ctx.now, ctx.away = session, session.connection(), now, away
                try:
                    for stage in self.stageable:
                        if hasattr(stage, "reserve"):
                            stage.reserve(ctx)
                except Exception:
                    log.debug("event=staging_skipped inbound_id=%s", ctx.inbound_id, exc_info=True)
                    ctx.reserved = None
        for ctx in new:
            if ctx.reserved is None:
                continue
            ctx.session, ctx.connection, ctx.staging = None, None, True
            try:
                for stage in self.stageable:
                    stage.process(ctx)
                ctx.stash()
            except Exception:
                log.debug("event=staging_skipped inbound_id=%s", ctx.inbound_id, exc_info=True)
                ctx.ticket, ctx.new_ticket, ctx.children, ctx.rows, ctx.ack = None, False, [], {}, None
            finally:
                ctx.staging, ctx.reserved = False, None

    def _settle(self, session: Session, ctx: Context, outcome: Outcome | None, stages,
                away: dict[tuple[str, ...], set[str]] | None = None) -> InboundStatus:
        """Run the stages still to run for one message, atomically, inside the batch's transaction.

        The message's changes live in a savepoint: a message that stops, fails
        or was taken by another worker leaves no trace but its own status.
        ``away`` is the transaction's memo of who is away (``Context.away``; None: a new one).
        """
        ctx.session, ctx.away = session, {} if away is None else away
        if ctx.staged is None:  # a staged message keeps the time its tickets were made at
            ctx.now = self.services.clock()
        if outcome is None:
            try:
                with session.begin_nested():
                    # Taken inside the savepoint: the session emits SAVEPOINT when asked for it.
                    ctx.connection = session.connection()
                    return self._finish(ctx, self._run(ctx, stages))
            except _SetAside as stop:
                outcome = stop.outcome  # its ticket changes are rolled back by now
            except (_Taken, _Later):
                return InboundStatus.PENDING  # rolled back; a later batch takes it again
        ctx.ticket, ctx.connection = None, session.connection()
        try:
            return self._finish(ctx, outcome)
        except _Taken:
            return InboundStatus.PENDING

    def _context(self, session: Session, inbound: InboundMessage) -> Context:
        return Context(session=session, inbound=inbound, inbound_id=inbound.id, services=self.services,
                       now=self.services.clock(), dialect=self.db.engine.dialect, engine=self.services.engine)

    def _run(self, ctx: Context, stages, *, in_transaction: bool = True) -> Outcome | None:
        """Run stages and write what they recorded.

        A stop returns its Outcome from a reading phase; in a write transaction
        it raises _SetAside, which rolls the transaction back first.
        """
        stage_name = "start"
        adopted = False
        try:
            for stage in stages:
                stage_name = stage.name
                if ctx.staged is not None and getattr(stage, "stageable", False):
                    if ctx.ticket is None and ctx.agent is None:  # still new: take what was made ahead
                        ctx.adopt()
                        adopted = True
                    else:
                        ctx.staged = None
                if adopted:
                    if hasattr(stage, "finish"):
                        stage.finish(ctx)
                else:
                    stage.process(ctx)
            if in_transaction:
                _write_rows(ctx)
        except Exception as exc:
            if in_transaction and _transient(exc):
                # Another worker's transaction deadlocked with this one (PostgreSQL): not the message's fault.
                log.warning("event=retry_later inbound_id=%s stage=%s reason=%r", ctx.inbound_id, stage_name,
                            str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
                raise _Later() from None
            outcome = _outcome(exc, stage_name, ctx.inbound_id)
            if in_transaction:
                raise _SetAside(ctx, outcome) from None
            return outcome
        return None

    def _finish(self, ctx: Context, outcome: Outcome | None) -> InboundStatus:
        """Mark the inbound message done or set aside; raise _Taken if it is no longer pending."""
        status = InboundStatus.DONE if outcome is None else outcome.status
        values = {"status": status.value, "processed_at": ctx.now, "message_id": ctx.message_id}
        if outcome is None:
            values["ticket_id"] = ctx.ticket.id
        else:
            values["error"] = outcome.reason
        if not repo.finish_inbound(ctx.connection, ctx.inbound_id, **values):
            raise _Taken()
        if status is InboundStatus.QUARANTINED:
            notice = _quarantine_notice(ctx, outcome)
            if notice is not None:
                _INSERTS[Outbox].execute_many(ctx.connection, [notice])
                self.services.outbox_ready.set()
        if outcome is None:
            log.info("event=processed inbound_id=%s ticket=%s new=%s kind=%s", ctx.inbound_id,
                     ctx.ticket.key, ctx.new_ticket, ctx.kind)
        else:
            level = logging.INFO if status is InboundStatus.DISCARDED else logging.WARNING
            log.log(level, "event=%s inbound_id=%s stage=%s reason=%r", status.value, ctx.inbound_id,
                    outcome.stage, outcome.reason)
        return status


def _write_rows(ctx: Context) -> None:
    """Insert the ticket (if new), then each kind of row the stages recorded, in one statement per kind."""
    if ctx.new_ticket:
        repo.insert_ticket(ctx.connection, ctx.ticket, ctx.ticket_rows.get(id(ctx.ticket)))
        for child, _ in ctx.children:
            child.parent_id = ctx.ticket.id
            repo.insert_ticket(ctx.connection, child, ctx.ticket_rows.get(id(child)))
    else:
        ctx.session.flush()  # the continued ticket's changes
        for child, _ in ctx.children:  # the children another copy of the request adds (DedupeStage)
            repo.insert_ticket(ctx.connection, child)
    for model, rows in ctx.rows.items():
        _INSERTS[model].execute_many(ctx.connection, [{**row, "ticket_id": (on or ctx.ticket).id} for on, row in rows],
                                     converted=True)


_INSERTS = {model: Prepared(insert(model.__table__)) for model in (Message, Event, Outbox)}
_LATER = ("ticket_id",)  # the rows' one value known only when they are written


class _Taken(Exception):
    """Another worker has processed this message meanwhile (leaves the transaction, rolling it back)."""


class _Later(Exception):
    """A temporary database fault (leaves the savepoint, rolling it back): the message stays pending."""


#: SQLSTATEs of faults that go away when the work is tried again: serialization failure, deadlock,
#: lock not available.
_TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "55P03"})


def _transient(exc: Exception) -> bool:
    """Whether a stage failed on a temporary database fault (raised by SQLAlchemy or by the driver)."""
    error = getattr(exc, "orig", None) or exc
    return (getattr(error, "sqlstate", None) in _TRANSIENT_SQLSTATES
            or str(getattr(error, "sqlite_errorname", "")).startswith("SQLITE_BUSY"))


class _SetAside(Exception):
    """Leaves the write transaction (rolling it back) to set the message aside."""

    def __init__(self, ctx: Context, outcome: Outcome) -> None:
        super().__init__(outcome.reason)
        self.ctx = ctx
        self.outcome = outcome


def _outcome(exc: Exception, stage: str, inbound_id: int) -> Outcome:
    if isinstance(exc, Discard):
        return Outcome(InboundStatus.DISCARDED, str(exc), stage)
    if isinstance(exc, Quarantine):
        return Outcome(InboundStatus.QUARANTINED, str(exc), stage, exc.notice)
    log.error("event=stage_failed inbound_id=%s stage=%s", inbound_id, stage, exc_info=exc)
    reason = f"stage {stage} failed: {type(exc).__name__}: {exc}"
    return Outcome(InboundStatus.QUARANTINED, reason[:2000], stage, UNPROCESSABLE)


def _quarantine_notice(ctx: Context, outcome: Outcome) -> dict | None:
    """The "held for review" mail to the sender of a quarantined message, if they should get one.

    Only a person of the organisation who wrote the message themselves is
    told (no backscatter to outsiders or forged senders, no mail to an
    automaton), only when the reason was written for them, and at most once
    a day each, so a stream of set-aside mail cannot become a stream of notices.
    """
    parsed, classification = ctx.parsed, ctx.classification
    if (outcome.notice is None or parsed is None or classification is None or ctx.kind != "normal"
            or classification.auto_generated):
        return None
    sender = parsed.sender.email
    if not sender or not ctx.services.is_internal(sender) or ctx.services.is_own_address(sender):
        return None
    if no_automatic_reply(ctx.inbound.mail_from, sender):
        return None
    department = ctx.department or next(
        (found for found in map(ctx.services.department_for_address, ctx.recipients) if found), None)
    if department is None:
        return None
    since = ctx.now - QUARANTINE_NOTICE_EVERY
    recent = ctx.connection.execute(select(Outbox.rcpt_to).where(
        Outbox.kind == "quarantine", Outbox.created_at > since)).scalars()
    if any(sender.lower() in (address.lower() for address in rcpt) for rcpt in recent):
        return None
    return quarantine_notice(ctx.services, department, to=sender, to_name=parsed.sender.name,
                             subject=parsed.subject, reason=outcome.notice, now=ctx.now)

"""What an agent's mail does to a ticket: commands, an internal note or a public answer.

Order: ``#priority`` and ``#assign`` first (so the answer already carries
the new promise), then the note or the answer, then ``#waiting`` or
``#resolve``. A command that cannot be carried out is reported back to the
agent by mail; the rest still happens. A resolved child ticket whose
siblings are all resolved resolves its parent, and only the parent's
resolution is announced to the requester: they hear once, not once per
department.
"""
from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from sqlalchemy import select

from storage import Message, Outbox, Ticket, TicketState
from workflows import lifecycle
from workflows.agentmail import agent_answer, agent_notice, agent_report, split_commands

if TYPE_CHECKING:
    from workflows.pipeline import Context

PRIORITIES = ("P1", "P2", "P3", "P4")
_DONE = (TicketState.RESOLVED.value, TicketState.CLOSED.value)


class AgentWork:
    """Carries out one agent mail on its ticket, within the pipeline's transaction."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.ticket = ctx.ticket
        self.agent = ctx.agent
        self.actor = f"agent:{ctx.agent}"
        self.now = ctx.inbound.received_at  # when the agent's mail arrived: the time of the answer
        self.department = ctx.services.departments[ctx.ticket.department]
        self.done: list[str] = []
        self.problems: list[str] = []

    def record(self, kind: str, actor: str, cause: str = "", **data) -> None:
        self.ctx.event(kind, actor, cause, self.ticket, **data)

    @property
    def sla(self):
        return self.ctx.services.sla_rule(self.department, self.ticket.priority, self.ticket.sla_policy)

    def apply(self) -> None:
        ctx, ticket = self.ctx, self.ticket
        mail = split_commands(ctx.parsed.visible_text or ctx.parsed.text)
        state = None
        for name, argument in mail.commands:
            if name == "priority":
                self._priority(argument)
            elif name == "assign":
                self._assign(argument)
            elif name in ("resolve", "waiting"):
                state = name
            elif name != "note":
                self.problems.append(f"#{name} is not a command")
        if ticket.state in _DONE and (mail.text or state == "waiting"):
            self._transition(TicketState.OPEN.value, "agent reopened it")
        if mail.is_note:
            self._note(mail.text)
        elif mail.text:
            self._answer(mail.text)
        if state == "waiting":
            self._transition(TicketState.WAITING_ON_REQUESTER.value, "#waiting")
        elif state == "resolve":
            self._resolve()
        if self.problems:
            ctx.add_row(Outbox, ticket, **agent_report(ctx.services, self.department, ticket, self.agent, self.done,
                                                      self.problems, self.now))
        ticket.updated_at = self.now

    def _priority(self, argument: str) -> None:
        priority = argument.strip().upper()
        if priority not in PRIORITIES:
            self.problems.append(f"#priority {argument!r}: say P1, P2, P3 or P4")
            return
        ticket = self.ticket
        if priority == ticket.priority:
            return
        before, ticket.priority = ticket.priority, priority
        self.record("priority_changed", self.actor, f"#priority {priority}", **{"from": before, "to": priority})
        moved = lifecycle.recompute(ticket, at=self.now, actor=self.actor, cause=f"priority {before} -> {priority}",
                                    sla=self.sla, record=self.record)
        if moved:
            self._new_promise()
        self.done.append(f"priority {priority}")

    def _new_promise(self) -> None:
        from workflows.notify import (
            new_promise_notice,  # the requester hears the new due time
        )

        self.ctx.add_row(Outbox, self.ticket, **new_promise_notice(self.ctx.services, self.department, self.ticket,
                                                                  self.now))

    def _assign(self, argument: str) -> None:
        found = self.ctx.services.find_agent(self.department.key, argument)
        if found is None:
            self.problems.append(f"#assign {argument!r}: no single agent of {self.department.name} by that name")
            return
        ticket = self.ticket
        if found == ticket.assignee:
            return
        ticket.assignee = found
        self.record("assigned", self.actor, f"#assign {argument}", assignee=found, team=ticket.team)
        if ticket.state == TicketState.NEW.value:
            self._transition(TicketState.OPEN.value, "assigned")
        if found != self.agent:
            self.ctx.add_row(Outbox, ticket, **agent_notice(self.ctx.services, self.department, ticket, found,
                                                           self._first_request_text(), self.now, kind="new"))
        self.done.append(f"assigned to {found}")

    def _note(self, text: str) -> None:
        ctx = self.ctx
        ctx.add_row(Message, self.ticket, inbound_id=ctx.inbound.id, direction="note", message_id=ctx.message_id,
                    sender=self.agent, subject=ctx.parsed.subject, body_text=text, created_at=self.now,
                    conversation=None)
        self.record("note_added", self.actor, "internal note")

    def _answer(self, text: str) -> None:
        ctx, ticket = self.ctx, self.ticket
        outbox, message = agent_answer(ctx.services, self.department, ticket, self.agent, text, self.now,
                                       in_reply_to=self._last_requester_message_id())
        ctx.add_row(Outbox, ticket, **outbox)
        ctx.add_row(Message, ticket, **{**message, "inbound_id": ctx.inbound.id})  # the agent's mail, as sent
        self.record("answered", self.actor, "answer sent to the requester", message_id=outbox["message_id"])
        lifecycle.responded(ticket, at=self.now, actor=self.actor, record=self.record, sla=self.sla)
        if ticket.state == TicketState.NEW.value:
            self._transition(TicketState.OPEN.value, "answered")

    def _resolve(self) -> None:
        if self._transition(TicketState.RESOLVED.value, "#resolve"):
            resolved(self.ctx, self.ticket, self.department)

    def _transition(self, to: str, cause: str) -> bool:
        try:
            return lifecycle.transition(self.ticket, to, at=self.now, actor=self.actor, cause=cause,
                                        sla=self.sla, record=self.record)
        except lifecycle.TransitionError as error:
            self.problems.append(str(error))
            return False

    def _first_request_text(self) -> str:
        first = self.ctx.session.scalars(select(Message.body_text).where(
            Message.ticket_id == self.ticket.id, Message.direction == "in").order_by(Message.id).limit(1)).first()
        return first or ""

    def _last_requester_message_id(self) -> str | None:
        return self.ctx.session.scalars(select(Message.message_id).where(
            Message.ticket_id == self.ticket.id, Message.direction == "in", Message.message_id.is_not(None))
            .order_by(Message.id.desc()).limit(1)).first()


def resolved(ctx: Context, ticket: Ticket, department) -> None:
    """After ``ticket`` was resolved: tell the requester, unless it is one part of a larger request;
    the last part to be resolved resolves the whole and that is announced once."""
    from workflows.notify import resolution_notice

    services = ctx.services
    if ticket.parent_id is None:
        ctx.add_row(Outbox, ticket, **resolution_notice(services, department, ticket, ctx.inbound.received_at))
        return
    parent = ctx.session.get(Ticket, ticket.parent_id)
    siblings = ctx.session.scalars(select(Ticket.state).where(Ticket.parent_id == parent.id,
                                                              Ticket.id != ticket.id)).all()
    parent_open = ctx.session.scalars(select(Ticket.id).where(Ticket.id == parent.id,
                                                              Ticket.state.not_in(_DONE))).first()
    if parent_open is None or any(state not in _DONE for state in siblings):
        return
    parent_department = services.departments[parent.department]
    record = functools.partial(_event_on, ctx, parent)
    sla = services.sla_rule(parent_department, parent.priority, parent.sla_policy)
    if lifecycle.transition(parent, TicketState.RESOLVED.value, at=ctx.inbound.received_at, actor="rule",
                            cause="every part of the request is resolved", sla=sla, record=record):
        ctx.add_row(Outbox, parent, **resolution_notice(services, parent_department, parent, ctx.inbound.received_at))


def _event_on(ctx: Context, ticket: Ticket, kind: str, actor: str, cause: str = "", **data) -> None:
    ctx.event(kind, actor, cause, ticket, **data)

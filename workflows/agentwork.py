"""What an agent's mail, or an agent in the dashboard, does to a ticket: commands, a note or an answer.

Order: ``#priority`` and ``#assign`` first (so the answer already carries
the new promise), then the note or the answer, then ``#waiting`` or
``#resolve``. A command that cannot be carried out is reported back to the
agent by mail; the rest still happens. A resolved child ticket whose
siblings are all resolved resolves its parent, and only the parent's
resolution is announced to the requester: they hear once, not once per
department.

The dashboard's actions are the same commands: :func:`act` runs them on a
ticket outside the mail pipeline (``Desk`` collects the rows the pipeline's
context would) so mail and dashboard cannot drift apart.
"""
from __future__ import annotations

import datetime as dt
import functools
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import Event, Message, Outbox, Ticket, TicketState
from workflows import lifecycle
from workflows.agentmail import (
    AgentMail,
    agent_answer,
    agent_notice,
    agent_report,
    split_commands,
)
from workflows.services import Services

if TYPE_CHECKING:
    from workflows.pipeline import Context

PRIORITIES = ("P1", "P2", "P3", "P4")
_DONE = (TicketState.RESOLVED.value, TicketState.CLOSED.value)


class AgentWork:
    """Carries out one agent mail on its ticket, within the pipeline's transaction."""

    def __init__(self, ctx: Context, *, report_problems: bool = True) -> None:
        self.ctx = ctx
        self.ticket = ctx.ticket
        self.agent = ctx.agent
        self.actor = f"agent:{ctx.agent}"
        self.now = ctx.inbound.received_at  # when the agent's mail arrived: the time of the answer
        self.department = ctx.services.departments[ctx.ticket.department]
        self.report_problems = report_problems  # by mail; the dashboard shows them instead
        self.done: list[str] = []
        self.problems: list[str] = []

    def record(self, kind: str, actor: str, cause: str = "", **data) -> None:
        self.ctx.event(kind, actor, cause, self.ticket, **data)

    @property
    def sla(self):
        return self.ctx.services.sla_rule(self.department, self.ticket.priority, self.ticket.sla_policy)

    def apply(self) -> None:
        ctx = self.ctx
        self.carry_out(split_commands(ctx.parsed.visible_text or ctx.parsed.text))

    def carry_out(self, mail: AgentMail) -> None:
        ctx, ticket = self.ctx, self.ticket
        state = None
        for name, argument in mail.commands:
            if name == "priority":
                self._priority(argument)
            elif name == "assign":
                self._assign(argument)
            elif name in ("department", "dept"):
                self._department(argument)
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
        if self.problems and self.report_problems:
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

    def _department(self, argument: str) -> None:
        """Move the ticket to another department: its SLA and calendar apply from now, its team takes it."""
        services, ticket = self.ctx.services, self.ticket
        wanted = argument.strip().lower()
        target = services.departments.get(wanted) or next(
            (d for d in services.departments.values() if wanted in (d.name.lower(), d.address.lower())), None)
        if target is None:
            self.problems.append(f"#department {argument!r}: no such department "
                                 f"({', '.join(sorted(services.departments))})")
            return
        if target.key == ticket.department:
            return
        before = ticket.department
        ticket.department, self.department = target.key, target
        team = services.teams.get(target.team) if target.team else None
        ticket.team = team.name if team is not None else None
        ticket.assignee = None
        self.record("department_changed", self.actor, f"#department {target.key}",
                    **{"from": before, "to": target.key})
        moved = lifecycle.recompute(ticket, at=self.now, actor=self.actor, cause=f"department {before} -> "
                                    f"{target.key}", sla=self.sla, record=self.record)
        if team is not None:
            from storage import repo

            ticket.assignee = repo.next_in_team(self.ctx.session.connection(), team.name, team.members, self.now)
            if ticket.assignee is not None:
                self.record("assigned", self.actor, f"team {team.name} of {target.name}",
                            assignee=ticket.assignee, team=ticket.team)
                self.ctx.add_row(Outbox, ticket, **agent_notice(services, target, ticket, ticket.assignee,
                                                               self._first_request_text(), self.now, kind="new"))
        if moved:
            self._new_promise()
        self.done.append(f"moved to {target.name}")

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
                    sender=self.agent, subject=ctx.parsed.subject if ctx.parsed else "", body_text=text,
                    created_at=self.now, conversation=None)
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
            resolved(self.ctx, self.ticket, self.department, self.now)

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


def resolved(ctx: Context, ticket: Ticket, department, now: dt.datetime | None = None) -> None:
    """After ``ticket`` was resolved: tell the requester, unless it is one part of a larger request;
    the last part to be resolved resolves the whole and that is announced once."""
    from workflows.notify import resolution_notice

    services = ctx.services
    now = now or ctx.inbound.received_at
    if ticket.parent_id is None:
        ctx.add_row(Outbox, ticket, **resolution_notice(services, department, ticket, now))
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
    if lifecycle.transition(parent, TicketState.RESOLVED.value, at=now, actor="rule",
                            cause="every part of the request is resolved", sla=sla, record=record):
        ctx.add_row(Outbox, parent, **resolution_notice(services, parent_department, parent, now))


def _event_on(ctx: Context, ticket: Ticket, kind: str, actor: str, cause: str = "", **data) -> None:
    ctx.event(kind, actor, cause, ticket, **data)


class _NoInbound:
    id = None

    def __init__(self, now: dt.datetime) -> None:
        self.received_at = now


class Desk:
    """What the pipeline's context offers AgentWork, for an agent working a ticket outside mail."""

    def __init__(self, session: Session, services: Services, ticket: Ticket, agent: str, now: dt.datetime) -> None:
        self.session, self.services, self.ticket, self.agent, self.now = session, services, ticket, agent, now
        self.inbound = _NoInbound(now)
        self.parsed = None
        self.message_id = None
        self.rows: list[tuple[type, Ticket, dict]] = []

    def add_row(self, model: type, on: Ticket | None = None, **values) -> None:
        self.rows.append((model, on or self.ticket, values))

    def event(self, kind: str, actor: str, cause: str = "", on: Ticket | None = None, **data) -> None:
        self.add_row(Event, on, at=self.now, kind=kind, actor=actor, cause=cause, data=data)

    def write(self) -> None:
        self.session.flush()
        for model, on, values in self.rows:
            self.session.add(model(**values, ticket_id=on.id))
        self.session.flush()


def act(session: Session, services: Services, ticket: Ticket, agent: str, mail: AgentMail,
        now: dt.datetime) -> tuple[list[str], list[str]]:
    """Carry out ``mail`` (commands, then a note or an answer) on ``ticket`` as ``agent``, in ``session``'s
    transaction, exactly as an agent's mail would; returns what was done and what could not be."""
    desk = Desk(session, services, ticket, agent, now)
    work = AgentWork(desk, report_problems=False)
    work.carry_out(mail)
    desk.write()
    return work.done, work.problems

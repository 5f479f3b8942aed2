"""What the pipeline and scheduler work with, built once by the composition root."""
from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from rules import RulesEngine
from storage import utcnow
from workflows.calendar import BusinessCalendar
from workflows.directory import Directory
from workflows.kb import KnowledgeBase
from workflows.sla import SlaTarget
from workflows.templates import TemplateRenderer
from workflows.tokens import TicketTokens, base_address


@dataclass(frozen=True)
class SlaRule:
    """The target for one priority and the calendar its clock runs on."""

    calendar: BusinessCalendar
    target: SlaTarget


@dataclass(frozen=True)
class Department:
    key: str
    name: str
    display_name: str
    address: str
    prefix: str
    sla: Mapping[str, SlaRule]  # the department's SLA policy, per priority
    accept_from: str = "anyone"  # or "organisation": only the organisation's own people
    calendar: BusinessCalendar | None = None  # its opening hours (the SLA policy's calendar)
    sla_policy: str = "standard"
    team: str | None = None  # the team that gets what no rule assigned


@dataclass(frozen=True)
class Team:
    """Agents of one department who share its work (round-robin assignment)."""

    name: str
    department: str
    members: tuple[str, ...]
    lead: str | None = None


@dataclass
class Services:
    organisation: str
    domain: str
    departments: Mapping[str, Department]
    engine: RulesEngine
    renderer: TemplateRenderer
    tokens: TicketTokens
    internal_domains: frozenset[str] = frozenset()
    trusted_authserv_ids: tuple[str, ...] = ()
    max_automatic_replies_per_hour: int = 5
    directory: Directory | None = None
    teams: Mapping[str, Team] = field(default_factory=dict)
    sla_policies: Mapping[str, Mapping[str, SlaRule]] = field(default_factory=dict)
    clock: Callable[[], dt.datetime] = utcnow
    outbox_ready: threading.Event = field(default_factory=threading.Event)

    reopen_window: dt.timedelta = dt.timedelta(days=7)  # a reply within it reopens a resolved ticket
    knowledge_base: KnowledgeBase = field(default_factory=KnowledgeBase)

    def __post_init__(self) -> None:
        self._by_address = {d.address.lower(): d for d in self.departments.values()}
        self._own_addresses = frozenset(self._by_address)
        self._by_prefix = {d.prefix: d for d in self.departments.values()}
        self._agents: dict[str, dict[str, None]] = {key: {} for key in self.departments}
        for team in self.teams.values():
            self._agents[team.department].update(dict.fromkeys(team.members))
            if team.lead:
                self._agents[team.department][team.lead] = None

    def agents_of(self, department: str) -> tuple[str, ...]:
        """The agents who work a department's tickets: its teams' members and leads."""
        return tuple(self._agents.get(department, ()))

    def is_agent(self, email: str, department: str) -> bool:
        return email.lower() in self._agents.get(department, ())

    def find_agent(self, department: str, name: str) -> str | None:
        """The department's agent meant by ``name``: an address, or the part before the @ (``alex.berg``,
        ``alex``) when that is unambiguous."""
        name = name.strip().lower()
        agents = self.agents_of(department)
        if name in agents:
            return name
        found = [a for a in agents if a.partition("@")[0] == name] or \
                [a for a in agents if a.partition("@")[0].split(".")[0] == name]
        return found[0] if len(found) == 1 else None

    def department_for_address(self, address: str) -> Department | None:
        """The department of an address, also with a sub-address (``it+IT-000123.sig@...``)."""
        return self._by_address.get(base_address(address).lower())

    def department_for_prefix(self, prefix: str) -> Department | None:
        return self._by_prefix.get(prefix)

    def is_internal(self, address: str) -> bool:
        """Whether the address is in one of the organisation's domains."""
        return address.rpartition("@")[2].lower() in self.internal_domains

    def is_own_address(self, address: str) -> bool:
        return base_address(address).lower() in self._by_address

    @property
    def own_addresses(self) -> frozenset[str]:
        """The departments' addresses, lower case."""
        return self._own_addresses

    def sla_rule(self, department: Department, priority: str, policy: str | None = None) -> SlaRule:
        """The SLA target and calendar for a ticket: its own policy's (a rule chose one) or its department's."""
        if policy is not None and policy in self.sla_policies:
            return self.sla_policies[policy][priority]
        return department.sla[priority]

"""What the rules concluded about one message, and why."""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


class RuleMatch(NamedTuple):
    """A rule that matched, with the conditions that made it match.

    A named tuple: a decision at 1,000 rules holds dozens, made faster than frozen dataclasses.
    """

    rule: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Decision:
    """The routing decision for one message.

    ``department`` is a reroute target, or None when no rule (and no default)
    set one: the message stays with the department it was sent to.
    ``assignee``/``team`` say who works on it (None: nobody yet),
    ``sla_policy`` replaces the department's SLA policy, ``template`` the
    acknowledgement template (``"none"``: no acknowledgement),
    ``watchers`` are told about the ticket (``"requester.manager"`` stands
    for the requester's manager), ``children`` are departments that get a
    child ticket, and ``quarantine`` (a reason) sets the message aside for
    a person instead of making a ticket.
    """

    department: str | None
    category: str
    priority: str
    tags: tuple[str, ...]
    matched: tuple[RuleMatch, ...]
    rules_version: str
    evaluator: str
    assignee: str | None = None
    team: str | None = None
    sla_policy: str | None = None
    template: str | None = None
    watchers: tuple[str, ...] = ()
    children: tuple[str, ...] = ()
    quarantine: str | None = None

    @property
    def matched_rules(self) -> tuple[str, ...]:
        """The names of the rules that matched, in the order they applied."""
        return tuple(match.rule for match in self.matched)

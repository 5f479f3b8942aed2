"""What the rules concluded about one message, and why."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RuleMatch:
    """A rule that matched, with the conditions that made it match."""

    rule: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Decision:
    """The routing decision for one message.

    ``department`` is a reroute target, or None when no rule (and no default)
    set one: the message stays with the department it was sent to.
    """

    department: str | None
    category: str
    priority: str
    tags: tuple[str, ...]
    matched: tuple[RuleMatch, ...]
    rules_version: str
    evaluator: str

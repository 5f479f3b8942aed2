"""The reference evaluator: the rule semantics in plain Python.

It walks each rule's condition tree directly and is the yardstick the
durable_rules path is tested against (see tests/rules/test_agreement.py); the
engine also falls back to it when durable_rules cannot be used.

Semantics, shared with the durable_rules path through :func:`decide`:

* rules are considered in ascending ``priority``;
* each matching rule's actions apply in that order: a scalar it sets
  (department, category, priority, assignee, team, sla_policy, template,
  quarantine) overrides the value of an earlier rule, its tags, watchers and
  children are added to those so far (duplicates dropped, first occurrence
  kept);
* a matching rule with ``stop = true`` ends evaluation: later rules neither
  apply nor appear in ``matched``;
* a scalar no matching rule set takes its value from ``[defaults]``.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from rules.decision import Decision, RuleMatch
from rules.facts import FactView
from rules.model import AllOf, AnyOf, ConditionNode, Leaf, NotOf, Rule

if TYPE_CHECKING:
    from rules.loader import RuleSet


def holds(condition: ConditionNode, view: FactView) -> bool:
    """True if the condition holds for the message."""
    if isinstance(condition, Leaf):
        return condition.check(view) is not None
    if isinstance(condition, AllOf):
        return all(holds(member, view) for member in condition.all)
    if isinstance(condition, AnyOf):
        return any(holds(member, view) for member in condition.any)
    return not holds(condition.negated, view)


def reasons(condition: ConditionNode, view: FactView) -> tuple[str, ...]:
    """Why a condition that holds does: the tests that made it true, in words."""
    if isinstance(condition, Leaf):
        return (condition.check(view),)
    if isinstance(condition, NotOf):
        return (condition.describe(),)
    members = condition.all if isinstance(condition, AllOf) else condition.any
    found: dict[str, None] = {}
    for member in members:
        if holds(member, view):
            found.update(dict.fromkeys(reasons(member, view)))
    return tuple(found)


def decide(ruleset: RuleSet, matching: Iterable[Rule], view: FactView, evaluator: str) -> Decision:
    """Apply the actions of the matching rules (given in priority order)."""
    scalars: dict[str, str] = {}
    lists: dict[str, dict[str, None]] = {name: {} for name in LISTS}
    matched: list[RuleMatch] = []
    for rule in matching:
        then = rule.then
        for name in SCALARS:
            value = getattr(then, name)
            if value is not None:
                scalars[name] = value
        for name, values in lists.items():
            values.update(dict.fromkeys(getattr(then, name)))
        matched.append(RuleMatch(rule.name, reasons(rule.when, view)))
        if rule.stop:
            break
    defaults = ruleset.defaults
    for name in ("department", "category", "priority"):
        scalars.setdefault(name, getattr(defaults, name))
    return Decision(
        **{name: scalars.get(name) for name in SCALARS},
        **{name: tuple(values) for name, values in lists.items()},
        matched=tuple(matched),
        rules_version=ruleset.version,
        evaluator=evaluator,
    )


SCALARS = ("department", "category", "priority", "assignee", "team", "sla_policy", "template", "quarantine")
LISTS = ("tags", "watchers", "children")


def matching_rules(ruleset: RuleSet, view: FactView) -> Iterable[Rule]:
    """The rules whose condition holds, lazily, in priority order."""
    return (rule for rule in ruleset.rules if holds(rule.when, view))


def classify(ruleset: RuleSet, facts: Mapping[str, object] | FactView) -> Decision:
    """The decision for one message, computed without durable_rules."""
    view = facts if isinstance(facts, FactView) else FactView(facts)
    return decide(ruleset, matching_rules(ruleset, view), view, "reference")

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
    return _why(condition, view) or ()


def _why(condition: ConditionNode, view: FactView) -> tuple[str, ...] | None:
    """The reasons a condition holds, or None when it does not (one walk for both)."""
    if isinstance(condition, Leaf):
        reason = condition.check(view)
        return None if reason is None else (reason,)
    if isinstance(condition, NotOf):
        return None if holds(condition.negated, view) else (condition.describe(),)
    if isinstance(condition, AllOf):
        found: dict[str, None] = {}
        for member in condition.all:
            why = _why(member, view)
            if why is None:
                return None
            found.update(dict.fromkeys(why))
        return tuple(found)
    found = {}
    for member in condition.any:
        why = _why(member, view)
        if why is not None:
            found.update(dict.fromkeys(why))
    return tuple(found) if found else None


def decide(ruleset: RuleSet, matching: Iterable[Rule], view: FactView, evaluator: str) -> Decision:
    """Apply the actions of the matching rules (given in priority order)."""
    scalars: dict[str, str] = {}
    lists: dict[str, dict[str, None]] = {name: {} for name in LISTS}
    matched: list[RuleMatch] = []
    for rule in matching:
        rule_scalars, rule_lists = _actions(rule)
        scalars.update(rule_scalars)
        for name, values in rule_lists:
            lists[name].update(values)
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


def _actions(rule: Rule) -> tuple[dict[str, str], tuple[tuple[str, dict[str, None]], ...]]:
    """A rule's scalar actions that set something, and its non-empty list actions (built once per rule)."""
    cached = rule._actions
    if cached is None:
        then = rule.then
        cached = rule._actions = (
            {name: value for name in SCALARS if (value := getattr(then, name)) is not None},
            tuple((name, dict.fromkeys(values)) for name in LISTS if (values := getattr(then, name))),
        )
    return cached

SCALARS = ("department", "category", "priority", "assignee", "team", "sla_policy", "template", "quarantine")
LISTS = ("tags", "watchers", "children")


def matching_rules(ruleset: RuleSet, view: FactView) -> Iterable[Rule]:
    """The rules whose condition holds, lazily, in priority order."""
    return (rule for rule in ruleset.rules if holds(rule.when, view))


def classify(ruleset: RuleSet, facts: Mapping[str, object] | FactView) -> Decision:
    """The decision for one message, computed without durable_rules."""
    view = facts if isinstance(facts, FactView) else FactView(facts)
    return decide(ruleset, matching_rules(ruleset, view), view, "reference")

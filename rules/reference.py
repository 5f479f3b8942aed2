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

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from rules.codegen import Why, fixed_reasons
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


def _holds(condition: ConditionNode) -> Callable[[FactView], bool]:
    """A function telling whether the condition holds (stops at the first test that settles it)."""
    if isinstance(condition, Leaf):
        check = condition.check
        return lambda view: check(view) is not None
    if isinstance(condition, NotOf):
        negated = _holds(condition.negated)
        return lambda view: not negated(view)
    if isinstance(condition, AllOf):
        members = tuple(_holds(member) for member in condition.all)
        return lambda view: all(member(view) for member in members)
    members = tuple(_holds(member) for member in condition.any)
    return lambda view: any(member(view) for member in members)


class Compiled:
    """A rule made ready to apply: its condition as functions (holds, reasons), its actions, its rank.

    ``rank`` is the rule's place in the rule set's order (priority, then position).
    ``why`` comes from ``rules.codegen.why_functions``, made for all rules of a set at once;
    ``fixed`` are the reasons of a rule whose reasons never depend on the message
    (``rules.codegen.fixed_reasons``), else an empty tuple: ``why`` tells them.
    """

    __slots__ = ("fixed", "holds", "lists", "name", "rank", "rule", "scalars", "stop", "why")

    def __init__(self, rule: Rule, why: Why, rank: int) -> None:
        then = rule.then
        self.rule, self.name, self.stop, self.rank = rule, rule.name, rule.stop, rank
        self.why, self.holds = why, _holds(rule.when)
        self.fixed = fixed_reasons(rule.when) or ()
        self.scalars = {name: value for name in SCALARS if (value := getattr(then, name)) is not None}
        self.lists = tuple((name, dict.fromkeys(values)) for name in LISTS if (values := getattr(then, name)))


def decide(ruleset: RuleSet, matching: Iterable[Compiled], view: FactView, evaluator: str) -> Decision:
    """Apply the actions of the matching rules (given in priority order, made ready: ``ruleset.compiled``)."""
    values = ruleset.undecided.copy()
    lists: dict[str, dict[str, None]] | None = None
    matched: list[RuleMatch] = []
    update, append = values.update, matched.append
    for entry in matching:
        update(entry.scalars)
        if entry.lists:
            if lists is None:
                lists = {name: {} for name in LISTS}
            for name, items in entry.lists:
                lists[name].update(items)
        append(_match(RuleMatch, (entry.name, entry.fixed or entry.why(view) or ())))
        if entry.stop:
            break
    if lists is not None:
        for name, items in lists.items():
            values[name] = tuple(items)
    values["matched"], values["evaluator"] = tuple(matched), evaluator
    # Every field is in ``values``: fill the frozen dataclass as its __init__ would, without one
    # object.__setattr__ call per field (``Decision(**values)`` cost more than the rest of decide).
    decision = _new_decision(Decision)
    decision.__dict__.update(values)
    return decision


_new_decision = object.__new__
_match = tuple.__new__  # RuleMatch(name, reasons) without the named tuple's keyword handling
SCALARS = ("department", "category", "priority", "assignee", "team", "sla_policy", "template", "quarantine")
LISTS = ("tags", "watchers", "children")
_NO_SCALARS = dict.fromkeys(SCALARS)


def undecided(ruleset: RuleSet) -> dict[str, object]:
    """The fields of a decision no rule changed (``ruleset.undecided`` keeps it; ``decide`` copies it).

    A scalar no matching rule sets keeps its default (department, category, priority) or None.
    """
    defaults = ruleset.defaults
    return {**_NO_SCALARS, "department": defaults.department, "category": defaults.category,
            "priority": defaults.priority, **dict.fromkeys(LISTS, ()), "matched": (),
            "rules_version": ruleset.version, "evaluator": ""}


def matching_rules(ruleset: RuleSet, view: FactView) -> Iterable[Compiled]:
    """The rules whose condition holds, made ready to apply, lazily, in priority order."""
    return (entry for entry in ruleset.compiled.values() if entry.holds(view))


def classify(ruleset: RuleSet, facts: Mapping[str, object] | FactView) -> Decision:
    """The decision for one message, computed without durable_rules."""
    view = facts if isinstance(facts, FactView) else FactView(facts)
    return decide(ruleset, matching_rules(ruleset, view), view, "reference")

"""Why a message was routed as it was, and what in a rule file looks wrong.

:func:`explain` walks every rule in evaluation order with the reference
semantics (the engine's decision is the same, see tests/rules/test_agreement.py)
and records, for each condition, the field, the test, the value the message
had and whether it held; rules after a matching ``stop`` rule are marked
skipped. :func:`lint` finds rules that can never match and rules an earlier
``stop`` rule always pre-empts, for ``helpdesk rules check``.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from dataclasses import field as _field

from rules.decision import Decision
from rules.facts import BOOL_FIELDS, NUMBER_FIELDS, FactView
from rules.loader import RuleSet
from rules.model import COMPARISONS, AllOf, ConditionNode, Leaf, NotOf, Rule
from rules.reference import classify, holds

_SHOWN = 200  # characters of a fact value shown


@dataclass
class ConditionResult:
    kind: str  # test | all | any | not
    text: str  # the condition in words
    holds: bool
    field: str | None = None
    actual: object = None  # the message's value of the field (shortened)
    members: list[ConditionResult] = _field(default_factory=list)


@dataclass
class RuleResult:
    name: str
    priority: int
    matched: bool
    skipped: bool  # an earlier matching rule had stop = true
    stop: bool
    why: str  # one line: the tests that made it match, or the first that failed
    condition: ConditionResult | None


@dataclass
class Explanation:
    decision: Decision
    rules: list[RuleResult]

    def decision_dict(self) -> dict[str, object]:
        decision = self.decision
        return {name: (list(value) if isinstance(value, tuple) else value) for name, value in (
            ("department", decision.department), ("category", decision.category), ("priority", decision.priority),
            ("tags", decision.tags), ("assignee", decision.assignee), ("team", decision.team),
            ("sla_policy", decision.sla_policy), ("template", decision.template),
            ("watchers", decision.watchers), ("children", decision.children),
            ("quarantine", decision.quarantine), ("matched", tuple(m.rule for m in decision.matched)),
            ("rules_version", decision.rules_version))}

    def as_json(self) -> dict[str, object]:
        return {"decision": self.decision_dict(), "rules": [asdict(rule) for rule in self.rules]}


def _actual(view: FactView, name: str) -> object:
    if name in NUMBER_FIELDS:
        return view.number(name)
    if name in BOOL_FIELDS:
        return view.boolean(name)
    value = view.raw_text(name)
    if value is not None and len(value) > _SHOWN:
        return value[:_SHOWN] + "…"
    return value


def _condition(condition: ConditionNode, view: FactView) -> ConditionResult:
    if isinstance(condition, Leaf):
        return ConditionResult("test", condition.describe(), condition.check(view) is not None,
                               condition.field, _actual(view, condition.field))
    if isinstance(condition, NotOf):
        inner = _condition(condition.negated, view)
        return ConditionResult("not", condition.describe(), not inner.holds, members=[inner])
    kind, members = ("all", condition.all) if isinstance(condition, AllOf) else ("any", condition.any)
    results = [_condition(member, view) for member in members]
    return ConditionResult(kind, condition.describe(), holds(condition, view), members=results)


def _why(result: ConditionResult) -> str:
    """The deciding tests in words: those that held for a match, the first that failed otherwise."""
    if result.kind == "test":
        shown = "absent" if result.actual is None else repr(result.actual)
        return f"{result.text} ({result.field} is {shown})"
    if result.kind == "not":
        return f"not ({_why(result.members[0])})"
    if result.holds:
        parts = [_why(member) for member in result.members if member.holds]
        return " and ".join(parts) if result.kind == "all" else parts[0]
    if result.kind == "all":
        return _why(next(member for member in result.members if not member.holds))
    return "none of: " + "; ".join(_why(member) for member in result.members)


def explain(ruleset: RuleSet, facts: Mapping[str, object]) -> Explanation:
    """The decision for ``facts`` and, for every rule in order, whether and why it matched."""
    view = FactView(facts)
    results: list[RuleResult] = []
    stopped = False
    for rule in ruleset.rules:
        condition = _condition(rule.when, view)
        matched = condition.holds and not stopped
        results.append(RuleResult(rule.name, rule.priority, matched, stopped and condition.holds, rule.stop,
                                  ("skipped: an earlier rule stopped evaluation; " if stopped else "")
                                  + _why(condition), condition))
        if matched and rule.stop:
            stopped = True
    return Explanation(classify(ruleset, facts), results)


# --- lint ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Warning:
    rule: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        place = f"line {self.line}: " if self.line else ""
        return f"{place}rule {self.rule!r}: {self.message}"


CLASSIFICATIONS = ("normal", "autoreply", "bounce", "dsn_delayed", "dsn_delivered", "feedback_report",
                   "challenge_response", "bulk")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DOMAINS = {"classification": CLASSIFICATIONS, "weekday": WEEKDAYS, "importance": ("high", "normal", "low")}
# The values a number field can have: (lowest, highest).
_NUMBER_RANGES = {"hour": (0, 23), "attachment_count": (0, math.inf)}


def _conjuncts(condition: ConditionNode) -> list[ConditionNode]:
    """The conditions that must all hold (nested ``all`` flattened)."""
    if isinstance(condition, AllOf):
        return [leaf for member in condition.all for leaf in _conjuncts(member)]
    return [condition]


def _key(condition: ConditionNode) -> str:
    return condition.describe()


def _values(leaf: Leaf) -> set | None:
    """The values (as compared: normalised text, numbers, true/false) an equals / one_of test allows."""
    return set(leaf.matcher) if leaf.op in ("equals", "one_of") else None


def _shown(values: set) -> str:
    return ", ".join(sorted(map(str, values)))


def _never(rule: Rule, departments: set[str] | None) -> str | None:
    """Why ``rule`` can never match, if it cannot (sound, not complete).

    Found: a test and its negation required together; tests on one field that no value
    passes together (``equals`` two values, number bounds that do not overlap, a value the
    field never has); ``exists = false`` with another test on the field (false when absent).
    """
    parts = _conjuncts(rule.when)
    keys = {_key(part) for part in parts}
    for part in parts:
        if isinstance(part, NotOf) and _key(part.negated) in keys:
            return f"it requires both {part.negated.describe()} and its negation"
    leaves = [part for part in parts if isinstance(part, Leaf)]
    allowed: dict[str, tuple[set, list[Leaf]]] = {}
    bounds: dict[str, list] = {}
    for part in leaves:
        values = _values(part)
        domain = _DOMAINS.get(part.field)
        if domain is not None and values is not None and not values & set(domain):
            return f"{part.describe()}: {part.field} is never {_shown(values)}"
        if values is not None:
            known, tests = allowed.get(part.field, (None, []))
            known = values if known is None else known & values
            allowed[part.field] = (known, [*tests, part])
            if not known:
                if len(tests) == 1 and tests[0].op == part.op == "equals":
                    both = " and ".join(sorted(map(str, _values(tests[0]) | values)))
                    return f"{part.field} cannot equal {both} at once"
                return (f"no {part.field} passes all of: "
                        + "; ".join(test.describe() for test in allowed[part.field][1]))
        if part.field in _NUMBER_RANGES and (part.op in COMPARISONS or values is not None):
            entry = bounds.setdefault(part.field, [*_NUMBER_RANGES[part.field], []])
            entry[2].append(part)
            if part.op in ("gt", "ge"):
                entry[0] = max(entry[0], part.value + (_EPSILON if part.op == "gt" else 0))
            elif part.op in ("lt", "le"):
                entry[1] = min(entry[1], part.value - (_EPSILON if part.op == "lt" else 0))
            low, high = entry[:2]
            numbers = allowed.get(part.field, (None,))[0]
            if low > high or (numbers is not None and not any(low <= value <= high for value in numbers)):
                lowest, highest = _NUMBER_RANGES[part.field]
                field_range = f"{lowest} or more" if highest == math.inf else f"{lowest} to {highest}"
                tests = "; ".join(test.describe() for test in entry[2])
                return f"no {part.field} passes all of: {tests} ({part.field} is {field_range})"
    absent = {part.field for part in leaves if part.op == "exists" and part.value is False}
    for part in leaves:
        if part.field in absent and not (part.op == "exists" and part.value is False):
            return (f"{part.describe()} is false when {part.field} does not exist, "
                    f"which {part.field} does not exist requires")
    return None


_EPSILON = 1e-9  # a number just above (gt) or below (lt) a bound


def lint(ruleset: RuleSet, text: str | None = None, departments: set[str] | None = None) -> list[Warning]:
    """Rules that can never match, and rules an earlier ``stop`` rule always takes first."""
    lines = (text or "").splitlines()

    def line_of(name: str) -> int | None:
        needle = f'"{name}"'
        for number, line in enumerate(lines, 1):
            stripped = line.strip()
            if stripped.startswith("name") and needle in stripped:
                return number
        return None

    warnings: list[Warning] = []
    stoppers: list[tuple[Rule, set[str]]] = []
    for rule in ruleset.rules:
        reason = _never(rule, departments)
        if reason:
            warnings.append(Warning(rule.name, f"can never match: {reason}", line_of(rule.name)))
        mine = {_key(part) for part in _conjuncts(rule.when)}
        for stopper, needs in stoppers:
            if needs <= mine:
                warnings.append(Warning(rule.name, f"is shadowed: every message it matches also matches "
                                        f"{stopper.name!r} (priority {stopper.priority}), which has stop = true "
                                        "and comes first", line_of(rule.name)))
                break
        if rule.stop:
            stoppers.append((rule, mine))
    return warnings


def example_failures(decision: Decision, expected: Mapping[str, object]) -> list[str]:
    """How ``decision`` differs from an example's ``expect`` (sets for tags, watchers and children)."""
    failures = []
    for name, want in expected.items():
        if name == "matched":
            got = tuple(match.rule for match in decision.matched)
        else:
            got = getattr(decision, name)
        if name in ("tags", "watchers", "children"):
            same = set(got or ()) == set(want or ())
        else:
            same = (tuple(got) if isinstance(got, tuple | list) else got) == \
                (tuple(want) if isinstance(want, tuple | list) else want)
        if not same:
            failures.append(f"{name}: expected {_show(want)}, got {_show(got)}")
    return failures


def _show(value: object) -> str:
    if isinstance(value, tuple | list):
        return "[" + ", ".join(repr(v) for v in value) + "]"
    return repr(value)

"""Translating a rule set into durable_rules ruleset definitions.

durable_rules is given no text and no user regex. Its own matching differs
from ours (its regex dialect is anchored to the whole string, has ``%d``-style
escapes and silently never matches what it does not support; it folds case
in ASCII only; it cuts values at 65,535 bytes), so the translation keeps all
text handling in Python:

* every distinct test (``subject contains "outage"``) gets a name ``c<n>``
  and is computed in Python per message by ``Leaf.check``;
* a rule's condition tree becomes a durable_rules expression over those
  results: ``all`` -> ``$and``, ``any`` -> ``$or``, and ``not`` is pushed
  down to the tests (De Morgan). The fact carries only what is true: the
  field ``c3`` when the test holds, ``n3`` when it does not and some rule
  reads ``not`` of it; every durable_rules test is ``field == true``, and a
  missing field is false. Facts stay small (a few true fields instead of
  every test), which is most of the cost of posting them. The result is one durable rule
  ``{"all": [{"m": <expression>}]}`` per rule file rule, named ``r<index>``;
* durable_rules has fixed-size tables (see ``rules.durable_limits``): too
  many tests in a ruleset hang it at load, a fact that matches too much
  overflows its matching stack. Rules are therefore packed, in priority
  order, into *shards* (separate durable_rules rulesets) that stay within
  those limits; a single rule that cannot fit even alone is refused with
  :class:`CompileError` (the engine then uses the reference evaluator).

Per message only the tests that can matter are computed: a rule gated on
another department than the message's is skipped whole (``Shard.gated``), and a rule whose
condition is ``all = [...]`` has *guards*, the tests among its direct
members (cheapest first). When a guard is false the rule cannot match
whatever its other tests say, so those are not computed for it and are sent
as false (their value cannot change that rule's outcome, and a test shared
with a rule whose guards all hold is computed for that rule). Most rules
start with ``department equals ...``, so this skips most text scanning.
durable_rules still evaluates every rule's full expression. What a message
of one department computes is prepared per department (``Shard.programs``):
the guards that department makes true are not tested, and every test for
one-word keywords is answered from the message's word sets at once.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rules.codegen import fact_function
from rules.durable_limits import (
    MAX_GROUPS_PER_RULE,
    MAX_STACK_DEPTH,
    MAX_TESTS_PER_SHARD,
    Network,
    group_count,
    stack_depth,
)
from rules.facts import FactView
from rules.model import AllOf, ConditionNode, Leaf, NotOf, Rule

if TYPE_CHECKING:
    from rules.loader import RuleSet


class CompileError(Exception):
    """The rule set cannot be expressed in durable_rules' terms."""


# Every shard has one internal rule that only the fact ``{"prime": true}``
# fires; ``rules.durable_runtime`` uses it once at load (see there why).
PRIME_RULE = "prime"
PRIME_FACT = {"prime": True}


def _rule(expression: dict) -> dict:
    """A durable_rules rule that fires when one fact ("m") matches the expression."""
    return {"all": [{"m": expression}]}


@dataclass
class Shard:
    """One durable_rules ruleset: some rules and the test facts they read.

    ``gate`` is the set of (normalised) departments all its rules are gated on, or None
    for rules gated on none; ``first`` is the rank of its first rule.
    """

    gate: frozenset[str] | None = None
    first: int = 0
    definition: dict[str, dict] = field(default_factory=lambda: {PRIME_RULE: _rule(dict(PRIME_FACT))})
    rules: dict[str, Rule] = field(default_factory=dict)
    leaves: dict[str, Leaf] = field(default_factory=dict)
    tests: set[tuple[str, bool]] = field(default_factory=lambda: set(PRIME_FACT.items()))
    # per test name, the fact field to set when it holds and the one when it does not (None: no rule reads it)
    signs: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    plan: list[tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)
    # The plan split by the department a rule is gated on (a guard ``department equals/one_of``):
    # a message only needs the entries of its own department and the ungated ones.
    gated: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = field(default_factory=dict)
    ungated: list[tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)
    # What ``rules.durable_runtime`` runs for a message of a department (None: any other department).
    programs: dict[str | None, Program] = field(default_factory=dict)
    # The shape of the ruleset's network so far, to bound its matching stack (see ``_fits``).
    network: Network = field(default_factory=Network)

    def __post_init__(self) -> None:
        for rule in self.definition.values():
            self.network.add(rule["all"][0]["m"])

    def index(self) -> None:
        """Fill ``signs``, ``gated``, ``ungated`` and ``programs`` from the tests and the plan."""
        fields = {key for key, _ in self.tests}
        self.signs = {name: (name if name in fields else None, negated(name) if negated(name) in fields else None)
                      for name in self.leaves}
        self.gated, self.ungated = {}, []
        for entry in self.plan:
            gates = _department_gate(entry[0], self.leaves)
            if gates is None:
                self.ungated.append(entry)
            for value in gates or ():
                self.gated.setdefault(value, []).append(entry)
        self.programs = {value: self._program([*self.ungated, *entries], value)
                         for value, entries in self.gated.items()}
        self.programs[None] = self._program(self.ungated, None)

    def _program(self, plan: list[tuple[tuple[str, ...], tuple[str, ...]]], department: str | None) -> Program:
        # The program runs only for messages to ``department``: the guards that require it hold.
        known = {name for guards, _ in plan for name in guards if department is not None
                 and _department_gate((name,), self.leaves) is not None and department in self.leaves[name].matcher}
        plan = [(tuple(name for name in guards if name not in known), rest) for guards, rest in plan]
        words: dict[str, dict[str, list[str]]] = {}
        substrings: dict[str, dict[str, list[str]]] = {}
        values: dict[str, dict[object, list[str]]] = {}
        kept: dict[str, Leaf | None] = {}  # per test: its Leaf, or None when lookups answer it
        for guards, rest in plan:
            for name in (*guards, *rest):
                if name in kept:
                    continue
                leaf = self.leaves[name]
                if leaf.op in ("equals", "one_of"):  # looked up with the field's other such tests at once
                    kept[name] = None
                    for value in leaf.matcher:
                        values.setdefault(leaf.field, {}).setdefault(value, []).append(name)
                    continue
                # Keyword tests: their one-word keywords are looked up in the word sets, their
                # keywords in unspaced scripts looked for as substrings; a test with other
                # keywords (phrases) keeps its Leaf to scan for those.
                found, bare, others = (leaf.matcher.split() if leaf.op in ("contains", "contains_any")
                                       else ((), (), leaf))
                kept[name] = None if others is None else leaf
                for word in found:
                    words.setdefault(leaf.field, {}).setdefault(word, []).append(name)
                for substring in bare:
                    substrings.setdefault(leaf.field, {}).setdefault(substring, []).append(name)

        def steps(names: tuple[str, ...]) -> tuple[Step, ...]:
            return tuple((name, *self.signs[name], kept[name]) for name in names)

        true = dict.fromkeys(sorted(known), True)
        word_tests = tuple((text_field, {word: tuple(tests) for word, tests in index.items()})
                           for text_field, index in words.items())
        substring_tests = tuple((text_field, tuple((substring, tuple(tests)) for substring, tests in index.items()))
                                for text_field, index in substrings.items())
        value_tests = tuple((value_field, {value: tuple(tests) for value, tests in index.items()})
                            for value_field, index in values.items())
        entries = tuple((steps(guards), steps(rest)) for guards, rest in plan)
        return Program(true, word_tests, substring_tests, value_tests, entries,
                       fact_function(true, word_tests, substring_tests, value_tests, entries))


# One test in a program: its name, its fact fields when it holds / does not, and its Leaf
# (None when the message's word sets, substrings or field values answer it).
Step = tuple[str, "str | None", "str | None", "Leaf | None"]


@dataclass(frozen=True)
class Program:
    """The tests one message computes in one shard, ready to run.

    ``true`` are the guards the program's department makes true (guards
    are read as they are, so each is a positive field). ``words`` answers
    every test that looks for whole words (``contains`` /
    ``contains_any`` of single words) at once: per field, which tests each
    word makes true; ``substrings`` does the same for keywords in unspaced
    scripts, found wherever they occur, and ``values`` for ``equals`` /
    ``one_of`` tests: per field, which tests each value (as compared) makes
    true. ``entries`` is the plan (guards, then the other tests)
    of each rule the message can match. ``fact`` runs it all for a message
    and gives its fact (generated code, see ``rules.codegen.fact_function``).
    """

    true: dict[str, bool]
    words: tuple[tuple[str, dict[str, tuple[str, ...]]], ...]
    substrings: tuple[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], ...]
    values: tuple[tuple[str, dict[object, tuple[str, ...]]], ...]
    entries: tuple[tuple[tuple[Step, ...], tuple[Step, ...]], ...]
    fact: Callable[[FactView], dict[str, bool]]


def _department_gate(guards: tuple[str, ...], leaves: dict[str, Leaf]) -> frozenset[str] | None:
    """The normalised departments one of the guards requires, or None if none does."""
    for name in guards:
        leaf = leaves[name]
        if leaf.field == "department" and leaf.op in ("equals", "one_of"):
            return frozenset(leaf.matcher)  # the values as ``Leaf.check`` compares them
    return None


def compile_ruleset(ruleset: RuleSet) -> list[Shard]:
    """The shards that together evaluate the rule set, ordered by their first rule's rank.

    A rule set that fits in one shard is one shard: a message is posted once. A larger
    one has its rules grouped by the departments they are gated on (``Shard.gate``),
    each group packed into shards in priority order, so that a message is posted only
    to the shards of its own department and those of rules gated on none.
    """
    return _pack(ruleset, grouped=False, most=1) or _pack(ruleset, grouped=True)


def _pack(ruleset: RuleSet, grouped: bool, most: int | None = None) -> list[Shard] | None:
    """The rules packed into shards (by gate if ``grouped``); None if that takes more than ``most``."""
    keys: dict[tuple, str] = {}
    groups: dict[frozenset[str] | None, list[Shard]] = {}
    count = 0
    for index, rule in enumerate(ruleset.rules):
        leaves: dict[str, Leaf] = {}
        expression = translate(rule.when, _namer(keys, leaves))
        tests = _tests(expression)
        if group_count(expression) > MAX_GROUPS_PER_RULE:
            raise CompileError(f"rule {rule.name!r} has {group_count(expression)} all/any groups, "
                               f"durable_rules takes at most {MAX_GROUPS_PER_RULE}")
        plan = _plan(rule.when, leaves)
        gate = _department_gate(plan[0], leaves) if grouped else None
        shards = groups.setdefault(gate, [])
        if not shards or not _fits(shards[-1], expression, tests):
            count += 1
            if most is not None and count > most:
                return None
            shards.append(Shard(gate=gate, first=index))
            if not _fits(shards[-1], expression, tests):
                raise CompileError(_too_large(rule, expression, tests))
        _add(shards[-1], f"r{index}", rule, expression, leaves, tests)
        shards[-1].plan.append(plan)
    ordered = sorted((shard for shards in groups.values() for shard in shards), key=lambda shard: shard.first)
    for shard in ordered:
        shard.index()
    return ordered


def _too_large(rule: Rule, expression: dict, tests: set) -> str:
    return (f"rule {rule.name!r} is too large for one durable_rules ruleset: {len(tests)} tests "
            f"(at most {MAX_TESTS_PER_SHARD - 1}), a matching stack of {stack_depth([expression])} "
            f"(at most {MAX_STACK_DEPTH - 1})")


def _fits(shard: Shard, expression: dict, tests: set) -> bool:
    """True if the shard stays within durable_rules' limits with this rule added.

    The expression goes into the shard's network to measure the stack even
    when it does not fit: a shard a rule did not fit in takes no more rules.
    """
    if len(shard.tests | tests) > MAX_TESTS_PER_SHARD:
        return False
    return shard.network.add(expression) <= MAX_STACK_DEPTH


def _namer(keys: dict[tuple, str], leaves: dict[str, Leaf]) -> Callable[[Leaf], str]:
    """Gives each distinct test one fact field name, the same across shards."""

    def name(leaf: Leaf) -> str:
        key = keys.setdefault(leaf.key, f"c{len(keys)}")
        leaves[key] = leaf
        return key

    return name


def _add(shard: Shard, name: str, rule: Rule, expression: dict, leaves: dict[str, Leaf], tests: set) -> None:
    shard.definition[name] = _rule(expression)
    shard.rules[name] = rule
    shard.leaves.update(leaves)
    shard.tests |= tests


# Cheap tests first: guards are checked in this order and stop at the first false one.
_COST = {"contains": 1, "contains_any": 2, "matches": 3}  # the others (equals, one_of, ...) cost 0


def _plan(condition: ConditionNode, leaves: dict[str, Leaf]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A rule's guard tests (top-level conjuncts) and its other tests, by fact field name."""
    names = {leaf.key: name for name, leaf in leaves.items()}
    if isinstance(condition, Leaf):
        members: list[ConditionNode] = [condition]
    else:
        members = condition.all if isinstance(condition, AllOf) else []
    guard_leaves = sorted((m for m in members if isinstance(m, Leaf)), key=lambda leaf: _COST.get(leaf.op, 0))
    guards = tuple(dict.fromkeys(names[leaf.key] for leaf in guard_leaves))
    rest = tuple(name for name in leaves if name not in guards)
    return guards, rest


def negated(name: str) -> str:
    """The fact field that says test ``name`` (``c3``) does not hold (``n3``)."""
    return "n" + name[1:]


def translate(condition: ConditionNode, name: Callable[[Leaf], str], positive: bool = True) -> dict:
    """A condition as a durable_rules expression over true test fields (negation at the leaves)."""
    if isinstance(condition, Leaf):
        return {name(condition) if positive else negated(name(condition)): True}
    if isinstance(condition, NotOf):
        return translate(condition.negated, name, not positive)
    is_all = isinstance(condition, AllOf)
    members = condition.all if is_all else condition.any
    operator = "$and" if is_all == positive else "$or"
    return _group(operator, [translate(member, name, positive) for member in members])


def _group(operator: str, members: Sequence[dict]) -> dict:
    if len(members) == 1:
        return members[0]
    return {operator: list(members)}


def _tests(expression: dict) -> set[tuple[str, bool]]:
    """The distinct (field, value) tests an expression makes."""
    found: set[tuple[str, bool]] = set()
    for key, value in expression.items():
        if key in ("$and", "$or"):
            for member in value:
                found |= _tests(member)
        else:
            found.add((key, value))
    return found

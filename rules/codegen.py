"""Rule sets compiled to Python functions: the reasons a rule matched, and each message's facts.

Walking a condition tree with one closure per node costs two Python calls
per test, and most of them only read a result the message has memoised
already (``FactView.results``). The functions made here are generated
source, once per rule set: each test is read inline from the memo
(evaluated through ``Leaf.check`` only when it is not there yet), so a
rule's reasons, or a department's whole program of tests
(``rules.compiler.Program``), cost one call.

The reasons follow the tree walk they replace (``tests/rules/test_codegen.py``
holds them to it): ``all`` gives its members' reasons when every member
holds and stops at the first that does not; ``any`` asks every member and
gives the reasons of those that hold; ``not`` gives its own description
when its member does not hold; reasons are listed once, in the order first
given. The facts are what ``Program`` describes (``tests/rules/test_agreement.py``
holds the decisions made from them to the reference evaluator's).

Python's parser refuses very deeply nested expressions, so a subtree more
than ``_INLINE_DEPTH`` groups deep becomes a function of its own. Only
names of our own making (test fields ``c12``, field names) are written into
the source; every value from a rule file is passed in as a constant.
"""
from __future__ import annotations

import functools
from collections.abc import Callable

from rules.facts import BOOL_FIELDS, NUMBER_FIELDS, FactView
from rules.model import (
    _COMPARE,
    COMPARISONS,
    AllOf,
    AnyOf,
    ConditionNode,
    Leaf,
    _reason,
)
from rules.text import PhraseMatcher

Why = Callable[[FactView], "tuple[str, ...] | None"]

_INLINE_DEPTH = 12
_UNKNOWN = object()  # not in the memo yet (distinct from None, "does not hold")


def _checker(leaf: Leaf) -> Callable[[FactView], str | None]:
    """``Leaf.check`` of a test not yet in the message's memo, specialised to its operator and field.

    ``Leaf.check`` looks the test up in the memo again, then dispatches on the
    operator and the field's kind for every message; the function made here has
    done both once. It gives the same reasons (``tests/rules/test_codegen.py``
    holds the generated code to ``Leaf.check``) and memoises them as it does.
    """
    field, key, op, text = leaf.field, leaf.key, leaf.op, leaf.text
    words = leaf.word_reasons()
    if words is not None:  # one-word keywords: the first of them among the field's words
        def check(view: FactView) -> str | None:
            found = view.words(field)
            for word, reason in words:
                if word in found:
                    break
            else:
                reason = None
            view.results[key] = reason
            return reason
        return check
    if op in ("equals", "one_of"):
        # The value as compared (normalised text, a number, true/false) -> the reason it gives.
        reasons = {value: text if op == "equals" else _reason(field, "equals", written)
                   for value, written in leaf.matcher.items()}
        if field in NUMBER_FIELDS or field in BOOL_FIELDS:
            scalar = _number if field in NUMBER_FIELDS else _boolean

            def check(view: FactView) -> str | None:
                reason = view.results[key] = reasons.get(scalar(view, field))
                return reason
            return check

        def check(view: FactView) -> str | None:
            value = view.text(field)
            reason = view.results[key] = None if value is None else reasons.get(value.strip())
            return reason
        return check
    if op == "matches":
        search = leaf.matcher.search

        def check(view: FactView) -> str | None:
            value = view.nfkc(field)
            reason = view.results[key] = text if value is not None and search(value) else None
            return reason
        return check
    if op in ("contains", "contains_any"):  # phrases, or keywords in unspaced scripts
        find, reasons = leaf.matcher.find, {word: _reason(field, "contains", word) for word in leaf.matcher.keywords}

        def check(view: FactView) -> str | None:
            value = view.text(field)
            reason = view.results[key] = None if value is None else reasons.get(find(value, view.words(field)))
            return reason
        return check
    if op in COMPARISONS:
        compare, bound = _COMPARE[op], leaf.value

        def check(view: FactView) -> str | None:
            number = view.number(field)
            reason = view.results[key] = text if number is not None and compare(number, bound) else None
            return reason
        return check
    return leaf.check  # exists: as it is


_number, _boolean = FactView.number, FactView.boolean


class _Source:
    """Generated functions and the constants they read, built up while walking trees."""

    def __init__(self) -> None:
        self.constants: dict[str, object] = {"_U": _UNKNOWN, "_fromkeys": dict.fromkeys}
        self.functions: list[str] = []
        self.names = 0

    def constant(self, value: object) -> str:
        name = f"_k{len(self.constants)}"
        self.constants[name] = value
        return name

    def name(self, prefix: str) -> str:
        self.names += 1
        return f"{prefix}{self.names}"

    def lookup(self, leaf: Leaf, value: str) -> str:
        """An expression for the test's result (its reason or None): the memo's, else evaluated (``_checker``)."""
        key, check = self.constant(leaf.key), self.constant(_checker(leaf))
        return f"({value} if ({value} := get({key}, _U)) is not _U else {check}(view))"

    def reasons(self, node: ConditionNode, depth: int = 0) -> str:
        """An expression for the node's reasons: a non-empty tuple when it holds, a false value when not."""
        if depth > _INLINE_DEPTH:
            helper = self.name("_n")
            self.functions.append(f"def {helper}(view, get):\n    return {self.reasons(node)}\n")
            return f"{helper}(view, get)"
        if isinstance(node, Leaf):
            value = self.name("v")
            lookup = self.lookup(node, value)
            return f"(({value} := {lookup}) and ({value},))"
        if isinstance(node, AllOf):
            parts = [(self.name("a"), self.reasons(member, depth + 1)) for member in node.all]
            held = " and ".join(f"({name} := {expression})" for name, expression in parts)
            return f"({held} and ({' + '.join(name for name, _ in parts)}))"
        if isinstance(node, AnyOf):
            held = " + ".join(f"({self.reasons(member, depth + 1)} or ())" for member in node.any)
            return f"(({held}) or None)"
        text = self.constant((node.describe(),))
        return f"(None if {self.reasons(node.negated, depth + 1)} else {text})"


def why_functions(conditions: list[ConditionNode]) -> list[Why]:
    """For each condition, a function giving the reasons it holds for a message, or None when it does not.

    A rule's source names its values by position only (``_k3``), so rules of the
    same shape share one compiled factory (``_factory``): a file of many similar
    rules, or the same file loaded again, compiles each shape once.
    """
    whys = []
    for condition in conditions:
        source = _Source()
        expression = source.reasons(condition)
        helpers = "".join(f"    {line}\n" for function in source.functions for line in function.splitlines())
        text = (f"def _make({', '.join(source.constants)}):\n{helpers}"
                f"    def _why(view):\n"
                f"        get = view.results.get\n"
                f"        found = {expression}\n"
                f"        return tuple(_fromkeys(found)) if found else None\n"
                f"    return _why\n")
        whys.append(_factory(text)(*source.constants.values()))
    return whys


def fixed_reasons(node: ConditionNode) -> tuple[str, ...] | None:
    """The reasons the condition gives whenever it holds, when they never depend on the message; else None.

    A test gives its own words when it holds, except ``one_of`` (which value) and keyword
    tests (which keyword) with more than one choice; ``all`` gives its members' reasons,
    ``any`` the reasons of the members that hold (fixed only with one member), ``not`` its
    own words. ``rules.reference.decide`` uses them for a matched rule instead of calling
    its reasons function (``tests/rules/test_codegen.py`` holds them to that function).
    """
    if isinstance(node, Leaf):
        if node.op == "one_of":
            written = set(node.matcher.values())
            return (_reason(node.field, "equals", written.pop()),) if len(written) == 1 else None
        if node.op in ("contains", "contains_any"):
            keywords = node.matcher.keywords
            return (_reason(node.field, "contains", keywords[0]),) if len(keywords) == 1 else None
        return (node.text,)
    if isinstance(node, AllOf):
        reasons: list[str] = []
        for member in node.all:
            fixed = fixed_reasons(member)
            if fixed is None:
                return None
            reasons += fixed
        return tuple(dict.fromkeys(reasons))
    if isinstance(node, AnyOf):
        return fixed_reasons(node.any[0]) if len(node.any) == 1 else None
    return (node.describe(),)


@functools.lru_cache(maxsize=2048)
def _factory(text: str) -> Callable[..., Why]:
    """The compiled ``_make`` of a rule's source: called with the rule's values, it gives its function."""
    namespace: dict[str, object] = {}
    exec(compile(text, "<rules.codegen>", "exec"), namespace)  # noqa: S102 - our own source
    return namespace["_make"]


def _scanner(field: str, matcher: PhraseMatcher) -> Callable[[FactView], bool]:
    """True if the matcher finds one of its keywords in the field (not memoised: part of a test only)."""
    def scan(view: FactView) -> bool:
        value = view.text(field)
        return value is not None and matcher.find(value, view.words(field)) is not None
    return scan


# Tests that scan text (phrases, regular expressions): computed only for a rule whose guards hold.
# Every other test (equals, one_of, comparisons, exists, one-word keywords) costs a lookup or two,
# so a program computes each of them once for the message, whichever rules read it.
SCANNING = frozenset({"matches", "contains", "contains_any"})


def fact_function(
    true: dict[str, bool], words: tuple, substrings: tuple, values: tuple, entries: tuple
) -> Callable[[FactView], dict[str, bool]]:
    """A program of ``rules.compiler`` (``true``, ``words``, ``substrings``, ``values``, ``entries``) as one function.

    The function gives the message's fact for durable_rules, as ``Program`` describes it:

    * the known guards;
    * every test that does not scan text, computed once, with its positive or negative
      field (keyword tests answered by the message's words that some of them look for and
      by the substrings found, which ASCII text cannot hold; ``equals`` / ``one_of`` tests
      by the field's value, compared as ``Leaf.check`` compares it; the others looked up in
      or added to the memo);
    * per entry that has scanning tests: its guards in order until one does not hold (its
      negative field set, the entry's other tests not computed), then each of its other
      scanning tests with its positive or negative field.

    Every field set is true of the message; a test left out is one only rules with a false
    guard read, so its value cannot change whether any rule matches.
    """
    source = _Source()
    lines = ["def _fact(view):", "    get = view.results.get", "    hits = set()"]
    for text_field, index in words:
        table, keys = source.constant(index), source.constant(frozenset(index))
        # the message's words in order probe the table's (the set of the message's words is made only
        # if a reason or a phrase asks for it; dict.keys() & would copy the keys)
        lines += [f"    for word in {keys}.intersection(view.tokens({text_field!r})):",
                  f"        hits.update({table}[word])"]
    for value_field, index in values:  # equals / one_of: the tests the field's value makes true
        table = source.constant(index)
        if value_field in NUMBER_FIELDS or value_field in BOOL_FIELDS:
            scalar = "number" if value_field in NUMBER_FIELDS else "boolean"
            lines.append(f"    hits.update({table}.get(view.{scalar}({value_field!r}), ()))")
        else:
            lines += [f"    text = view.text({value_field!r})",
                      f"    if text is not None: hits.update({table}.get(text.strip(), ()))"]
    for text_field, pairs in substrings:  # keywords in unspaced scripts: never in ASCII text
        lines += [f"    text = view.text({text_field!r})",
                  "    if text is not None and not text.isascii():",
                  f"        for substring, tests in {source.constant(pairs)}:",
                  "            if substring in text: hits.update(tests)"]
    # The tests every message of the program computes (name -> its fields), and the scanning ones.
    settled: dict[str, tuple[str | None, str | None]] = {}
    for guards, rest in entries:
        for name, positive, negative, leaf in (*guards, *rest):
            if (leaf is None or leaf.op not in SCANNING) and name not in settled:
                settled[name] = (positive, negative)
                if leaf is not None:
                    lines.append(f"    if {source.lookup(leaf, source.name('v'))} is not None: hits.add({name!r})")
    positives = frozenset(name for name, (positive, _) in settled.items() if positive is not None)
    negatives = {name: negative for name, (_, negative) in settled.items() if negative is not None}
    lines.append(f"    fact = dict({source.constant(true)})")
    if positives:
        lines.append(f"    fact.update(_fromkeys(hits & {source.constant(positives)}, True))")
    if negatives:
        table = source.constant(negatives)
        lines += [f"    for name in {table}.keys() - hits:", f"        fact[{table}[name]] = True"]

    def holds(name: str, leaf: Leaf | None) -> str:
        if name in settled:
            return f"{name!r} in hits"
        if leaf.op in ("contains", "contains_any"):
            found, bare, others = leaf.matcher.split()
            if found or bare:  # some keywords are answered by ``hits``: scan for the others only
                return f"({name!r} in hits or {source.constant(_scanner(leaf.field, others))}(view))"
        return f"{source.lookup(leaf, source.name('v'))} is not None"

    for guards, rest in entries:
        scanning = [step for step in (*guards, *rest) if step[0] not in settled]
        if not scanning:
            continue
        lines.append("    for _ in _ONCE:")  # a block to break out of when a guard does not hold
        for name, positive, negative, leaf in guards:
            if name in settled:
                lines.append(f"        if {name!r} not in hits: break")
                continue
            denied = f"fact[{negative!r}] = True; " if negative is not None else ""
            lines += [f"        if not {holds(name, leaf)}: {denied}break", f"        fact[{positive!r}] = True"]
        for name, positive, negative, leaf in rest:
            if name in settled or (positive is None and negative is None):
                continue
            lines.append(f"        if {holds(name, leaf)}: " + (
                f"fact[{positive!r}] = True" if positive is not None else "pass"))
            if negative is not None:
                lines.append(f"        else: fact[{negative!r}] = True")
        lines.append("        pass")  # the block is never empty, whichever tests it skipped
    lines.append("    return fact")
    namespace = {**source.constants, "_ONCE": (None,)}
    exec(compile("\n".join(lines) + "\n", "<rules.codegen>", "exec"), namespace)  # noqa: S102 - our own source
    return namespace["_fact"]

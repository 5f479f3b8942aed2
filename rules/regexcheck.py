"""Regular expressions that can take exponential time, found when a rule file is loaded.

Python's ``re`` backtracks: an expression in which a repetition sits inside
another one, and the text the inner one takes could also be taken by what
comes after it (``(a+)+``, ``(\\w+\\s?)*``, ``(.*,){12}``), tries every way of
sharing a long near-match between them, and one message stalls the helpdesk
for minutes. ``re`` has no time limit, so such expressions are refused at
load (``rules.model``), with how to rewrite them.

The test is on the parsed expression, not on its text. A repetition that
may match a varying number of times, inside another repetition, is
*ambiguous* when a character it can take could also start what must come
next: the next item that cannot match nothing, after it in the outer body,
or, at the end of the body, the start of the body's next round. The common
safe forms pass: ``(\\d{1,3}\\.){3}`` and ``(\\w+\\.)+`` (a dot ends each
round), ``(\\s*re:\\s*)+`` (each round needs "re:"). Possessive repeats
(``\\w++``) and atomic groups (``(?>...)``) give up nothing once matched, so
what is inside them is never ambiguous. Character sets are compared on a
sample of characters (Latin, Greek, Cyrillic, CJK, digits and spaces of
several scripts); a back reference is taken to overlap with anything.
"""
from __future__ import annotations

import re
import re._compiler as _compiler
import re._constants as _c
import re._parser as _parser
from typing import Any

_REPEATS = (_c.MAX_REPEAT, _c.MIN_REPEAT)
_ZERO_WIDTH = (_c.AT, _c.ASSERT, _c.ASSERT_NOT)
_ONE_CHARACTER = (_c.LITERAL, _c.NOT_LITERAL, _c.IN, _c.ANY, _c.CATEGORY)
_SAMPLE = "".join(map(chr, range(0x300))) + (
    "\u0391\u03b1\u03c2\u0410\u044f\u05d0\u0627\u0663\u0966\u0e01\u1e9e\u2000\u2028\u200b\u2019\u20ac"
    "\u3000\u3042\u30a2\u4e00\u65e5\uac00\uff10\uff21\uff41\U0001f525"
)

Item = tuple[Any, Any]


def exponential_repetition(pattern: str, flags: int = re.IGNORECASE) -> str | None:
    """Where the expression repeats a repetition ambiguously (``"+ inside *"``), or None if it does not."""
    parsed = _parser.parse(pattern, flags)
    return _Search(parsed.state).sequence(list(parsed.data), [], None)


class _Search:
    def __init__(self, state: Any) -> None:
        self.state = state
        self._cache: dict[str, frozenset[str]] = {}

    def sequence(self, items: list[Item], after: list[Item], outer: tuple[str, list[Item]] | None) -> str | None:
        """Look through a sequence; ``after`` is what follows it up to the end of the enclosing repeat's body,
        ``outer`` that repeat (its text, its body) or None outside any."""
        for index, (op, value) in enumerate(items):
            rest = items[index + 1:] + after
            if op in _REPEATS:
                low, high, body = value
                if high > 1 and high != low and outer is not None and self._ambiguous(list(body), rest, outer[1]):
                    return f"{_repeat_text(low, high)} inside {outer[0]}"
                inner = (_repeat_text(low, high), list(body)) if high > 1 else outer
                found = self.sequence(list(body), [] if high > 1 else rest, inner)
            elif op == _c.SUBPATTERN:
                found = self.sequence(list(value[3]), rest, outer)
            elif op == _c.BRANCH:
                found = next(filter(None, (self.sequence(list(branch), rest, outer) for branch in value[1])), None)
            elif op in (_c.ASSERT, _c.ASSERT_NOT):
                found = self.sequence(list(value[1]), [], None)
            elif op == _c.GROUPREF_EXISTS:
                found = self.sequence(list(value[1]), rest, outer) or (
                    value[2] is not None and self.sequence(list(value[2]), rest, outer)) or None
            else:  # one character, an anchor; atomic groups and possessive repeats give up nothing
                found = None
            if found:
                return found
        return None

    def _ambiguous(self, body: list[Item], rest: list[Item], round_: list[Item]) -> bool:
        """True if a character the repeated ``body`` takes could also start what must come after it."""
        takes = self._first(body)
        follows = self._first(rest) if not _can_be_empty(rest) else self._first(rest) + self._first(round_)
        return any(self._overlap(one, other) for one in takes for other in follows)

    def _first(self, items: list[Item]) -> list[Item]:
        """The one-character items (or back references) that can start a match of the sequence."""
        first: list[Item] = []
        for op, value in items:
            if op in _ONE_CHARACTER or op == _c.GROUPREF:
                first.append((op, value))
            elif op in _REPEATS or op in (_c.POSSESSIVE_REPEAT,):
                first += self._first(list(value[2]))
            elif op == _c.SUBPATTERN:
                first += self._first(list(value[3]))
            elif op == _c.ATOMIC_GROUP:
                first += self._first(list(value))
            elif op == _c.BRANCH:
                for branch in value[1]:
                    first += self._first(list(branch))
            elif op == _c.GROUPREF_EXISTS:
                first += self._first(list(value[1])) + (self._first(list(value[2])) if value[2] else [])
            if not _can_be_empty([(op, value)]):
                break
        return first

    def _overlap(self, one: Item, other: Item) -> bool:
        if one[0] == _c.GROUPREF or other[0] == _c.GROUPREF:
            return True
        return bool(self._takes(one) & self._takes(other))

    def _takes(self, item: Item) -> frozenset[str]:
        """The sample characters a one-character item matches."""
        key = repr(item)
        if key not in self._cache:
            matcher = _compiler.compile(_parser.SubPattern(self.state, [item]), self.state.flags)
            self._cache[key] = frozenset(character for character in _SAMPLE if matcher.fullmatch(character))
        return self._cache[key]


def _can_be_empty(items: list[Item]) -> bool:
    """True if the sequence can match without taking a character."""
    for op, value in items:
        if op in _ZERO_WIDTH:
            continue
        if op in _REPEATS or op == _c.POSSESSIVE_REPEAT:
            if value[0] == 0 or _can_be_empty(list(value[2])):
                continue
            return False
        if op == _c.SUBPATTERN:
            if _can_be_empty(list(value[3])):
                continue
            return False
        if op == _c.ATOMIC_GROUP:
            if _can_be_empty(list(value)):
                continue
            return False
        if op == _c.BRANCH:
            if any(_can_be_empty(list(branch)) for branch in value[1]):
                continue
            return False
        return False
    return True


def _repeat_text(low: int, high: int) -> str:
    unbounded = high == _c.MAXREPEAT
    if (low, unbounded) == (0, True):
        return "*"
    if (low, unbounded) == (1, True):
        return "+"
    return f"{{{low},}}" if unbounded else f"{{{low}}}" if low == high else f"{{{low},{high}}}"

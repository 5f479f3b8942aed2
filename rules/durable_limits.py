"""The fixed-size tables inside durable_rules 2.0.28, and how to stay inside them.

Read from its C sources (``src/rules/rete.c``, ``events.c``, ``rules.h``,
``state.h``) and confirmed by experiment:

* Each node of its alpha network keeps its children in a 512-slot open
  hash table (``NEXT_BUCKET_LENGTH``); inserting a 513th child loops forever
  at load. That is the "more than ~500 first-level tests hangs" fault: a
  test is a (field, value) pair, so ``c3 == true`` and ``c3 == false`` count
  twice. A fact may have at most 255 properties (``MAX_OBJECT_PROPERTIES``,
  error 302). We keep at most :data:`MAX_TESTS_PER_SHARD` distinct tests in
  a ruleset, which bounds both.
* A rule's expression may hold at most 31 entries
  (``MAX_SEQUENCE_EXPRESSIONS``, error 113 at load); each ``$and``/``$or``
  takes two. We allow :data:`MAX_GROUPS_PER_RULE` groups per rule.
* Matching a fact walks the alpha network depth first with a 64-entry stack
  (``MAX_STACK_SIZE`` in ``handleAlpha``, error 303 when a fact matches
  too much: 65 one-test rules all true are enough). Worse, a failure after
  the fact was partly stored leaves the ruleset corrupt: freeing it then
  crashes the process. So we bound the stack before loading:
  :func:`stack_depth` rebuilds the network's shape the way ``createAlpha``
  does and computes the deepest stack any fact could need, assuming every
  test matches; shards keep it at most :data:`MAX_STACK_DEPTH`.

The network, as ``createAlpha`` builds it: a test ``{c: v}`` is a child of
its parent node, shared with an equal test under the same parent; ``$and``
chains its members (each member's end is the next member's parent);
``$or`` builds each member from the parent and links every member's end to
a new "forward" node (never shared), which is the group's end. Matching pops
a node and pushes every child that matches, and every forward node linked
from it; a node reached along several paths is pushed once per path.
"""
from __future__ import annotations

from collections.abc import Iterable

MAX_TESTS_PER_SHARD = 200  # hard limits: 512 children per node, 255 fact properties
MAX_GROUPS_PER_RULE = 15  # hard limit: 31 expression entries, 2 per group
MAX_STACK_DEPTH = 48  # hard limit: 64


class _Node:
    __slots__ = ("children", "forwards")

    def __init__(self) -> None:
        self.children: dict[tuple[str, bool], _Node] = {}
        self.forwards: list[_Node] = []


def _build(expression: dict, parent: _Node) -> _Node:
    """Add an expression below ``parent`` the way durable_rules does; its end node."""
    ((key, value),) = expression.items()
    if key == "$and":
        end = parent
        for member in value:
            end = _build(member, end)
        return end
    if key == "$or":
        forward = _Node()
        for member in value:
            _build(member, parent).forwards.append(forward)
        return forward
    return parent.children.setdefault((key, value), _Node())


def stack_depth(expressions: Iterable[dict]) -> int:
    """The deepest matching stack a ruleset of these rule expressions can need."""
    root = _Node()
    for expression in expressions:
        _build(expression, root)
    return _peak(root, {})


def _peak(node: _Node, memo: dict[int, int]) -> int:
    """Stack entries needed below a popped node, whatever the push order."""
    if id(node) not in memo:
        below = [*node.children.values(), *node.forwards]
        deepest = max((_peak(child, memo) for child in below), default=0)
        memo[id(node)] = max(len(below), len(below) - 1 + deepest) if below else 0
    return memo[id(node)]


def group_count(expression: dict) -> int:
    """How many ``$and``/``$or`` groups an expression has."""
    ((key, value),) = expression.items()
    if key in ("$and", "$or"):
        return 1 + sum(group_count(member) for member in value)
    return 0

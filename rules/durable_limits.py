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
    __slots__ = ("children", "forwards", "parents")

    def __init__(self) -> None:
        self.children: dict[tuple[str, bool], _Node] = {}
        self.forwards: list[_Node] = []
        self.parents: list[_Node] = []  # the nodes this one is a child or forward node of


def _build(expression: dict, parent: _Node, grown: list[_Node]) -> _Node:
    """Add an expression below ``parent`` the way durable_rules does; its end node.

    Nodes that were there before and got a new child or forward node are added to ``grown``.
    """
    ((key, value),) = expression.items()
    if key == "$and":
        end = parent
        for member in value:
            end = _build(member, end, grown)
        return end
    if key == "$or":
        forward = _Node()
        for member in value:
            end = _build(member, parent, grown)
            end.forwards.append(forward)
            forward.parents.append(end)
            grown.append(end)
        return forward
    child = parent.children.get((key, value))
    if child is None:
        child = parent.children[(key, value)] = _Node()
        child.parents.append(parent)
        grown.append(parent)
    return child


class Network:
    """The shape of a ruleset's network, grown one rule expression at a time.

    The stack each node needs is remembered between additions; an addition
    forgets it only for the nodes that grew and those above them.
    """

    def __init__(self) -> None:
        self._root = _Node()
        self._peaks: dict[_Node, int] = {}

    def add(self, expression: dict) -> int:
        """Add a rule expression; the deepest matching stack the ruleset can need from now on."""
        grown: list[_Node] = []
        _build(expression, self._root, grown)
        peaks, stale = self._peaks, grown
        while stale:  # every node in ``peaks`` is known; one that is not was forgotten with its ancestors
            node = stale.pop()
            if peaks.pop(node, None) is not None:
                stale.extend(node.parents)
        return _peak(self._root, peaks)


def stack_depth(expressions: Iterable[dict]) -> int:
    """The deepest matching stack a ruleset of these rule expressions can need."""
    network, depth = Network(), 0
    for expression in expressions:
        depth = network.add(expression)
    return depth


def _peak(node: _Node, memo: dict[_Node, int]) -> int:
    """Stack entries needed below a popped node, whatever the push order."""
    if node not in memo:
        below = [*node.children.values(), *node.forwards]
        deepest = max((_peak(child, memo) for child in below), default=0)
        memo[node] = max(len(below), len(below) - 1 + deepest) if below else 0
    return memo[node]


def group_count(expression: dict) -> int:
    """How many ``$and``/``$or`` groups an expression has."""
    ((key, value),) = expression.items()
    if key in ("$and", "$or"):
        return 1 + sum(group_count(member) for member in value)
    return 0

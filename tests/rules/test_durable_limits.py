"""The matching-stack bound, grown rule by rule, equals the bound computed afresh."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from rules.durable_limits import Network, _build, _Node, _peak

tests = st.builds(lambda number, value: {f"c{number}": value}, st.integers(0, 6), st.booleans())
expressions = st.recursive(
    tests,
    lambda members: st.builds(lambda op, found: {op: found}, st.sampled_from(("$and", "$or")),
                              st.lists(members, min_size=2, max_size=3)),
    max_leaves=8,
)


def afresh(found: list[dict]) -> int:
    root = _Node()
    for expression in found:
        _build(expression, root, [])
    return _peak(root, {})


@settings(max_examples=300, deadline=None)
@given(st.lists(expressions, min_size=1, max_size=12))
def test_the_bound_grown_rule_by_rule_is_the_bound_afresh(found):
    network = Network()
    for count, expression in enumerate(found, start=1):
        assert network.add(expression) == afresh(found[:count])


def test_the_bound_counts_a_fact_matching_many_one_test_rules():
    network = Network()
    depths = [network.add({f"c{number}": True}) for number in range(65)]
    assert depths == list(range(1, 66))  # 65 one-test rules under the root: 65 stack entries
    # The tests are shared; c0 and c1 each get the group's forward node below them. Popping
    # c0 last leaves 64 siblings on the stack and pushes the forward node: still 65.
    assert network.add({"$or": [{"c0": True}, {"c1": True}]}) == 65
    # A second child below c0 (beside the forward node) makes it 64 + 2.
    assert network.add({"$and": [{"c0": True}, {"c9": False}]}) == 66

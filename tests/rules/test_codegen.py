"""The generated reason functions say what a plain walk of the condition tree says."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from rules.codegen import fixed_reasons, why_functions
from rules.facts import FactView
from rules.model import AllOf, AnyOf, Leaf
from rules.reference import holds
from tests.rules.test_agreement import conditions, messages


def walked(node, view: FactView) -> list[str] | None:
    """The reasons by the rule semantics, written as plainly as possible."""
    if isinstance(node, Leaf):
        reason = node.check(view)
        return None if reason is None else [reason]
    if isinstance(node, AllOf):
        found = []
        for member in node.all:
            reasons = walked(member, view)
            if reasons is None:
                return None
            found += reasons
        return found
    if isinstance(node, AnyOf):
        held = [reasons for member in node.any if (reasons := walked(member, view)) is not None]
        return [reason for reasons in held for reason in reasons] if held else None
    return None if walked(node.negated, view) is not None else [node.describe()]


def expected(node, facts) -> tuple[str, ...] | None:
    found = walked(node, FactView(facts))
    return None if found is None else tuple(dict.fromkeys(found))


@settings(max_examples=200, deadline=None)
@given(drawn=st.lists(conditions, min_size=1, max_size=6), samples=st.lists(messages, min_size=1, max_size=4))
def test_generated_reasons_are_the_tree_walks(drawn, samples, rule, ruleset_of):
    ruleset = ruleset_of([rule(f"rule-{number}", number, when) for number, when in enumerate(drawn)])
    whys = why_functions([item.when for item in ruleset.rules])
    for facts in samples:
        view = FactView(facts)  # shared, as in the engine: tests memoised by one rule serve the next
        for item, why in zip(ruleset.rules, whys, strict=True):
            got = why(view)
            assert got == expected(item.when, facts)
            assert (got is not None) == holds(item.when, FactView(facts))
            fixed = fixed_reasons(item.when)
            if fixed is not None and got is not None:  # the reasons of a match that never vary
                assert fixed == got


def test_reasons_that_never_vary_are_known_without_a_message(rule, ruleset_of):
    ruleset = ruleset_of([
        rule("fixed", 1, {"all": [{"field": "department", "equals": "it"}, {"field": "subject", "contains": "VPN"},
                                  {"not": {"field": "importance", "equals": "low"}},
                                  {"any": [{"field": "attachment_count", "gt": 0}]}]}),
        rule("which-keyword", 2, {"field": "subject", "contains_any": ["vpn", "wifi"]}),
        rule("which-member", 3, {"any": [{"field": "hour", "lt": 8}, {"field": "hour", "gt": 18}]}),
        rule("which-value", 4, {"field": "sender_domain", "one_of": ["a.example", "b.example"]}),
    ])
    fixed = [fixed_reasons(item.when) for item in ruleset.rules]
    assert fixed == [('department equals "it"', 'subject contains "VPN"', 'not importance equals "low"',
                      "attachment_count > 0"), None, None, None]
    view = FactView({"department": "it", "subject": "vpn down", "attachment_count": 2})
    assert why_functions([ruleset.rules[0].when])[0](view) == fixed[0]


def _nested(depth: int, innermost: dict) -> dict:
    node = innermost
    for level in range(depth):
        node = ({"all": [node, {"field": "attachment_count", "lt": 9}]} if level % 3 == 0
                else {"any": [{"field": "subject", "contains": "never"}, node]} if level % 3 == 1
                else {"all": [node]})
    return node


def test_conditions_nested_deeper_than_python_nests_expressions_still_compile(rule, ruleset_of):
    when = _nested(120, {"field": "subject", "contains": "printer"})
    (item,) = ruleset_of([rule("deep", 1, when)]).rules
    (why,) = why_functions([item.when])
    facts = {"subject": "Printer jam", "attachment_count": 1}
    assert why(FactView(facts)) == ('subject contains "printer"', "attachment_count < 9") == expected(item.when, facts)
    assert why(FactView({"subject": "Printer jam", "attachment_count": 10})) is None
    assert why(FactView({"subject": "Toner", "attachment_count": 1})) is None


def test_rules_of_one_shape_share_compiled_code_but_not_values(rule, ruleset_of):
    from rules.codegen import _factory

    rules = ruleset_of([rule("vpn", 1, {"all": [{"field": "department", "equals": "it"},
                                                {"field": "subject", "contains": "vpn"}]}),
                        rule("payslip", 2, {"all": [{"field": "department", "equals": "hr"},
                                                    {"field": "subject", "contains": "payslip"}]})]).rules
    compiled_before = _factory.cache_info().currsize
    vpn, payslip = why_functions([item.when for item in rules])
    assert _factory.cache_info().currsize - compiled_before <= 1 and vpn.__code__ is payslip.__code__
    assert vpn(FactView({"department": "it", "subject": "VPN down"})) == ('department equals "it"',
                                                                          'subject contains "vpn"')
    assert payslip(FactView({"department": "it", "subject": "VPN down"})) is None
    assert payslip(FactView({"department": "hr", "subject": "payslip?"})) == ('department equals "hr"',
                                                                              'subject contains "payslip"')

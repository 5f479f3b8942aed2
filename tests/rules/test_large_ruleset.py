"""A 1,000-rule set: it loads into durable_rules (sharded within its limits), decides right, agrees with the
reference evaluator, and a replaced engine lets go of its durable_rules rulesets."""
import gc
import weakref

import pytest

from rules import RulesEngine, parse_rules, reference

COUNT = 1000
DEPARTMENTS = {"it", "hr", "finance", "facilities"}
KEYS = ["it", "hr", "finance", "facilities"]


def _file(count: int) -> str:
    rules = []
    for k in range(count):
        department = KEYS[k % 4]
        rules.append(
            f'[[rule]]\nname = "rule-{k:04d}"\ndescription = "generated"\npriority = {k + 1}\n'
            f'when = {{ all = [ {{ field = "department", equals = "{department}" }}, '
            f'{{ any = [ {{ field = "subject", contains = "kw{k}x" }}, {{ field = "body", matches = "\\\\bcode-{k}\\\\b" }} ] }} ] }}\n'
            f'then = {{ category = "cat-{k}", tags = ["t{k % 10}"] }}\n')
    return "\n".join(rules)


@pytest.fixture(scope="module")
def ruleset():
    return parse_rules(_file(COUNT), "<1000 rules>", departments=DEPARTMENTS)


def test_a_thousand_rules_load_into_durable_rules_and_decide_right(ruleset):
    assert len(ruleset.rules) == COUNT
    with RulesEngine(ruleset) as engine:
        assert engine.evaluator == "durable_rules"
        for k in (0, 1, 499, 998, 999):
            facts = {"department": KEYS[k % 4], "subject": f"about KW{k}X please", "body": "-"}
            decision = engine.classify(facts)
            assert decision.category == f"cat-{k}" and [m.rule for m in decision.matched] == [f"rule-{k:04d}"]
            by_body = engine.classify({"department": KEYS[k % 4], "subject": "-", "body": f"see code-{k} now"})
            assert by_body.category == f"cat-{k}"
            # the right keyword sent to the wrong department matches nothing
            assert engine.classify({**facts, "department": KEYS[(k + 1) % 4]}).matched == ()
        both = engine.classify({"department": "it", "subject": "kw4x and kw8x", "body": "code-12"})
        assert [m.rule for m in both.matched] == ["rule-0004", "rule-0008", "rule-0012"]
        assert both.category == "cat-12" and set(both.tags) == {"t4", "t8", "t2"}


def test_the_engine_agrees_with_the_reference_on_a_thousand_rules(ruleset):
    with RulesEngine(ruleset) as engine:
        for k in range(0, COUNT, 37):
            facts = {"department": KEYS[k % 4], "subject": f"kw{k}x kw{(k + 4) % COUNT}x", "body": f"code-{k + 8}"}
            assert engine.classify(facts).matched == reference.classify(ruleset, facts).matched


def test_a_closed_engine_releases_its_durable_rulesets(ruleset):
    engine = RulesEngine(parse_rules(_file(100), "<100 rules>", departments=DEPARTMENTS))
    durable = engine._durable
    assert durable is not None
    watched = weakref.ref(durable)
    del durable
    engine.close()
    gc.collect()
    assert watched() is None and engine.evaluator == "reference"
    assert engine.classify({"department": "it", "subject": "kw0x", "body": ""}).category == "cat-0"

"""Helpers for the rules tests: write rule files from Python data, classify both ways."""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping

import pytest

from rules import Decision, RuleSet, RulesEngine, parse_rules, reference

DEPARTMENTS = ("hr", "it", "finance", "facilities")


def toml_value(value: object) -> str:
    """A value as TOML (inline tables, arrays, JSON-compatible scalars)."""
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{key} = {toml_value(item)}" for key, item in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def rules_toml(rules: list[dict], defaults: dict | None = None) -> str:
    """A rule file holding these rules (each a dict of rule keys)."""
    lines = []
    if defaults:
        lines += ["[defaults]", *(f"{key} = {toml_value(value)}" for key, value in defaults.items())]
    for rule in rules:
        lines += ["", "[[rule]]", *(f"{key} = {toml_value(value)}" for key, value in rule.items())]
    return "\n".join(lines) + "\n"


def make_rule(name: str, order: int, when: dict, stop: bool = False, **then: object) -> dict:
    """One rule as data, with a description; ``order`` is its priority, ``then`` its actions."""
    rule = {"name": name, "description": f"test rule {name}", "priority": order, "stop": stop, "when": when}
    if then:
        rule["then"] = then
    return rule


def build_rules(rules: list[dict], defaults: dict | None = None) -> RuleSet:
    """Parse and validate rules given as data."""
    return parse_rules(rules_toml(rules, defaults), source="test.toml", departments=DEPARTMENTS)


@pytest.fixture(scope="session")
def rule() -> Callable[..., dict]:
    """``rule(name, order, when, stop=False, **then)``: one rule as data."""
    return make_rule


@pytest.fixture(scope="session")
def ruleset_of() -> Callable[..., RuleSet]:
    """``ruleset_of([rule, ...], defaults=None)``: a validated RuleSet from rules as data."""
    return build_rules


@pytest.fixture(scope="session")
def to_toml() -> Callable[..., str]:
    """``to_toml([rule, ...], defaults=None)``: the rule file text."""
    return rules_toml


@pytest.fixture(params=["durable_rules", "reference"])
def classify(request) -> Callable[[RuleSet, Mapping[str, object]], Decision]:
    """Classify with the durable_rules engine, or with the reference evaluator."""

    def run(ruleset: RuleSet, facts: Mapping[str, object]) -> Decision:
        if request.param == "reference":
            return reference.classify(ruleset, facts)
        with RulesEngine(ruleset) as engine:
            decision = engine.classify(facts)
        assert decision.evaluator == "durable_rules"
        return decision

    return run

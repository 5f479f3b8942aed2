"""Explaining a decision, linting a rule file, running its examples, replaying history with candidate rules."""
import datetime as dt
from pathlib import Path

import pytest

from helpdesk.build import build_services, load_ruleset
from helpdesk.config import load_settings
from rules import parse_rules
from rules.explain import explain, lint
from rules.reference import classify
from storage import repo
from workflows.pipeline import Pipeline
from workflows.ruletools import explain_message, replay, run_examples

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = (ROOT / "rules" / "default.toml").read_text(encoding="utf-8")
DEPARTMENTS = {"it", "hr", "finance", "facilities"}
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def services():
    return build_services(load_settings(ROOT / "config.toml", environ={}))


def _rules(text: str):
    return parse_rules(text, departments=DEPARTMENTS)


def _rule(name, priority, when, then, stop=False):
    return (f'[[rule]]\nname = "{name}"\ndescription = "test"\npriority = {priority}\nstop = {str(stop).lower()}\n'
            f"when = {when}\nthen = {then}\n\n")


def test_the_explanation_agrees_with_the_engine_and_says_why(services):
    raw = (b"From: anna.schmidt@corp.example\r\nTo: it@corp.example\r\nSubject: VPN down\r\n"
           b"Date: Mon, 23 Nov 2026 10:00:00 +0100\r\n\r\nNobody can connect.\r\n")
    ruleset = load_ruleset(load_settings(ROOT / "config.toml", environ={}))
    explanation = explain_message(services, ruleset, raw)
    matched = [rule.name for rule in explanation.rules if rule.matched]
    assert matched == [match.rule for match in explanation.decision.matched] == ["it-vpn", "it-network-team"]
    by_name = {rule.name: rule for rule in explanation.rules}
    assert len(by_name) == len(ruleset.rules)
    vpn = by_name["it-vpn"]
    assert "subject contains any of" in vpn.why and "'VPN down'" in vpn.why
    hr = by_name["hr-leave"]
    assert not hr.matched and hr.why == "department equals \"hr\" (department is 'it')"
    def leaves(result):
        return [result] if result.kind == "test" else [leaf for m in result.members for leaf in leaves(m)]
    tests = {(c.field, c.holds, c.actual) for c in leaves(vpn.condition)}
    assert {("department", True, "it"), ("subject", True, "VPN down")} <= tests


def test_rules_after_a_stop_rule_are_shown_as_skipped():
    ruleset = _rules(_rule("first", 1, '{ field = "subject", contains = "printer" }', '{ category = "a" }', stop=True)
                     + _rule("second", 2, '{ field = "subject", contains = "printer" }', '{ category = "b" }')
                     + _rule("third", 3, '{ field = "subject", contains = "scanner" }', '{ category = "c" }'))
    explanation = explain(ruleset, {"department": "it", "subject": "Printer jam"})
    assert [(r.name, r.matched, r.skipped) for r in explanation.rules] == [
        ("first", True, False), ("second", False, True), ("third", False, False)]
    assert explanation.decision == classify(ruleset, {"department": "it", "subject": "Printer jam"})
    assert explanation.rules[1].why.startswith("skipped: an earlier rule stopped evaluation")


def test_lint_finds_impossible_and_shadowed_rules_and_nothing_in_the_default_file():
    text = (_rule("catch-printers", 10, '{ field = "subject", contains = "printer" }', '{ category = "print" }',
                  stop=True)
            + _rule("printer-jam", 20, '{ all = [ { field = "subject", contains = "printer" }, '
                    '{ field = "body", contains = "jam" } ] }', '{ category = "jam" }')
            + _rule("two-departments", 30, '{ all = [ { field = "department", equals = "it" }, '
                    '{ field = "department", equals = "hr" } ] }', '{ category = "x" }')
            + _rule("self-contradiction", 40, '{ all = [ { field = "body", contains = "toner" }, '
                    '{ not = { field = "body", contains = "toner" } } ] }', '{ category = "y" }')
            + _rule("never-a-kind", 50, '{ field = "classification", equals = "newsletter" }', '{ category = "z" }'))
    warnings = {w.rule: w for w in lint(_rules(text), text)}
    assert set(warnings) == {"printer-jam", "two-departments", "self-contradiction", "never-a-kind"}
    assert "shadowed" in warnings["printer-jam"].message and "'catch-printers'" in warnings["printer-jam"].message
    assert warnings["printer-jam"].line == text.splitlines().index('name = "printer-jam"') + 1
    assert "cannot equal hr and it at once" in warnings["two-departments"].message
    assert "negation" in warnings["self-contradiction"].message
    assert "classification is never newsletter" in warnings["never-a-kind"].message
    assert lint(_rules(DEFAULT), DEFAULT) == []


@pytest.mark.parametrize(("when", "words"), [
    ('{ field = "hour", ge = 24 }', "no hour passes all of: hour >= 24 (hour is 0 to 23)"),
    ('{ field = "hour", lt = 0 }', "no hour passes all of: hour < 0"),
    ('{ all = [ { field = "attachment_count", gt = 5 }, { field = "attachment_count", lt = 3 } ] }',
     "attachment_count > 5; attachment_count < 3"),
    ('{ all = [ { field = "hour", one_of = [7, 8] }, { field = "hour", ge = 9 } ] }', "hour >= 9"),
    ('{ field = "attachment_count", le = -1 }', "attachment_count is 0 or more"),
    ('{ field = "importance", equals = "urgent" }', "importance is never urgent"),
    ('{ all = [ { field = "subject", exists = false }, { field = "subject", contains = "x" } ] }',
     'subject contains "x" is false when subject does not exist'),
    ('{ all = [ { field = "weekday", one_of = ["mon", "tue"] }, { field = "weekday", equals = "fri" } ] }',
     'no weekday passes all of: weekday is one of ["mon", "tue"]; weekday equals "fri"'),
])
def test_lint_finds_tests_no_value_passes_together(when, words):
    text = _rule("impossible", 10, when, '{ category = "x" }')
    (warning,) = lint(_rules(text), text)
    assert warning.rule == "impossible" and words in warning.message, warning.message


@pytest.mark.parametrize("when", [
    '{ all = [ { field = "attachment_count", equals = 1 }, { field = "attachment_count", equals = 1.0 } ] }',
    '{ all = [ { field = "subject", equals = "Straße" }, { field = "subject", equals = "STRASSE" } ] }',
    '{ all = [ { field = "hour", ge = 23 }, { field = "hour", le = 23 } ] }',
    '{ all = [ { field = "hour", gt = 8 }, { field = "hour", one_of = [8, 9] } ] }',
    '{ all = [ { field = "subject", exists = false }, { not = { field = "subject", contains = "x" } } ] }',
    '{ field = "importance", equals = "HIGH" }',
])
def test_lint_does_not_call_a_rule_that_can_match_impossible(when):
    text = _rule("possible", 10, when, '{ category = "x" }')
    assert lint(_rules(text), text) == []


def test_the_default_examples_pass_and_a_wrong_expectation_fails(services, tmp_path):
    ruleset = load_ruleset(load_settings(ROOT / "config.toml", environ={}))
    results = run_examples(services, ruleset)
    assert len(results) == len(ruleset.examples) >= 10 and all(not r.failures for r in results)
    wrong = DEFAULT.replace('category = "outage"\npriority = "P1"\nteam = "it-network"',
                            'category = "outage"\npriority = "P2"\nteam = "it-network"', 1)
    assert wrong != DEFAULT
    path = tmp_path / "rules.toml"
    path.write_text(wrong, encoding="utf-8")
    candidate = load_ruleset(load_settings(ROOT / "config.toml", environ={}), str(path))
    failed = [r for r in run_examples(services, candidate) if r.failures]
    assert [(r.name, r.failures) for r in failed] == [
        ("vpn outage goes to the network team as P1", ("priority: expected 'P2', got 'P1'",))]
    assert failed[0].line == wrong.splitlines().index('name = "vpn outage goes to the network team as P1"')


def _deliver(database, number, sender, to, subject, body):
    raw = (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <replay{number}@corp.example>\r\n"
           f"\r\n{body}\r\n").encode()
    with database.transaction() as session:
        repo.add_inbound(session, source="test", mail_from=sender, rcpt_to=[to], raw=raw,
                         received_at=NOW - dt.timedelta(days=number))


def test_replay_lists_exactly_the_tickets_a_candidate_reroutes(database, services):
    services.clock = lambda: NOW
    _deliver(database, 1, "ben.okafor@corp.example", "it@corp.example", "Printer on floor 3 jams", "Paper jam.")
    _deliver(database, 2, "dana.smith@corp.example", "it@corp.example", "Printer toner empty", "Please refill.")
    _deliver(database, 3, "ana.garcia@corp.example", "it@corp.example", "Laptop will not start", "Beeps.")
    _deliver(database, 40, "old.request@corp.example", "it@corp.example", "Printer from last month", "Old.")
    Pipeline(database, services).drain()
    candidate = _rules(DEFAULT + "\n" + _rule("printers-to-facilities", 5,
                                              '{ field = "subject", contains = "printer" }',
                                              '{ department = "facilities", category = "printing" }'))
    with database.sessions() as session:
        items = list(replay(session, services, candidate, since=NOW - dt.timedelta(days=30)))
    *changes, summary = items
    assert (summary.replayed, summary.changed, summary.unreadable) == (3, 2, 0)
    assert sorted((c.subject, c.old[0], c.new[0], c.new[1]) for c in changes) == [
        ("Printer on floor 3 jams", "it", "facilities", "printing"),
        ("Printer toner empty", "it", "facilities", "printing")]
    with database.sessions() as session:
        *unchanged, summary = replay(session, services, _rules(DEFAULT), since=NOW - dt.timedelta(days=30))
    assert unchanged == [] and summary.replayed == 3

"""The engine facade: durable_rules contained (no threads, no leaks, shards, locks),
falling back to the reference evaluator loudly, engines independent of each other."""
from __future__ import annotations

import dataclasses
import gc
import logging
import threading
from types import SimpleNamespace

import psutil
import pytest

from rules import RulesEngine, reference
from rules import durable_runtime
from rules.compiler import CompileError, compile_ruleset, translate
from rules.durable_limits import MAX_TESTS_PER_SHARD


def outage_rules(rule, ruleset_of, category="outage"):
    return ruleset_of([
        rule("it-outage", 10, {"all": [{"field": "department", "equals": "it"},
                                       {"field": "subject", "contains_any": ["outage", "down"]}]},
             category=category, priority="P1", tags=["outage"]),
        rule("attachments", 20, {"field": "attachment_count", "gt": 1}, tags=["attachments"]),
    ])


OUTAGE = {"department": "it", "subject": "Mail is down", "attachment_count": 2}


def as_reference(decision):
    return dataclasses.replace(decision, evaluator="reference")


def test_durable_rules_decides_and_agrees_with_the_reference(rule, ruleset_of):
    ruleset = outage_rules(rule, ruleset_of)
    with RulesEngine(ruleset) as engine:
        decision = engine.classify(OUTAGE)
    assert decision.evaluator == "durable_rules"
    assert (decision.category, decision.priority, decision.tags) == ("outage", "P1", ("outage", "attachments"))
    assert as_reference(decision) == reference.classify(ruleset, OUTAGE)


def test_falls_back_loudly_when_durable_rules_cannot_be_imported(rule, ruleset_of, monkeypatch, caplog):
    def unavailable():
        raise ImportError("No module named 'durable_rules_engine'")

    monkeypatch.setattr(durable_runtime, "import_engine", unavailable)
    ruleset = outage_rules(rule, ruleset_of)
    with caplog.at_level(logging.WARNING, logger="rules"):
        engine = RulesEngine(ruleset)
    assert engine.evaluator == "reference"
    decision = engine.classify(OUTAGE)
    assert decision.evaluator == "reference"
    assert decision == reference.classify(ruleset, OUTAGE)
    (record,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "rules.fallback evaluator=reference" in record.getMessage()
    assert "durable_rules_engine" in record.getMessage()


REAL_ENGINE = durable_runtime.import_engine()


def failing_engine(**failures):
    """The real durable_rules module, with some functions replaced by ones that raise."""
    real = REAL_ENGINE
    functions = {name: getattr(real, name) for name in dir(real) if not name.startswith("_")}

    def fail(*args):
        raise real.error("simulated failure")

    functions.update({name: fail for name in failures})
    return SimpleNamespace(**functions)


def test_falls_back_when_durable_rules_refuses_the_ruleset(rule, ruleset_of, monkeypatch, caplog):
    monkeypatch.setattr(durable_runtime, "import_engine", lambda: failing_engine(create_ruleset=True))
    with caplog.at_level(logging.WARNING, logger="rules"):
        engine = RulesEngine(outage_rules(rule, ruleset_of))
    assert engine.classify(OUTAGE).evaluator == "reference"
    assert "simulated failure" in caplog.text


def test_falls_back_when_a_rule_needs_more_tests_than_a_shard_holds(rule, ruleset_of, caplog):
    words = [f"word{number}" for number in range(MAX_TESTS_PER_SHARD + 1)]
    huge = rule("huge", 1, {"any": [{"field": "subject", "contains": word} for word in words]}, tags=["huge"])
    ruleset = ruleset_of([huge])
    with pytest.raises(CompileError, match="huge"):
        compile_ruleset(ruleset)
    with caplog.at_level(logging.WARNING, logger="rules"):
        engine = RulesEngine(ruleset)
    assert engine.evaluator == "reference"
    assert engine.classify({"subject": "word200"}).tags == ("huge",)
    assert "CompileError" in caplog.text


def test_falls_back_when_durable_rules_fails_while_classifying(rule, ruleset_of, monkeypatch, caplog):
    ruleset = outage_rules(rule, ruleset_of)
    engine = RulesEngine(ruleset)
    assert engine.evaluator == "durable_rules"
    monkeypatch.setattr(engine._durable, "_engine", failing_engine(assert_fact=True))
    with caplog.at_level(logging.WARNING, logger="rules"):
        first = engine.classify(OUTAGE)
    assert first == reference.classify(ruleset, OUTAGE)
    assert engine.evaluator == "reference" and engine.classify(OUTAGE).evaluator == "reference"
    assert "durable_rules failed while classifying" in caplog.text


def test_two_engines_do_not_interfere(rule, ruleset_of):
    first_rules = outage_rules(rule, ruleset_of, category="first")
    second_rules = outage_rules(rule, ruleset_of, category="second")
    same_as_first = RulesEngine(first_rules)  # same rule set, same version: must not clash either
    first, second = RulesEngine(first_rules), RulesEngine(second_rules)
    for _ in range(50):
        assert first.classify(OUTAGE).category == "first"
        assert second.classify(OUTAGE).category == "second"
        assert same_as_first.classify(OUTAGE).category == "first"
    first.close()
    assert second.classify(OUTAGE).evaluator == "durable_rules"
    assert same_as_first.classify(OUTAGE).evaluator == "durable_rules"
    assert first.classify(OUTAGE).evaluator == "reference"  # a closed engine still answers
    second.close()
    same_as_first.close()


def test_no_threads_are_started(rule, ruleset_of):
    before = threading.active_count()
    with RulesEngine(outage_rules(rule, ruleset_of)) as engine:
        for _ in range(100):
            engine.classify(OUTAGE)
        assert threading.active_count() == before


def test_one_engine_shared_by_threads(rule, ruleset_of):
    ruleset = outage_rules(rule, ruleset_of)
    messages = [OUTAGE, {"department": "hr", "subject": "down"}, {"attachment_count": 5}, {}]
    expected = [reference.classify(ruleset, facts) for facts in messages]
    failures = []

    def work(engine):
        for number in range(300):
            decision = engine.classify(messages[number % 4])
            if as_reference(decision) != expected[number % 4]:
                failures.append(decision)

    with RulesEngine(ruleset) as engine:
        threads = [threading.Thread(target=work, args=(engine,)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert engine.evaluator == "durable_rules"
    assert failures == []


def test_rule_sets_are_sharded_and_stop_works_across_shards(rule, ruleset_of):
    rules = [rule(f"word-{n}", 10 * n, {"any": [{"field": "subject", "contains": f"word{n}"},
                                           {"not": {"field": "body", "contains": f"other{n}"}}]}, tags=[f"t{n}"])
             for n in range(1, 301)]
    rules.append(rule("stopper", 1505, {"field": "subject", "contains": "stop"}, stop=True, tags=["stopped"]))
    ruleset = ruleset_of(rules)
    with RulesEngine(ruleset) as engine:
        assert engine._durable.shard_count >= 3
        for facts in [{"subject": "word7 word250", "body": "other7"}, {"subject": "stop word299"}, {"body": "x"}]:
            assert as_reference(engine.classify(facts)) == reference.classify(ruleset, facts)
        assert engine.classify({"subject": "stop"}).tags[-1] == "stopped"


def _facilities_padding(rule, count: int = MAX_TESTS_PER_SHARD + 10) -> list[dict]:
    """Rules gated on facilities with a test each: too many tests for one shard, matched by no message below."""
    return [rule(f"pad-{n}", 1000 + n, {"all": [{"field": "department", "equals": "facilities"},
                                                {"field": "subject", "contains": f"pad{n}"}]}, tags=["pad"])
            for n in range(count)]


def test_a_rule_set_that_fits_in_one_shard_is_posted_once(rule, ruleset_of):
    it_only = {"field": "department", "equals": "it"}
    ruleset = ruleset_of([rule("it-vpn", 10, {"all": [it_only, {"field": "subject", "contains": "vpn"}]}),
                          rule("anywhere", 20, {"field": "subject", "contains": "vpn"})])
    (shard,) = compile_ruleset(ruleset)
    assert shard.gate is None and set(shard.programs) == {"it", None}
    with RulesEngine(ruleset) as engine:
        assert engine.classify({"department": "it", "subject": "vpn"}).matched_rules == ("it-vpn", "anywhere")
        assert engine.classify({"department": "hr", "subject": "vpn"}).matched_rules == ("anywhere",)


def test_rules_gated_on_another_department_are_skipped_without_changing_decisions(rule, ruleset_of):
    it_only = {"field": "department", "equals": "it"}
    ruleset = ruleset_of([
        rule("it-vpn", 10, {"all": [it_only, {"field": "subject", "contains": "vpn"}]}, tags=["it-vpn"]),
        rule("not-it-vpn", 20, {"all": [{"not": it_only}, {"field": "subject", "contains": "vpn"}]},
             tags=["elsewhere-vpn"]),
        rule("hr-or-it", 30, {"all": [{"field": "department", "one_of": ["hr", "it"]},
                                      {"field": "body", "contains_any": ["urgent", "asap"]}]}, tags=["hurry"]),
        rule("anywhere", 40, {"field": "subject", "contains": "vpn"}, tags=["vpn"]),
        *_facilities_padding(rule),
    ])
    # Too large for one shard: one group of shards per gate, ordered by their first rule, and
    # a message is posted to its department's and the ungated ones only.
    shards = compile_ruleset(ruleset)
    assert [(shard.gate, list(shard.rules)[:2]) for shard in shards][:3] == [
        (frozenset({"it"}), ["r0"]), (None, ["r1", "r3"]), (frozenset({"hr", "it"}), ["r2"])]
    assert {shard.gate for shard in shards[3:]} == {frozenset({"facilities"})} and len(shards) >= 5
    cases = {
        "it": ["it-vpn", "hr-or-it", "anywhere"],
        " IT ": ["it-vpn", "hr-or-it", "anywhere"],  # compared as the test compares: normalised, stripped
        "hr": ["not-it-vpn", "hr-or-it", "anywhere"],
        "facilities": ["not-it-vpn", "anywhere"],
        None: ["not-it-vpn", "anywhere"],
    }
    with RulesEngine(ruleset) as engine:
        for department, expected in cases.items():
            facts = {"subject": "VPN down", "body": "urgent please"}
            if department is not None:
                facts["department"] = department
            decision = engine.classify(facts)
            assert decision.evaluator == "durable_rules"
            assert list(decision.matched_rules) == expected, department
            assert as_reference(decision) == reference.classify(ruleset, facts)
        routes = engine._durable._routes
        assert {key: len(route) for key, route in routes.items()} == {
            "it": 3, "hr": 2, "facilities": len(shards) - 2, None: 1}


def test_stop_holds_across_the_shards_of_different_gates(rule, ruleset_of):
    """Shards of different gates interleave in rank: a stop cuts the later rules of every shard."""
    it_only, vpn = {"field": "department", "equals": "it"}, {"field": "subject", "contains": "vpn"}
    ruleset = ruleset_of([
        rule("it-first", 10, {"all": [it_only, vpn]}, tags=["it-first"]),
        rule("anyone-stop", 20, {"all": [vpn, {"field": "body", "contains": "stop"}]}, stop=True, tags=["stop"]),
        rule("it-after", 30, {"all": [it_only, vpn]}, tags=["it-after"]),
        rule("it-stop", 40, {"all": [it_only, {"field": "body", "contains": "halt"}]}, stop=True, tags=["halt"]),
        rule("anyone-last", 50, vpn, tags=["last"]),
        *_facilities_padding(rule),
    ])
    cases = {
        ("it", "stop"): ["it-first", "anyone-stop"],
        ("it", "halt"): ["it-first", "it-after", "it-stop"],
        ("it", "go"): ["it-first", "it-after", "anyone-last"],
        ("hr", "stop"): ["anyone-stop"],
        ("hr", "halt"): ["anyone-last"],
    }
    with RulesEngine(ruleset) as engine:
        durable = engine._durable
        assert [shard.gate for shard in durable._shards][:2] == [frozenset({"it"}), None]
        posts = []
        post = durable._post
        durable._post = lambda handle, fact, entries: posts.append(handle) or post(handle, fact, entries)
        for (department, body), expected in cases.items():
            posts.clear()
            facts = {"department": department, "subject": "VPN", "body": body}
            decision = engine.classify(facts)
            assert list(decision.matched_rules) == expected, (department, body)
            assert as_reference(decision) == reference.classify(ruleset, facts)
            # an "it" message is posted to both shards, even after the it shard's stop rule: the other
            # shard's first rule comes before it; any other department only to the ungated shard
            assert len(posts) == (2 if department == "it" else 1)
    # A shard whose rules all come after a matched stop rule is not asked at all.
    ruleset = ruleset_of([rule("it-stop", 10, {"all": [it_only, vpn]}, stop=True, tags=["stop"]),
                          rule("anyone", 20, vpn, tags=["anyone"]), *_facilities_padding(rule)])
    with RulesEngine(ruleset) as engine:
        posts = []
        post = engine._durable._post
        engine._durable._post = lambda handle, fact, entries: posts.append(handle) or post(handle, fact, entries)
        assert engine.classify({"department": "it", "subject": "vpn"}).tags == ("stop",) and len(posts) == 1
        assert engine.classify({"department": "hr", "subject": "vpn"}).tags == ("anyone",) and len(posts) == 2


def test_not_is_pushed_down_to_the_tests():
    from rules.model import AllOf
    condition = AllOf.model_validate({"all": [
        {"field": "subject", "contains": "a"},
        {"not": {"any": [{"field": "body", "contains": "b"}, {"not": {"field": "sender", "exists": True}}]}},
    ]})
    names = {}
    expression = translate(condition, lambda leaf: names.setdefault(leaf.key, f"c{len(names)}"))
    assert expression == {"$and": [{"c0": True}, {"$and": [{"n1": True}, {"c2": True}]}]}


def rss_mb() -> float:
    gc.collect()
    return psutil.Process().memory_info().rss / 2**20


def test_memory_stays_flat_over_many_classifications(rule, ruleset_of):
    with RulesEngine(outage_rules(rule, ruleset_of)) as engine:
        messages = [dict(OUTAGE, body=f"message {n}") for n in range(10)]
        for number in range(500):
            engine.classify(messages[number % 10])
        before = rss_mb()
        for number in range(10_000):
            engine.classify(dict(OUTAGE, subject=f"down {number}"))  # every fact distinct
        assert rss_mb() - before < 3
        handles = engine._durable._handles
        assert [REAL_ENGINE.get_facts(handle, "0") for handle in handles] == ["[]"] * len(handles)


def test_closing_engines_frees_durable_rules_memory(rule, ruleset_of):
    ruleset = ruleset_of([rule(f"r-{n}", n, {"any": [{"field": "subject", "contains": f"w{n}"},
                                                     {"field": "body", "contains": f"w{n}"}]}, tags=["x"])
                          for n in range(100)])
    RulesEngine(ruleset).close()
    before = rss_mb()
    for _ in range(100):  # without delete_ruleset this grows by about 1 MB per engine
        with RulesEngine(ruleset) as engine:
            engine.classify({"subject": "w5"})
    for _ in range(20):  # engines that are only garbage-collected are freed too
        RulesEngine(ruleset).classify({"subject": "w5"})
    RulesEngine(ruleset).close()
    assert rss_mb() - before < 20


def test_a_departments_program_knows_its_guards_and_answers_word_tests_from_the_word_sets(rule, ruleset_of):
    it_only = {"field": "department", "equals": "it"}
    vpn = {"field": "subject", "contains_any": ["vpn", "wifi"]}
    ruleset = ruleset_of([
        rule("it-vpn", 10, {"all": [it_only, vpn]}, tags=["it-vpn"]),
        rule("it-not-vpn", 20, {"all": [it_only, {"not": vpn}, {"field": "body", "contains": "printer"}]},
             tags=["it-other"]),
        rule("hr-or-it-phrase", 30, {"all": [{"field": "department", "one_of": ["hr", "it"]},
                                             {"field": "body", "contains_any": ["log in", "payslip"]}]},
             tags=["phrase"]),
        rule("vpn-anywhere", 40, {"any": [vpn, {"field": "body", "matches": r"\bvpn\d+\b"}]}, tags=["vpn"]),
    ])
    shards = compile_ruleset(ruleset)
    it_programs = [(shard, shard.programs.get("it", shard.programs[None])) for shard in shards]
    # department equals it, department one_of [hr, it]: known in the shards of their gates
    assert sum(len(program.true) for _, program in it_programs) == 2
    by_leaf = {shard.leaves[name].key[:2]: leaf for shard, program in it_programs
               for guards, rest in program.entries for name, _, _, leaf in (*guards, *rest)}
    assert by_leaf[("subject", "contains_any")] is None  # a word-set lookup
    assert by_leaf[("body", "contains")] is None
    assert by_leaf[("body", "contains_any")] is not None  # "log in" is a phrase: its regex decides
    assert by_leaf[("body", "matches")] is not None
    assert all(shard.programs[None].true == {} for shard in shards)
    subjects = ["VPN down", "Wi-Fi", "wifi slow", "nothing", ""]
    bodies = ["the printer jams", "cannot log in", "my payslip", "vpn2 tunnel", "printer and vpn", ""]
    with RulesEngine(ruleset) as engine:
        for department in ("it", "IT", "hr", "finance", None):
            for subject in subjects:
                for body in bodies:
                    facts = {"subject": subject, "body": body}
                    if department is not None:
                        facts["department"] = department
                    decision = engine.classify(facts)
                    assert decision.evaluator == "durable_rules"
                    assert as_reference(decision) == reference.classify(ruleset, facts), facts
        assert engine.classify({"department": "it", "subject": "x", "body": "printer"}).tags == ("it-other",)
        assert engine.classify({"department": "it", "subject": "VPN", "body": "printer"}).tags == ("it-vpn", "vpn")

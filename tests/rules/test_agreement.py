"""Property: the durable_rules path and the reference evaluator decide alike.

Hypothesis generates rule sets (random condition trees over every field and
operator family, random actions and stop flags, sometimes enough rules to
need several durable_rules shards) and messages (built from the rules'
keywords, with case, accents, glued words and noise), and checks that both
evaluators give the same Decision, reasons included.
"""
from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from rules import RulesEngine, reference

DEPARTMENTS = ("hr", "it", "finance", "facilities")
WORDS = ("outage", "vpn", "down", "log in", "résumé", "straße", "ダウン", "payroll", "leak", "not working",
         ".exe", "c++", "🔥", "istanbul", "नमस", "ด่วน")
MESSAGE_WORDS = (*WORDS, "download", "login", "RÉSUMÉ", "STRASSE", "Outage!", "VPN-access", "サーバーダウン",
                 "Leaking", "not\nworking", "x", "", "setup.EXE", "abc++", "C++11", "down🔥", "İSTANBUL",
                 "नमस्ते", "งานด่วน")
SCALARS = {
    "department": DEPARTMENTS,
    "classification": ("normal", "auto-reply", "Normal"),
    "sender": ("ann@corp.example", "bob@supplier.example"),
    "sender_domain": ("corp.example", "supplier.example"),
    "to_address": ("it@corp.example", "hr@corp.example"),
    "weekday": ("mon", "sat"),
    "requester_location": ("Berlin", "Tokyo"),
    "business_hours": (True, False),
    "requester_vip": (True, False),
}
TEXT = st.sampled_from(("subject", "body", "cc", "attachment_types"))


def _scalar_test(field: str) -> st.SearchStrategy[dict]:
    values = st.sampled_from(SCALARS[field])
    return st.one_of(
        values.map(lambda value: {"field": field, "equals": value}),
        st.lists(values, min_size=1, max_size=2).map(lambda found: {"field": field, "one_of": found}),
    )


tests = st.one_of(
    st.builds(lambda field, word: {"field": field, "contains": word}, TEXT, st.sampled_from(WORDS)),
    st.builds(lambda field, words: {"field": field, "contains_any": words}, TEXT,
              st.lists(st.sampled_from(WORDS), min_size=1, max_size=3)),
    st.sampled_from(sorted(SCALARS)).flatmap(_scalar_test),
    st.builds(lambda field, op, number: {"field": field, op: number}, st.sampled_from(("attachment_count", "hour")),
              st.sampled_from(("gt", "lt", "ge", "le", "equals")), st.integers(0, 3)),
    st.builds(lambda field, flag: {"field": field, "exists": flag},
              st.sampled_from((*SCALARS, "subject", "body", "attachment_count")), st.booleans()),
    st.builds(lambda field, pattern: {"field": field, "matches": pattern}, TEXT,
              st.sampled_from((r"(?i)\bvpn\w*", r"^Re:", r"\d", r"[äöüß]", r"down$", r"RÉSUMÉ"))),
)

conditions = st.recursive(
    tests,
    lambda members: st.one_of(
        st.lists(members, min_size=1, max_size=3).map(lambda found: {"all": found}),
        st.lists(members, min_size=1, max_size=3).map(lambda found: {"any": found}),
        members.map(lambda member: {"not": member}),
    ),
    max_leaves=6,
)

actions = st.fixed_dictionaries({}, optional={
    "department": st.sampled_from(DEPARTMENTS),
    "category": st.sampled_from(("access", "outage", "payroll")),
    "priority": st.sampled_from(("P1", "P2", "P3", "P4")),
    "tags": st.lists(st.sampled_from(("a", "b", "c")), max_size=3),
    "assignee": st.sampled_from(("ann@corp.example", "bob@corp.example")),
    "team": st.sampled_from(("desk", "network")),
    "sla_policy": st.sampled_from(("standard", "vip")),
    "template": st.sampled_from(("acknowledgement", "none")),
    "watchers": st.lists(st.sampled_from(("requester.manager", "cio@corp.example")), max_size=2),
    "children": st.lists(st.sampled_from(DEPARTMENTS), max_size=2),
    "quarantine": st.just("looks like phishing"),
})


@st.composite
def rule_lists(draw) -> list[tuple[int, dict, bool, dict]]:
    count = draw(st.one_of(st.integers(1, 8), st.integers(20, 40)))
    order = draw(st.permutations(range(count)))
    return [(10 * position, draw(conditions), draw(st.sampled_from((False, False, False, True))), draw(actions))
            for position in order]


texts = st.lists(st.sampled_from(MESSAGE_WORDS), max_size=6).map(" ".join) | st.text(max_size=12)

messages = st.fixed_dictionaries({}, optional={
    **{field: st.sampled_from(values) for field, values in SCALARS.items()},
    "subject": texts,
    "body": texts,
    "cc": texts,
    "attachment_types": texts,
    "attachment_count": st.integers(0, 4),
    "hour": st.integers(0, 4),
})


@settings(max_examples=150, deadline=None)
@given(drawn=rule_lists(), samples=st.lists(messages, min_size=1, max_size=6))
def test_durable_rules_and_reference_agree(drawn, samples, rule, ruleset_of):
    ruleset = ruleset_of([rule(f"rule-{number}", order, when, stop=stop, **then)
                          for number, (order, when, stop, then) in enumerate(drawn)])
    with RulesEngine(ruleset) as engine:
        for facts in samples:
            decision = engine.classify(facts)
            assert decision.evaluator == "durable_rules"
            assert dataclasses.replace(decision, evaluator="reference") == reference.classify(ruleset, facts)

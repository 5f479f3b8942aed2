"""Rules benchmark: classification speed with 100 and 1,000 rules, load time, memory over reloads.

Generates realistic rule sets (department gates, keyword lists in subject and
body, sender domains, regular expressions, attachment counts, importance,
business hours, nested any/all/not) and realistic message facts, then
measures on one core, in this process:

* messages/s through ``RulesEngine.classify`` (durable_rules) and through the
  reference evaluator, with their ratio;
* the time to load (validate + build the engine for) 1,000 rules;
* the RSS growth over 100 reloads of a 100-rule set (build new, close old,
  as the rules keeper does).

    .venv/bin/python bench/rules_speed.py
    .venv/bin/python bench/rules_speed.py --seconds 3 --messages 2000

Targets (routing-rules issue): >= 20,000 msgs/s at 100 rules, >= 3,000 at
1,000 rules, 1,000 rules load < 1 s, 100 reloads grow RSS < 50 MB.
"""
from __future__ import annotations

import argparse
import gc
import logging
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEPARTMENTS = ["it", "hr", "finance", "facilities"]
WORDS = ["vpn", "laptop", "printer", "payslip", "invoice", "badge", "desk", "heating", "password", "monitor",
         "leave", "contract", "expenses", "refund", "parking", "keys", "wifi", "email", "outlook", "teams",
         "urlaub", "rechnung", "drucker", "congé", "facture", "imprimante", "休暇", "請求書", "プリンター", "onboarding",
         "access", "license", "phone", "headset", "chair", "cleaning", "light", "door", "window", "coffee"]
DOMAINS = ["corp.example", "partner.example", "contractor.example", "gmail.example", "supplier.example"]


def _keywords(rng: random.Random, n: int) -> str:
    return "[" + ", ".join(f'"{word}"' for word in rng.sample(WORDS, n)) + "]"


def _condition(rng: random.Random, index: int) -> str:
    department = rng.choice(DEPARTMENTS)
    kind = index % 6
    if kind == 0:
        inner = f'{{ field = "subject", contains_any = {_keywords(rng, 3)} }}'
    elif kind == 1:
        inner = (f'{{ any = [ {{ field = "subject", contains_any = {_keywords(rng, 2)} }}, '
                 f'{{ field = "body", contains_any = {_keywords(rng, 3)} }} ] }}')
    elif kind == 2:
        inner = f'{{ field = "sender_domain", equals = "{rng.choice(DOMAINS)}" }}'
    elif kind == 3:
        inner = f'{{ field = "subject", matches = "(?i)\\\\b{rng.choice(WORDS[:20])}[a-z]*\\\\b" }}'
    elif kind == 4:
        inner = (f'{{ all = [ {{ field = "attachment_count", gt = {rng.randint(0, 2)} }}, '
                 f'{{ not = {{ field = "importance", equals = "low" }} }} ] }}')
    else:
        inner = (f'{{ all = [ {{ field = "business_hours", equals = {rng.choice(["true", "false"])} }}, '
                 f'{{ field = "body", contains = "{rng.choice(WORDS)}" }} ] }}')
    return f'{{ all = [ {{ field = "department", equals = "{department}" }}, {inner} ] }}'


def rule_file(count: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    parts = []
    for index in range(count):
        then = rng.choice([f'{{ category = "c{index % 40}" }}', f'{{ priority = "P{rng.randint(1, 4)}" }}',
                           f'{{ tags = ["t{index % 25}"] }}', f'{{ category = "c{index % 40}", tags = ["x"] }}'])
        parts.append(f'[[rule]]\nname = "rule-{index:04d}"\ndescription = "generated"\npriority = {index + 1}\n'
                     f"when = {_condition(rng, index)}\nthen = {then}\n")
    return "\n".join(parts)


def messages(count: int, seed: int = 11) -> list[dict]:
    rng = random.Random(seed)
    facts = []
    for _ in range(count):
        subject = " ".join(rng.sample(WORDS, 2) + ["not", "working", "since", "monday"])
        body = " ".join(rng.choices(WORDS + ["the", "please", "help", "thanks", "again"] * 4, k=40))
        facts.append({
            "department": rng.choice(DEPARTMENTS), "to_address": "it@corp.example", "to": "it@corp.example",
            "cc": "", "sender": f"user{rng.randint(1, 999)}@{rng.choice(DOMAINS)}",
            "subject": subject, "body": body, "attachment_count": rng.choice([0, 0, 0, 1, 2, 3]),
            "attachment_types": rng.choice(["", "pdf", "pdf png", "docx"]), "importance": rng.choice(
                ["normal", "normal", "high", "low"]), "classification": "normal",
            "weekday": rng.choice(["mon", "tue", "wed", "thu", "fri"]), "hour": rng.randint(7, 18),
            "business_hours": rng.random() < 0.8,
        })
    return facts


def _rate(classify, facts: list[dict], seconds: float) -> float:
    done, started = 0, time.process_time()
    deadline = started + seconds
    while time.process_time() < deadline:
        for item in facts:
            classify(item)
        done += len(facts)
    return done / (time.process_time() - started)


def _rss() -> int:
    import psutil

    return psutil.Process().memory_info().rss


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=2.0, help="CPU seconds per measurement")
    parser.add_argument("--messages", type=int, default=1000, help="distinct message facts")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    from rules import RulesEngine, parse_rules, reference

    facts = messages(args.messages)
    rows, verdicts = [], []
    for count, target in ((100, 20_000), (1000, 3_000)):
        text = rule_file(count)
        started = time.perf_counter()
        ruleset = parse_rules(text, f"<{count} rules>", departments=DEPARTMENTS)
        engine = RulesEngine(ruleset)
        load = time.perf_counter() - started
        for item in facts[:50]:  # the two evaluators agree on this data
            assert engine.classify(item).matched == reference.classify(ruleset, item).matched
        durable = _rate(engine.classify, facts, args.seconds)
        plain = _rate(lambda item, ruleset=ruleset: reference.classify(ruleset, item), facts, args.seconds)
        rows.append((count, engine.evaluator, durable, plain, load))
        verdicts.append((f"{count} rules >= {target:,} msgs/s", max(durable, plain) >= target,
                         f"{max(durable, plain):,.0f}"))
        if count == 1000:
            verdicts.append(("1,000 rules load < 1 s", load < 1.0, f"{load:.2f} s"))
        engine.close()

    text = rule_file(100, seed=3)
    gc.collect()
    before = _rss()
    engine = RulesEngine(parse_rules(text, "<reload>", departments=DEPARTMENTS))
    for round_ in range(100):
        ruleset = parse_rules(text + f"\n# reload {round_}\n", "<reload>", departments=DEPARTMENTS)
        new = RulesEngine(ruleset)
        new.classify(facts[round_ % len(facts)])
        engine, old = new, engine
        old.close()
    gc.collect()
    grown = (_rss() - before) / 2**20
    engine.close()
    verdicts.append(("100 reloads of 100 rules grow RSS < 50 MB", grown < 50, f"{grown:.1f} MB"))

    print(f"{'rules':>6} {'evaluator':<14} {'engine msgs/s':>14} {'reference msgs/s':>17} {'ratio':>6} {'load':>8}")
    for count, evaluator, durable, plain, load in rows:
        print(f"{count:>6} {evaluator:<14} {durable:>14,.0f} {plain:>17,.0f} {durable / plain:>6.2f} {load:>7.2f}s")
    for name, ok, value in verdicts:
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {value}")
    return 0 if all(ok for _, ok, _ in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())

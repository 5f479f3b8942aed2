"""Rules benchmark: classification speed with 100 and 1,000 rules, load time, memory over reloads.

Generates realistic rule sets (department gates, keyword lists in subject and
body, sender domains, regular expressions, attachment counts, importance,
business hours, nested any/all/not) and message facts, then
measures on one core, in this process:

* messages/s through ``RulesEngine.classify`` (durable_rules) and through the
  reference evaluator, with their ratio, for two kinds of messages (see
  ``bench/rules_workload.py``): "dense" ones made of the rules' keywords, a
  worst case, and "mail" whose text reads like mail;
* the time to load (validate + build the engine for) 1,000 rules;
* the RSS growth over 100 reloads of a 100-rule set (build new, close old,
  as the rules keeper does).

    .venv/bin/python bench/rules_speed.py
    .venv/bin/python bench/rules_speed.py --seconds 3 --messages 2000 --workload mail

Targets (routing-rules issue): >= 20,000 msgs/s at 100 rules, >= 3,000 at
1,000 rules, 1,000 rules load < 1 s, 100 reloads grow RSS < 50 MB.
"""
from __future__ import annotations

import argparse
import gc
import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rules_workload import DEPARTMENTS, WORKLOADS, rule_file


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
    parser.add_argument("--workload", choices=[*WORKLOADS, "both"], default="both",
                        help="which messages (see bench/rules_workload.py)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    from rules import RulesEngine, parse_rules, reference

    workloads = list(WORKLOADS) if args.workload == "both" else [args.workload]
    rows, verdicts = [], []
    for count, target in ((100, 20_000), (1000, 3_000)):
        text = rule_file(count)
        started = time.perf_counter()
        ruleset = parse_rules(text, f"<{count} rules>", departments=DEPARTMENTS)
        engine = RulesEngine(ruleset)
        load = time.perf_counter() - started
        for workload in workloads:
            facts = WORKLOADS[workload](args.messages)
            matched = 0
            for item in facts[:200]:  # the two evaluators agree on this data
                decision = engine.classify(item)
                assert decision.matched == reference.classify(ruleset, item).matched
                matched += len(decision.matched)
            durable = _rate(engine.classify, facts, args.seconds)
            plain = _rate(lambda item, ruleset=ruleset: reference.classify(ruleset, item), facts, args.seconds)
            rows.append((count, workload, matched / min(200, len(facts)), engine.evaluator, durable, plain))
            verdicts.append((f"{count} rules, {workload} messages >= {target:,} msgs/s", durable >= target,
                             f"{durable:,.0f}"))
        if count == 1000:
            verdicts.append(("1,000 rules load < 1 s", load < 1.0, f"{load:.2f} s"))
        engine.close()

    facts = WORKLOADS[workloads[0]](args.messages)
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

    print(f"{'rules':>6} {'messages':<9} {'matched':>8} {'evaluator':<14} {'engine msgs/s':>14} "
          f"{'reference msgs/s':>17} {'ratio':>6}")
    for count, workload, matched, evaluator, durable, plain in rows:
        print(f"{count:>6} {workload:<9} {matched:>8.1f} {evaluator:<14} {durable:>14,.0f} {plain:>17,.0f} "
              f"{durable / plain:>6.2f}")
    for name, ok, value in verdicts:
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {value}")
    return 0 if all(ok for _, ok, _ in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())

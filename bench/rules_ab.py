"""Rules A/B: two checkouts' classification speed, interleaved, on a machine whose speed drifts.

Runs back to back, two benchmark runs of the same code can differ by half on
a shared machine, which hides any change smaller than that. This script
keeps one warmed-up process per checkout (old, new) with the same rules and
messages as ``bench/rules_speed.py`` (from this script's ``rules_workload.py``), and asks them in turn, alternating who
goes first, for a short burst of classifications; each round's new/old ratio
compares two bursts a fraction of a second apart.

    git worktree add /tmp/old <commit>
    .venv/bin/python bench/rules_ab.py /tmp/old . --rules 100 --rounds 30
    .venv/bin/python bench/rules_ab.py /tmp/old . --rules 1000 --rounds 30 --burst 300
    .venv/bin/python bench/rules_ab.py /tmp/old . --rules 100 --workload mail
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path


def serve(root: str, count: int, workload: str) -> None:
    """One side: build the engine from ``root``'s code, then answer each burst size with msgs/s (CPU time).

    The rules and messages come from this script's own ``rules_workload.py``, the same for both sides.
    """
    sys.path[:0] = [root]
    import rules_workload  # this script's directory is on the path: its workload, whichever root

    import rules

    if not Path(rules.__file__).resolve().is_relative_to(Path(root).resolve()):
        raise SystemExit(f"imported rules from {rules.__file__}, not from {root}")
    facts = rules_workload.WORKLOADS[workload](1000)
    engine = rules.RulesEngine(rules.parse_rules(rules_workload.rule_file(count), "<ab>",
                                                 departments=rules_workload.DEPARTMENTS))
    for item in facts:
        engine.classify(item)
    print("ready", flush=True)
    for line in sys.stdin:
        burst = facts[:int(line)]
        started = time.process_time()
        for item in burst:
            engine.classify(item)
        print(len(burst) / (time.process_time() - started), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("old", help="checkout of the baseline")
    parser.add_argument("new", help="checkout to compare with it")
    parser.add_argument("--rules", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--burst", type=int, default=1000, help="messages per burst (at most 1000)")
    parser.add_argument("--workload", choices=["dense", "mail"], default="dense",
                        help="which messages (see bench/rules_workload.py)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.old, args.rules, args.workload)
        return 0
    sides = {}
    for name, root in (("old", args.old), ("new", args.new)):
        sides[name] = subprocess.Popen(
            [sys.executable, __file__, str(Path(root).resolve()), "-", "--rules", str(args.rules),
             "--workload", args.workload, "--serve"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    for side in sides.values():
        if side.stdout.readline().strip() != "ready":
            raise SystemExit("a side failed to start")
    rates: dict[str, list[float]] = {"old": [], "new": []}
    for round_ in range(args.rounds):
        for name in ("old", "new") if round_ % 2 == 0 else ("new", "old"):
            side = sides[name]
            side.stdin.write(f"{min(args.burst, 1000)}\n")
            side.stdin.flush()
            rates[name].append(float(side.stdout.readline()))
    for side in sides.values():
        side.stdin.close()
        side.wait()
    ratios = [new / old for old, new in zip(rates["old"], rates["new"])]
    for name in ("old", "new"):
        print(f"{args.rules} rules {name}: median {statistics.median(rates[name]):,.0f} msgs/s, "
              f"best {max(rates[name]):,.0f}")
    print(f"new/old per round: median {statistics.median(ratios):.3f} "
          f"(min {min(ratios):.3f}, max {max(ratios):.3f}, {len(ratios)} rounds)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The rule sets and messages the rules benchmarks classify (``rules_speed.py``, ``rules_ab.py``).

No side effects on import, so ``rules_ab.py`` can give both checkouts it
compares the same workload from this file.

Rules (``rule_file``): every rule is gated on one of four departments, then
tests keyword lists in subject and body, sender domains, regular
expressions, attachment counts and importance, or business hours, in nested
any/all/not groups.

Two kinds of messages:

* ``messages`` ("dense"): subjects and 40-word bodies drawn only from the
  rules' own 40 keywords and five filler words, so almost every keyword
  test has a candidate and a message matches about 30 % of its
  department's rules (7.7 of 100, 74 of 1,000). A worst case.
* ``mail_messages`` ("mail"): text like mail, with a vocabulary of a few
  thousand words in Zipf frequencies, 20-150 word bodies, and zero to
  three of the rules' keywords per message (subject or body); a message
  matches 3 of 100 rules and 29 of 1,000 (most of them the rules on
  attachments, importance and sender domain, which ignore the text).
"""
from __future__ import annotations

import itertools
import random

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


_COMMON = ["the", "a", "to", "is", "and", "please", "i", "my", "we", "it", "for", "on", "not", "can", "you",
           "this", "with", "have", "be", "thanks", "of", "in", "since", "again", "still", "when", "our", "hi"]


def _vocabulary(size: int = 3000, seed: int = 5) -> list[str]:
    """Pronounceable made-up words, none of them a rule keyword."""
    rng = random.Random(seed)
    syllables = [c + v for c in "bcdfghklmnprstvz" for v in "aeiou"]
    words: dict[str, None] = {}
    while len(words) < size:
        words["".join(rng.choices(syllables, k=rng.randint(1, 4)))] = None
    return [word for word in words if word not in WORDS]


def mail_messages(count: int, seed: int = 13) -> list[dict]:
    """Facts of messages whose text reads like mail: mostly words no rule looks for."""
    rng = random.Random(seed)
    vocabulary = _COMMON + _vocabulary()
    weights = list(itertools.accumulate(1 / rank for rank in range(1, len(vocabulary) + 1)))
    facts = []
    for item in messages(count, seed):
        subject = rng.choices(vocabulary, cum_weights=weights, k=rng.randint(3, 8))
        body = rng.choices(vocabulary, cum_weights=weights, k=rng.randint(20, 150))
        for _ in range(rng.choice([0, 1, 1, 1, 2, 2, 3])):
            text = subject if rng.random() < 0.4 else body
            text.insert(rng.randint(0, len(text)), rng.choice(WORDS))
        facts.append({**item, "subject": " ".join(subject).capitalize(), "body": " ".join(body).capitalize()})
    return facts


WORKLOADS = {"dense": messages, "mail": mail_messages}

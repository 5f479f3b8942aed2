"""Every way a rule file can be wrong is refused with file:line and the rule's name."""
from __future__ import annotations

from pathlib import Path

import pytest

import rules
from rules import RuleFileError, load_rules, parse_rules

DEPARTMENTS = ("hr", "it", "finance", "facilities")

GOOD = """\
version_note = "errors test"
[defaults]
category = "general"
priority = "P3"

[[rule]]
name = "it-outage"
description = "Outages are urgent"
priority = 10
[rule.when]
any = [
  { field = "subject", contains_any = ["outage", "down"] },
  { field = "body", contains = "production is down" },
]
[rule.then]
category = "outage"
priority = "P1"
tags = ["outage"]

[[rule]]
name = "hr-reroute"
description = "Reroute"
priority = 20
when = { field = "department", equals = "it" }
then = { department = "hr" }
"""


def refused(text: str) -> str:
    with pytest.raises(RuleFileError) as caught:
        parse_rules(text, source="rules.toml", departments=DEPARTMENTS)
    return str(caught.value)


def test_the_good_file_loads():
    ruleset = parse_rules(GOOD, source="rules.toml", departments=DEPARTMENTS)
    assert [rule.name for rule in ruleset.rules] == ["it-outage", "hr-reroute"]
    assert ruleset.version_note == "errors test"


@pytest.mark.parametrize(
    ("case", "old", "new", "where", "words"),
    [
        ("unknown rule key", "priority = 20", "priority = 20\nprority = 3", "rules.toml:24: rule \"hr-reroute\"",
         'unknown key "prority"'),
        ("unknown field", 'field = "body"', 'field = "bdy"', 'rules.toml:13: rule "it-outage"', 'unknown field "bdy"'),
        ("unknown operator", 'contains = "production', 'contain = "production', 'rules.toml:13: rule "it-outage"',
         'unknown operator "contain"'),
        ("two operators", 'equals = "it" }', 'equals = "it", exists = true }', 'rules.toml:24: rule "hr-reroute"',
         "exactly one operator"),
        ("operator for the wrong type", 'equals = "it" }', "gt = 3 }", 'rules.toml:24: rule "hr-reroute"',
         "needs a number field"),
        ("unknown department in an action", 'department = "hr"', 'department = "sales"',
         'rules.toml:25: rule "hr-reroute"', 'unknown department "sales"'),
        ("unknown department in a condition", 'equals = "it" }', 'equals = "itt" }',
         'rules.toml:24: rule "hr-reroute"', 'unknown department "itt"'),
        ("unknown action", 'department = "hr"', 'assign_to = "bob"', 'rules.toml:25: rule "hr-reroute"',
         'unknown action "assign_to"'),
        ("bad action priority", 'priority = "P1"', 'priority = "P5"', 'rules.toml:17: rule "it-outage"',
         'must be one of P1, P2, P3, P4, not "P5"'),
        ("bad rule priority", "priority = 20", 'priority = "high"', 'rules.toml:23: rule "hr-reroute"',
         "must be a whole number"),
        ("negative rule priority", "priority = 20", "priority = -1", 'rules.toml:23: rule "hr-reroute"',
         "must be a whole number"),
        ("duplicate name", 'name = "hr-reroute"', 'name = "it-outage"', 'rules.toml:21: rule "it-outage"',
         "duplicate rule name (first at line 7)"),
        ("duplicate priority", "priority = 20", "priority = 10", 'rules.toml:21: rule "hr-reroute"',
         'priority 10 is also the priority of rule "it-outage"'),
        ("regex that does not compile", 'contains = "production is down"', 'matches = "(unclosed"',
         'rules.toml:13: rule "it-outage"', "does not compile"),
        ("name not kebab-case", 'name = "hr-reroute"', 'name = "HR Reroute"', 'rules.toml:21: rule "HR Reroute"',
         "kebab-case"),
        ("missing condition", 'when = { field = "department", equals = "it" }\n', "",
         'rules.toml:21: rule "hr-reroute"', 'missing "when"'),
        ("empty group", 'when = { field = "department", equals = "it" }', "when = { any = [] }",
         'rules.toml:24: rule "hr-reroute"', "at least 1 item"),
        ("not a condition", 'when = { field = "department", equals = "it" }', "when = { anyof = [] }",
         'rules.toml:24: rule "hr-reroute"', "a condition is a test"),
        ("blank keyword", '["outage", "down"]', '["outage", "  "]', 'rules.toml:12: rule "it-outage"',
         "words or phrases"),
    ],
)
def test_refused_with_file_line_and_rule(case, old, new, where, words):
    assert old in GOOD, case
    message = refused(GOOD.replace(old, new, 1))
    assert where in message, message
    assert words in message, message


def test_toml_syntax_error_carries_tomllib_line():
    message = refused(GOOD.replace("priority = 20", "priority = = 20"))
    assert message.startswith("rules.toml:23: TOML syntax error"), message


def test_errors_outside_rules_point_at_their_line():
    assert refused(GOOD.replace('priority = "P3"', 'priority = "urgent"')).startswith("rules.toml:4: defaults.priority")
    assert refused(GOOD.replace("[defaults]", "[default]")).startswith('rules.toml:2: unknown key "default"')


def test_all_problems_are_reported_at_once():
    text = GOOD.replace('field = "bdy"', "").replace('field = "body"', 'field = "bdy"').replace(
        'department = "hr"', 'department = "sales"')
    message = refused(text)
    assert "rules.toml:13:" in message and "rules.toml:25:" in message


def test_problems_are_available_as_data():
    with pytest.raises(RuleFileError) as caught:
        parse_rules(GOOD.replace('field = "body"', 'field = "bdy"'), source="rules.toml")
    (problem,) = caught.value.problems
    assert (problem.source, problem.line, problem.rule) == ("rules.toml", 13, "it-outage")


def test_departments_are_not_checked_without_a_list():
    parse_rules(GOOD.replace('department = "hr"', 'department = "sales"'))


def test_load_rules_reads_files_and_versions_their_bytes(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text(GOOD, encoding="utf-8")
    ruleset = load_rules(path, departments=DEPARTMENTS)
    assert ruleset.source == str(path)
    assert ruleset.version == parse_rules(GOOD).version and len(ruleset.version) == 12
    path.write_text(GOOD + "\n# changed\n", encoding="utf-8")
    assert load_rules(path).version != ruleset.version


def test_load_rules_errors_name_the_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(GOOD.replace("priority = 20", "priority = 10"), encoding="utf-8")
    with pytest.raises(RuleFileError, match=rf"^{path}:21: rule \"hr-reroute\""):
        load_rules(path)
    with pytest.raises(RuleFileError, match="cannot read"):
        load_rules(tmp_path / "missing.toml")
    (tmp_path / "latin1.toml").write_bytes(b'version_note = "caf\xe9"\n')
    with pytest.raises(RuleFileError, match=r"latin1.toml:1: the rule file is not UTF-8"):
        load_rules(tmp_path / "latin1.toml")


DEFAULT_TEXT = (Path(rules.__file__).parent / "default.toml").read_text(encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    (number,) = [number for number, line in enumerate(text.splitlines(), 1) if needle in line]
    return number


@pytest.mark.parametrize(
    ("rule_name", "old", "new", "words"),
    [
        # the second [[rule.when.all]] table of a rule, field and operator on separate lines
        ("facilities-badge-lost", 'contains_any = ["badge", "access card", "key card"]',
         'contains_some = ["badge", "access card", "key card"]', 'unknown operator "contains_some"'),
        # the second item of a multi-line inline array
        ("it-outage", '{ field = "body", contains_any = ["production is down"',
         '{ field = "bodies", contains_any = ["production is down"', 'unknown field "bodies"'),
        # a regex inside an array inside an [[rule.when.all]] table
        ("finance-purchase-order", r"matches = '\bPO[- ]?\d{4,}\b'", r"matches = '\bPO[- ?\d{4,}\b'",
         "does not compile"),
    ],
)
def test_errors_in_nested_tables_point_at_the_offending_line(rule_name, old, new, words):
    assert DEFAULT_TEXT.count(old) == 1
    text = DEFAULT_TEXT.replace(old, new)
    message = refused(text)
    assert f'rules.toml:{line_of(text, new)}: rule "{rule_name}"' in message, message
    assert words in message, message


KNOWN = {"teams": ("it-desk",), "sla_policies": ("standard", "vip"), "templates": ("acknowledgement",)}


def refused_with_config(text: str) -> str:
    with pytest.raises(RuleFileError) as caught:
        parse_rules(text, source="rules.toml", departments=DEPARTMENTS, **KNOWN)
    return str(caught.value)


@pytest.mark.parametrize(
    ("new", "words"),
    [
        ('team = "it-dsk"', 'then.team: unknown team "it-dsk" (known: it-desk)'),
        ('sla_policy = "gold"', 'then.sla_policy: unknown SLA policy "gold" (known: standard, vip)'),
        ('template = "ack"', 'then.template: unknown reply template "ack" (known: acknowledgement)'),
        ('assignee = "bob"', "then.assignee: assignee must be an agent's email address"),
        ('watchers = ["manager"]', 'a watcher is an email address or "requester.manager", not "manager"'),
        ('children = ["it", "legal"]', 'unknown department "legal"'),
        ('quarantine = ""', "then.quarantine"),
    ],
)
def test_actions_naming_what_the_configuration_lacks_are_refused(new, words):
    message = refused_with_config(GOOD.replace('department = "hr"', new, 1))
    assert message.startswith('rules.toml:25: rule "hr-reroute"'), message
    assert words in message, message


def test_actions_the_configuration_has_are_accepted_and_none_means_no_reply():
    text = GOOD.replace('department = "hr"', 'team = "it-desk", sla_policy = "vip", template = "none", '
                        'assignee = "Bob@Corp.Example", watchers = ["requester.manager"], children = ["hr"]', 1)
    then = parse_rules(text, source="rules.toml", departments=DEPARTMENTS, **KNOWN).rule("hr-reroute").then
    assert (then.team, then.sla_policy, then.template, then.assignee) == ("it-desk", "vip", "none", "bob@corp.example")
    assert then.watchers == ("requester.manager",) and then.children == ("hr",)


@pytest.mark.parametrize(
    ("test", "words"),
    [
        ('{ field = "requester_vip", equals = "yes" }', 'requester_vip is true or false, "yes" is not'),
        ('{ field = "business_hours", contains = "yes" }', "contains needs a text field, business_hours is true or false"),
        ('{ field = "hour", contains = "9" }', "contains needs a text field, hour is a number"),
        ('{ field = "weekday", gt = 3 }', "gt needs a number field, weekday is text"),
    ],
)
def test_tests_on_the_wrong_kind_of_field_are_refused(test, words):
    message = refused(GOOD.replace('{ field = "department", equals = "it" }', test, 1))
    assert message.startswith('rules.toml:24: rule "hr-reroute"') and words in message, message


EXAMPLE = """
[[example]]
name = "outage"
from = "ann@corp.example"
to = "it@corp.example"
subject = "Mail is down"
at = 2026-11-23T10:00:00+01:00
[example.expect]
category = "outage"
matched = ["it-outage"]
"""


def test_examples_are_kept_with_their_lines():
    ruleset = parse_rules(GOOD + EXAMPLE, source="rules.toml", departments=DEPARTMENTS)
    [example] = ruleset.examples
    assert example.sender == "ann@corp.example" and example.expect.expected() == {
        "category": "outage", "matched": ("it-outage",)}
    assert ruleset.example_lines == (GOOD.count("\n") + 2,)


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ('matched = ["it-outage"]', 'matched = ["it-outages"]', 'example "outage": expects unknown rule "it-outages"'),
        ('to = "it@corp.example"\n', "", "an inline example needs from and to"),
        ('to = "it@corp.example"\n', 'to = "it@corp.example"\neml = "x.eml"\n', "either eml"),
        ("at = 2026-11-23T10:00:00+01:00", "at = 2026-11-23T10:00:00", "at must be a date-time with an offset"),
        ('category = "outage"', 'category = "outage"\nrules = 3', 'unknown key "rules"'),
        ('category = "outage"', 'priority = "P9"', "must be one of P1, P2, P3, P4"),
    ],
)
def test_broken_examples_are_refused_at_their_line(old, new, words):
    assert old in EXAMPLE
    message = refused(GOOD + EXAMPLE.replace(old, new, 1))
    assert message.startswith(f"rules.toml:{GOOD.count(chr(10)) + 2}:"), message
    assert words in message, message


def test_a_file_saved_with_a_byte_order_mark_loads(tmp_path):
    # Notepad and some Windows editors save UTF-8 with a byte order mark; CRLF line ends come with it.
    path = tmp_path / "rules.toml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode("utf-8"))
    ruleset = load_rules(path, departments=DEPARTMENTS)
    assert [rule.name for rule in ruleset.rules] == ["it-outage", "hr-reroute"]
    broken = GOOD.replace('field = "body"', 'field = "bdy"')
    path.write_bytes(b"\xef\xbb\xbf" + broken.encode("utf-8"))
    with pytest.raises(RuleFileError) as caught:
        load_rules(path, departments=DEPARTMENTS)
    assert str(caught.value).startswith(f'{path}:13: rule "it-outage"')


def test_a_latin_1_file_is_refused_at_the_line_of_the_first_bad_byte(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_bytes(GOOD.replace('"Reroute"', '"Réroute"').encode("latin-1"))
    with pytest.raises(RuleFileError) as caught:
        load_rules(path, departments=DEPARTMENTS)
    assert str(caught.value).startswith(f"{path}:22: the rule file is not UTF-8")


@pytest.mark.parametrize(("pattern", "nested"), [
    (r"(a+)+$", "+ inside +"),
    (r"^(\w+\s?)*$", "+ inside *"),
    (r"(?:x|(?:y{2,})){3,}z", "{2,} inside {3,}"),
    (r"(.*,){12}", "* inside {12}"),
    (r"(?=(\d+)+)", "+ inside +"),
    (r"^(\s*re:\s*)+$", "* inside +"),  # the spaces after one "re:" and before the next
    (r"(\w+\d*)+!", "+ inside +"),
    (r"(a|(ab)*)+c", "* inside +"),
])
def test_a_regex_that_can_backtrack_exponentially_is_refused(pattern, nested):
    text = GOOD.replace('contains = "production is down"', f"matches = '{pattern}'")
    message = refused(text)
    assert message.startswith('rules.toml:13: rule "it-outage"'), message
    assert f"repeats a repetition ({nested})" in message and "possessive" in message


@pytest.mark.parametrize("pattern", [r"(?:\w++\s)+x", r"(?>\w+\s)+x", r"\bPO[- ]?\d{4,}\b", r"(ab?)+c", r"(a{2})+",
                                     r"\.(exe|scr)(\s|$)", r"(?<=Re: )(?P<what>urgent)", r"(?i)^\s*(fyi|zur info)\b",
                                     # a repetition inside a repetition, but what follows it cannot be taken by it
                                     r"\b(\d{1,3}\.){3}\d{1,3}\b", r"(\w+\.)+corp\.example", r"^((re|aw|fw|sv)\s*:\s*)+",
                                     r"([A-Z]{2,5}-\d+,?\s*)+", r"^(\[[^\]]*\]\s*)+", r"(?:\w+\s)+x"])
def test_regexes_without_nested_repetition_load(pattern):
    text = GOOD.replace('contains = "production is down"', f"matches = '{pattern}'")
    assert parse_rules(text, source="rules.toml", departments=DEPARTMENTS).rules[0].name == "it-outage"


def test_a_refused_regex_would_have_stalled_the_helpdesk():
    import re
    import time

    started = time.perf_counter()
    re.search(r"(a+)+$", "a" * 22 + "!")
    assert time.perf_counter() - started > 0.05  # 22 characters; each one more doubles it

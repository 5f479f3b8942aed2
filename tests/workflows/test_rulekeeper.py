"""The rules keeper on both backends: a changed rule file applied and recorded, a broken one refused."""
from __future__ import annotations

import functools
import logging
import os
import pwd
import threading
import time
from pathlib import Path

import pytest

from helpdesk.build import build_services, load_ruleset
from helpdesk.config import load_settings
from rules import RulesEngine, parse_rules
from storage import Ticket, repo, rule_versions, utcnow
from tests.waiting import wait_for
from workflows import rulekeeper
from workflows.pipeline import Pipeline
from workflows.rulekeeper import RuleKeeper

ROOT = Path(__file__).resolve().parents[2]
ZEBRA_RULE_LINE = 10  # the line of `name = "zebra"` in rules_text()
BROKEN_FIELD_LINE = 15  # where the loader places the misspelt field of broken_text(): its test's operator line


def rules_text(category: str, note: str = "") -> str:
    """A rule file that puts mail about zebras in ``category``."""
    return f'''version_note = "{note or f"zebras are {category}"}"

[defaults]
category = "general"
priority = "P3"

# Mail about zebras.

[[rule]]
name = "zebra"
description = "Zebra mail has its own category"
priority = 100
[rule.when]
field = "subject"
contains = "zebra"
[rule.then]
category = "{category}"
'''


def broken_text() -> str:
    return rules_text("gamma").replace('field = "subject"', 'field = "subjekt"')


@pytest.fixture
def rule_file(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text(rules_text("alpha"))
    return path


@pytest.fixture
def settings(rule_file):
    return load_settings(ROOT / "config.toml", environ={"HELPDESK__RULES__PATH": str(rule_file)})


def keeper_for(settings, database, **options) -> RuleKeeper:
    """A keeper as a freshly started process has one: its own services, the rules loaded at start."""
    return RuleKeeper(functools.partial(load_ruleset, settings), build_services(settings), database, **options)


def rewrite(path: Path, text: str) -> None:
    """Save the rule file the way editors do: a new file renamed over the old one."""
    temporary = path.with_suffix(".tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def versions(database):
    with database.sessions() as session:
        return [(row.version, row.note) for row in rule_versions.list_versions(session)]


def version_of(text: str) -> str:
    return parse_rules(text).version


def test_a_changed_valid_file_is_applied_within_2s_and_recorded_with_a_diff(database, settings, rule_file):
    keeper = keeper_for(settings, database)
    alpha, beta = version_of(rules_text("alpha")), version_of(rules_text("beta"))
    stop = threading.Event()
    loop = threading.Thread(target=keeper.run, args=(stop,), daemon=True)
    loop.start()
    try:
        assert wait_for(lambda: versions(database) == [(alpha, "zebras are alpha")])
        old = keeper.services.engine
        assert old.evaluator == "durable_rules"
        rewrite(rule_file, rules_text("beta"))
        started = time.monotonic()
        assert wait_for(lambda: keeper.services.engine.ruleset.version == beta, timeout=2.0)
        assert time.monotonic() - started < 2.0
        assert wait_for(lambda: len(versions(database)) == 2)
    finally:
        stop.set()
        loop.join(timeout=5)
    assert old.evaluator == "reference"  # closed: its durable_rules rulesets are freed
    assert keeper.services.engine.evaluator == "durable_rules"
    assert keeper.status.version == beta and keeper.status.last_error is None
    with database.sessions() as session:
        newest, first = rule_versions.list_versions(session)
        assert rule_versions.get_version(session, alpha).id == first.id
    assert (newest.version, newest.source, newest.note) == (beta, str(rule_file), "zebras are beta")
    assert newest.content == rules_text("beta")
    assert newest.author == pwd.getpwuid(os.getuid()).pw_name
    assert abs(newest.applied_at - utcnow()).total_seconds() < 10
    assert '-category = "alpha"' in newest.diff.splitlines()
    assert '+category = "beta"' in newest.diff.splitlines()
    assert newest.diff.startswith(f"--- {rule_file} ({alpha})\n+++ {rule_file} ({beta})\n")
    assert first.diff == "" and first.content == rules_text("alpha")


def _decide_zebra_mail(database, services) -> Ticket:
    with database.transaction() as session:
        repo.add_inbound(session, source="test", mail_from="anna@corp.example", rcpt_to=["it@corp.example"],
                         raw=(b"From: anna@corp.example\r\nTo: it@corp.example\r\nSubject: A zebra in the lobby\r\n"
                              b"Message-ID: <zebra.%d@mail.corp.example>\r\n\r\nIt is striped.\r\n" % time.time_ns()),
                         received_at=utcnow())
    assert Pipeline(database, services).drain() == 1
    with database.sessions() as session:
        return session.query(Ticket).order_by(Ticket.id.desc()).first()


@pytest.mark.parametrize("broken", ["unknown field", "syntax error", "missing file"])
def test_a_broken_file_is_refused_and_the_old_rules_keep_deciding(database, settings, rule_file, caplog, broken):
    keeper = keeper_for(settings, database)
    keeper.check()
    alpha, engine = keeper.status.version, keeper.services.engine
    if broken == "unknown field":
        rewrite(rule_file, broken_text())
        where = f'{rule_file}:{BROKEN_FIELD_LINE}: rule "zebra": when: unknown field "subjekt"'
    elif broken == "syntax error":
        rewrite(rule_file, rules_text("alpha").replace('priority = 100', 'priority = = 100'))
        where = f"{rule_file}:{ZEBRA_RULE_LINE + 2}: TOML syntax error"
    else:
        rule_file.unlink()
        where = f"{rule_file}: cannot read the rule file"
    with caplog.at_level(logging.WARNING, logger="helpdesk.rules"):
        assert keeper.check() is False
        assert keeper.check() is False  # looked at again: refused once, said once
    assert keeper.services.engine is engine and engine.evaluator == "durable_rules"
    status = keeper.status
    assert status.version == alpha and status.last_error.startswith(where), status.last_error
    assert status.last_error_at is not None
    [warning] = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert f"keeping rules version {alpha}" in warning.getMessage() and where in warning.getMessage()
    ticket = _decide_zebra_mail(database, keeper.services)
    assert (ticket.category, ticket.rules_version) == ("alpha", alpha)
    with database.sessions() as session:
        report = rulekeeper.report(session, functools.partial(load_ruleset, settings))
    assert report["version"] == alpha and report["last_error"].startswith(where)
    assert report["file_version"] is None

    rewrite(rule_file, rules_text("beta"))
    assert keeper.check() is True
    assert keeper.status.last_error is None and keeper.status.last_error_at is None
    beta = keeper.status.version
    assert beta != alpha and keeper.services.engine.ruleset.version == beta
    assert _decide_zebra_mail(database, keeper.services).category == "beta"
    assert [version for version, _ in versions(database)] == [beta, alpha]  # the refused file is no version
    with database.sessions() as session:
        report = rulekeeper.report(session, functools.partial(load_ruleset, settings))
    assert (report["version"], report["last_error"], report["file_version"]) == (beta, None, beta)


def test_putting_the_refused_file_back_clears_the_error_without_a_new_version(database, settings, rule_file, caplog):
    keeper = keeper_for(settings, database)
    keeper.check()
    engine = keeper.services.engine
    rewrite(rule_file, broken_text())
    keeper.check()
    assert keeper.status.last_error is not None
    rewrite(rule_file, rules_text("alpha"))
    with caplog.at_level(logging.INFO, logger="helpdesk.rules"):
        assert keeper.check() is False
    assert keeper.status.last_error is None and keeper.services.engine is engine
    assert "event=rules_restored" in caplog.text
    assert len(versions(database)) == 1


def test_the_rules_in_use_are_not_loaded_again(database, settings, rule_file):
    """A worker's first look, and a refused file put back, reuse the rules in use: no second parse."""
    loads = []

    def load():
        loads.append(1)
        return load_ruleset(settings)

    keeper = RuleKeeper(load, build_services(settings), database)
    engine = keeper.services.engine
    assert keeper.check() is False and loads == [] and keeper.services.engine is engine
    assert versions(database) == [(version_of(rules_text("alpha")), "zebras are alpha")]  # still recorded
    rewrite(rule_file, broken_text())
    keeper.check()
    assert len(loads) == 1 and keeper.status.last_error is not None
    rewrite(rule_file, rules_text("alpha"))
    keeper.check()
    assert len(loads) == 1 and keeper.status.last_error is None and keeper.services.engine is engine
    rewrite(rule_file, rules_text("beta"))
    assert keeper.check() is True and len(loads) == 2
    assert keeper.services.engine.ruleset.version == version_of(rules_text("beta"))


def test_versions_are_not_recorded_twice_across_restarts_and_processes(database, settings, rule_file):
    keeper_for(settings, database).check()
    keeper_for(settings, database).check()  # a restart
    assert len(versions(database)) == 1
    first, second = keeper_for(settings, database), keeper_for(settings, database)  # e.g. runner and worker
    rewrite(rule_file, rules_text("beta"))
    assert first.check() is True and second.check() is True
    first.check(), second.check()
    keeper_for(settings, database).check()
    assert [note for _, note in versions(database)] == ["zebras are beta", "zebras are alpha"]
    rewrite(rule_file, rules_text("alpha"))  # going back is a version applied again
    assert first.check() is True
    assert [note for _, note in versions(database)] == ["zebras are alpha", "zebras are beta", "zebras are alpha"]


def test_an_explicit_author_is_recorded(database, settings):
    keeper_for(settings, database, author="Ines Admin <ines@corp.example>").check()
    with database.sessions() as session:
        assert rule_versions.latest_version(session).author == "Ines Admin <ines@corp.example>"


def test_an_engine_closed_while_messages_use_it_decides_alike(settings):
    """What the keeper relies on when it closes the old engine at once."""
    ruleset = load_ruleset(settings)
    engine = RulesEngine(ruleset)
    facts = {"department": "it", "subject": "A zebra in the lobby"}
    decisions: list[list] = [[] for _ in range(4)]
    done = threading.Event()

    def work(seen: list) -> None:
        while not done.is_set():
            seen.append(engine.classify(facts))

    threads = [threading.Thread(target=work, args=(seen,)) for seen in decisions]
    for thread in threads:
        thread.start()
    assert wait_for(lambda: all(len(seen) >= 50 for seen in decisions))
    engine.close()
    counts = [len(seen) for seen in decisions]
    assert wait_for(lambda: all(len(seen) >= count + 50 for seen, count in zip(decisions, counts)))
    done.set()
    for thread in threads:
        thread.join()
    every = [decision for seen in decisions for decision in seen]
    assert {(d.category, d.rules_version, d.matched_rules) for d in every} == {("alpha", ruleset.version, ("zebra",))}
    assert {d.evaluator for d in every} == {"durable_rules", "reference"}
    assert all(d.evaluator == "reference" for seen in decisions for d in seen[-10:])

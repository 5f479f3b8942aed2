"""Saving the rule file as the dashboard does: validated, recorded with its author, written whole, rolled back."""
import shutil
from pathlib import Path

import pytest

from helpdesk import rulefile
from helpdesk.config import load_settings
from rules import RuleFileError
from storage import rule_versions

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = (ROOT / "rules" / "default.toml").read_text(encoding="utf-8")
EXTRA = ('\n[[rule]]\nname = "printers-to-facilities"\ndescription = "test"\npriority = 5\n'
         'when = { field = "subject", contains = "printer" }\nthen = { department = "facilities" }\n')


@pytest.fixture
def settings(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return load_settings(ROOT / "config.toml", environ={"HELPDESK__RULES__PATH": str(rules / "default.toml")})


def test_a_valid_text_is_recorded_with_its_author_and_written_whole(database, settings):
    saved = rulefile.save(database, settings, DEFAULT + EXTRA, author="ada")
    assert saved.changed and saved.ruleset.rule("printers-to-facilities") is not None
    assert rulefile.rule_path(settings).read_text(encoding="utf-8") == DEFAULT + EXTRA
    with database.sessions() as session:
        [row] = rule_versions.list_versions(session)
    assert (row.version, row.author, row.content) == (saved.ruleset.version, "ada", DEFAULT + EXTRA)
    # Saving the same text again records nothing.
    assert not rulefile.save(database, settings, DEFAULT + EXTRA, author="bob").changed
    with database.sessions() as session:
        assert len(rule_versions.list_versions(session)) == 1
    assert not list(rulefile.rule_path(settings).parent.glob(".*.toml"))  # no temporary files left


def test_a_broken_text_is_refused_at_its_line_and_the_file_is_untouched(database, settings):
    broken = DEFAULT + EXTRA.replace('department = "facilities"', 'department = "kitchen"')
    with pytest.raises(RuleFileError) as refused:
        rulefile.save(database, settings, broken, author="ada")
    [problem] = refused.value.problems
    line = broken.splitlines().index('then = { department = "kitchen" }') + 1
    assert problem.line == line and problem.rule == "printers-to-facilities" and "kitchen" in problem.message
    assert problem.source == str(rulefile.rule_path(settings))  # the real file's name, not the candidate's
    assert rulefile.rule_path(settings).read_text(encoding="utf-8") == DEFAULT
    with database.sessions() as session:
        assert rule_versions.list_versions(session) == []
    with pytest.raises(RuleFileError) as syntax:
        rulefile.validate(settings, DEFAULT + "\n[[rule]\nname = 1\n")
    assert syntax.value.problems[0].line == len(DEFAULT.splitlines()) + 2


def test_rolling_back_makes_an_earlier_version_the_file_again(database, settings):
    first = rulefile.save(database, settings, DEFAULT, author="ada").ruleset
    rulefile.save(database, settings, DEFAULT + EXTRA, author="ada")
    back = rulefile.roll_back(database, settings, first.version, author="carl")
    assert back.changed and back.ruleset.version == first.version
    assert rulefile.rule_path(settings).read_text(encoding="utf-8") == DEFAULT
    with database.sessions() as session:
        versions = rule_versions.list_versions(session)
    assert (versions[0].version, versions[0].author, len(versions)) == (first.version, "carl", 3)
    assert "-name = \"printers-to-facilities\"" in versions[0].diff
    with pytest.raises(LookupError):
        rulefile.roll_back(database, settings, "0" * 12, author="carl")

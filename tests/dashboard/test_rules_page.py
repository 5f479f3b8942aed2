"""The Rules page, run headless with Streamlit's AppTest: editing, refusing, history, diffs, rolling back.

The page gets the user directly (``rules.render(db, user, config_path)``)
and a configuration whose rule file is a copy of the default one.
"""
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from helpdesk import rulefile
from helpdesk.config import load_settings
from storage import rule_versions

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = (ROOT / "rules" / "default.toml").read_text(encoding="utf-8")
EXTRA = ('\n[[rule]]\nname = "printers-to-facilities"\ndescription = "<script>alert(1)</script>"\npriority = 5\n'
         'when = { field = "subject", contains = "printer" }\nthen = { department = "facilities" }\n')


@pytest.fixture
def config(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    path = tmp_path / "config.toml"
    for name in ("kb", "directory.csv"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name)
        elif source.exists():
            shutil.copy(source, tmp_path / name)
    path.write_text(text, encoding="utf-8")
    return path


def page(db, config_path, name, role):
    from dashboard.auth import User
    from dashboard.views import rules

    rules.render(db, User(name, role), config_path)


def open_page(db, config, role="admin") -> AppTest:
    at = AppTest.from_function(page, args=(db, str(config), "ada", role), default_timeout=30).run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    return "\n".join(str(element.value) for kind in ("text", "error", "success", "info", "code", "caption")
                     for element in getattr(at, kind))


def test_only_admins_see_the_rules(sqlite_database, config):
    for role in ("agent", "manager"):
        at = open_page(sqlite_database, config, role)
        assert [error.value for error in at.error] == ["You do not have access to this page."]
        assert not at.text_area and not at.button


def test_saving_a_valid_edit_records_it_with_the_admin_and_writes_the_file(sqlite_database, config):
    at = open_page(sqlite_database, config)
    editor = at.text_area(key="rules_editor")
    assert editor.value == DEFAULT
    editor.input(DEFAULT + EXTRA)
    at.button(key="rules_save").click().run()
    assert not at.exception
    settings = load_settings(config)
    assert rulefile.rule_path(settings).read_text(encoding="utf-8") == DEFAULT + EXTRA
    with sqlite_database.sessions() as session:
        [version] = rule_versions.list_versions(session)
    assert version.author == "ada"
    assert f"Saved version {version.version}" in texts(at)
    assert f"Active version {version.version}" in texts(at)


def test_a_broken_edit_is_refused_with_its_line_and_nothing_changes(sqlite_database, config):
    at = open_page(sqlite_database, config)
    broken = DEFAULT + EXTRA.replace('"facilities"', '"kitchen"')
    at.text_area(key="rules_editor").input(broken)
    at.button(key="rules_save").click().run()
    assert not at.exception
    assert any("nothing was saved" in error.value for error in at.error)
    [table] = at.dataframe
    [problem] = table.value.to_dict("records")
    assert problem["line"] == broken.splitlines().index('then = { department = "kitchen" }') + 1
    assert problem["rule"] == "printers-to-facilities" and "kitchen" in problem["problem"]
    assert rulefile.rule_path(load_settings(config)).read_text(encoding="utf-8") == DEFAULT
    with sqlite_database.sessions() as session:
        assert rule_versions.list_versions(session) == []
    # The admin's text stays in the editor to be fixed.
    assert at.text_area(key="rules_editor").value == broken


def test_history_shows_the_diff_and_rolls_back(sqlite_database, config):
    settings = load_settings(config)
    first = rulefile.save(sqlite_database, settings, DEFAULT, author="ada").ruleset
    second = rulefile.save(sqlite_database, settings, DEFAULT + EXTRA, author="bob").ruleset
    at = open_page(sqlite_database, config)
    history = at.dataframe[0].value.to_dict("records")
    assert [(row["version"], row["author"]) for row in history] == [(second.version, "bob"), (first.version, "ada")]
    diff = at.code[0].value
    assert '+name = "printers-to-facilities"' in diff and diff.count("\n+") >= 6
    at.selectbox(key="rules_version").set_value(first.version).run()
    at.button(key="rules_rollback").click().run()
    assert not at.exception
    assert rulefile.rule_path(settings).read_text(encoding="utf-8") == DEFAULT
    with sqlite_database.sessions() as session:
        latest = rule_versions.latest_version(session)
    assert (latest.version, latest.author) == (first.version, "ada")
    assert f"Rolled back to version {first.version}" in texts(at)
    assert at.text_area(key="rules_editor").value == DEFAULT


def test_a_pasted_message_is_decided_by_the_editors_rules_and_explained(sqlite_database, config):
    at = open_page(sqlite_database, config)
    at.text_area(key="rules_editor").input(DEFAULT + EXTRA)  # not saved: the test uses the editor's text
    at.text_area(key="rules_test_text").input(
        "From: ben.okafor@corp.example\nTo: it@corp.example\nSubject: Printer <script>x</script> jammed\n\nHelp.\n")
    at.button(key="rules_test_run").click().run()
    assert not at.exception, at.exception
    decision, rules_table = (frame.value for frame in at.dataframe[-2:])
    values = dict(zip(decision["field"], decision["value"], strict=True))
    assert values["department"] == "facilities" and "printers-to-facilities" in values["matched"]
    matched = rules_table[rules_table["matched"] == "yes"]["rule"].tolist()
    assert matched[0] == "printers-to-facilities"
    assert rulefile.rule_path(load_settings(config)).read_text(encoding="utf-8") == DEFAULT  # nothing saved

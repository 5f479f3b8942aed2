"""The `helpdesk` command line, run as the operator runs it: a subprocess with a config file."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpdesk.build import load_ruleset
from helpdesk.config import load_settings

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "config.toml"
VERBS = ["run", "worker", "demo", "dashboard", "db upgrade", "stats", "ingest", "parse", "agents away", "agents back",
         "agents list", "templates check"]
EMPTY_STATS = {
    "inbound": {"pending": 0, "done": 0, "discarded": 0, "quarantined": 0},
    "tickets": {"total": 0, "by_state": {}, "by_department": {}},
    "outbox": {"pending": 0, "sent": 0, "failed": 0},
    "outbox_by_kind": {},
    "oldest_pending_received_at": None,
    "imap": {},
}
REQUEST = (b"From: Anna Schmidt <anna@corp.example>\nTo: it@corp.example\nSubject: VPN not working\n"
           b"Message-ID: <vpn.1@mail.corp.example>\nDate: Mon, 23 Nov 2026 10:00:00 +0100\n"
           b"Content-Type: text/plain; charset=utf-8\n\nThe VPN says authentication failed.\n")


@pytest.fixture
def env(env):
    return {**env, "HELPDESK_DASHBOARD_PASSWORD": ""}


def _helpdesk(env, *args, cwd):
    return subprocess.run([sys.executable, "-m", "helpdesk.cli", "--config", str(CONFIG), *args],
                          env=env, cwd=cwd, capture_output=True, text=True, timeout=60)


def _stats(env, cwd):
    result = _helpdesk(env, "stats", "--json", cwd=cwd)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_every_verb_has_help_with_a_description(env, tmp_path):
    commands = [[]] + [verb.split() for verb in VERBS]
    processes = [subprocess.Popen([sys.executable, "-m", "helpdesk.cli", "--config", str(CONFIG), *words, "--help"],
                                  env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for words in commands]
    outputs = {}
    for words, process in zip(commands, processes):
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, (words, err)
        assert out.startswith(f"usage: helpdesk {' '.join(words)}".rstrip()), out
        description = out.split("\n\n")[1]
        assert len(description.split()) >= 3, (words, out)
        outputs[" ".join(words)] = out
    assert all(verb.split()[0] in outputs[""] for verb in VERBS)


def test_db_upgrade_then_stats_is_all_zeros(env, tmp_path):
    upgrade = _helpdesk(env, "db", "upgrade", cwd=tmp_path)
    assert upgrade.returncode == 0, upgrade.stderr
    assert "up to date" in upgrade.stdout and str(tmp_path / "helpdesk.db") in upgrade.stdout
    stats = _stats(env, tmp_path)
    rules = stats.pop("rules")
    assert stats == EMPTY_STATS
    # No version applied yet; the configured rule file is valid.
    file_version = load_ruleset(load_settings(CONFIG, environ={})).version
    assert rules == {"version": None, "source": None, "applied_at": None, "author": None, "note": None,
                     "last_error": None, "file_version": file_version}
    again = _helpdesk(env, "db", "upgrade", cwd=tmp_path)
    assert again.returncode == 0, again.stderr


def test_stats_without_a_schema_says_what_to_do(env, tmp_path):
    result = _helpdesk(env, "stats", "--json", cwd=tmp_path)
    assert result.returncode == 1
    assert "no such table" in result.stderr and "helpdesk db upgrade" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_ingest_makes_a_ticket_and_an_acknowledgement(env, tmp_path):
    mail = tmp_path / "request.eml"
    mail.write_bytes(REQUEST)
    result = _helpdesk(env, "ingest", str(mail), "--to", "it@corp.example", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome["status"] == "done" and outcome["error"] is None
    assert re.fullmatch(r"IT-\d{6}", outcome["ticket"]) and outcome["ticket"] == "IT-000001"
    stats = _stats(env, tmp_path)
    assert stats["tickets"]["total"] == 1 and stats["tickets"]["by_department"] == {"it": 1}
    assert stats["inbound"]["done"] == 1
    # the acknowledgement, and the notice to the assignee (VPN: the it-network team, config.toml)
    assert stats["outbox"] == {"pending": 2, "sent": 0, "failed": 0}
    assert stats["outbox_by_kind"] == {"acknowledgement": 1, "agent_new": 1}


def test_ingest_for_a_foreign_address_is_refused(env, tmp_path):
    mail = tmp_path / "request.eml"
    mail.write_bytes(REQUEST)
    result = _helpdesk(env, "ingest", str(mail), "--to", "nobody@corp.example", cwd=tmp_path)
    assert result.returncode == 2
    assert "nobody@corp.example is not a department address" in result.stderr
    assert result.stdout == ""


def test_ingest_of_a_missing_file_is_a_clear_error(env, tmp_path):
    result = _helpdesk(env, "ingest", str(tmp_path / "absent.eml"), "--to", "it@corp.example", cwd=tmp_path)
    assert result.returncode == 2
    assert "absent.eml" in result.stderr and "Traceback" not in result.stderr


def test_a_bad_override_names_the_key(env, tmp_path):
    result = _helpdesk({**env, "HELPDESK__GATEWAY__SMTP_PORT": "abc"}, "stats", cwd=tmp_path)
    assert result.returncode == 2
    assert "configuration error" in result.stderr and "gateway.smtp_port" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_with_a_broken_rule_file_names_file_line_and_rule(env, tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text((ROOT / "rules" / "default.toml").read_text().replace(
        'name = "executable-attachment"', 'name = "executable-attachment"\ncolour = "red"', 1))
    line = rules.read_text().splitlines().index('colour = "red"') + 1
    result = _helpdesk({**env, "HELPDESK__RULES__PATH": str(rules)}, "run", cwd=tmp_path)
    assert result.returncode == 2
    assert f'{rules}:{line}: rule "executable-attachment": unknown key "colour"' in result.stderr
    assert "Traceback" not in result.stderr


def test_dashboard_without_a_password_does_not_start(env, tmp_path):
    result = _helpdesk(env, "dashboard", cwd=tmp_path)
    assert result.returncode != 0
    assert "HELPDESK_DASHBOARD_PASSWORD" in result.stderr and "password" in result.stderr
    assert "Traceback" not in result.stderr


def test_config_may_follow_the_verb(env, tmp_path):
    other = tmp_path / "other.toml"
    other.write_text(CONFIG.read_text().replace('[gateway]', '[gateway]\ncolour = "blue"', 1))
    # The global --config names a broken file; the one after the verb wins.
    result = subprocess.run([sys.executable, "-m", "helpdesk.cli", "--config", str(other), "db", "upgrade",
                             "--config", str(CONFIG)], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    broken = subprocess.run([sys.executable, "-m", "helpdesk.cli", "stats", "--json", "--config", str(other)],
                            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert broken.returncode == 2 and "gateway.colour: unknown key" in broken.stderr

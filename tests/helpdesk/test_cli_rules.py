"""`helpdesk rules check | test | replay` as an admin runs them."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpdesk.cli import main

ROOT = Path(__file__).resolve().parents[2]
CONFIG = str(ROOT / "config.toml")
DEFAULT = (ROOT / "rules" / "default.toml").read_text(encoding="utf-8")
VPN = (b"From: Anna Schmidt <anna.schmidt@corp.example>\r\nTo: it@corp.example\r\n"
       b"Subject: VPN not working since this morning\r\nDate: Mon, 23 Nov 2026 10:00:00 +0100\r\n\r\n"
       b"Nobody in the Hamburg office can connect.\r\n")


@pytest.fixture
def vpn(tmp_path):
    path = tmp_path / "vpn.eml"
    path.write_bytes(VPN)
    return path


def test_check_passes_on_the_default_rules(capsys):
    assert main(["rules", "check", "--config", CONFIG]) == 0
    out = capsys.readouterr().out
    assert "39 rules" in out and "11/11 examples passed, 0 warning(s)" in out


def test_check_refuses_a_broken_file_with_its_line(tmp_path, capsys):
    path = tmp_path / "broken.toml"
    path.write_text(DEFAULT + '\n[[rule]]\nname = "typo"\ndescription = "x"\npriority = 7\n'
                    'when = { field = "subject", contains = "x" }\nthen = { categroy = "x" }\n', encoding="utf-8")
    assert main(["rules", "check", str(path), "--config", CONFIG]) == 1
    err = capsys.readouterr().err
    line = len(path.read_text().splitlines())
    assert f"{path}:{line}: rule \"typo\":" in err and "categroy" in err and "cannot be used" in err


def test_check_fails_on_a_wrong_example_and_warns_on_a_shadowed_rule(tmp_path, capsys):
    path = tmp_path / "rules.toml"
    shadow = ('\n[[rule]]\nname = "all-it-first"\ndescription = "x"\npriority = 0\nstop = true\n'
              'when = { field = "department", equals = "it" }\nthen = { category = "it" }\n')
    path.write_text(DEFAULT + shadow, encoding="utf-8")
    assert main(["rules", "check", str(path), "--config", CONFIG, "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    failed = [e for e in report["examples"] if not e["passed"]]
    assert failed and all(e["line"] for e in failed)
    assert any("category: expected 'outage', got 'it'" in f for e in failed for f in e["failures"])
    shadowed = {w["rule"] for w in report["warnings"]}
    assert "it-vpn" in shadowed and "hr-leave" not in shadowed


def test_test_explains_every_rule(vpn, capsys):
    assert main(["rules", "test", str(vpn), "--config", CONFIG, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["decision"]["priority"] == "P1" and report["decision"]["team"] == "it-network"
    assert [r["name"] for r in report["rules"] if r["matched"]] == report["decision"]["matched"]
    assert len(report["rules"]) == 39
    assert main(["rules", "test", str(vpn), "--config", CONFIG, "--to", "hr@corp.example"]) == 0
    out = capsys.readouterr().out
    assert "no      120 it-vpn: department equals \"it\" (department is 'hr')" in out


def test_test_refuses_a_message_without_a_department(tmp_path, capsys):
    path = tmp_path / "x.eml"
    path.write_bytes(VPN.replace(b"it@corp.example", b"someone@elsewhere.example"))
    assert main(["rules", "test", str(path), "--config", CONFIG]) == 2
    assert "no department address" in capsys.readouterr().err


def test_replay_through_the_command_line(tmp_path, config_env, vpn):
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("HELPDESK")}, **config_env}

    def helpdesk(*args):
        return subprocess.run([sys.executable, "-m", "helpdesk.cli", "--config", CONFIG, *args], env=env,
                              cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert helpdesk("db", "upgrade").returncode == 0
    assert helpdesk("ingest", str(vpn), "--to", "it@corp.example").returncode == 0
    candidate = tmp_path / "candidate.toml"
    candidate.write_text(DEFAULT + '\n[[rule]]\nname = "vpn-to-facilities"\ndescription = "x"\npriority = 5\n'
                         'when = { field = "subject", contains = "vpn" }\nthen = { department = "facilities" }\n',
                         encoding="utf-8")
    result = helpdesk("rules", "replay", "--since", "3650d", "--rules", str(candidate), "--json")
    assert result.returncode == 0, result.stderr
    *changes, summary = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(c["ticket"], c["old"]["department"], c["new"]["department"]) for c in changes] == [
        ("IT-000001", "it", "facilities")]
    assert summary == {"summary": True, "replayed": 1, "changed": 1, "unreadable": 0,
                       "rules_version": summary["rules_version"]}
    table = helpdesk("rules", "replay", "--since", "2w", "--rules", str(candidate))
    assert "IT-000001" in table.stdout and "it → facilities" in table.stdout
    assert helpdesk("rules", "replay", "--since", "yesterday").returncode == 2

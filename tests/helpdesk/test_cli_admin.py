"""`helpdesk agents` and `helpdesk templates check` as an admin runs them."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "config.toml"


def _helpdesk(env, *args, cwd):
    return subprocess.run([sys.executable, "-m", "helpdesk.cli", "--config", str(CONFIG), *args],
                          env=env, cwd=cwd, capture_output=True, text=True, timeout=60)


def test_agents_away_and_back_show_in_the_list(env, tmp_path):
    assert _helpdesk(env, "db", "upgrade", cwd=tmp_path).returncode == 0
    away = _helpdesk(env, "agents", "away", "Sam.Ito@corp.example", "--until", "2026-12-31", cwd=tmp_path)
    assert away.returncode == 0, away.stderr
    assert "sam.ito@corp.example is away until 2027-01-01T00:00:00+00:00" in away.stdout
    listed = json.loads(_helpdesk(env, "agents", "list", "--json", cwd=tmp_path).stdout)
    sam = [row for row in listed if row["email"] == "sam.ito@corp.example"]
    assert {row["team"] for row in sam} == {"it-desk", "it-network"} and all(row["away"] for row in sam)
    assert not any(row["away"] for row in listed if row["email"] != "sam.ito@corp.example")
    assert {"team": "it-desk", "department": "it", "email": "robin.meyer@corp.example", "role": "lead",
            "away": False, "away_until": None} in listed
    assert _helpdesk(env, "agents", "back", "sam.ito@corp.example", cwd=tmp_path).returncode == 0
    listed = json.loads(_helpdesk(env, "agents", "list", "--json", cwd=tmp_path).stdout)
    assert not any(row["away"] for row in listed)


def test_agents_away_refuses_strangers_and_bad_dates(env, tmp_path):
    assert _helpdesk(env, "db", "upgrade", cwd=tmp_path).returncode == 0
    stranger = _helpdesk(env, "agents", "away", "nobody@corp.example", cwd=tmp_path)
    assert stranger.returncode == 2 and "is in no team of config.toml" in stranger.stderr
    bad = _helpdesk(env, "agents", "away", "sam.ito@corp.example", "--until", "next week", cwd=tmp_path)
    assert bad.returncode == 2 and "is not a date" in bad.stderr


def test_templates_check_renders_every_template_and_fails_on_a_broken_override(env, tmp_path):
    good = _helpdesk(env, "templates", "check", cwd=tmp_path)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "ok   acknowledgement (text + html)" in good.stdout and ", 0 failed" in good.stdout
    (tmp_path / "acknowledgement.txt.j2").write_text("Hello {{ requester_nam }}\n")
    (tmp_path / "agent_answer.txt.j2").write_text("{% if %}\n")
    broken = _helpdesk(env, "templates", "check", "--folder", str(tmp_path), cwd=tmp_path)
    assert broken.returncode == 1
    assert "FAIL acknowledgement:" in broken.stdout and "requester_nam" in broken.stdout
    assert "FAIL agent_answer: agent_answer.txt.j2: line 1" in broken.stdout

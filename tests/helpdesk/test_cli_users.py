"""`helpdesk users` as an admin runs it: passwords only from standard input or a terminal, never printed."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "config.toml"


def _helpdesk(env, *args, cwd, stdin=""):
    return subprocess.run([sys.executable, "-m", "helpdesk.cli", "--config", str(CONFIG), *args], input=stdin, check=False,
                          env=env, cwd=cwd, capture_output=True, text=True, timeout=60)


def test_add_list_and_change_users(env, tmp_path):
    assert _helpdesk(env, "db", "upgrade", cwd=tmp_path).returncode == 0
    added = _helpdesk(env, "users", "add", "ada", "--role", "agent", "--departments", "it,hr",
                      "--email", "ada@corp.example", "--password-stdin", cwd=tmp_path, stdin="a long password\n")
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "added ada: agent, it, hr"
    listed = _helpdesk(env, "users", "list", "--json", cwd=tmp_path)
    assert json.loads(listed.stdout) == [{"name": "ada", "role": "agent", "departments": ["it", "hr"],
                                          "email": "ada@corp.example", "disabled": False}]
    assert "argon2" not in listed.stdout and "a long password" not in listed.stdout
    changed = _helpdesk(env, "users", "set-role", "ada", "manager", "--departments", "*", cwd=tmp_path)
    assert changed.stdout.strip() == "changed ada: manager, all departments"
    assert _helpdesk(env, "users", "disable", "ada", cwd=tmp_path).stdout.strip() == "disabled ada"
    assert "(disabled)" in _helpdesk(env, "users", "list", cwd=tmp_path).stdout


def test_refusals_are_clear_and_change_nothing(env, tmp_path):
    assert _helpdesk(env, "db", "upgrade", cwd=tmp_path).returncode == 0
    unknown = _helpdesk(env, "users", "add", "bob", "--role", "agent", "--departments", "kitchen",
                        "--password-stdin", cwd=tmp_path, stdin="a long password\n")
    assert unknown.returncode == 2 and "unknown department(s) kitchen" in unknown.stderr
    short = _helpdesk(env, "users", "add", "bob", "--role", "agent", "--password-stdin", cwd=tmp_path, stdin="x\n")
    assert short.returncode == 2 and "at least 10 characters" in short.stderr
    no_tty = _helpdesk(env, "users", "add", "bob", "--role", "agent", cwd=tmp_path)
    assert no_tty.returncode == 2 and "--password-stdin" in no_tty.stderr
    on_argv = _helpdesk(env, "users", "add", "bob", "--role", "agent", "--password", "secret12345", cwd=tmp_path)
    assert on_argv.returncode == 2 and "unrecognized arguments" in on_argv.stderr
    assert json.loads(_helpdesk(env, "users", "list", "--json", cwd=tmp_path).stdout) == []

"""`helpdesk demo` (what `make demo` runs) starts, takes mail, serves the dashboard, and stops on Ctrl-C."""
import os
import signal
import smtplib
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_demo_answers_on_smtp_and_dashboard_and_stops_cleanly(config_env, tmp_path):
    env = {**os.environ, **config_env, "HELPDESK_DASHBOARD_PASSWORD": "demo-test-password"}
    process = subprocess.Popen([sys.executable, "-m", "helpdesk.cli", "--config", str(ROOT / "config.toml"), "demo"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path)
    lines = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("Ready."):
                break
        output = "".join(lines)
        assert "Ready." in output, output
        assert "Sent 36 sample requests." in output
        # one ticket per request, and a child ticket in IT and in Facilities for the new hire
        assert "Tickets:      38 " in output and "replies sent: 36" in output, output
        assert "(up)" in output, output
        with smtplib.SMTP("127.0.0.1", int(config_env["HELPDESK__GATEWAY__SMTP_PORT"]), timeout=10) as client:
            code, _ = client.ehlo("client.test")
            assert code == 250
        port = config_env["HELPDESK__DASHBOARD__PORT"]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=10) as response:
            assert response.read() == b"ok"
        captured = list((Path(config_env["HELPDESK__CAPTURE__MAILDIR"]) / "new").iterdir())
        acknowledgements = [path for path in captured if b"Auto-Submitted: auto-replied" in path.read_bytes()]
        assert len(acknowledgements) == 36 and len(captured) > 36  # and the agents' notices
    finally:
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=60)
    assert process.returncode == 0, rest
    assert "Stopped." in rest

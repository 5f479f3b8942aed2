"""`helpdesk parse` as an operator runs it: a subprocess, no configuration file, no database."""
import json
import os
import subprocess
import sys
from pathlib import Path

SAMPLES = Path(__file__).parent / "samples"
HELPDESK = Path(sys.executable).parent / "helpdesk"

REQUEST = ("From: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <Juergen@Corp.Example>\n"
           "To: IT <it@corp.example>, Anna <anna@corp.example>\nCc: boss@corp.example\n"
           "Reply-To: Team <team@corp.example>\nSubject: =?utf-8?q?Drucker_im_B=C3=BCro?=\n"
           "Message-ID: <req.1@corp.example>\nIn-Reply-To: <ack.0@corp.example>\n"
           "References: <orig.0@corp.example> <ack.0@corp.example>\nDate: Mon, 23 Nov 2026 10:00:00 +0100\n"
           "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n"
           "--B\nContent-Type: text/plain; charset=utf-8\n\nDer Drucker ist kaputt.\n\n"
           "Am Montag schrieb IT:\n> Ticket IT-000001\n"
           "--B\nContent-Type: image/png; name=shot.png\nContent-Disposition: attachment; filename=shot.png\n"
           "Content-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--B--\n").encode()


def _run(*args, cwd):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK")}
    return subprocess.run([str(HELPDESK), "parse", *args], cwd=cwd, env=env, capture_output=True, timeout=60)


def test_one_json_line_per_file_in_order_and_errors_in_line(tmp_path):
    (tmp_path / "a.eml").write_bytes(REQUEST)
    (tmp_path / "b.eml").write_bytes((SAMPLES / "exim_bounce.eml").read_bytes())
    (tmp_path / "bad.eml").write_bytes(b"this is not a message\n")
    result = _run("a.eml", "b.eml", "bad.eml", "missing.eml", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode("utf-8").splitlines()
    assert len(lines) == 4
    first, second, bad, missing = map(json.loads, lines)

    assert list(first) == ["from", "to", "cc", "reply_to", "subject", "message_id", "in_reply_to", "references",
                           "date", "text", "html", "visible_text", "attachments", "classification", "defects"]
    assert first["from"] == {"email": "juergen@corp.example", "name": "Jürgen Müller"}
    assert first["to"] == [{"email": "it@corp.example", "name": "IT"}, {"email": "anna@corp.example", "name": "Anna"}]
    assert first["cc"] == [{"email": "boss@corp.example", "name": ""}]
    assert first["reply_to"] == [{"email": "team@corp.example", "name": "Team"}]
    assert first["subject"] == "Drucker im Büro"
    assert (first["message_id"], first["in_reply_to"]) == ("<req.1@corp.example>", "<ack.0@corp.example>")
    assert first["references"] == ["<orig.0@corp.example>", "<ack.0@corp.example>"]
    assert first["date"] == "2026-11-23T10:00:00+01:00"
    assert first["text"].startswith("Der Drucker ist kaputt.")
    assert first["html"] is None
    assert first["visible_text"] == "Der Drucker ist kaputt."
    assert first["attachments"] == [{"filename": "shot.png", "content_type": "image/png", "size": 8,
                                     "disposition": "attachment"}]
    assert first["classification"] == {"kind": "normal", "auto_generated": False, "bounce": None}
    assert first["defects"] == []

    assert second["from"] == {"email": "mailer-daemon@mail.example.net", "name": "Mail Delivery System"}
    assert second["classification"]["kind"] == "bounce"
    assert second["classification"]["bounce"]["recipients"][0]["email"] == "nobody@partner.example"
    assert second["classification"]["bounce"]["recipients"][0]["hard"] is True

    assert bad == {"file": "bad.eml", "error": "not a message: no header fields"}
    assert missing["file"] == "missing.eml" and "No such file" in missing["error"]


def test_without_json_one_summary_line_per_file(tmp_path):
    (tmp_path / "a.eml").write_bytes(REQUEST)
    result = _run("a.eml", str(SAMPLES / "gmail_delayed.eml"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode("utf-8").splitlines()
    assert lines[0] == "a.eml: normal | from juergen@corp.example | 'Drucker im Büro' | 1 attachment(s)"
    assert lines[1].endswith("dsn_delayed | from mailer-daemon@googlemail.com | "
                             "'Delivery Status Notification (Delay)' | 1 attachment(s)")


def test_help_describes_the_verb(tmp_path):
    result = subprocess.run([str(HELPDESK), "parse", "--help"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert result.stdout.startswith("usage: helpdesk parse")
    assert "Needs no configuration or database" in " ".join(result.stdout.split())

"""IMAP mailboxes in config.toml: defaults, environment overrides, mistakes named by key."""
from pathlib import Path

import pytest

from helpdesk.build import build_mailboxes
from helpdesk.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = (ROOT / "config.toml").read_text()
MAILBOX = """
[imap.mailboxes.it_inbox]
host = "imap.corp.example"
user = "it-helpdesk"
password_env = "IT_IMAP_PASSWORD"
department = "it"
"""


def _load(tmp_path, extra: str, environ=None):
    path = tmp_path / "config.toml"
    path.write_text(SAMPLE + extra)
    return load_settings(path, environ=environ or {})


def test_the_sample_documents_a_mailbox_that_is_valid_when_uncommented(tmp_path):
    assert load_settings(ROOT / "config.toml", environ={}).imap.mailboxes == {}
    start = SAMPLE.index("# [imap.mailboxes.it_inbox]")
    example = SAMPLE[start:SAMPLE.index("\n\n", start)]
    settings = _load(tmp_path, "\n" + "\n".join(line[2:] for line in example.splitlines()) + "\n")
    [box] = build_mailboxes(settings, {"IT_IMAP_PASSWORD": "s3cret"})
    assert (box.name, box.department, box.processed_flag, box.port) == ("it_inbox", "it", "\\Seen", 993)


def test_a_mailbox_with_defaults_becomes_a_fetcher_setting(tmp_path):
    settings = _load(tmp_path, MAILBOX + 'ca_file = "certs/corp-ca.pem"\n')
    [box] = build_mailboxes(settings, {"IT_IMAP_PASSWORD": "s3cret"})
    assert (box.name, box.host, box.port, box.security, box.folder) == ("it_inbox", "imap.corp.example", 993, "tls", "INBOX")
    assert (box.department, box.address, box.password) == ("it", "it@corp.example", "s3cret")
    assert (box.after_fetch, box.processed_folder, box.idle) == ("move", "Processed", True)
    assert box.stale_after_seconds == 900 and box.poll_seconds == 60 and box.batch_size == 200
    assert box.ca_file == str(tmp_path / "certs" / "corp-ca.pem")
    assert "s3cret" not in repr(box)


def test_starttls_and_plain_default_to_port_143_and_keys_come_from_the_environment(tmp_path):
    env = {"HELPDESK__IMAP__MAILBOXES__IT_INBOX__SECURITY": "starttls",
           "HELPDESK__IMAP__MAILBOXES__IT_INBOX__POLL_SECONDS": "30"}
    settings = _load(tmp_path, MAILBOX, env)
    box = settings.imap.mailboxes["it_inbox"]
    assert (box.security, box.server_port(), box.poll_seconds) == ("starttls", 143, 30.0)


def test_a_missing_password_variable_is_named(tmp_path):
    settings = _load(tmp_path, MAILBOX)
    with pytest.raises(ConfigError, match=r"imap\.mailboxes\.it_inbox\.password_env: .*IT_IMAP_PASSWORD is not set"):
        build_mailboxes(settings, {})


@pytest.mark.parametrize("line, expected", [
    ('department = "legal"', r"imap\.mailboxes\.it_inbox\.department: unknown department 'legal'"),
    ('security = "ssl"', r"imap\.mailboxes\.it_inbox\.security"),
    ("port = 0", r"imap\.mailboxes\.it_inbox\.port"),
    ('after_fetch = "delete"', r"imap\.mailboxes\.it_inbox\.after_fetch"),
    ('processed_flag = "\\\\Deleted"', r"imap\.mailboxes\.it_inbox\.processed_flag"),
    ("batch_size = 5000", r"imap\.mailboxes\.it_inbox\.batch_size"),
    ("stale_after_minutes = 1", r"imap\.mailboxes\.it_inbox: .*stale_after_minutes must be longer than poll_seconds"),
    ("colour = 1", r"imap\.mailboxes\.it_inbox\.colour: unknown key"),
])
def test_bad_mailbox_values_are_refused_with_their_name(tmp_path, line, expected):
    key = line.split(" = ")[0]
    text = "\n".join(existing for existing in MAILBOX.splitlines() if not existing.startswith(f"{key} ="))
    with pytest.raises(ConfigError, match=expected):
        _load(tmp_path, text + f"\n{line}\n")


def test_a_missing_host_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"imap\.mailboxes\.it_inbox\.host: Field required"):
        _load(tmp_path, MAILBOX.replace('host = "imap.corp.example"\n', ""))

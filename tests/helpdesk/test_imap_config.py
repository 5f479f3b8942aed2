"""IMAP mailboxes in config.toml: defaults, environment overrides, mistakes named by key."""
from pathlib import Path

import pytest

from helpdesk.build import build_mailboxes
from helpdesk.config import ConfigError, load_settings
from mailgateway.oauth2 import ClientCredentials, TokenCommand

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
    start = SAMPLE.index("# [imap.mailboxes.hr_inbox]")
    example = SAMPLE[start:SAMPLE.index("\n\n", start)]
    settings = _load(tmp_path, "\n" + "\n".join(line[2:] for line in example.splitlines()) + "\n")
    [box] = build_mailboxes(settings, {"HR_IMAP_CLIENT_SECRET": "s3cret"})
    assert (box.name, box.host, box.token.scope) == ("hr_inbox", "outlook.office365.com",
                                                     "https://outlook.office365.com/.default")


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


OAUTH = """
[imap.mailboxes.hr_inbox]
host = "outlook.office365.com"
user = "hr@corp.example"
auth = "xoauth2"
department = "hr"

[imap.mailboxes.hr_inbox.oauth2]
token_url = "https://login.microsoftonline.com/0000-tenant/oauth2/v2.0/token"
client_id = "helpdesk-app"
client_secret_env = "HR_IMAP_CLIENT_SECRET"
"""


def test_an_oauth2_mailbox_gets_its_tokens_by_client_credentials_with_the_secret_from_the_environment(tmp_path):
    settings = _load(tmp_path, OAUTH)
    [box] = build_mailboxes(settings, {"HR_IMAP_CLIENT_SECRET": "app-secret"})
    assert isinstance(box.token, ClientCredentials) and box.password == ""
    assert (box.token.token_url, box.token.client_id, box.token.scope) == (
        "https://login.microsoftonline.com/0000-tenant/oauth2/v2.0/token", "helpdesk-app",
        "https://outlook.office365.com/.default")
    assert "app-secret" not in repr(box) and "app-secret" not in repr(box.token)
    with pytest.raises(ConfigError, match=r"imap\.mailboxes\.hr_inbox\.oauth2\.client_secret_env: .*"
                                          r"HR_IMAP_CLIENT_SECRET is not set"):
        build_mailboxes(settings, {})


def test_an_oauth2_mailbox_may_get_its_tokens_from_a_program(tmp_path):
    text = OAUTH.split("[imap.mailboxes.hr_inbox.oauth2]")[0]
    settings = _load(tmp_path, text + '[imap.mailboxes.hr_inbox.oauth2]\ntoken_command = ["/usr/local/bin/imap-token", "hr"]\n')
    [box] = build_mailboxes(settings, {})
    assert isinstance(box.token, TokenCommand) and box.token.argv == ["/usr/local/bin/imap-token", "hr"]


@pytest.mark.parametrize("change, expected", [
    (("[imap.mailboxes.hr_inbox.oauth2]", "[imap.mailboxes.hr_inbox.other]"),
     r"imap\.mailboxes\.hr_inbox: .*auth = \"xoauth2\" needs an oauth2 table"),
    (("https://login.microsoftonline.com", "http://login.microsoftonline.com"),
     r"imap\.mailboxes\.hr_inbox\.oauth2\.token_url: .*not an https URL"),
    (('client_id = "helpdesk-app"\n', ""), r"imap\.mailboxes\.hr_inbox\.oauth2: .*client_id missing"),
    (('client_id = "helpdesk-app"\n', 'client_id = "helpdesk-app"\ntoken_command = ["x"]\n'),
     r"imap\.mailboxes\.hr_inbox\.oauth2: .*either token_url .* or token_command"),
    (('auth = "xoauth2"\n', ""), r"imap\.mailboxes\.hr_inbox: .*password_env is required"),
    (('auth = "xoauth2"\n', 'auth = "cram-md5"\n'), r"imap\.mailboxes\.hr_inbox\.auth"),
])
def test_oauth2_mistakes_are_refused_with_their_key(tmp_path, change, expected):
    text = OAUTH.replace(*change)
    if "[imap.mailboxes.hr_inbox.other]" in text:
        text = text.split("[imap.mailboxes.hr_inbox.other]")[0]
    with pytest.raises(ConfigError, match=expected):
        _load(tmp_path, text)


def test_a_local_token_service_may_speak_plain_http(tmp_path):
    settings = _load(tmp_path, OAUTH.replace("https://login.microsoftonline.com/0000-tenant/oauth2/v2.0/token",
                                             "http://127.0.0.1:8400/token"))
    assert settings.imap.mailboxes["hr_inbox"].oauth2.token_url == "http://127.0.0.1:8400/token"

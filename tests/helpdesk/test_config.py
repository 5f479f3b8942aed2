"""Configuration: the sample file validates, overrides apply, mistakes are named."""
from pathlib import Path

import pytest

from helpdesk.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = (ROOT / "config.toml").read_text()


def _write(tmp_path, text):
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_sample_config_is_valid_and_complete():
    settings = load_settings(ROOT / "config.toml", environ={})
    assert settings.organisation.domain == "corp.example"
    assert {d.address for d in settings.departments.values()} == {
        "hr@corp.example", "it@corp.example", "finance@corp.example", "facilities@corp.example"}
    for department in settings.departments.values():
        policy = settings.sla_policies[department.sla_policy]
        assert all(policy.target(p).resolution for p in ("P1", "P2", "P3", "P4"))
    assert settings.storage_url() == f"sqlite:///{ROOT / 'var' / 'helpdesk.db'}"


def test_environment_overrides_scalars():
    env = {"HELPDESK__GATEWAY__SMTP_PORT": "2599", "HELPDESK__STORAGE__URL": "postgresql+psycopg://u@h/db",
           "HELPDESK__DEPARTMENTS__IT__NAME": "IT Service", "HELPDESK__CAPTURE__ENABLED": "true"}
    settings = load_settings(ROOT / "config.toml", environ=env)
    assert settings.gateway.smtp_port == 2599
    assert settings.storage_url() == "postgresql+psycopg://u@h/db"
    assert settings.departments["it"].name == "IT Service"
    assert settings.capture.enabled is True


@pytest.mark.parametrize("env, expected", [
    ({"HELPDESK__GATEWAY__SMTP_PORT": "many"}, "gateway.smtp_port"),
    ({"HELPDESK__GATEWAY__SMTP_PORTS": "1"}, "gateway.smtp_ports: unknown key"),
    ({"HELPDESK__GATEWAY": "1"}, "HELPDESK__GATEWAY: expected"),
    ({"HELPDESK__CALENDARS__OFFICE__HOURS": "x"}, "only scalar keys"),
])
def test_bad_overrides_are_named(env, expected):
    with pytest.raises(ConfigError, match=expected.replace(".", r"\.")):
        load_settings(ROOT / "config.toml", environ=env)


@pytest.mark.parametrize("old, new, expected", [
    ('smtp_port = 2525', 'smtp_port = 70000', "gateway.smtp_port"),
    ('[gateway]', '[gateway]\ncolour = "blue"', "gateway.colour: unknown key"),
    ('sla_policy = "people"\ndisplay_name = "HR Team"', 'sla_policy = "gold"\ndisplay_name = "HR Team"', "unknown SLA policy 'gold'"),
    ('P2 = { first_response = "2h"', 'P2 = { first_response = "2 days"', "not a duration"),
    ('address = "it@corp.example"', 'address = "it-at-corp"', "not an email address"),
    ('prefix = "IT"', 'prefix = "it"', "departments.it.prefix"),
])
def test_bad_values_are_refused_with_their_name(tmp_path, old, new, expected):
    assert old in SAMPLE
    with pytest.raises(ConfigError, match=expected):
        load_settings(_write(tmp_path, SAMPLE.replace(old, new, 1)), environ={})


def test_toml_syntax_error_names_the_file_and_line(tmp_path):
    path = _write(tmp_path, SAMPLE.replace('[storage]', '[storage', 1))
    with pytest.raises(ConfigError, match=r"config\.toml: .*line \d+"):
        load_settings(path, environ={})


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_settings(tmp_path / "absent.toml", environ={})

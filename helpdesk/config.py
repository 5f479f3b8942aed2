"""Typed settings from `config.toml`, with environment overrides.

Every scalar key can be overridden by ``HELPDESK__<SECTION>__<KEY>`` (deeper
tables with more ``__`` parts), e.g. ``HELPDESK__GATEWAY__SMTP_PORT=2526``.
Unknown keys and bad values are refused with their dotted name.
"""
from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

ENV_PREFIX = "HELPDESK__"
PRIORITIES = ("P1", "P2", "P3", "P4")
_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?$")


class ConfigError(Exception):
    """The configuration cannot be used; the message names the key."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OrganisationSettings(Section):
    name: str = "Example Corp"
    domain: str = "corp.example"
    domains: list[str] = []  # further mail domains of the organisation's own people
    trusted_authserv_ids: list[str] = []  # hosts whose Authentication-Results headers count


class StorageSettings(Section):
    url: str = "sqlite:///var/helpdesk.db"


class GatewaySettings(Section):
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(2525, ge=0, le=65535)
    hostname: str = "helpdesk.corp.example"
    max_message_bytes: int = Field(25 * 1024 * 1024, ge=1024)
    max_recipients: int = Field(50, ge=1)
    max_messages_per_minute_per_peer: int = Field(600, ge=0)
    max_sessions: int = Field(200, ge=1)


_ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
_LOOPBACK = ("127.0.0.1", "::1", "localhost")


class OutboundSettings(Section):
    relay_host: str = "127.0.0.1"
    relay_port: int = Field(2526, ge=1, le=65535)
    relay_timeout_seconds: float = Field(30.0, gt=0)
    # STARTTLS when offered (opportunistic), required and verified (starttls), TLS on connect (tls), or none
    relay_security: Literal["opportunistic", "starttls", "tls", "none"] = "opportunistic"
    relay_ca_file: str | None = None  # trust this CA (PEM) for the relay instead of the system's
    relay_user: str | None = None  # log in (AUTH) as this user ...
    relay_password_env: str | None = Field(None, pattern=_ENV_NAME)  # ... password from here
    max_attempts: int = Field(12, ge=1)
    retry_base_seconds: float = Field(30.0, gt=0)
    retry_max_seconds: float = Field(3600.0, gt=0)
    max_automatic_replies_per_sender_per_hour: int = Field(5, ge=0)

    @model_validator(mode="after")
    def _login_over_tls(self) -> OutboundSettings:
        if self.relay_user is None:
            return self
        if self.relay_password_env is None:
            raise ValueError("relay_user needs relay_password_env (the variable that holds the password)")
        if self.relay_security not in ("starttls", "tls") and self.relay_host not in _LOOPBACK:
            raise ValueError('relay_user needs relay_security = "starttls" or "tls": the password must not '
                             "travel in clear or to a relay whose certificate is not checked")
        return self


class CaptureSettings(Section):
    """The local relay that keeps outgoing mail in a Maildir instead of sending it."""

    enabled: bool = False
    maildir: str = "var/capture"


class WorkerSettings(Section):
    processes: int = Field(2, ge=0, le=32)
    threads: int = Field(1, ge=1, le=32)
    idle_poll_seconds: float = Field(0.1, gt=0)
    nice: int = Field(10, ge=0, le=19)
    send_yield_seconds: float = Field(2.0, ge=0, le=60)


class DashboardSettings(Section):
    host: str = "127.0.0.1"
    port: int = Field(8501, ge=0, le=65535)
    title: str = "Helpdesk"
    password_env: str = "HELPDESK_DASHBOARD_PASSWORD"


class RulesSettings(Section):
    path: str = "rules/default.toml"


class DirectorySettings(Section):
    """The optional employee directory (CSV) the rules read requester attributes from."""

    path: str | None = None


_AGENT = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class TeamSettings(Section):
    """Agents who share a department's work; rules assign to a team round-robin."""

    department: str
    members: list[str] = Field(min_length=1)
    lead: str | None = None  # told about escalations

    @field_validator("members")
    @classmethod
    def _members(cls, value: list[str]) -> list[str]:
        for member in value:
            if not _AGENT.match(member):
                raise ValueError(f"{member!r} is not an email address")
        lowered = [member.lower() for member in value]
        if len(set(lowered)) != len(lowered):
            raise ValueError("a member is listed twice")
        return lowered

    @field_validator("lead")
    @classmethod
    def _lead(cls, value: str | None) -> str | None:
        if value is not None and not _AGENT.match(value):
            raise ValueError(f"{value!r} is not an email address")
        return None if value is None else value.lower()


class CalendarSettings(Section):
    timezone: str = "UTC"
    hours: dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], list[str]] = Field(default_factory=dict)
    holidays_country: str | None = None
    holidays_subdiv: str | None = None
    closures: list[str] = Field(default_factory=list)
    always_open: bool = False


class SlaTargetSettings(Section):
    first_response: str
    resolution: str
    calendar: str | None = None

    @field_validator("first_response", "resolution")
    @classmethod
    def _duration(cls, value: str) -> str:
        match = _DURATION.match(value.strip())
        if not value.strip() or not match or not any(match.groups()):
            raise ValueError(f"{value!r} is not a duration like '30m', '4h' or '1h30m'")
        return value.strip()


class SlaPolicySettings(Section):
    calendar: str
    P1: SlaTargetSettings
    P2: SlaTargetSettings
    P3: SlaTargetSettings
    P4: SlaTargetSettings

    def target(self, priority: str) -> SlaTargetSettings:
        return getattr(self, priority)


class DepartmentSettings(Section):
    name: str
    address: str
    prefix: str = Field(pattern=r"^[A-Z][A-Z0-9]{1,7}$")
    sla_policy: str = "standard"
    display_name: str | None = None
    accept_from: Literal["organisation", "anyone"] = "anyone"
    team: str | None = None  # gets new tickets no rule assigned (round-robin)

    @field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise ValueError(f"{value!r} is not an email address")
        return value.lower()


class OAuth2Settings(Section):
    """Where an OAuth 2.0 mailbox gets its access tokens (``mailgateway.oauth2``): a token endpoint by the
    client-credentials grant (Microsoft 365), or a program that prints one (``token_command``)."""

    token_url: str | None = None  # e.g. https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token
    client_id: str | None = None
    client_secret_env: str | None = Field(None, pattern=_ENV_NAME)  # the secret comes from this variable
    scope: str = "https://outlook.office365.com/.default"
    token_command: list[str] | None = None  # e.g. ["/usr/local/bin/imap-token", "hr"]; no shell
    timeout_seconds: float = Field(30.0, gt=0)

    @field_validator("token_url")
    @classmethod
    def _token_url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        url = urlsplit(value)
        if url.scheme == "https" and url.hostname:
            return value
        if url.scheme == "http" and url.hostname in _LOOPBACK:
            return value  # a local token service: the secret does not leave the machine
        raise ValueError(f"{value!r} is not an https URL (the client secret would travel in clear)")

    @model_validator(mode="after")
    def _one_source(self) -> OAuth2Settings:
        if self.token_command is not None:
            if not self.token_command or not self.token_command[0].strip():
                raise ValueError("token_command needs a program to run")
            if self.token_url is not None:
                raise ValueError("give either token_url (with client_id and client_secret_env) or token_command")
            return self
        missing = [key for key in ("token_url", "client_id", "client_secret_env") if getattr(self, key) is None]
        if missing:
            raise ValueError(f"needs token_command, or token_url, client_id and client_secret_env "
                             f"({', '.join(missing)} missing)")
        return self


class ImapMailboxSettings(Section):
    """One mailbox the helpdesk fetches mail from, for one department."""

    host: str
    port: int | None = Field(None, ge=1, le=65535)  # default: 993 for tls, 143 otherwise
    security: Literal["tls", "starttls", "plain"] = "tls"
    ca_file: str | None = None  # trust this CA (PEM) instead of the system's
    user: str
    auth: Literal["password", "xoauth2"] = "password"
    password_env: str | None = Field(None, pattern=_ENV_NAME)  # for auth = "password"
    oauth2: OAuth2Settings | None = None  # for auth = "xoauth2"
    folder: str = "INBOX"
    department: str
    after_fetch: Literal["move", "flag"] = "move"
    processed_folder: str = "Processed"
    processed_flag: str = "\\Seen"
    idle: bool = True
    poll_seconds: float = Field(60.0, gt=0, le=1740)  # RFC 2177: re-issue IDLE within 29 minutes
    stale_after_minutes: float = Field(15.0, gt=0)
    batch_size: int = Field(200, ge=1, le=1000)
    timeout_seconds: float = Field(30.0, gt=0)
    reconnect_base_seconds: float = Field(1.0, gt=0)
    reconnect_max_seconds: float = Field(300.0, gt=0)

    @field_validator("processed_flag")
    @classmethod
    def _flag(cls, value: str) -> str:
        if value in ("\\Seen", "\\Flagged", "\\Answered") or re.fullmatch(r"[A-Za-z0-9$_.-]+", value):
            return value
        raise ValueError(f"{value!r} is not \\Seen, \\Flagged, \\Answered or a keyword like '$Helpdesk'")

    @model_validator(mode="after")
    def _stale_after_a_check(self) -> ImapMailboxSettings:
        if self.stale_after_minutes * 60 <= self.poll_seconds:
            raise ValueError("stale_after_minutes must be longer than poll_seconds")
        return self

    @model_validator(mode="after")
    def _credentials(self) -> ImapMailboxSettings:
        if self.auth == "password" and self.password_env is None:
            raise ValueError('password_env is required with auth = "password"')
        if self.auth == "xoauth2" and self.oauth2 is None:
            raise ValueError('auth = "xoauth2" needs an oauth2 table (token_url, client_id, client_secret_env, '
                             'or token_command)')
        return self

    def server_port(self) -> int:
        return self.port or (993 if self.security == "tls" else 143)


class ImapSettings(Section):
    mailboxes: dict[str, ImapMailboxSettings] = Field(default_factory=dict)

    @field_validator("mailboxes")
    @classmethod
    def _names(cls, value: dict) -> dict:
        for name in value:
            if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", name):
                raise ValueError(f"{name!r} is not a mailbox name (letters, digits, '_', '.', '-'; at most 64)")
        return value


class SchedulerSettings(Section):
    """SLA warnings, escalation, reminders and auto-close, done by the scheduler (docs/sla.md)."""

    interval_seconds: float = Field(30.0, gt=0)  # how often it sweeps
    warning_share: float = Field(0.75, gt=0, lt=1)  # warn the assignee when this share of a target is used
    escalate_priority: bool = True  # raise the priority one level at a breach ...
    escalate_up_to: Literal["P1", "P2", "P3", "P4"] = "P1"  # ... but never above this one
    managers: dict[str, str] = Field(default_factory=dict)  # department -> told of escalations if no team lead
    reminder_after_business_days: int = Field(2, ge=1)  # remind a requester we wait on ...
    auto_close_after_business_days: int = Field(5, ge=1)  # ... and close the ticket after this many
    close_resolved_after_days: int = Field(7, ge=1)  # resolved tickets close after these calendar days
    full_sweep_minutes: float = Field(60.0, gt=0)  # between sweeps that look at every open ticket
    batch: int = Field(200, ge=1, le=10_000)  # tickets per transaction

    @field_validator("managers")
    @classmethod
    def _managers(cls, value: dict[str, str]) -> dict[str, str]:
        for department, address in value.items():
            if not _AGENT.match(address):
                raise ValueError(f"{department}: {address!r} is not an email address")
        return {department: address.lower() for department, address in value.items()}

    @model_validator(mode="after")
    def _close_after_reminding(self) -> SchedulerSettings:
        if self.auto_close_after_business_days <= self.reminder_after_business_days:
            raise ValueError("auto_close_after_business_days must be more than reminder_after_business_days")
        return self


class Settings(Section):
    organisation: OrganisationSettings = OrganisationSettings()
    storage: StorageSettings = StorageSettings()
    gateway: GatewaySettings = GatewaySettings()
    outbound: OutboundSettings = OutboundSettings()
    capture: CaptureSettings = CaptureSettings()
    worker: WorkerSettings = WorkerSettings()
    dashboard: DashboardSettings = DashboardSettings()
    rules: RulesSettings = RulesSettings()
    directory: DirectorySettings = DirectorySettings()
    teams: dict[str, TeamSettings] = Field(default_factory=dict)
    imap: ImapSettings = ImapSettings()
    scheduler: SchedulerSettings = SchedulerSettings()
    calendars: dict[str, CalendarSettings]
    sla_policies: dict[str, SlaPolicySettings]
    departments: dict[str, DepartmentSettings]
    base_dir: str = "."
    config_path: str = ""  # the file these settings were read from (the dashboard reads it again)

    @model_validator(mode="after")
    def _references(self) -> Settings:
        for key, department in self.departments.items():
            if department.sla_policy not in self.sla_policies:
                raise ValueError(f"departments.{key}.sla_policy: unknown SLA policy {department.sla_policy!r}")
        for name, policy in self.sla_policies.items():
            calendars = [policy.calendar] + [policy.target(p).calendar for p in PRIORITIES]
            for calendar in filter(None, calendars):
                if calendar not in self.calendars:
                    raise ValueError(f"sla_policies.{name}: unknown calendar {calendar!r}")
        for name, mailbox in self.imap.mailboxes.items():
            if mailbox.department not in self.departments:
                raise ValueError(f"imap.mailboxes.{name}.department: unknown department {mailbox.department!r}")
        for name, team in self.teams.items():
            if team.department not in self.departments:
                raise ValueError(f"teams.{name}.department: unknown department {team.department!r}")
        for key, department in self.departments.items():
            team = self.teams.get(department.team) if department.team else None
            if department.team and (team is None or team.department != key):
                raise ValueError(f"departments.{key}.team: {department.team!r} is not a team of this department")
        addresses = [d.address for d in self.departments.values()]
        if len(set(addresses)) != len(addresses):
            raise ValueError("departments: two departments share an address")
        return self

    def path(self, relative: str) -> Path:
        """A path from the config, relative to the config file's folder."""
        candidate = Path(relative)
        return candidate if candidate.is_absolute() else Path(self.base_dir) / candidate

    def storage_url(self) -> str:
        """The storage URL with a relative SQLite path made absolute."""
        url = self.storage.url
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
            return prefix + str(self.path(url[len(prefix):]).resolve())
        return url

    def department_for_address(self, address: str) -> str | None:
        address = address.strip().lower()
        for key, department in self.departments.items():
            if department.address == address:
                return key
        return None


def apply_env_overrides(data: dict, environ: Mapping[str, str]) -> dict:
    """Set ``HELPDESK__A__B=value`` as ``data['a']['b'] = value`` (strings; pydantic coerces)."""
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX):
            continue
        parts = [part.lower() for part in name[len(ENV_PREFIX):].split("__")]
        if len(parts) < 2 or not all(parts):
            raise ConfigError(f"{name}: expected HELPDESK__<SECTION>__<KEY>")
        node = data
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(f"{name}: {part!r} is not a section")
            node = child
        if isinstance(node.get(parts[-1]), (dict, list)):
            raise ConfigError(f"{name}: only scalar keys can be set from the environment")
        node[parts[-1]] = value
    return data


def _describe(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "(top level)"
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        lines.append(f"{where}: {message}")
    return "; ".join(lines)


def load_settings(path: str | Path, environ: Mapping[str, str] | None = None) -> Settings:
    """Read, override from the environment and validate; raise ConfigError on any problem."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    data = apply_env_overrides(data, os.environ if environ is None else environ)
    data.setdefault("base_dir", str(path.resolve().parent))
    data.setdefault("config_path", str(path.resolve()))
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {_describe(exc)}") from None

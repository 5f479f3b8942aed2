"""Wiring: typed settings in, the objects the rooms work with out."""
from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable, Mapping

from helpdesk.config import PRIORITIES, ConfigError, OAuth2Settings, Settings
from helpdesk.secret import load_secret
from mailgateway.imap import ImapMailbox
from mailgateway.oauth2 import ClientCredentials, TokenCommand
from rules import RulesEngine, RuleSet, load_rules
from workflows.calendar import BusinessCalendar
from workflows.directory import Directory, DirectoryError
from workflows.kb import KnowledgeBase
from workflows.services import Department, Services, SlaRule, Team
from workflows.sla import SlaTarget, parse_duration
from workflows.templates import TemplateRenderer
from workflows.tokens import TicketTokens


def build_calendars(settings: Settings) -> dict[str, BusinessCalendar]:
    calendars = {}
    for name, spec in settings.calendars.items():
        calendars[name] = BusinessCalendar.build(
            timezone=spec.timezone,
            hours=spec.hours,
            holidays_country=spec.holidays_country,
            holidays_subdiv=spec.holidays_subdiv,
            closures=[dt.date.fromisoformat(day) for day in spec.closures],
            always_open=spec.always_open,
        )
    return calendars


def build_sla_policies(settings: Settings, calendars: Mapping[str, BusinessCalendar] | None = None,
                       ) -> dict[str, dict[str, SlaRule]]:
    """Each SLA policy's target and calendar per priority."""
    calendars = build_calendars(settings) if calendars is None else calendars
    policies = {}
    for name, policy in settings.sla_policies.items():
        policies[name] = {}
        for priority in PRIORITIES:
            target = policy.target(priority)
            policies[name][priority] = SlaRule(
                calendar=calendars[target.calendar or policy.calendar],
                target=SlaTarget(parse_duration(target.first_response), parse_duration(target.resolution)),
            )
    return policies


def build_departments(settings: Settings, policies: Mapping[str, Mapping[str, SlaRule]] | None = None,
                      ) -> dict[str, Department]:
    calendars = build_calendars(settings)
    policies = build_sla_policies(settings, calendars) if policies is None else policies
    departments = {}
    for key, spec in settings.departments.items():
        departments[key] = Department(key=key, name=spec.name, display_name=spec.display_name or spec.name,
                                      address=spec.address, prefix=spec.prefix, sla=policies[spec.sla_policy],
                                      accept_from=spec.accept_from,
                                      calendar=calendars[settings.sla_policies[spec.sla_policy].calendar],
                                      sla_policy=spec.sla_policy, team=spec.team)
    return departments


def build_directory(settings: Settings) -> Directory | None:
    """The employee directory, if one is configured (raises ConfigError when it cannot be read)."""
    if not settings.directory.path:
        return None
    try:
        return Directory.load(settings.path(settings.directory.path))
    except DirectoryError as error:
        raise ConfigError(f"directory.path: {error}") from None


def build_teams(settings: Settings) -> dict[str, Team]:
    return {name: Team(name=name, department=spec.department, members=tuple(spec.members), lead=spec.lead)
            for name, spec in settings.teams.items()}


def load_ruleset(settings: Settings, path: str | None = None) -> RuleSet:
    """The rule file at ``path`` (default: the configured one), validated against this configuration.

    Raises ``rules.RuleFileError`` (every problem with file:line and rule name) when it cannot be used.
    """
    return load_rules(settings.path(path or settings.rules.path), departments=set(settings.departments),
                      teams=set(settings.teams), sla_policies=set(settings.sla_policies),
                      templates={name for name in TemplateRenderer().names() if name.startswith("acknowledgement")})


def build_engine(settings: Settings) -> RulesEngine:
    return RulesEngine(load_ruleset(settings))


def build_services(settings: Settings) -> Services:
    policies = build_sla_policies(settings)
    return Services(
        organisation=settings.organisation.name,
        domain=settings.organisation.domain,
        departments=build_departments(settings, policies),
        sla_policies=policies,
        directory=build_directory(settings),
        knowledge_base=KnowledgeBase.load(settings.path("kb")),
        teams=build_teams(settings),
        engine=build_engine(settings),
        renderer=TemplateRenderer(),
        tokens=TicketTokens(load_secret(settings.path("var/secret.key")), settings.organisation.domain),
        internal_domains=frozenset(d.lower() for d in [settings.organisation.domain, *settings.organisation.domains]),
        trusted_authserv_ids=tuple(settings.organisation.trusted_authserv_ids),
        max_automatic_replies_per_hour=settings.outbound.max_automatic_replies_per_sender_per_hour,
    )


def build_mailboxes(settings: Settings, environ: Mapping[str, str] | None = None) -> list[ImapMailbox]:
    """The IMAP mailboxes to fetch, each with its password (or OAuth 2.0 client secret) read from the environment."""
    environ = os.environ if environ is None else environ
    mailboxes = []
    for name, spec in settings.imap.mailboxes.items():
        password, token = "", None
        if spec.auth == "password":
            password = _secret(environ, f"imap.mailboxes.{name}.password_env", spec.password_env)
        else:
            token = _token_source(environ, f"imap.mailboxes.{name}.oauth2", spec.oauth2)
        mailboxes.append(ImapMailbox(
            name=name, host=spec.host, port=spec.server_port(), user=spec.user, password=password, token=token,
            department=spec.department, address=settings.departments[spec.department].address,
            security=spec.security, ca_file=str(settings.path(spec.ca_file)) if spec.ca_file else None,
            folder=spec.folder, after_fetch=spec.after_fetch, processed_folder=spec.processed_folder,
            processed_flag=spec.processed_flag, idle=spec.idle, poll_seconds=spec.poll_seconds,
            stale_after_seconds=spec.stale_after_minutes * 60, batch_size=spec.batch_size,
            timeout_seconds=spec.timeout_seconds, reconnect_base_seconds=spec.reconnect_base_seconds,
            reconnect_max_seconds=spec.reconnect_max_seconds,
        ))
    return mailboxes


def _secret(environ: Mapping[str, str], key: str, variable: str) -> str:
    value = environ.get(variable)
    if value is None:
        raise ConfigError(f"{key}: the environment variable {variable} is not set")
    return value


def _token_source(environ: Mapping[str, str], key: str, spec: OAuth2Settings) -> Callable[[], str]:
    """Where an OAuth 2.0 mailbox's access tokens come from (``mailgateway.oauth2``)."""
    if spec.token_command is not None:
        return TokenCommand(spec.token_command, timeout=spec.timeout_seconds)
    secret = _secret(environ, f"{key}.client_secret_env", spec.client_secret_env)
    return ClientCredentials(spec.token_url, spec.client_id, secret, spec.scope, timeout=spec.timeout_seconds)


LOG_FORMAT = "%(asctime)s %(levelname)s %(process)d %(name)s %(message)s"


def configure_logging(level: str = "INFO", filename: str | None = None) -> None:
    """key=value log lines to stderr, or appended to ``filename``."""
    logging.basicConfig(level=level, format=LOG_FORMAT, filename=filename)


def log_file() -> str | None:
    """The file the root logger writes to, if any (worker processes write there too)."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.FileHandler):
            return handler.baseFilename
    return None

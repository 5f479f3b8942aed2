"""Reply templates: jinja2 in a sandbox, StrictUndefined, text plus HTML.

Templates are data (``workflows/templates/<name>.txt.j2`` and
``<name>.html.j2``). The HTML variant autoescapes. Values that came from a
requester are passed as data, never compiled as template source.

An edited template is used without a restart: a template's file (or its
absence) is looked at again once ``recheck_seconds`` have passed since it
was last looked at, so rendering does not stat the template folders for
every mail.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from jinja2 import (
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    TemplateSyntaxError,
)
from jinja2.sandbox import ImmutableSandboxedEnvironment

DEFAULT_DIR = Path(__file__).with_name("templates")


class TemplateError(Exception):
    """A template is missing or failed to render."""


@dataclass(frozen=True)
class Rendered:
    text: str
    html: str | None


class TemplateRenderer:
    """Renders ``name`` from the first folder that has it (overrides first)."""

    def __init__(self, folders: Sequence[Path] = (), *, recheck_seconds: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._recheck, self._clock = recheck_seconds, clock
        # (environment, file name) -> (the template or None when there is none, when that was looked up)
        self._found: dict[tuple[int, str], tuple[object | None, float]] = {}
        self._folders = [Path(folder) for folder in folders] + [DEFAULT_DIR]
        search = [str(folder) for folder in self._folders]
        loader = FileSystemLoader(search)
        self._text = ImmutableSandboxedEnvironment(loader=loader, undefined=StrictUndefined,
                                                   autoescape=False, keep_trailing_newline=True, auto_reload=True)
        self._html = ImmutableSandboxedEnvironment(loader=loader, undefined=StrictUndefined,
                                                   autoescape=True, keep_trailing_newline=True, auto_reload=True)

    def names(self) -> frozenset[str]:
        """Every template name (one with a ``<name>.txt.j2``) in the folders, overrides included."""
        return frozenset(path.name[: -len(".txt.j2")] for folder in self._folders if folder.is_dir()
                         for path in folder.glob("*.txt.j2"))

    def render(self, name: str, context: Mapping[str, object]) -> Rendered:
        text = self._render(self._text, f"{name}.txt.j2", context, required=True)
        html = self._render(self._html, f"{name}.html.j2", context, required=False)
        return Rendered(text=text, html=html)

    def _render(self, env, filename: str, context, *, required: bool) -> str | None:
        template = self._template(env, filename)
        if template is None:
            if required:
                raise TemplateError(f"template {filename} not found")
            return None
        try:
            return template.render(**context)
        except Exception as exc:
            raise TemplateError(f"{filename}: {type(exc).__name__}: {exc}") from exc

    def _template(self, env, filename: str):
        """The compiled template, or None if no folder has it; looked up again after ``recheck_seconds``.

        jinja2 caches compiled templates and recompiles one whose file changed
        (auto_reload) when asked for it.
        """
        now, key = self._clock(), (id(env), filename)
        found = self._found.get(key)
        if found is not None and now - found[1] < self._recheck:
            return found[0]
        try:
            template = env.get_template(filename)
            # jinja2 keeps a template's globals as a ChainMap over the environment's, and reads all of
            # it twice for every render; ours never change, so a plain dict of them renders the same.
            if not isinstance(template.globals, dict):
                template.globals = dict(template.globals)
        except TemplateNotFound:
            template = None
        except TemplateSyntaxError as exc:
            raise TemplateError(f"{filename}: line {exc.lineno}: {exc.message}") from exc
        self._found[key] = (template, now)
        return template


_SAMPLE = {
    "ticket_key": "IT-000123",
    "requester_name": "Ana García",
    "requester_email": "ana.garcia@corp.example",
    "subject": "VPN <b>not</b> working {{ 7*7 }}",
    "category": "network",
    "priority": "P2",
    "state": "open",
    "department_name": "IT Service Desk",
    "organisation": "Example Corp",
    "first_response_promise": "within 2 business hours, by Monday 23 November, 12:00 CET",
    "resolution_promise": "within 8 business hours, by Tuesday 24 November, 10:00 CET",
    "first_response_due": "Mon 23 Nov 2026 12:00 CET",
    "resolution_due": "Tue 24 Nov 2026 10:00 CET",
    "also": [{"ticket_key": "FAC-000042", "department_name": "Facilities", "priority": "P3",
              "resolution_promise": "within 24 business hours, by Thursday 26 November, 10:00 CET"}],
    "articles": [{"title": "VPN does not connect", "url": "https://intranet.corp.example/kb/it/vpn",
                  "summary": "Sign out of the VPN client, restart, sign in again."}],
    "kind": "new",
    "assignee": True,
    "text": "The VPN says authentication failed since this morning.",
    "answer": "Please restart the VPN client.\n<script>alert(1)</script>",
    "agent_name": "Alex Berg",
    "done": ["priority P1"],
    "problems": ["#frobnicate is not a command"],
    # the SLA notices (workflows/notify.py)
    "target_name": "first response",
    "due": "Mon 23 Nov 2026 12:00 CET",
    "left": "30 business minutes",
    "share": 75,
    "assigned_to": "alex.berg@corp.example",
    "team": "it-desk",
    "agent_reply": True,
    "previous_priority": "P3",
    "raised": True,
    "close_on": "Monday 30 November, 10:00 CET",
    "reopen_days": 7,
    "ratings": [{"score": score, "label": label, "link": "mailto:it+it-000123.abcdefghij@corp.example"
                 f"?subject=Rating%20{score}%20%5BIT-000123%5D&body={score}"}
                for score, label in ((1, "very dissatisfied"), (2, "dissatisfied"), (3, "neither"),
                                     (4, "satisfied"), (5, "very satisfied"))],
    "first_response_late": False,
    "resolution_late": False,
    "waited_days": 5,
    "reason": "messages with a password in them go to a person first {{ 7*7 }}",
}


def sample_context(name: str) -> dict[str, object]:
    """A context with every value the shipped templates use, for `helpdesk templates check`.

    Requester-written values carry markup and template syntax on purpose:
    they must come out as text, never evaluated.
    """
    return dict(_SAMPLE)

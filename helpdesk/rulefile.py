"""Saving the rule file from the dashboard: validated in full, recorded with its author, written atomically.

The running helpdesk follows the file (``workflows.rulekeeper``): within two
seconds of a valid save every process decides with the new version. This
module is the editor's side of that contract:

* a candidate text is validated exactly as the helpdesk would load it
  (against the configuration's departments, teams, SLA policies and
  templates, and from the rule file's own folder, so an example's ``eml``
  path resolves); a text that does not validate is refused with every
  problem at its line, and the file on disk is not touched;
* a valid text is recorded as a rule version with the user who saved it
  and the diff to the version in use, then written with a rename over the
  old file, so the keeper never reads half a file. The keeper, seeing the
  version it would record already there, adds no second row;
* rolling back is saving an earlier version's text again, with the same
  checks (a version that names a department since removed is refused).
"""
from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from helpdesk.build import load_ruleset
from helpdesk.config import Settings
from rules import RuleFileError, RuleSet
from rules.loader import Problem
from storage import Database, rule_versions, utcnow


@dataclass(frozen=True)
class Saved:
    ruleset: RuleSet
    changed: bool  # False: the text was the version in use already


def rule_path(settings: Settings) -> Path:
    return settings.path(settings.rules.path)


def validate(settings: Settings, text: str) -> RuleSet:
    """The rule set ``text`` would be, or RuleFileError naming the real file, line and rule of each problem."""
    path = rule_path(settings)
    handle, candidate = tempfile.mkstemp(prefix=".candidate-", suffix=".toml", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        try:
            return load_ruleset(settings, candidate)
        except RuleFileError as error:
            problems = [Problem(str(path) if problem.source == candidate else problem.source, problem.line,
                                problem.rule, problem.message) for problem in error.problems]
            raise RuleFileError(problems) from None
    finally:
        os.unlink(candidate)


def save(db: Database, settings: Settings, text: str, *, author: str, now: dt.datetime | None = None) -> Saved:
    """Validate ``text``, record it as the version in use by ``author``, and write it over the rule file."""
    ruleset = validate(settings, text)
    path = rule_path(settings)
    with db.transaction() as session:
        latest = rule_versions.latest_version(session)
        if latest is not None and latest.version == ruleset.version and _read(path) == text:
            return Saved(ruleset, changed=False)
        rule_versions.record_version(session, version=ruleset.version, source=str(path), content=text,
                                     applied_at=now or utcnow(), author=author, note=ruleset.version_note)
        _write_atomically(path, text)  # inside the transaction: a failed write records nothing
    return Saved(ruleset, changed=True)


def roll_back(db: Database, settings: Settings, version: str, *, author: str,
              now: dt.datetime | None = None) -> Saved:
    """Make an earlier version the one in use again (validated against today's configuration)."""
    with db.sessions() as session:
        row = rule_versions.get_version(session, version)
        if row is None:
            raise LookupError(f"no rules version {version!r}")
        content = row.content
    return save(db, settings, content, author=author, now=now)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


def _write_atomically(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(prefix=".saving-", suffix=".toml", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise

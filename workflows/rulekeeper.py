"""The rules keeper: the running helpdesk follows its rule file without a restart.

A :class:`RuleKeeper` looks at the rule file every half second (its size and
modification time; the file is read only when they changed). A changed file
is loaded and validated in full; only a valid one is applied: a new
``RulesEngine`` is built first and then put in ``services.engine`` with one
assignment, so each message is decided entirely by one version (the
pipeline takes the engine once per message). The old engine is closed at
once, which frees its durable_rules rulesets; a message still under way with
it is then decided by the reference evaluator, which decides alike.

A file that does not validate is refused: the keeper logs every problem
(``file:line: rule "name": what is wrong``) and that it keeps the version in
use, and :attr:`RuleKeeper.status` says so until a valid file is saved.

Every version applied is recorded in storage (``storage.rule_versions``)
with its text, time, author (the file's owner unless one is given), version
note and diff to the version before. Each process that runs a pipeline keeps
its own rules, so each runs a keeper; recording is idempotent, so several
processes applying the same file add one row.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import pwd
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from rules import RuleFileError, RulesEngine, RuleSet, version_of
from rules.loader import decode
from storage import Database, rule_versions, utcnow
from workflows.services import Services

log = logging.getLogger("helpdesk.rules")

POLL_SECONDS = 0.5
# A file changed this recently may change again without its size or modification
# time changing (timestamps are coarser than writes), so it is read at every look.
_RACY_SECONDS = 2.0


@dataclass(frozen=True)
class RulesStatus:
    """The version deciding now, and the last file refused since it was applied."""

    version: str
    source: str
    loaded_at: dt.datetime
    last_error: str | None = None  # every problem of the refused file, one per line
    last_error_at: dt.datetime | None = None


@dataclass(frozen=True)
class _Applied:
    """A version applied and not recorded yet."""

    ruleset: RuleSet
    content: str
    applied_at: dt.datetime
    author: str | None


class RuleKeeper:
    """Keeps ``services.engine`` in step with the rule file it was built from.

    ``load`` reads and validates the rule file (raising ``RuleFileError``),
    e.g. ``functools.partial(helpdesk.build.load_ruleset, settings)``.
    Versions are recorded in ``db``; without one the keeper only applies
    them. ``author`` names who changed the rules, when the caller knows;
    otherwise the owner of the file is recorded.
    """

    def __init__(self, load: Callable[[], RuleSet], services: Services, db: Database | None = None, *,
                 author: str | None = None, interval: float = POLL_SECONDS,
                 clock: Callable[[], dt.datetime] = utcnow) -> None:
        self._load = load
        self.services = services
        self.db = db
        self.author = author
        self.interval = interval
        self.clock = clock
        active = services.engine.ruleset
        self.path = Path(active.source)
        self._status = RulesStatus(active.version, active.source, clock())
        self._signature: tuple[int, ...] | None = None
        self._racy = True
        self._last_raw: bytes | None = None  # the file as last loaded
        self._unrecorded: list[_Applied] = []  # applied, in order; recorded at the end of a look
        self._recorded: str | None = None  # the version recorded last

    @property
    def status(self) -> RulesStatus:
        """What decides now, and the error of a refused file (None once a valid file is in place)."""
        return self._status

    def run(self, stop: threading.Event) -> None:
        """Look at the rule file every ``interval`` seconds until ``stop`` is set."""
        while True:
            self.check()
            if stop.wait(self.interval):
                return

    def check(self) -> bool:
        """Look at the rule file once; True if a new version was applied.

        The first look records the version in use (the keeper is made after
        it was loaded); versions not recorded because the database failed
        are recorded at a later look.
        """
        applied = False
        changed, raw, owner = self._look()
        if changed:
            applied = self._consider(raw, owner)
        self._record()
        return applied

    def _look(self) -> tuple[bool, bytes | None, str | None]:
        """Whether the file may have changed since the last look; its bytes and owner if so."""
        try:
            stat = os.stat(self.path)
        except OSError:
            self._signature = None
            return True, None, None
        signature = (stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size, stat.st_ino)
        if signature == self._signature and not self._racy:
            return False, None, None
        self._signature = signature
        self._racy = time.time() - stat.st_mtime < _RACY_SECONDS
        return True, self._read(), _owner(stat.st_uid)

    def _read(self) -> bytes | None:
        try:
            return self.path.read_bytes()
        except OSError:
            return None

    def _consider(self, raw: bytes | None, owner: str | None) -> bool:
        """Load the file; apply it if it is valid and new, refuse it if it is not valid."""
        if raw is not None and raw == self._last_raw:  # looked at again, not changed
            return False
        active = self.services.engine.ruleset
        try:
            # The bytes of the rules in use (the first look, or a refused file put back) are not loaded
            # again: a worker process starts on the rules its runner loaded, not a second copy.
            same = raw is not None and version_of(raw) == active.version
            ruleset = active if same else self._load()
        except RuleFileError as error:
            self._refuse(error)
            self._last_raw = raw
            return False
        if raw is None or self._read() != raw:  # changed while it was loaded: look again next time
            self._signature = None
            return False
        self._last_raw = raw
        applied = _Applied(ruleset, decode(raw), self.clock(), self.author or owner)
        if ruleset.version == self._status.version:
            self._settle(applied)
            return False
        self._apply(applied)
        return True

    def _apply(self, applied: _Applied) -> None:
        ruleset = applied.ruleset
        engine = RulesEngine(ruleset)  # built in full before any message can take it
        old, self.services.engine = self.services.engine, engine
        # Messages under way keep the engine they took; closed, it decides with the
        # reference evaluator, which decides alike (tests/rules/test_agreement.py).
        old.close()
        self._status = RulesStatus(ruleset.version, ruleset.source, applied.applied_at)
        if self.db is not None:
            self._unrecorded.append(applied)
        log.info("event=rules_applied rules_version=%s previous=%s source=%s author=%s evaluator=%s",
                 ruleset.version, old.ruleset.version, ruleset.source, applied.author, engine.evaluator)

    def _settle(self, applied: _Applied) -> None:
        """The file holds the version in use (the first look, or a refused file put back)."""
        if self._status.last_error is not None:
            log.info("event=rules_restored rules_version=%s source=%s (the file is the version in use again)",
                     applied.ruleset.version, applied.ruleset.source)
            self._status = RulesStatus(self._status.version, self._status.source, self._status.loaded_at)
        if self.db is not None and not self._unrecorded and self._recorded != applied.ruleset.version:
            self._unrecorded.append(applied)

    def _refuse(self, error: RuleFileError) -> None:
        """Keep the rules in use; say so once per distinct set of problems."""
        status = self._status
        text = str(error)
        if text == status.last_error:
            return
        log.warning("event=rules_refused source=%s problems=%d kept_version=%s "
                    "(the rule file cannot be used; keeping rules version %s)\n  %s",
                    self.path, len(error.problems), status.version, status.version,
                    "\n  ".join(str(problem) for problem in error.problems))
        self._status = RulesStatus(status.version, status.source, status.loaded_at, text, self.clock())

    def _record(self) -> None:
        """Store the versions applied and not stored yet, in the order they were applied."""
        if not self._unrecorded:
            return
        try:
            with self.db.transaction() as session:
                for applied in self._unrecorded:
                    ruleset = applied.ruleset
                    rule_versions.record_version(
                        session, version=ruleset.version, source=ruleset.source, content=applied.content,
                        applied_at=applied.applied_at, author=applied.author, note=ruleset.version_note)
        except Exception:  # the database may be down: the rules apply all the same; record them later
            log.exception("event=rules_record_failed rules_version=%s (retrying at the next look)",
                          self._unrecorded[-1].ruleset.version)
            return
        self._recorded = self._unrecorded[-1].ruleset.version
        self._unrecorded.clear()


def report(session: Session, load: Callable[[], RuleSet]) -> dict:
    """The ``rules`` section of `helpdesk stats`, from any process.

    The version applied last comes from storage; ``last_error`` is every
    problem of the rule file on disk when it is refused (the running
    helpdesk then keeps the version applied last), else None.
    ``file_version`` is the version of the file on disk when it is valid:
    a running helpdesk applies it within seconds.
    """
    latest = rule_versions.latest_version(session)
    try:
        on_disk, error = load(), None
    except RuleFileError as refused:
        on_disk, error = None, str(refused)
    return {
        "version": latest.version if latest else None,
        "source": latest.source if latest else None,
        "applied_at": latest.applied_at.isoformat() if latest else None,
        "author": latest.author if latest else None,
        "note": latest.note if latest else None,
        "last_error": error,
        "file_version": on_disk.version if on_disk else None,
    }


def _owner(uid: int) -> str | None:
    """The name of the user with this id, where the system knows it."""
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return None

"""Driving durable_rules 2.0.28 safely: one lock, no threads, no leaks.

What we found in durable_rules and how this module contains it:

* ``durable.engine.Host()`` starts two ``threading.Timer`` chains in its
  constructor (``Host._run``: ``dispatch_ruleset`` and ``dispatch_timers``,
  rescheduling themselves forever, a new thread every 0.2 s), and
  ``durable.lang`` keeps module-global rulesets and one global host. Actions
  run through ``Closure``/``Promise`` objects that round-trip the session
  state through JSON per action and arm 5-second lease timers for
  asynchronous actions. We need none of it, so we do not use ``Host`` or
  ``lang``: we call the C extension ``durable_rules_engine`` (which ``Host``
  itself wraps) directly. No thread is ever started; this is 3x faster than
  a thread-free ``Host`` subclass (measured: 12,000 vs 4,300 posts/s for a
  30-rule ruleset with 10 matches per post).
* The C engine is not thread-safe and its ruleset table is process-global,
  so every call into it, for any ruleset, holds one module lock ``_LOCK``.
  Tests are evaluated in Python outside the lock; only the post is serial.
* Events are consumed by the first rule that matches them, so a message is
  asserted as a *fact* (all matching rules fire), the fired rules are drained
  (``start_action_for_state`` / ``complete_and_start_action``) and the fact
  is retracted before the lock is released: the engine's state stays empty
  (one session, sid "0"), memory stays flat however many messages pass.
  A message no rule matches is refused (result 1) and not stored.
* ``Host`` never deletes a ruleset: replacing one leaks it (measured: about
  1.1 MB for a 100-rule ruleset, 1.3 MB more once it has session state).
  ``durable_rules_engine.delete_ruleset`` frees the ruleset but not its
  session state; ``delete_state`` first frees that too, but crashes the
  process (a free of uninitialised pointers) unless the session has run an
  action, so each ruleset is primed with one action at load (:func:`_prime`).
  :meth:`DurableRules.close` frees both (garbage collection too, via a
  finalizer that only queues the handles; they are freed under the lock at
  the next call). A ruleset durable_rules failed on is not freed
  (:meth:`DurableRules.abandon`): its state may be half-updated and we do not
  risk the process on it; the engine uses the reference evaluator from then
  on. Build one engine per rule version and close the old one.
* Ruleset names are unique per instance (a process-wide counter), so two
  engines never clash, even on the same rule file.
* durable_rules may not import at all (issue #4 reports Python 3.13);
  :func:`import_engine` is the single import point and the facade falls back
  to the reference evaluator when it fails.
"""
from __future__ import annotations

import itertools
import json
import operator
import threading
import weakref
from collections import deque
from types import ModuleType
from typing import TYPE_CHECKING

from rules.compiler import PRIME_FACT, PRIME_RULE, compile_ruleset
from rules.facts import FactView

if TYPE_CHECKING:
    from rules.loader import RuleSet
    from rules.reference import Compiled

_LOCK = threading.Lock()
_RETIRED: deque[int] = deque()
_SERIAL = itertools.count(1)
_NOT_HANDLED = 1  # assert_fact result: no rule matched, nothing stored
_SID = "0"  # the one session: facts without a "sid" go to session "0"
_RANK = operator.attrgetter("rank")


class DurableFault(Exception):
    """durable_rules failed or answered something we did not expect."""


def import_engine() -> ModuleType:
    """The durable_rules C engine module (raises ImportError if unavailable)."""
    import durable_rules_engine

    return durable_rules_engine


class DurableRules:
    """A rule set loaded into durable_rules, answering which rules match a message."""

    def __init__(self, ruleset: RuleSet) -> None:
        self._engine = import_engine()
        self._shards = compile_ruleset(ruleset)
        self._handles = self._create(ruleset.version)
        ready = ruleset.compiled
        # Per shard: the shard, its handle, its rules by durable_rules name (``r<index in the
        # rule set>``) made ready to apply, and its stop rules.
        posts = []
        for shard, handle in zip(self._shards, self._handles):
            entries = {name: ready[id(rule)] for name, rule in shard.rules.items()}
            posts.append((shard, handle, entries, frozenset(entry for entry in entries.values() if entry.stop)))

        def route(department: str | None) -> list[tuple]:
            """What a message of the department is posted to, in rank order, with the department's program."""
            return [(shard.first, handle, shard.programs.get(department, shard.programs[None]), entries, stops)
                    for shard, handle, entries, stops in posts
                    if shard.gate is None or department in shard.gate]

        # Every department some rule is gated on (a shard of ungated rules still has a program
        # per department some of its rules test), and None for any other.
        departments = {value for shard in self._shards for value in (*(shard.gate or ()), *shard.programs)}
        self._routes: dict[str | None, list[tuple]] = {department: route(department) for department in departments}
        self._closed = False
        self._finalizer = weakref.finalize(self, _RETIRED.extend, list(self._handles))

    def _create(self, version: str) -> list[int]:
        serial = next(_SERIAL)
        handles: list[int] = []
        with _LOCK:
            _delete_retired(self._engine)
            try:
                for number, shard in enumerate(self._shards):
                    name = f"helpdesk-rules-{version}-{serial}-{number}"
                    handle = self._engine.create_ruleset(name, json.dumps(shard.definition))
                    _prime(self._engine, handle)  # if this fails the handle is leaked: freeing it could crash
                    handles.append(handle)
            except Exception as error:
                _RETIRED.extend(handles)
                raise DurableFault(f"durable_rules refused the ruleset: {error}") from error
        return handles

    @property
    def shard_count(self) -> int:
        """How many durable_rules rulesets the rule set was split into."""
        return len(self._shards)

    def matching(self, view: FactView) -> list[Compiled]:
        """The rules whose condition holds, made ready to apply, in priority order (the rule set's).

        Only the shards of the message's department and of ungated rules are
        asked (the others' rules cannot match), in the order of their first
        rules; once a ``stop`` rule matched, shards whose rules all come after
        it are not asked. ``rules.reference.decide`` applies the stop.
        """
        department = view.text("department")
        routes = self._routes
        route = routes.get(department.strip(), routes[None]) if department is not None else routes[None]
        matched: list[Compiled] = []
        stop = None
        for first, handle, program, entries, stops in route:
            if stop is not None and first > stop:
                break
            fired = self._post(handle, program.fact(view), entries)
            matched += fired
            if stops and not stops.isdisjoint(fired):
                rank = min(entry.rank for entry in stops.intersection(fired))
                stop = rank if stop is None else min(stop, rank)
        matched.sort(key=_RANK)
        return matched

    def _post(self, handle: int, fact: dict[str, bool], entries: dict[str, Compiled]) -> dict[Compiled, None]:
        """Assert the fact, collect the rules it fires (``entries`` by name, each once), retract it."""
        payload = _payload(fact)
        engine = self._engine
        with _LOCK:
            if self._closed:
                raise DurableFault("the durable_rules ruleset is closed")
            if _RETIRED:
                _delete_retired(engine)
            try:
                result, state = engine.assert_fact(handle, payload)
                if result == _NOT_HANDLED:
                    return {}
                if result != 0:
                    raise DurableFault(f"durable_rules answered {result} to a new fact")
                fired = _drain(engine, handle, state, entries)
                engine.retract_fact(handle, payload)
                return fired
            except DurableFault:
                raise
            except Exception as error:  # durable_rules_engine.error or anything odd: the ruleset is suspect
                raise DurableFault(f"durable_rules failed: {error}") from error

    def abandon(self) -> None:
        """Stop using the rulesets without freeing them.

        After durable_rules failed on a fact its ruleset state may be
        half-updated; freeing memory durable_rules has mismanaged can crash the
        process, so a leak is the lesser harm.
        """
        with _LOCK:
            self._closed = True
            self._finalizer.detach()

    def close(self) -> None:
        """Free the durable_rules rulesets (durable_rules' Host never does)."""
        with _LOCK:
            if not self._closed:
                self._closed = True
                self._finalizer.detach()
                for handle in self._handles:
                    _free(self._engine, handle)


def _payload(fact: dict[str, bool]) -> str:
    """The fact as durable_rules' JSON: every field is one of our names (``c12``, ``n3``) set to true.

    Built by joining, as ``json.dumps`` would write it: dumps makes a new encoder
    per call with non-default separators, which cost ten times more here.
    """
    return '{"' + '":true,"'.join(fact) + '":true}' if fact else "{}"


def _drain(engine: ModuleType, handle: int, state: int, entries: dict[str, Compiled]) -> dict[Compiled, None]:
    """Run every fired rule's (empty) action; the rules they name (``entries`` by name) are what we want.

    An action message is ``{"r12":{"m":{...}}}``, so the name is the text between
    the first two quotes; parsing the whole message (it repeats the fact) costs more
    than the rest of the post. A message whose text there is none of our names is
    parsed properly; a name we do not know raises KeyError. A rule whose ``any``
    holds in several ways fires once per way; it is listed once.
    """
    fired: dict[Compiled, None] = {}
    started = engine.start_action_for_state(handle, state)
    message = started[1] if started else None
    complete = engine.complete_and_start_action
    while message:
        entry = entries.get(message[2:message.find('"', 2)])
        if entry is None:
            (name,) = json.loads(message)
            entry = entries[name]
        fired[entry] = None
        message = complete(handle, state)
    return fired


def _prime(engine: ModuleType, handle: int) -> None:
    """Create the ruleset's session state and run one action through it.

    durable_rules allocates a session's state without initialising its
    action context (``createStateNode`` in state.c); ``delete_state`` then
    frees whatever garbage pointers are there and the process crashes. A
    completed action leaves the context cleared, so we complete one at once.
    """
    payload = json.dumps(PRIME_FACT)
    result, state = engine.assert_fact(handle, payload)
    started = engine.start_action_for_state(handle, state) if result == 0 else None
    if not started or list(json.loads(started[1])) != [PRIME_RULE] or engine.complete_and_start_action(handle, state):
        raise DurableFault(f"durable_rules did not prime the ruleset (result {result})")
    engine.retract_fact(handle, payload)


def _delete_retired(engine: ModuleType) -> None:
    """Delete rulesets of engines that were garbage-collected (caller holds _LOCK)."""
    while _RETIRED:
        _free(engine, _RETIRED.popleft())


def _free(engine: ModuleType, handle: int) -> None:
    """Delete a primed ruleset and its session state (deleting the ruleset alone keeps the state's memory)."""
    engine.delete_state(handle, _SID)
    engine.delete_ruleset(handle)

"""The engine facade: ``RulesEngine(ruleset).classify(facts) -> Decision``.

Conditions are evaluated by durable_rules (see ``rules.compiler`` for the
translation and ``rules.durable_runtime`` for how it is driven). When
durable_rules cannot be imported, refuses the rule set, or fails while
classifying, the engine logs a warning and uses the reference evaluator
(``rules.reference``) from then on; ``Decision.evaluator`` says which one
decided. Both give the same decisions (tests/rules/test_agreement.py).

An engine is bound to one rule set version. To apply a new rule file, build
a new engine and ``close()`` the old one: that frees its durable_rules
rulesets, which durable_rules itself would leak.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from types import TracebackType

from rules import durable_runtime, reference
from rules.decision import Decision
from rules.facts import FactView
from rules.loader import RuleSet

log = logging.getLogger(__name__)

DURABLE = "durable_rules"
REFERENCE = "reference"


class RulesEngine:
    """Classifies messages with one rule set. Safe to share between threads."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        self._durable = _load_durable(ruleset)
        ruleset.compiled  # noqa: B018 - generate the reason functions now, not on the first message

    @property
    def evaluator(self) -> str:
        """Which evaluator decides: "durable_rules" or "reference"."""
        return REFERENCE if self._durable is None else DURABLE

    def classify(self, facts: Mapping[str, object]) -> Decision:
        """The decision for one message, given its facts (see ``rules.facts``)."""
        view = FactView(facts)
        durable = self._durable
        if durable is not None:
            try:
                return reference.decide(self.ruleset, durable.matching(view), view, DURABLE)
            except durable_runtime.DurableFault as error:
                self._fall_back(durable, error)
        return reference.classify(self.ruleset, view)

    def close(self) -> None:
        """Release durable_rules' memory; the engine then uses the reference evaluator."""
        durable, self._durable = self._durable, None
        if durable is not None:
            durable.close()

    def __enter__(self) -> RulesEngine:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def _fall_back(self, durable: durable_runtime.DurableRules, error: Exception) -> None:
        if self._durable is durable:
            self._durable = None
            durable.abandon()
            log.warning(
                "rules.fallback evaluator=reference rules_version=%s source=%s reason=%r "
                "(durable_rules failed while classifying; the reference evaluator decides from now on)",
                self.ruleset.version, self.ruleset.source, str(error),
            )


def _load_durable(ruleset: RuleSet) -> durable_runtime.DurableRules | None:
    """The rule set loaded into durable_rules, or None (with a warning) if that fails."""
    try:
        return durable_runtime.DurableRules(ruleset)
    except Exception as error:  # ImportError, CompileError, DurableFault: all mean "use the reference"
        log.warning(
            "rules.fallback evaluator=reference rules_version=%s source=%s reason=%r "
            "(durable_rules could not load this rule set; the reference evaluator decides)",
            ruleset.version, ruleset.source, f"{type(error).__name__}: {error}",
        )
        return None

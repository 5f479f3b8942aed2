"""Routing rules: the rule file format, its validation, and the engine.

Admins write TOML rule files (see ``rules/default.toml``); ``load_rules``
validates one into a ``RuleSet`` (or raises ``RuleFileError`` naming file,
line and rule), and ``RulesEngine(ruleset).classify(facts)`` returns the
``Decision`` for one message: department, category, priority, tags, and
which rules matched and why. durable_rules evaluates the conditions; a
plain-Python reference evaluator has the same semantics and takes over when
durable_rules cannot. This package imports nothing else from the project.
"""
from rules.decision import Decision, RuleMatch
from rules.engine import RulesEngine
from rules.loader import RuleFileError, RuleSet, load_rules, parse_rules, version_of

__all__ = ["Decision", "RuleFileError", "RuleMatch", "RuleSet", "RulesEngine", "load_rules", "parse_rules",
           "version_of"]

"""Reading a rule file: TOML syntax, schema validation, cross-rule checks.

Every problem is reported as ``file:line: rule "name": what is wrong`` in a
:class:`RuleFileError` (all problems pydantic finds at once, then the
cross-rule checks). TOML syntax errors carry the line tomllib reports; other
problems are placed at the line of the offending key inside the rule's
``[[rule]]`` block, else at the rule's ``name = "..."`` line or header.
"""
from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from pydantic import ValidationError

from rules.model import Defaults, Example, Rule, RuleFile, quoted

_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_RULE_HEADER = re.compile(r"^\s*\[\[\s*rule\s*\]\]\s*(?:#.*)?$")
_EXAMPLE_HEADER = re.compile(r"^\s*\[\[\s*example\s*\]\]\s*(?:#.*)?$")
_NAME_KEY = re.compile(r"^\s*name\s*=\s*[\"']")  # then the rule's name and a quote


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a rule file, and where."""

    source: str
    line: int | None
    rule: str | None
    message: str

    def __str__(self) -> str:
        place = self.source if self.line is None else f"{self.source}:{self.line}"
        rule = f" rule {quoted(self.rule)}:" if self.rule else ""
        return f"{place}:{rule} {self.message}"


class RuleFileError(ValueError):
    """A rule file that cannot be used; the message lists every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass(frozen=True)
class RuleSet:
    """A validated rule file: its rules in evaluation order, and its defaults."""

    source: str
    version: str
    defaults: Defaults
    rules: tuple[Rule, ...]
    version_note: str | None = None
    examples: tuple[Example, ...] = ()
    example_lines: tuple[int | None, ...] = ()  # where each example starts in the file

    @cached_property
    def compiled(self) -> dict:
        """Each rule made ready to apply (``rules.reference.Compiled``), by ``id(rule)``, in the rules' order."""
        from rules.codegen import why_functions
        from rules.reference import Compiled

        whys = why_functions([rule.when for rule in self.rules])
        return {id(rule): Compiled(rule, why, rank)
                for rank, (rule, why) in enumerate(zip(self.rules, whys, strict=True))}

    @cached_property
    def undecided(self) -> dict[str, object]:
        """A decision's fields before any rule applies: the defaults, no lists, this version."""
        from rules.reference import undecided

        return undecided(self)

    def rule(self, name: str) -> Rule | None:
        """The rule with this name, if there is one."""
        return next((rule for rule in self.rules if rule.name == name), None)


def version_of(raw: bytes) -> str:
    """A rule file's version: the start of the SHA-256 of its bytes."""
    return hashlib.sha256(raw).hexdigest()[:12]


def load_rules(path: str | Path, departments: Collection[str] | None = None, **known: Collection[str]) -> RuleSet:
    """Read and validate the rule file at ``path``.

    ``departments`` are the known department keys; tests and actions naming
    another department are refused. ``known`` may name the configured
    ``teams``, ``sla_policies`` and (reply) ``templates`` the actions may
    use. None (or leaving one out) skips that check.
    """
    source = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        problem = Problem(source, None, None, f"cannot read the rule file: {error.strerror}")
        raise RuleFileError([problem]) from None
    try:
        text = decode(raw)
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise RuleFileError([Problem(source, line, None, "the rule file is not UTF-8")]) from None
    return _parse(text, raw, source, departments, known)


def decode(raw: bytes) -> str:
    """A rule file's text: UTF-8, with or without the byte order mark some editors write (raises UnicodeDecodeError)."""
    return raw.decode("utf-8-sig")


def parse_rules(
    text: str, source: str = "<string>", departments: Collection[str] | None = None, **known: Collection[str]
) -> RuleSet:
    """Validate rule file text; ``source`` names it in error messages."""
    return _parse(text, text.encode("utf-8"), source, departments, known)


def _parse(text: str, raw: bytes, source: str, departments: Collection[str] | None,
           known: dict[str, Collection[str]]) -> RuleSet:
    data = _toml(text, source)
    lines = _Lines(text)
    unknown = set(known) - {"teams", "sla_policies", "templates"}
    if unknown:
        raise TypeError(f"unknown validation context: {', '.join(sorted(unknown))}")
    context = {key: None if values is None else frozenset(values)
               for key, values in {"departments": departments, **known}.items()}
    try:
        rule_file = RuleFile.model_validate(data, context=context)
    except ValidationError as error:
        problems = [_problem(source, lines, data, item) for item in error.errors()]
        raise RuleFileError(problems) from None
    problems = _cross_rule_problems(source, lines, rule_file.rule)
    problems += _example_problems(source, lines, rule_file)
    if problems:
        raise RuleFileError(problems)
    return RuleSet(
        source=source,
        version=version_of(raw),
        defaults=rule_file.defaults,
        rules=tuple(sorted(rule_file.rule, key=lambda rule: rule.priority)),
        version_note=rule_file.version_note,
        examples=tuple(rule_file.example),
        example_lines=tuple(lines.example_line(index) for index in range(len(rule_file.example))),
    )


def _toml(text: str, source: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        position = _TOML_POSITION.search(message)
        line = int(position.group(1)) if position else None
        if position:
            message = f"{message[: position.start()]} (column {position.group(2)})"
        raise RuleFileError([Problem(source, line, None, f"TOML syntax error: {message}")]) from None


def _cross_rule_problems(source: str, lines: _Lines, rules: Sequence[Rule]) -> list[Problem]:
    """Rule names and priorities must be unique."""
    problems = []
    names: dict[str, int] = {}
    priorities: dict[int, int] = {}
    for index, rule in enumerate(rules):
        line = lines.rule_line(index, rule.name)
        if rule.name in names:
            first = lines.rule_line(names[rule.name], rule.name)
            problems.append(Problem(source, line, rule.name, f"duplicate rule name (first at line {first})"))
        if rule.priority in priorities:
            other = rules[priorities[rule.priority]].name
            message = (f"priority {rule.priority} is also the priority of rule {quoted(other)}; "
                       "priorities must be unique")
            problems.append(Problem(source, line, rule.name, message))
        names.setdefault(rule.name, index)
        priorities.setdefault(rule.priority, index)
    return problems


def _example_problems(source: str, lines: _Lines, rule_file: RuleFile) -> list[Problem]:
    """An example may only expect rules that exist."""
    names = {rule.name for rule in rule_file.rule}
    problems = []
    for index, example in enumerate(rule_file.example):
        for name in example.expect.matched or ():
            if name not in names:
                problems.append(Problem(source, lines.example_line(index), None,
                                        f"example {quoted(example.name)}: expects unknown rule {quoted(name)}"))
    return problems


def _problem(source: str, lines: _Lines, data: dict, error: dict) -> Problem:
    """Turn one pydantic error into a located, readable problem."""
    loc = [part for part in error["loc"] if not (isinstance(part, str) and part.startswith("<"))]
    message = _message(error, loc)
    if len(loc) >= 2 and loc[0] == "rule" and isinstance(loc[1], int):
        index, path = loc[1], loc[2:]
        name = _rule_name(data, index)
        line = lines.rule_line(index, name, path, _test_of(error.get("input")))
    elif len(loc) >= 2 and loc[0] == "example" and isinstance(loc[1], int):
        name, path = None, loc
        line = lines.example_line(loc[1])
    else:
        name, path = None, loc
        line = lines.key_line(path)
    if error["type"] in ("extra_forbidden", "missing"):
        path = path[:-1]
    where = _dotted(path)
    return Problem(source, line, name, f"{where}: {message}" if where else message)


def _message(error: dict, loc: list) -> str:
    if error["type"] == "extra_forbidden":
        kind = "action" if len(loc) >= 2 and loc[-2] == "then" else "key"
        return f"unknown {kind} {quoted(loc[-1])}"
    if error["type"] == "missing":
        return f"missing {quoted(loc[-1])}"
    return error["msg"]


def _rule_name(data: dict, index: int) -> str | None:
    rules = data.get("rule")
    if isinstance(rules, list) and index < len(rules) and isinstance(rules[index], dict):
        name = rules[index].get("name")
        return name if isinstance(name, str) else None
    return None


def _test_of(value: object) -> dict | None:
    """The offending test's table, when the error is about a test (to find its line)."""
    if isinstance(value, dict) and isinstance(value.get("field"), str):
        return value
    return None


def _dotted(path: Sequence[object]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text.lstrip(".")


class _Lines:
    """Finds the line of a rule, or of a key inside it, in the file's text."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.headers = [number for number, line in enumerate(self.lines) if _RULE_HEADER.match(line)]
        self.examples = [number for number, line in enumerate(self.lines) if _EXAMPLE_HEADER.match(line)]

    def example_line(self, index: int) -> int | None:
        """The line (1-based) of the ``[[example]]`` header of example ``index``."""
        return self.examples[index] + 1 if index < len(self.examples) else None

    def rule_line(
        self, index: int, name: str | None, path: Sequence[object] = (), test: dict | None = None
    ) -> int | None:
        """The line (1-based) of a key path (or test) in rule ``index``, else of its name or header."""
        start, end = self._block(index)
        if start is None:
            return self._name_line(name, 0, len(self.lines)) or self.key_line(["rule"])
        found, exact = self._descend(path, start, end)
        if test is not None:
            table_end = self._table_end(found, end) if exact and found is not None else end
            line = self._test_line(test, start if found is None else found, table_end)
            found = found if line is None else line
        if found is not None:
            return found + 1
        named = self._name_line(name, start, end)
        return named if named is not None else start + 1

    def key_line(self, keys: Sequence[object]) -> int | None:
        """The line of a key path outside the rules (e.g. in ``[defaults]``)."""
        end = self.headers[0] if self.headers else len(self.lines)
        found, _ = self._descend(keys, 0, end)
        return None if found is None else found + 1

    def _block(self, index: int) -> tuple[int | None, int]:
        if index >= len(self.headers):
            return None, len(self.lines)
        start = self.headers[index]
        end = self.headers[index + 1] if index + 1 < len(self.headers) else len(self.lines)
        return start, min([end, *(line for line in self.examples if line > start)])

    def _name_line(self, name: str | None, start: int, end: int) -> int | None:
        if name is None:
            return None
        for number in range(start, end):
            line = self.lines[number]
            found = _NAME_KEY.match(line)
            if found and line.startswith(name, found.end()) and line[found.end() + len(name):][:1] in ("'", '"'):
                return number + 1
        return None

    def _test_line(self, test: dict, start: int, end: int) -> int | None:
        """The line from ``start`` with this test: field and operator, else the operator, else the field."""
        field = re.compile(r"\bfield\s*=\s*[\"']" + re.escape(test["field"]) + r"[\"']")
        operator = next((key for key in test if key != "field"), "field")
        sets_operator = re.compile(r"(?:^|[\s{,])" + re.escape(operator) + r"\s*=")
        opens_with_operator = re.compile(r"^\s*" + re.escape(operator) + r"\s*=")
        for wanted in (
            lambda line: field.search(line) and sets_operator.search(line),
            opens_with_operator.search,
            field.search,
        ):
            for number in range(start, end):
                if wanted(self.lines[number]):
                    return number
        return None

    def _table_end(self, line: int, end: int) -> int:
        """Where the [[table]] opened at ``line`` ends (the next table header); other lines: ``end``."""
        if not self.lines[line].lstrip().startswith("["):
            return end
        return next((n for n in range(line + 1, end) if self.lines[n].lstrip().startswith("[")), end)

    def _descend(self, path: Sequence[object], start: int, end: int) -> tuple[int | None, bool]:
        """Follow a key path downwards through the lines; the deepest line found, and whether all was."""
        found: int | None = None
        for part in path:
            line = self._key(part, start, end) if isinstance(part, str) else self._item(part, found, end)
            if line is None:
                return found, False
            found = start = line
        return found, True

    def _key(self, key: str, start: int, end: int) -> int | None:
        """The first line from ``start`` that sets ``key`` or opens a table named by it."""
        pattern = re.compile(r"(?:^|[\s{,.\[])" + re.escape(key) + r"\s*(?:=|\]|\.)")
        return next((number for number in range(start, end) if pattern.search(self.lines[number])), None)

    def _item(self, index: int, line: int | None, end: int) -> int | None:
        """The line of item ``index`` of the array at ``line``: a [[table]] or a line of its own."""
        if line is None:
            return None
        text = self.lines[line].strip()
        if text.startswith("[["):
            same = [number for number in range(line, end) if self.lines[number].strip() == text]
            return same[index] if index < len(same) else None
        if text.endswith("["):
            item = line + 1 + index
            return item if item < end and self.lines[item].lstrip().startswith("{") else None
        return None

"""The rule file's types, validated with pydantic and ready to evaluate.

A condition is a tree: a *test* ``{ field = F, <op> = value }`` or a group
``all = [...]``, ``any = [...]``, ``not = {...}``. Each test is checked when
the file is loaded (known field, exactly one known operator, a value of the
right type for the field, a regex that compiles, a known department) and
keeps what it needs to run (a compiled phrase matcher or regex), so that
evaluating it is one call: ``Leaf.check(view)`` returns the reason it holds,
or None.

Validation context (``model_validate(..., context={"departments": {...}})``)
carries the known department keys; without it departments are not checked.
"""
from __future__ import annotations

import functools
import json
import math
import operator
import re
from typing import Annotated, Any, Literal, NamedTuple, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictInt,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from rules.facts import BOOL_FIELDS, FIELDS, NUMBER_FIELDS, TEXT_FIELDS, FactView
from rules.regexcheck import exponential_repetition
from rules.text import PhraseMatcher, is_blank_keyword, normalise

OPERATORS = ("equals", "one_of", "contains", "contains_any", "matches", "exists", "gt", "lt", "ge", "le")
COMPARISONS = {"gt": ">", "lt": "<", "ge": ">=", "le": "<="}
_COMPARE = {"gt": operator.gt, "lt": operator.lt, "ge": operator.ge, "le": operator.le}
PRIORITY_LEVELS = ("P1", "P2", "P3", "P4")
RULE_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

Level = Literal["P1", "P2", "P3", "P4"]
NonEmpty = Annotated[str, Field(min_length=1)]


def problem(message: str) -> PydanticCustomError:
    """A validation error whose message is shown to the admin as written."""
    return PydanticCustomError("rule_file", message)


def quoted(value: object) -> str:
    """A value as it would be written in the rule file (strings in quotes)."""
    return json.dumps(value, ensure_ascii=False)


def _is_number(value: object) -> bool:
    """A finite int or float (TOML booleans, nan and inf are not numbers here)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_department(value: str, info: ValidationInfo) -> str:
    departments = (info.context or {}).get("departments")
    if departments is not None and value not in departments:
        known = ", ".join(sorted(departments))
        raise problem(f"unknown department {quoted(value)} (known: {known})")
    return value


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Spec(NamedTuple):
    """A test as written, while it is being checked."""

    field: str
    op: str
    value: Any


class Leaf(_Frozen):
    """A leaf condition: one operator applied to one field.

    Besides what was written (``field``, ``op``, ``value``) it carries, as
    plain fields left out of dumps and reprs, what evaluation needs: ``key``
    (equal tests share one evaluation per message), ``matcher`` (compiled
    phrase matcher, regex or value table) and ``text`` (the test in words).
    """

    field: str
    op: str
    value: Any
    key: tuple = Field(exclude=True, repr=False)
    matcher: Any = Field(exclude=True, repr=False)
    text: str = Field(exclude=True, repr=False)

    @model_validator(mode="before")
    @classmethod
    def _compile(cls, data: Any, info: ValidationInfo) -> Any:
        """Check ``{field = F, <op> = V}`` and compile it."""
        if not isinstance(data, dict):
            return data
        spec = _spec(data)
        _VALUE_CHECKS[spec.op](spec)
        if spec.field == "department" and spec.op in ("equals", "one_of"):
            for value in spec.value if spec.op == "one_of" else [spec.value]:
                _check_department(value, info)
        return {
            **spec._asdict(),
            "key": (spec.field, spec.op, quoted(spec.value)),
            "matcher": _build_matcher(spec),
            "text": _describe(spec),
        }

    def describe(self) -> str:
        """The test in words, e.g. ``subject contains any of ["vpn", "wifi"]``."""
        return self.text

    def check(self, view: FactView) -> str | None:
        """Why the test holds for this message (a reason), or None if it does not."""
        results = view.results
        reason = results.get(self.key, _UNKNOWN)
        if reason is _UNKNOWN:
            reason = results[self.key] = _EVALUATORS[self.op](self, view)
        return reason

    def word_reasons(self) -> tuple[tuple[str, str], ...] | None:
        """For a test of one-word keywords: (normalised word, the reason it gives) in list order, else None.

        The test holds with the reason of the first word that is one of the field's words.
        """
        order = self.matcher.word_order() if self.op in ("contains", "contains_any") else None
        if order is None:
            return None
        return tuple((word, _reason(self.field, "contains", keyword)) for word, keyword in order)


_UNKNOWN = object()  # a test not evaluated yet for this message


def _spec(data: dict) -> _Spec:
    """The field, the one operator and its value of a test table."""
    field = data.get("field")
    if not isinstance(field, str) or field not in FIELDS:
        raise problem(f"unknown field {quoted(field)} (fields: {', '.join(sorted(FIELDS))})")
    ops = [key for key in data if key != "field"]
    unknown = [key for key in ops if key not in OPERATORS]
    if unknown:
        raise problem(f"unknown operator {quoted(unknown[0])} (operators: {', '.join(OPERATORS)})")
    if len(ops) != 1:
        raise problem(f"a test on {field} needs exactly one operator, found {len(ops)}")
    return _Spec(field, ops[0], data[ops[0]])


def _describe(spec: _Spec) -> str:
    if spec.op == "exists":
        return f"{spec.field} {'exists' if spec.value else 'does not exist'}"
    if spec.op in COMPARISONS:
        return f"{spec.field} {COMPARISONS[spec.op]} {spec.value}"
    words = {"one_of": "is one of", "contains_any": "contains any of"}
    return f"{spec.field} {words.get(spec.op, spec.op)} {quoted(spec.value)}"


def _kind(field: str) -> str:
    return "a number" if field in NUMBER_FIELDS else "true or false" if field in BOOL_FIELDS else "text"


def _require_text_field(spec: _Spec) -> None:
    if spec.field not in TEXT_FIELDS:
        raise problem(f"{spec.op} needs a text field, {spec.field} is {_kind(spec.field)}")


def _require_scalar(spec: _Spec, value: object) -> None:
    if spec.field in NUMBER_FIELDS and not _is_number(value):
        raise problem(f"{spec.field} is a number, {quoted(value)} is not")
    if spec.field in BOOL_FIELDS and not isinstance(value, bool):
        raise problem(f"{spec.field} is true or false, {quoted(value)} is not")
    if spec.field in TEXT_FIELDS and not isinstance(value, str):
        raise problem(f"{spec.field} is text, {quoted(value)} is not a string")


def _require_keywords(spec: _Spec, keywords: object) -> None:
    if not isinstance(keywords, list) or not keywords:
        raise problem(f"{spec.op} needs a non-empty list of words or phrases")
    for keyword in keywords:
        if not isinstance(keyword, str) or is_blank_keyword(keyword):
            raise problem(f"{spec.op} needs words or phrases, {quoted(keyword)} is not one")


def _check_equals(spec: _Spec) -> None:
    _require_scalar(spec, spec.value)


def _check_one_of(spec: _Spec) -> None:
    if not isinstance(spec.value, list) or not spec.value:
        raise problem("one_of needs a non-empty list of values")
    for value in spec.value:
        _require_scalar(spec, value)


def _check_contains(spec: _Spec) -> None:
    _require_text_field(spec)
    _require_keywords(spec, [spec.value])


def _check_contains_any(spec: _Spec) -> None:
    _require_text_field(spec)
    _require_keywords(spec, spec.value)


def _check_matches(spec: _Spec) -> None:
    _require_text_field(spec)
    if not isinstance(spec.value, str) or not spec.value:
        raise problem("matches needs a regular expression (a non-empty string)")
    try:
        re.compile(spec.value, re.IGNORECASE)
    except re.error as error:
        raise problem(f"regular expression {quoted(spec.value)} does not compile: {error}") from None
    nested = exponential_repetition(spec.value)
    if nested:
        raise problem(
            f"regular expression {quoted(spec.value)} repeats a repetition ({nested}) that could take what "
            "follows it: on some messages it takes exponential time and would stall the helpdesk; make the "
            "inner part possessive "
            "(\\w++ instead of \\w+) or atomic ((?>...)), or use contains_any")


def _check_exists(spec: _Spec) -> None:
    if not isinstance(spec.value, bool):
        raise problem("exists needs true or false")


def _check_comparison(spec: _Spec) -> None:
    if spec.field not in NUMBER_FIELDS:
        raise problem(f"{spec.op} needs a number field, {spec.field} is {_kind(spec.field)}")
    if not _is_number(spec.value):
        raise problem(f"{spec.op} needs a number, {quoted(spec.value)} is not")


_VALUE_CHECKS = {
    "equals": _check_equals,
    "one_of": _check_one_of,
    "contains": _check_contains,
    "contains_any": _check_contains_any,
    "matches": _check_matches,
    "exists": _check_exists,
    **{op: _check_comparison for op in COMPARISONS},
}


def _build_matcher(spec: _Spec) -> object:
    """What the test needs at run time: normalised values, a matcher or a regex."""
    if spec.op == "contains":
        return PhraseMatcher([spec.value])
    if spec.op == "contains_any":
        return PhraseMatcher(spec.value)
    if spec.op == "matches":
        return re.compile(spec.value, re.IGNORECASE)
    if spec.op not in ("equals", "one_of"):
        return None
    values = spec.value if spec.op == "one_of" else [spec.value]
    if spec.field in TEXT_FIELDS:
        return {normalise(value).strip(): value for value in values}
    return {value: value for value in values}


def _scalar(leaf: Leaf, view: FactView) -> object:
    if leaf.field in NUMBER_FIELDS:
        return view.number(leaf.field)
    if leaf.field in BOOL_FIELDS:
        return view.boolean(leaf.field)
    text = view.text(leaf.field)
    return None if text is None else text.strip()


def _eval_equals(leaf: Leaf, view: FactView) -> str | None:
    return leaf.text if _scalar(leaf, view) in leaf.matcher else None


def _eval_one_of(leaf: Leaf, view: FactView) -> str | None:
    found = leaf.matcher.get(_scalar(leaf, view))
    return None if found is None else _reason(leaf.field, "equals", found)


def _eval_contains(leaf: Leaf, view: FactView) -> str | None:
    text = view.text(leaf.field)
    found = None if text is None else leaf.matcher.find(text, view.words(leaf.field))
    return None if found is None else _reason(leaf.field, "contains", found)


@functools.lru_cache(maxsize=65536, typed=True)
def _reason(field: str, verb: str, value: object) -> str:
    """``subject contains "vpn"``: the words of a reason, made once per field, verb and value."""
    return f"{field} {verb} {quoted(value)}"


def _eval_matches(leaf: Leaf, view: FactView) -> str | None:
    text = view.nfkc(leaf.field)
    return leaf.text if text is not None and leaf.matcher.search(text) else None


def _eval_exists(leaf: Leaf, view: FactView) -> str | None:
    return leaf.text if view.exists(leaf.field) == leaf.value else None


def _eval_comparison(leaf: Leaf, view: FactView) -> str | None:
    number = view.number(leaf.field)
    if number is None:
        return None
    return leaf.text if _COMPARE[leaf.op](number, leaf.value) else None


_EVALUATORS = {
    "equals": _eval_equals,
    "one_of": _eval_one_of,
    "contains": _eval_contains,
    "contains_any": _eval_contains,
    "matches": _eval_matches,
    "exists": _eval_exists,
    **{op: _eval_comparison for op in COMPARISONS},
}


class AllOf(_Frozen):
    """Holds when every member holds."""

    all: list[Condition] = Field(min_length=1)

    def describe(self) -> str:
        return "(" + " and ".join(member.describe() for member in self.all) + ")"


class AnyOf(_Frozen):
    """Holds when at least one member holds."""

    any: list[Condition] = Field(min_length=1)

    def describe(self) -> str:
        return "(" + " or ".join(member.describe() for member in self.any) + ")"


class NotOf(_Frozen):
    """Holds when its member does not."""

    negated: Condition = Field(alias="not")

    def describe(self) -> str:
        return f"not {self.negated.describe()}"


def _condition_kind(data: Any) -> str | None:
    if isinstance(data, BaseModel):
        return {Leaf: "<test>", AllOf: "<all>", AnyOf: "<any>", NotOf: "<not>"}.get(type(data))
    if not isinstance(data, dict):
        return None
    if "field" in data:
        return "<test>"
    for key in ("all", "any", "not"):
        if key in data:
            return f"<{key}>"
    return None


Condition = Annotated[
    Union[
        Annotated[Leaf, Tag("<test>")],
        Annotated[AllOf, Tag("<all>")],
        Annotated[AnyOf, Tag("<any>")],
        Annotated[NotOf, Tag("<not>")],
    ],
    Discriminator(
        _condition_kind,
        custom_error_type="rule_file",
        custom_error_message="a condition is a test { field = ..., <operator> = ... } "
        "or a group all = [...], any = [...] or not = {...}",
    ),
]

for _group in (AllOf, AnyOf, NotOf):
    _group.model_rebuild()

ConditionNode = Leaf | AllOf | AnyOf | NotOf
"""A validated condition, as evaluators walk it."""


def _department_or_none(value: str | None, info: ValidationInfo) -> str | None:
    return None if value is None else _check_department(value, info)


def _priority_level(value: Any) -> Any:
    if value is not None and value not in PRIORITY_LEVELS:
        raise problem(f"must be one of {', '.join(PRIORITY_LEVELS)}, not {quoted(value)}")
    return value


def _known(kind: str, key: str, value: str | None, info: ValidationInfo) -> str | None:
    """``value`` if the configuration (validation context ``key``) knows it, or no context was given."""
    known = (info.context or {}).get(key)
    if value is not None and known is not None and value not in known:
        listed = ", ".join(sorted(known)) or "none configured"
        raise problem(f"unknown {kind} {quoted(value)} (known: {listed})")
    return value


NO_REPLY = "none"
"""``template = "none"``: send the requester no acknowledgement."""
MANAGER = "requester.manager"
"""In ``watchers``: the requester's manager, from the employee directory."""
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


class Actions(_Frozen):
    """What a matching rule sets: the ``then`` table.

    Scalars (department, category, priority, assignee, team, sla_policy,
    template, quarantine) take the value of the last matching rule that sets
    them; tags, watchers and children add up.
    """

    department: NonEmpty | None = None
    category: NonEmpty | None = None
    priority: Level | None = None
    tags: tuple[NonEmpty, ...] = ()
    assignee: NonEmpty | None = None
    team: NonEmpty | None = None
    sla_policy: NonEmpty | None = None
    template: NonEmpty | None = None
    watchers: tuple[NonEmpty, ...] = ()
    children: tuple[NonEmpty, ...] = ()
    quarantine: NonEmpty | None = None

    validate_department = field_validator("department")(_department_or_none)
    validate_priority = field_validator("priority", mode="before")(_priority_level)

    @field_validator("assignee")
    @classmethod
    def _assignee(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise problem(f"assignee must be an agent's email address, not {quoted(value)}")
        return value if value is None else value.lower()

    @field_validator("team")
    @classmethod
    def _team(cls, value: str | None, info: ValidationInfo) -> str | None:
        return _known("team", "teams", value, info)

    @field_validator("sla_policy")
    @classmethod
    def _sla_policy(cls, value: str | None, info: ValidationInfo) -> str | None:
        return _known("SLA policy", "sla_policies", value, info)

    @field_validator("template")
    @classmethod
    def _template(cls, value: str | None, info: ValidationInfo) -> str | None:
        return value if value == NO_REPLY else _known("reply template", "templates", value, info)

    @field_validator("watchers")
    @classmethod
    def _watchers(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for watcher in value:
            if watcher != MANAGER and not _EMAIL.match(watcher):
                raise problem(f"a watcher is an email address or {quoted(MANAGER)}, not {quoted(watcher)}")
        return tuple(w if w == MANAGER else w.lower() for w in value)

    @field_validator("children")
    @classmethod
    def _children(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        for department in value:
            _check_department(department, info)
        return value


class Defaults(_Frozen):
    """What a decision says where no matching rule set it."""

    department: NonEmpty | None = None
    category: NonEmpty = "general"
    priority: Level = "P3"

    validate_department = field_validator("department")(_department_or_none)
    validate_priority = field_validator("priority", mode="before")(_priority_level)


class Rule(_Frozen):
    """One routing rule: when its condition holds, its actions apply."""

    name: str
    description: str
    priority: StrictInt = Field(ge=0)
    stop: StrictBool = False
    when: Condition
    then: Actions = Actions()

    @field_validator("priority", mode="before")
    @classmethod
    def _whole_number(cls, value: Any) -> Any:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise problem(f"must be a whole number >= 0 (the evaluation order), not {quoted(value)}")
        return value

    @field_validator("name")
    @classmethod
    def _kebab_case(cls, value: str) -> str:
        if not RULE_NAME.match(value):
            raise problem(f"rule name {quoted(value)} must be kebab-case (like it-outage)")
        return value


class Expectation(_Frozen):
    """The decision an example must produce: only the keys given are checked.

    ``tags``, ``watchers`` and ``children`` compare as sets; ``matched`` is
    the list of rules that must match, in order (``[]``: none).
    """

    department: NonEmpty | None = None
    category: NonEmpty | None = None
    priority: Level | None = None
    tags: tuple[NonEmpty, ...] | None = None
    assignee: NonEmpty | None = None
    team: NonEmpty | None = None
    sla_policy: NonEmpty | None = None
    template: NonEmpty | None = None
    watchers: tuple[NonEmpty, ...] | None = None
    children: tuple[NonEmpty, ...] | None = None
    quarantine: NonEmpty | None = None
    matched: tuple[NonEmpty, ...] | None = None

    validate_department = field_validator("department")(_department_or_none)
    validate_priority = field_validator("priority", mode="before")(_priority_level)

    def expected(self) -> dict[str, Any]:
        """The keys this expectation checks, with their values."""
        return {name: value for name, value in self if value is not None}


class Example(_Frozen):
    """A message and the decision the rules must produce for it: the rule file's own test.

    The message is either ``eml`` (a path, relative to the rule file) or
    written inline: ``from``, ``to`` (a department address), optional ``cc``,
    ``subject``, ``body``, ``headers``, ``attachments`` (file names) and
    ``at`` (arrival time, a TOML date-time with offset).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    name: NonEmpty
    eml: NonEmpty | None = None
    sender: NonEmpty | None = Field(None, alias="from")
    to: NonEmpty | None = None
    cc: tuple[NonEmpty, ...] = ()
    subject: str = ""
    body: str = ""
    headers: dict[str, str] = {}
    attachments: tuple[NonEmpty, ...] = ()
    at: Any = None
    expect: Expectation

    @model_validator(mode="after")
    def _one_message(self) -> Example:
        inline = self.sender is not None or self.to is not None
        if self.eml is not None and (inline or self.subject or self.body or self.headers):
            raise problem("an example is either eml = \"path\" or an inline message, not both")
        if self.eml is None and (self.sender is None or self.to is None):
            raise problem("an inline example needs from and to (or eml = \"path/to/message.eml\")")
        if self.at is not None and not (hasattr(self.at, "utcoffset") and self.at.utcoffset() is not None):
            raise problem("at must be a date-time with an offset, like 2026-12-01T09:30:00+01:00")
        return self


class RuleFile(_Frozen):
    """A whole rule file as written (before the cross-rule checks)."""

    version_note: str | None = None
    defaults: Defaults = Defaults()
    rule: list[Rule] = []
    example: list[Example] = []

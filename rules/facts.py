"""The facts about one message as the rules see them, normalised once.

A rule file may test these fields; the pipeline supplies them in the
``facts`` mapping given to ``classify``. Keys the rules do not know are
ignored; a missing field, or one of the wrong type, is simply absent (a test
on it is false, ``exists = false`` is true). ``sender_domain`` is derived
from ``sender`` when not given.

The fields, as the pipeline fills them (``workflows.facts``):

* the message: ``department`` (key of the department address it was sent
  to), ``to_address`` (that address), ``to`` and ``cc`` (every address in
  those headers, comma-separated), ``sender``, ``sender_domain``,
  ``subject``, ``body`` (what the writer wrote, without quoted history),
  ``attachment_count``, ``attachment_types`` (the attachments' content
  types and file names, space-separated), ``importance`` (``high``,
  ``normal`` or ``low``, from Importance, X-Priority and Priority headers),
  ``classification`` (normal, autoreply, bounce, ...);
* its arrival: ``business_hours`` (true when the department's calendar is
  open), ``weekday`` (mon ... sun) and ``hour`` (0-23), in the calendar's
  time zone;
* the requester, from the employee directory when one is configured:
  ``requester_name``, ``requester_department``, ``requester_manager``,
  ``requester_location``, ``requester_vip``; all absent for someone the
  directory does not list.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Mapping

from rules.text import normalise, tokens

TEXT_FIELDS = frozenset({
    "department", "to_address", "to", "cc", "sender", "sender_domain", "subject", "body",
    "attachment_types", "importance", "classification", "weekday",
    "requester_name", "requester_department", "requester_manager", "requester_location",
})
NUMBER_FIELDS = frozenset({"attachment_count", "hour"})
BOOL_FIELDS = frozenset({"business_hours", "requester_vip"})
FIELDS = TEXT_FIELDS | NUMBER_FIELDS | BOOL_FIELDS


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class FactView:
    """Typed, normalised, lazily computed access to one message's facts.

    It also memoises test results (``results``) so that each distinct test is
    evaluated once per message, whichever evaluator asks.
    """

    __slots__ = ("_facts", "_normal", "_nfkc", "_tokens", "_words", "results")

    def __init__(self, facts: Mapping[str, object]) -> None:
        self._facts = facts
        self._normal: dict[str, str | None] = {}
        self._nfkc: dict[str, str | None] = {}
        self._tokens: dict[str, list[str]] = {}
        self._words: dict[str, frozenset[str]] = {}
        self.results: dict[tuple, str | None] = {}

    def raw_text(self, field: str) -> str | None:
        """The field's text as supplied (None if absent or not text)."""
        value = self._facts.get(field)
        if value is None and field == "sender_domain":
            value = _domain_of(self._facts.get("sender"))
        return value if isinstance(value, str) else None

    def text(self, field: str) -> str | None:
        """The field's text in comparison form (see ``rules.text.normalise``)."""
        if field not in self._normal:
            value = self.raw_text(field)
            self._normal[field] = None if value is None else normalise(value)
        return self._normal[field]

    def tokens(self, field: str) -> list[str]:
        """The words of the field's normalised text in order (see ``rules.text.tokens``).

        Intersecting a set of keywords with them costs a fraction of building their set.
        """
        if field not in self._tokens:
            self._tokens[field] = tokens(self.text(field) or "")
        return self._tokens[field]

    def words(self, field: str) -> frozenset[str]:
        """The set of words of the field's normalised text (see ``rules.text.words``)."""
        if field not in self._words:
            self._words[field] = frozenset(self.tokens(field))
        return self._words[field]

    def nfkc(self, field: str) -> str | None:
        """The field's text, NFKC-normalised but not casefolded (for regexes)."""
        if field not in self._nfkc:
            value = self.raw_text(field)
            self._nfkc[field] = None if value is None else unicodedata.normalize("NFKC", value)
        return self._nfkc[field]

    def number(self, field: str) -> int | float | None:
        """The field's number (None if absent or not a number)."""
        value = self._facts.get(field)
        return value if _is_number(value) else None

    def boolean(self, field: str) -> bool | None:
        """The field's truth value (None if absent or not a boolean)."""
        value = self._facts.get(field)
        return value if isinstance(value, bool) else None

    def exists(self, field: str) -> bool:
        """True if the field has a value: a number, a boolean, or text that is not blank."""
        if field in NUMBER_FIELDS:
            return self.number(field) is not None
        if field in BOOL_FIELDS:
            return self.boolean(field) is not None
        value = self.raw_text(field)
        return value is not None and value.strip() != ""


def _domain_of(sender: object) -> str | None:
    if not isinstance(sender, str) or "@" not in sender:
        return None
    return sender.rsplit("@", 1)[1].strip().rstrip(">") or None

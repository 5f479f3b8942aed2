"""Text normalisation and word/phrase matching shared by every evaluator.

All text comparison in rules is Unicode case-insensitive: both sides go
through :func:`normalise` (NFKC, casefold, NFKC again, so that ``RÉSUMÉ``,
``résumé`` and the decomposed ``re\\u0301sume\\u0301`` compare equal, and
``ß`` matches ``SS``, and the Turkish ``İ`` matches ``i``).

``contains`` matches whole words or phrases: an edge of a keyword that is a
word character must not be glued to a word character, so ``log in`` does not
match ``login`` and ``down`` does not match ``download``; an edge that is
punctuation or a symbol needs nothing, so ``.exe`` is found in ``setup.exe``
and ``🔥`` in ``down🔥``. A word character is what ``\\w`` matches or a
combining mark (a Devanagari vowel sign belongs to its word). Scripts written without spaces between
words (Chinese, Japanese, Thai, Khmer ...) have no such boundaries, so an edge of a keyword
that is a CJK or kana character needs none. Whitespace inside a phrase
matches any run of whitespace (a line break in a body included).
"""
from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Sequence


def _mark_class(*spans: tuple[int, int]) -> str:
    """A regex class body of every combining mark (categories Mn, Mc, Me) in the spans, which ``\\w`` leaves out.

    A mark belongs to the letter before it: the vowel signs of Devanagari or Thai, Arabic and
    Hebrew vowel points, and accents NFKC cannot compose into one character are inside words.
    """
    category = unicodedata.category
    marks = [code for code in itertools.chain(*(range(low, high) for low, high in spans))
             if category(chr(code))[0] == "M"]
    ranges: list[list[int]] = []
    for code in marks:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "".join(re.escape(chr(low)) if low == high else f"{re.escape(chr(low))}-{re.escape(chr(high))}"
                   for low, high in ranges)


# A word character: what ``\w`` matches, or a combining mark (part of the word it follows). The
# marks of the Basic Multilingual Plane share one class with ``\w``, which ``re`` looks up at once;
# the few beyond it (historic scripts, variation selectors) would make it scan a list of ranges.
_BMP_MARKS = _mark_class((0x300, 0x10000))
_WORD_CHAR = f"(?:[\\w{_BMP_MARKS}]|[{_mark_class((0x10000, 0x20000), (0xE0100, 0xE01F0))}])"
_WORD = re.compile(_WORD_CHAR + "+")
_IS_WORD_CHAR = re.compile(_WORD_CHAR).fullmatch
# Most text after NFKC holds no combining mark and nothing beyond U+FFFF: its words are ``\w+``, which
# splits it in half the time. One search for either tells.
_PLAIN_WORD = re.compile(r"\w+")
_MARK_OR_ASTRAL = re.compile(f"[{_BMP_MARKS}\U00010000-\U0010ffff]")

# Scripts without spaces between words: a keyword edge in these needs no
# word boundary. Ranges: Thai, Lao, Myanmar, Khmer, CJK symbols and kana, CJK
# ideographs (+ ext. A), compatibility ideographs, halfwidth forms, ideograph
# extensions B and up.
_UNSPACED_RANGES = (
    (0x0E00, 0x0EFF),
    (0x1000, 0x109F),
    (0x1780, 0x17FF),
    (0x3000, 0x30FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0xFF66, 0xFF9F),
    (0x20000, 0x3FFFF),
)
_UNSPACED = re.compile("[" + "".join(f"{chr(low)}-{chr(high)}" for low, high in _UNSPACED_RANGES) + "]")


def normalise(text: str) -> str:
    """The comparison form of ``text``: NFKC, Unicode casefold, NFKC again.

    ASCII text is its own NFKC form and casefolds as it lowercases, so it is only lowercased.
    """
    if text.isascii():
        return text.lower()
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    # The Turkish capital İ folds to i and a combining dot above: the dot is dropped, so that
    # İSTANBUL, Istanbul and istanbul compare equal, as they do in Turkish.
    return folded.replace("i\u0307", "i") if "\u0307" in folded else folded


def _unspaced(char: str) -> bool:
    return _UNSPACED.match(char) is not None


def _bounded(char: str) -> bool:
    """True if a keyword edge needs a word boundary: a word character of a spaced script.

    An edge that is punctuation or a symbol (``.exe``, ``c++``, ``🔥``) is a boundary itself.
    """
    return _IS_WORD_CHAR(char) is not None and not _unspaced(char)


# A keyword that is an email address is found only as a whole address: not inside
# ``vice.boss@corp.example`` or ``boss@corp.example.evil`` (a dot, plus or hyphen is part of an
# address), but before a sentence's full stop or a comma.
_ADDRESS_KEYWORD = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
_ADDRESS_HEAD = rf"(?<!{_WORD_CHAR})(?<![.+\-=])"
_ADDRESS_TAIL = rf"(?!{_WORD_CHAR})(?![\-.]{_WORD_CHAR})"


def _phrase_pattern(phrase: str) -> str:
    """The regex for one normalised keyword or phrase, with word boundaries."""
    words = phrase.split()
    body = r"\s+".join(re.escape(word) for word in words)
    if _ADDRESS_KEYWORD.fullmatch(phrase):
        return f"{_ADDRESS_HEAD}{body}{_ADDRESS_TAIL}"
    head = f"(?<!{_WORD_CHAR})" if _bounded(words[0][0]) else ""
    tail = f"(?!{_WORD_CHAR})" if _bounded(words[-1][-1]) else ""
    return f"{head}{body}{tail}"


# For ASCII text: every byte that is not a word character ([0-9A-Za-z_], what ``\w`` matches in ASCII) -> space.
_ASCII_WORDS = bytes(c if chr(c).isascii() and (chr(c).isalnum() or c == ord("_")) else 32 for c in range(256))


def tokens(normalised_text: str) -> list[str]:
    """The words (maximal runs of word characters) of normalised text, in order, repeats included.

    ASCII text is split at every other character by a byte translation, three
    times faster than the regular expression on mail-sized bodies, with the same words.
    """
    if normalised_text.isascii():
        return normalised_text.encode("ascii").translate(_ASCII_WORDS).decode("ascii").split()
    return (_PLAIN_WORD if _MARK_OR_ASTRAL.search(normalised_text) is None else _WORD).findall(normalised_text)


def words(normalised_text: str) -> frozenset[str]:
    """The set of words (maximal runs of word characters) in normalised text."""
    return frozenset(tokens(normalised_text))


class _Phrase:
    """One keyword: its regex, and the words any match must contain (a cheap pre-check).

    A keyword that is one word (word characters only, in a spaced script) is
    found exactly when it is one of the text's words, so ``regex`` is None.
    A keyword without spaces whose both edges are unspaced-script characters
    needs no boundary: it is found exactly where it occurs, so ``substring``
    is the keyword and ``regex`` is None.
    """

    __slots__ = ("keyword", "regex", "needed", "substring")

    def __init__(self, keyword: str) -> None:
        phrase = normalise(keyword).strip()
        self.keyword = keyword
        # Every word of a keyword whose edges need word boundaries appears as a
        # whole word in any text it matches; not so for unspaced scripts.
        self.needed = None if _UNSPACED.search(phrase) else frozenset(_WORD.findall(phrase))
        one_word = self.needed is not None and _WORD.fullmatch(phrase) is not None
        bare = (not one_word and len(phrase.split()) == 1
                and _unspaced(phrase[0]) and _unspaced(phrase[-1]))
        self.substring = phrase if bare else None
        self.regex = None if one_word or bare else re.compile(_phrase_pattern(phrase))


class PhraseMatcher:
    """Finds keywords/phrases as whole words in normalised text."""

    __slots__ = ("keywords", "_phrases")

    def __init__(self, keywords: Sequence[str]) -> None:
        self.keywords = tuple(keywords)
        self._phrases = tuple(_Phrase(keyword) for keyword in self.keywords)

    def find(self, normalised_text: str, text_words: frozenset[str]) -> str | None:
        """The first keyword (in list order, as written in the rule) in the text, or None.

        ``text_words`` is ``words(normalised_text)``, computed once per field.
        """
        for phrase in self._phrases:
            needed = phrase.needed
            if needed is not None and not needed <= text_words:
                continue
            if phrase.substring is not None:
                if phrase.substring in normalised_text:
                    return phrase.keyword
                continue
            regex = phrase.regex
            if regex is None or regex.search(normalised_text):
                return phrase.keyword
        return None

    def word_order(self) -> tuple[tuple[str, str], ...] | None:
        """(normalised word, keyword as written) in list order, if each keyword is one word.

        ``find`` then gives the keyword of the first pair whose word is one of the text's words.
        """
        if any(not _is_word(phrase) for phrase in self._phrases):
            return None
        return tuple((next(iter(phrase.needed)), phrase.keyword) for phrase in self._phrases)

    def split(self) -> tuple[frozenset[str], frozenset[str], PhraseMatcher | None]:
        """The keywords in three parts: one-word keywords (normalised words), keywords found
        exactly where they occur (``_Phrase.substring``), and a matcher of the others (None if
        there are none).

        The text holds some keyword exactly when one of those words is among its words, one
        of those substrings is in it, or the other matcher finds one of its keywords.
        """
        found = frozenset(next(iter(phrase.needed)) for phrase in self._phrases if _is_word(phrase))
        bare = frozenset(phrase.substring for phrase in self._phrases if phrase.substring is not None)
        others = [phrase.keyword for phrase in self._phrases if phrase.regex is not None]
        return found, bare, (PhraseMatcher(others) if others else None)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PhraseMatcher) and other.keywords == self.keywords

    def __hash__(self) -> int:
        return hash(self.keywords)


def _is_word(phrase: _Phrase) -> bool:
    """True if the keyword is one word, found exactly when it is one of the text's words."""
    return phrase.regex is None and phrase.substring is None


def is_blank_keyword(keyword: str) -> bool:
    """True if a keyword has nothing to match once normalised."""
    return not normalise(keyword).split()

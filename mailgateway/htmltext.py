"""Readable text from the HTML of a message.

Regular expressions over the whole document, not a tree: every pattern is
linear (no pattern rescans past the next ``<``, and a scan that could run to
the end either consumes what it scanned or is bounded), so a 25 MB newsletter
converts in well under a second. What is dropped: the head, scripts, styles,
comments (Outlook's conditional ones too) and every tag; block elements and
``<br>`` become line breaks, cells become spaces, entities are decoded once.
"""
from __future__ import annotations

import html
import re

_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_HEAD = re.compile(r"<head\b[^<>]*>", re.I)
_HEAD_END = re.compile(r"</head\s*>", re.I)
# A script or style that is never closed hides the rest of the page in a browser too.
_HIDDEN = re.compile(r"<(script|style|template|xml)\b[^<>]*>.*?(?:</\1\s*>|\Z)", re.S | re.I)
_TITLE = re.compile(r"<title\b[^<>]*>[^<]*</title\s*>", re.I)
_PRE = re.compile(r"<pre\b[^<>]*>.*?</pre\s*>", re.S | re.I)
# Whitespace other than a single space (which needs no change: far fewer matches).
_SPACE = re.compile(r" [ \t\r\n\f\v]+|[\t\r\n\f\v][ \t\r\n\f\v]*")
# Block elements start and end a line; list items and table rows only start one, so a list or a
# table reads one item or row per line.
_BLOCK = re.compile(
    r"</?(?:p|div|br|h[1-6]|blockquote|table|ul|ol|dl|dt|dd|hr|pre|address|section|article|header"
    r"|footer|center|form|fieldset|nav|aside|figure|figcaption|main|caption|tbody|thead|tfoot)\b[^<>]*>"
    r"|<(?:li|tr)\b[^<>]*>", re.I)
_CELL = re.compile(r"</t[dh]\s*>", re.I)
_TAG = re.compile(r"<[a-zA-Z/!?][^<>]*>")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u034f\u00ad]")
_BLANKS = re.compile(r"[ \xa0\u2007\u202f\t]{2,}|[\xa0\u2007\u202f\t]")
_AROUND_BREAK = re.compile(r" \n ?|\n ")
_ENTITIES = (("&nbsp;", "\xa0"), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&#39;", "'"), ("&zwnj;", ""))
_MANY_BREAKS = re.compile(r"\n{3,}")
#: Quote marks for each level, up to a depth past which a level more says nothing (nor costs).
_DEEPEST = 8
_MARKS = tuple("> " * level for level in range(_DEEPEST + 1))
#: Quoting blockquotes marked at most (the rest read as the writer's): bounds the work on odd markup.
_MOST_MARKS = 1000
_MARK_RUN = re.compile(r"(\n?[\x01\x02](?:\n?[\x01\x02])*)")
_BLOCKQUOTE = re.compile(r"<(/?)blockquote\b[^<>]*>", re.I)
#: A blockquote that quotes: type="cite", or a class naming a quote (gmail_quote, yahoo_quoted ...).
_CITE = re.compile(r"<blockquote\s*>|<blockquote\b[^<>]*?\b(?:type\s*=\s*[\"']?cite\b|class\s*=\s*[\"']?[^\"'<>]*?(?:quote|cite))", re.I)


# Where clients that quote without a blockquote start the history they put under the reply: Outlook on
# the web and the new Outlook (divRplyFwdMsg, appendonsend), Outlook for Mac (its reference message
# container, OLK_SRC_BODY_SECTION), Outlook on the desktop (the rule over the "From:" block), Yahoo
# (yahoo_quoted), Zimbra (its divider), Windows Live / Hotmail (OutlookMessageHeader). A forward
# starts there too, so the note above it stays. The signature that Outlook on the web, Gmail,
# Thunderbird and Proton Mail put under the writer's text, each in a block of its own, ends it too. Each is found by its name, then its tag is checked.
_HISTORY_NAMES = ("divRplyFwdMsg", "appendonsend", "mail-editor-reference-message-container", "OLK_SRC_BODY_SECTION",
                  "zwchr", "yahoo_quoted", "OutlookMessageHeader", "__DIVIDER__", "border-top:solid #E1E1E1 1.0pt",
                  "border-top:solid #B5C4DF 1.0pt", "Signature", "gmail_signature", "moz-signature",
                  "protonmail_signature_block")
_HISTORY_TAG = re.compile(
    r"<(?:div|hr|span)\b[^<>]*?\b(?:id\s*=\s*[\"']?(?:x_)?(?:divRplyFwdMsg|appendonsend"
    r"|mail-editor-reference-message-container|OLK_SRC_BODY_SECTION|zwchr|Signature)\b(?!-)"
    r"|class\s*=\s*[\"']?[^\"'<>]*?\b(?:yahoo_quoted|OutlookMessageHeader|gmail_signature|moz-signature"
    r"|protonmail_signature_block)\b(?!-)"
    r"|data-marker\s*=\s*[\"']?__DIVIDER__"
    r"|style\s*=\s*[\"']?border:\s*none;\s*border-top:\s*solid\s*#(?:E1E1E1|B5C4DF)\s+1\.0pt)", re.IGNORECASE)
#: How far from a name its tag may open or close, and how many places of a name are checked: a name
#: found in text or elsewhere costs no more than that.
_HISTORY_TAG_REACH = 1000
_HISTORY_TRIES = 20
#: Marks where the history starts in the text, for ``html_to_texts``.
_CUT = "\x03"


def html_to_texts(markup: str) -> tuple[str, str]:
    """``html_to_text`` (below), and the same text with each line of a quoted blockquote marked "> " per
    level, as a plain-text client quotes. Apple Mail and Thunderbird mark the history they quote
    ``<blockquote type="cite">``, Gmail, Yahoo and others with a class naming a quote; the marks let
    ``quotes.visible_text`` drop it and keep answers written between its pieces. Other blockquotes
    (indented text) are the writer's. Where a client that quotes without a blockquote starts its
    history (``_HISTORY_NAMES``), the second text ends."""
    start = _history_start(markup)
    if start is not None:
        markup = markup[:start] + _CUT + markup[start:]
    if not _CITE.search(markup):
        text = html_to_text(markup)
        return (text, text) if start is None else _cut(text)
    plain: list[str] = []
    quoted: list[str] = []
    depth = 0
    # Text and runs of marks alternate; a run with the line break before it stands for lines of their own.
    for index, piece in enumerate(_MARK_RUN.split(html_to_text(_BLOCKQUOTE.sub(_QuoteMarks(), markup)))):
        if index % 2:
            depth = max(0, depth + piece.count("\x01") - piece.count("\x02"))
            continue
        plain.append(piece)
        if depth:
            mark = _MARKS[min(depth, _DEEPEST)]
            piece = piece.replace("\n", "\n" + mark) if piece.startswith("\n") else mark + piece.replace("\n", "\n" + mark)
        quoted.append(piece)
    text = _MANY_BREAKS.sub("\n\n", "".join(plain)).strip()
    if start is None:
        return text, _MANY_BREAKS.sub("\n\n", "".join(quoted)).strip()
    return _without_cut(text), _MANY_BREAKS.sub("\n\n", "".join(quoted).partition(_CUT)[0]).strip()


def _history_start(markup: str) -> int | None:
    """Where the first tag that starts a client's history (``_HISTORY_NAMES``) opens, if one does."""
    first = None
    for name in _HISTORY_NAMES:
        at = markup.find(name, 0, first)
        for _ in range(_HISTORY_TRIES):
            if at < 0:
                break
            tag = markup.rfind("<", max(0, at - _HISTORY_TAG_REACH), at)
            end = markup.find(">", at, at + _HISTORY_TAG_REACH)
            if tag >= 0 and _HISTORY_TAG.match(markup, tag, end + 1 if end >= 0 else at + _HISTORY_TAG_REACH):
                first = tag
                break
            at = markup.find(name, at + 1, first)
    return first


def _cut(text: str) -> tuple[str, str]:
    """The text without the mark of where the history starts, and the text above the mark."""
    return _without_cut(text), text.partition(_CUT)[0].strip()


def _without_cut(text: str) -> str:
    return _MANY_BREAKS.sub("\n\n", text.replace(_CUT, "")).strip()


class _QuoteMarks:
    """Replaces the tags of quoting blockquotes by a line of their own that marks where one opens
    (\\x01) or closes (\\x02); the tags of other blockquotes stay (closing tags matched by nesting)."""

    def __init__(self) -> None:
        self.open: list[bool] = []
        self.marks = 0

    def __call__(self, match: re.Match) -> str:
        if match.group(1):  # a closing tag
            if self.open and self.open.pop():
                return "<br>\x02<br>"
            return match.group()
        cite = self.marks < _MOST_MARKS and _CITE.match(match.group()) is not None
        self.marks += cite
        self.open.append(cite)
        return "<br>\x01<br>" if cite else match.group()


def html_to_text(markup: str) -> str:
    """Readable text from HTML: tags and scripts dropped, entities decoded."""
    text = _COMMENT.sub("", markup)
    head = _HEAD.search(text)
    if head:
        end = _HEAD_END.search(text, head.end())
        if end:
            text = text[:head.start()] + text[end.end():]
    text = _HIDDEN.sub("", text)
    text = _TITLE.sub("", text)
    text = _PRE.sub(lambda m: m.group().replace("\n", "<br>"), text)
    text = _SPACE.sub(" ", text)
    text = _BLOCK.sub("\n", text)
    text = _CELL.sub(" ", text)
    text = _TAG.sub("", text)
    if "&" in text:
        text = _unescape(text)
    text = _INVISIBLE.sub("", text)
    text = _BLANKS.sub(" ", text)
    text = _AROUND_BREAK.sub("\n", text)
    return _MANY_BREAKS.sub("\n\n", text).strip()


def _unescape(text: str) -> str:
    """``html.unescape`` with the common entities replaced in bulk first (it calls back per entity).

    Each entity is decoded once: "&amp;lt;" is the text "&lt;", so the pieces
    between "&amp;" are decoded apart and joined with "&".
    """
    for entity, char in _ENTITIES:
        text = text.replace(entity, char)
    pieces = text.split("&amp;")
    return "&".join(html.unescape(piece) if "&" in piece else piece for piece in pieces)

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

"""Mailboxes from a raw address header (From, To, Cc, Reply-To), forgiving what clients get wrong.

The header is split into mailboxes before anything is decoded, so a comma
inside a quoted name or inside an RFC 2047 word ("Müller, Hans" encoded)
never splits a mailbox; then each display name is decoded. Groups
("Team: a@x, b@y;"), comments as names ("anna@x (Anna)"), names in single
quotes (Outlook), ``mailto:``, source routes and a whole "Name <address>"
inside one encoded word are handled. A parenthesis or angle bracket that is
never closed does not swallow the addresses after it. An entry without an address
("undisclosed-recipients:;") gives no mailbox.
"""
from __future__ import annotations

import re

from mailgateway.charsets import header_text

_TOKEN = re.compile(r"""
    (?P<word>=\?[^?\s]+\?[QqBb]\?[^?]*\?=)
  | (?P<quoted>"(?:[^"\\]|\\.)*"?)
  | (?P<comment>\((?:[^()\\]|\\.|\((?:[^()\\]|\\.)*\))*\))
  | (?P<angle><[^<>]*>|<[^<>,;]*)
  | (?P<paren>[()])
  | (?P<separator>[,;])
  | (?P<colon>:)
  | (?P<space>\s+)
  | (?P<atom>[^\s"(),;:<>]+|>)
""", re.X)
_ESCAPE = re.compile(r"\\(.)")
_AT_NEXT = re.compile(r"[ \t]*@")
_COMMENT = re.compile(r"\((?:[^()\\]|\\.)*\)")
_ANGLE_ADDRESS = re.compile(r"<([^<>\s]+@[^<>\s]+)>")
_QUOTED_LOCAL = re.compile(r'"((?:[^"\\]|\\.)*)"\s*@\s*([^\s@<>"]+)')
_SPACED_AT = re.compile(r"(?<=[^\s@])\s*@\s*(?=[^\s@])")
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")


def mailboxes(value: str, hint: str | None = None) -> list[tuple[str, str]]:
    """``(address, display name)`` pairs; addresses in lower case, names decoded and on one line."""
    result: list[tuple[str, str]] = []
    phrase: list[str] = []
    comments: list[str] = []
    angle: str | None = None
    unquoted: list[str] = []  # names before a comma with no address: "Kerr, Charles <c@x>" not quoted

    def finish() -> None:
        nonlocal angle
        entry = _mailbox(phrase, comments, angle, hint)
        if entry is None:
            name = "".join(phrase).strip()
            if name and "@" not in name and angle is None:
                unquoted.append(one_line(header_text(name, hint)))
        else:
            if unquoted and angle is not None:
                entry = entry[0], ", ".join([*unquoted, entry[1]] if entry[1] else unquoted)
            result.append(entry)
            unquoted.clear()
        phrase.clear()
        comments.clear()
        angle = None

    for match in _TOKEN.finditer(value):
        kind, text = match.lastgroup, match.group()
        if kind == "separator":
            finish()
        elif kind == "colon":
            if angle is None and not any("@" in piece for piece in phrase):
                phrase.clear()  # a group's name: "Team: a@x, b@y;"
                unquoted.clear()
            else:
                phrase.append(text)
        elif kind == "angle":
            if angle is None or ("@" not in angle and "@" in text):
                angle = text  # the address, also after a bracket never closed ("<Anna Schmidt <anna@x>")
        elif kind == "quoted" and angle is None and _AT_NEXT.match(value, match.end()):
            angle = text  # a bare quoted local part: "Anna Schmidt"@corp.example (its domain follows)
        elif kind == "atom" and angle is not None and angle.startswith('"') and (
                text.startswith("@") and angle.endswith('"') or angle.endswith("@")):
            # The domain of a bare quoted local part, also after spaces, and also when the quoted part looks
            # like an address itself: '"anna@corp.example"@evil.example' is an address at evil.example.
            angle += text
        elif kind == "quoted":
            phrase.append(_Quoted(_ESCAPE.sub(r"\1", text[1:-1] if text.endswith('"') and len(text) > 1 else text[1:])))
        elif kind == "comment":
            comments.append(text[1:-1])
        elif kind == "paren":
            pass  # one that is never closed, or closes nothing: "Anna (Sales <anna@x>" is Anna's address
        elif kind == "space":
            if phrase:
                phrase.append(" ")
        else:
            phrase.append(text)
    finish()
    return result


def _mailbox(phrase: list[str], comments: list[str], angle: str | None, hint: str | None) -> tuple[str, str] | None:
    if angle is not None:
        address = angle.strip("<>")
        name_parts = phrase
    else:
        joined = "".join(phrase)
        if " @" in joined or "@ " in joined:  # "anna @ corp.example": white space around the at sign (RFC 5322 obs-)
            joined = _SPACED_AT.sub("@", joined)
        pieces = joined.split()
        at = next((index for index, piece in enumerate(pieces) if "@" in piece), None)
        address = pieces[at] if at is not None else ""
        name_parts = [piece + " " for index, piece in enumerate(pieces) if index != at]
    name = one_line(_phrase_text(name_parts, hint)) or one_line(header_text(" ".join(comments), hint))
    address = _clean_address(address)
    if not address:
        # "=?utf-8?B?...?=" that holds a whole "Name <address>".
        inner = _ANGLE_ADDRESS.search(name)
        if inner is None:
            return None
        address = _clean_address(inner.group(1))
        name = one_line(name[:inner.start()] + name[inner.end():])
        if not address:
            return None
    return address, _unquote(name)


class _Quoted(str):
    """A quoted string of a display name: its encoded words (which clients do put there) are its own."""


def _phrase_text(parts: list[str], hint: str | None) -> str:
    """The display name decoded; a quoted string apart from the encoded words next to it, so the space
    between them stays ('"=?utf-8?q?Jos=C3=A9?=" =?utf-8?q?Garc=C3=ADa?=' is "José García")."""
    if not any(isinstance(part, _Quoted) and "=?" in part for part in parts):
        return header_text("".join(parts), hint)
    out: list[str] = []
    run: list[str] = []
    for part in parts:
        if isinstance(part, _Quoted) and "=?" in part:
            out += [header_text("".join(run), hint), header_text(part, hint)]
            run = []
        else:
            run.append(part)
    out.append(header_text("".join(run), hint))
    return "".join(out)


def _clean_address(address: str) -> str:
    if not address.isascii():
        address = header_text(address)
    for _ in range(5):  # comments nest: "< anna (sales (2nd floor)) @ corp.example >"
        if "(" not in address or address.lstrip().startswith('"'):
            break
        address = _COMMENT.sub("", address)
    quoted = _QUOTED_LOCAL.fullmatch(address.strip())
    if quoted is not None:  # "System Administrator"@example.com: the quotes keep the space
        local, domain = _ESCAPE.sub(r"\1", quoted.group(1)), "".join(quoted.group(2).split())
        if not local or any(char in local for char in "\r\n\x00"):
            return ""
        if not _DOT_ATOM.fullmatch(local):
            escaped = local.replace("\\", "\\\\").replace('"', '\\"')
            return f'"{escaped}"@{domain}'.lower()
        address = f"{local}@{domain}"
    address = "".join(address.split())
    if address.lower().startswith("mailto:"):
        address = address[7:]
    local, at, domain = address.rpartition("@")
    if ":" in local:  # a source route, "@relay.example:anna@corp.example" (not the colons of "[IPv6:...]")
        address = local.rsplit(":", 1)[1] + at + domain
    address = address.strip("'\"")
    if "@" not in address or any(char in address for char in "\r\n\x00") or address.startswith("@") \
            or address.endswith("@"):
        return ""
    return address.rstrip(".").lower()  # "anna@corp.example.": the root's dot of a fully qualified domain


def _unquote(name: str) -> str:
    if len(name) >= 2 and name[0] == name[-1] and name[0] in "'\"":
        return name[1:-1].strip()
    return name


def one_line(value: str) -> str:
    """The value on one line, runs of white space (and zero bytes, which no stored text may hold) as one space."""
    return " ".join((value.replace("\x00", " ") if "\x00" in value else value).split())

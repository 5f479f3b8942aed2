"""Authentication-Results (RFC 8601): did SPF, DKIM and DMARC pass for this message?

Only a header added by a host we trust counts: anyone can write such a
header into a message, so we take the topmost one whose authserv-id is
trusted (our own MX adds its header on top, and should strip forged copies
below). An MX whose checks are separate filters (OpenDKIM, OpenDMARC, an SPF
policy daemon) adds one such header per check, one above the other: those
right below the topmost, up to the MX's own Received header, count with it
(a method the topmost one reports is taken from it). A message from an
organisation address that such headers say failed DMARC, or failed SPF
without a passing DKIM signature, is spoofed.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

_COMMENT = re.compile(r"\([^()]*\)")
_HEADER_BLOCK_END = re.compile(rb"\r?\n\r?\n")
_FIELD = re.compile(rb"^authentication-results:[ \t]*(.*(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE)
# Authentication-Results and Received fields, in order (a Received field ends the trusted host's own block).
_FIELD_OR_RECEIVED = re.compile(rb"^(authentication-results|received)[ \t]*:[ \t]*(.*(?:\r?\n[ \t].*)*)",
                                re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class AuthResults:
    authserv_id: str
    results: dict[str, str] = field(default_factory=dict)  # method -> result, e.g. {"dmarc": "fail"}
    properties: dict[str, str] = field(default_factory=dict)  # e.g. {"header.from": "corp.example"}
    # The signing domain (header.d, "" when not given) of every DKIM signature that verified.
    dkim_passes: tuple[str, ...] = ()


def parse_value(value: str) -> AuthResults | None:
    """One header's value; None if it has no authserv-id."""
    text = value
    while True:  # nested comments: strip from the inside out
        stripped = _COMMENT.sub(" ", text)
        if stripped == text:
            break
        text = stripped
    parts = [part.strip() for part in text.split(";")]
    head = parts[0].split()
    if not head:
        return None
    results: dict[str, str] = {}
    properties: dict[str, str] = {}
    dkim_passes: list[str] = []
    for part in parts[1:]:
        tokens = part.split()
        if not tokens or "=" not in tokens[0]:
            continue
        method, _, result = tokens[0].partition("=")
        method = method.split("/")[0].lower()
        result = result.strip('"').lower()
        # One result per signature: a message signed twice (by the sender's domain and by a
        # mailing list or its provider) passes DKIM when any signature verifies.
        if method not in results or (method == "dkim" and result == "pass"):
            results[method] = result
        signer = ""
        for token in tokens[1:]:
            name, equals, prop = token.partition("=")
            if equals and "." in name:
                properties.setdefault(name.lower(), prop.strip('"').lower())
                if name.lower() in ("header.d", "header.i"):
                    signer = signer or prop.strip('"').lower().rpartition("@")[2]
        if method == "dkim" and result == "pass":
            dkim_passes.append(signer)
    return AuthResults(head[0].lower(), results, properties, tuple(dkim_passes))


def header_values(raw: bytes) -> list[str]:
    """Every Authentication-Results value in the header block, top first, unfolded."""
    end = _HEADER_BLOCK_END.search(raw)
    head = raw[: end.start()] if end else raw
    return [" ".join(match.group(1).decode("utf-8", "replace").split()) for match in _FIELD.finditer(head)]


def trusted_results(raw: bytes, trusted: Iterable[str]) -> AuthResults | None:
    """The results of the topmost Authentication-Results added by a trusted host, with those of the
    trusted ones right below it (up to a Received field or another host's), if any."""
    trusted = {host.lower() for host in trusted}
    if not trusted:
        return None
    end = _HEADER_BLOCK_END.search(raw)
    head = raw[: end.start()] if end else raw
    found: AuthResults | None = None
    for match in _FIELD_OR_RECEIVED.finditer(head):
        if match.group(1).lower() == b"received":
            if found is not None:
                break
            continue
        parsed = parse_value(" ".join(match.group(2).decode("utf-8", "replace").split()))
        if parsed is None or parsed.authserv_id not in trusted:
            if found is not None:
                break
            continue
        if found is None:
            found = parsed
        else:  # the same host's next check: only what the headers above did not report
            found = AuthResults(found.authserv_id, {**parsed.results, **found.results},
                                {**parsed.properties, **found.properties}, found.dkim_passes + parsed.dkim_passes)
    return found


def spoofing_reason(results: AuthResults | None, domain: str | None = None) -> str | None:
    """Why these results mean the sender address (at ``domain``) is forged, or None.

    Without a DMARC result, a failed SPF check is forgiven only by a DKIM signature of the sender's
    domain (or one above or below it, as DMARC's relaxed alignment has it): anyone can sign a
    forgery with a domain of their own.
    """
    if results is None:
        return None
    dmarc, spf = results.results.get("dmarc"), results.results.get("spf")
    if dmarc == "fail":
        return f"DMARC failed according to {results.authserv_id}"
    aligned = any(not signer or domain is None or _aligned(signer, domain.lower()) for signer in results.dkim_passes)
    if dmarc != "pass" and spf == "fail" and not aligned:
        return f"SPF failed and no valid DKIM signature according to {results.authserv_id}"
    return None


def _aligned(signer: str, domain: str) -> bool:
    return signer == domain or domain.endswith("." + signer) or signer.endswith("." + domain)

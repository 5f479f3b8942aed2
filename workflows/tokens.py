"""Signed ticket references in our Message-IDs and reply addresses.

Every message we send carries the ticket key twice, signed with the
helpdesk's secret (HMAC-SHA256): in its Message-ID
(``<it-000123.5f2c9a1e.k3j9d0s7a2@corp.example>``) and in its Reply-To
(``it+it-000123.x8c2m4p1q9@corp.example``). A reply threads by either even
when the requester changed the subject, and nobody without the secret can
make a reference to a ticket that is not theirs: guessing a key is not
enough. Signatures are compared case-insensitively (some systems change the
case of Message-IDs) and in constant time.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re

_SIG_LENGTH = 10  # base32 characters: 50 bits, far beyond guessing through a mail server
# RFC 4648 base32, lower case, two characters (10 bits) at a time.
_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"
_PAIRS = tuple(a + b for a in _BASE32 for b in _BASE32)
_KEY = r"[A-Za-z][A-Za-z0-9]{1,7}-\d{6,}"
_MESSAGE_ID = re.compile(rf"^<?({_KEY})\.([0-9a-f]{{8,32}})\.([a-z2-7]{{{_SIG_LENGTH}}})@([^<>@\s]+)>?$", re.IGNORECASE)
_ANYWHERE = re.compile(rb"<[A-Za-z][A-Za-z0-9]{1,7}-[0-9]{6,}\.[0-9a-fA-F]{8,32}\.[A-Za-z2-7]{10}@[^<>@\s]+>")
_REPLY_TAG = re.compile(rf"^({_KEY})\.([a-z2-7]{{{_SIG_LENGTH}}})$", re.IGNORECASE)
# A reply address of ours quoted anywhere: ``it+it-000123.x8c2m4p1q9@corp.example``. Tried only where a
# local part starts, and at most 64 characters long (RFC 5321): otherwise every position of a long run of
# such characters would scan the rest of the run for a "+" (a 20 kB run took a second, quadratic).
_ADDRESS_ANYWHERE = re.compile(
    rb"(?<![A-Za-z0-9._%=-])[A-Za-z0-9._%=-]{1,64}\+[A-Za-z][A-Za-z0-9]{1,7}-[0-9]{6,}\.[A-Za-z2-7]{10}@")


class TicketTokens:
    def __init__(self, secret: bytes, domain: str) -> None:
        if len(secret) < 16:
            raise ValueError("the signing secret must be at least 16 bytes")
        self._secret = secret
        self.domain = domain.lower()
        # HMAC-SHA256 (RFC 2104) with the key's inner and outer hashes started once: each signature
        # then costs two hash copies, not the key set-up as well (a message we send is signed 2-6 times).
        block = secret if len(secret) <= 64 else hashlib.sha256(secret).digest()
        block = block.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in block))
        self._outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in block))

    def _sign(self, purpose: str, *parts: str) -> str:
        """The first 50 bits of HMAC-SHA256(secret, purpose and parts) in base32, lower case."""
        inner = self._inner.copy()
        inner.update("\x1f".join((purpose, *parts)).encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        bits = int.from_bytes(outer.digest()[:7], "big") >> 6  # 56 bits -> the first 50
        pairs = _PAIRS
        return (pairs[bits >> 40] + pairs[(bits >> 30) & 1023] + pairs[(bits >> 20) & 1023]
                + pairs[(bits >> 10) & 1023] + pairs[bits & 1023])

    def message_id(self, key: str) -> str:
        """A new Message-ID for a message on ticket ``key``."""
        nonce = os.urandom(6).hex()  # what secrets.token_hex(6) gives, without its two calls around it
        return f"<{key.lower()}.{nonce}.{self._sign('msgid', key.upper(), nonce)}@{self.domain}>"

    def key_from_message_id(self, message_id: str) -> str | None:
        """The ticket key of one of our Message-IDs, if its signature is good."""
        match = _MESSAGE_ID.match(message_id.strip())
        if not match or match.group(4).lower() != self.domain:
            return None
        key, nonce, signature = match.group(1).upper(), match.group(2).lower(), match.group(3).lower()
        return key if hmac.compare_digest(signature, self._sign("msgid", key, nonce)) else None

    def keys_in(self, raw: bytes) -> list[str]:
        """The ticket keys of our signed Message-IDs, then of our signed reply addresses, anywhere in a
        message: a bounce quotes our headers, some only the Reply-To."""
        keys: dict[str, None] = {}
        for candidate in _ANYWHERE.findall(raw):
            key = self.key_from_message_id(candidate.decode("ascii"))
            if key:
                keys[key] = None
        for candidate in _ADDRESS_ANYWHERE.findall(raw):
            key = self.key_from_address(candidate.decode("ascii"))
            if key:
                keys[key] = None
        return list(keys)

    def reply_address(self, department_address: str, key: str) -> str:
        """The department's address with the signed ticket key as a sub-address (RFC 5233)."""
        local, _, domain = department_address.partition("@")
        return f"{local}+{key.lower()}.{self._sign('reply', key.upper())}@{domain}"

    def agent_address(self, department_address: str, key: str, agent: str) -> str:
        """The reply address for one agent on ticket ``key``: signed for that agent's address only.

        An agent's answer and commands (``#resolve``) count only through it,
        so knowing a ticket's Message-IDs or the requester's reply address is
        not enough to act as an agent, and one agent's address does not work
        for another.
        """
        local, _, domain = department_address.partition("@")
        return f"{local}+{key.lower()}.{self._sign('agent', key.upper(), agent.strip().lower())}@{domain}"

    def key_from_agent_address(self, address: str, agent: str) -> str | None:
        """The ticket key in an agent reply address, if it is signed for ``agent``."""
        local, _, _ = address.strip().partition("@")
        _, plus, tag = local.partition("+")
        match = _REPLY_TAG.match(tag) if plus else None
        if not match:
            return None
        key, signature = match.group(1).upper(), match.group(2).lower()
        return key if hmac.compare_digest(signature, self._sign("agent", key, agent.strip().lower())) else None

    def key_from_address(self, address: str) -> str | None:
        """The ticket key in one of our reply addresses, if its signature is good."""
        local, _, _ = address.strip().partition("@")
        _, plus, tag = local.partition("+")
        match = _REPLY_TAG.match(tag) if plus else None
        if not match:
            return None
        key, signature = match.group(1).upper(), match.group(2).lower()
        return key if hmac.compare_digest(signature, self._sign("reply", key)) else None


def base_address(address: str) -> str:
    """The address without its sub-address: ``it+anything@corp.example`` -> ``it@corp.example``."""
    local, at, domain = address.strip().partition("@")
    return f"{local.partition('+')[0]}{at}{domain}"

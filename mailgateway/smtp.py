"""The SMTP edge (aiosmtpd): accept mail for department addresses only.

The handler validates and hands off; parsing happens later in the pipeline.
Status lines follow RFC 3463 enhanced codes:
- RCPT for an address that is not a department: 550 5.1.1 (never a relay).
- DATA over the size limit: 552 5.3.4.
- The store failed: 451 4.3.0, so the sender keeps the message and retries.
- Too many messages from one peer: 451 4.7.1; too many sessions: 421 4.7.0.
"""
from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import defaultdict, deque
from collections.abc import Callable

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from mailgateway.store import InboundWriter, Received

log = logging.getLogger("helpdesk.gateway.smtp")

REJECT_RECIPIENT = "550 5.1.1 Recipient address rejected: not a helpdesk address"
TOO_BIG = "552 5.3.4 Message size exceeds fixed maximum message size"
STORE_FAILED = "451 4.3.0 Temporary storage failure, please try again later"
RATE_LIMITED = "451 4.7.1 Too many messages, please slow down and retry later"
TOO_MANY_SESSIONS = "421 4.7.0 Too many connections, try again later"
TOO_MANY_RECIPIENTS = "452 4.5.3 Too many recipients"

# aiosmtpd's own size replies lack enhanced codes; translate them.
_REWRITE = {
    "552 Error: Too much mail data": TOO_BIG,
    "552 Error: message size exceeds fixed maximum message size": TOO_BIG,
}


class RateLimiter:
    """At most ``limit`` messages per peer per sliding minute (0 = no limit)."""

    def __init__(self, limit: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.clock = clock
        self._seen: dict[str, deque] = defaultdict(deque)

    def allow(self, peer: str) -> bool:
        if not self.limit:
            return True
        now = self.clock()
        seen = self._seen[peer]
        while seen and seen[0] <= now - 60:
            seen.popleft()
        if len(seen) >= self.limit:
            return False
        seen.append(now)
        return True


class HelpdeskHandler:
    """aiosmtpd hooks: check recipients, store the message, answer."""

    def __init__(self, writer: InboundWriter, is_department: Callable[[str], bool], *,
                 max_recipients: int = 50, rate_limiter: RateLimiter | None = None) -> None:
        self.writer = writer
        self.is_department = is_department
        self.max_recipients = max_recipients
        self.rate_limiter = rate_limiter or RateLimiter(0)

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options):
        if not self.is_department(address):
            log.info("event=rcpt_rejected peer=%s", _peer(session))
            return REJECT_RECIPIENT
        if len(envelope.rcpt_tos) >= self.max_recipients:
            return TOO_MANY_RECIPIENTS
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        peer = _peer(session)
        if not self.rate_limiter.allow(peer):
            log.warning("event=rate_limited peer=%s", peer)
            return RATE_LIMITED
        item = Received(
            source="smtp",
            peer=peer,
            mail_from=_reverse_path(envelope.mail_from),
            rcpt_to=tuple(envelope.rcpt_tos),
            raw=bytes(envelope.original_content or b""),
        )
        try:
            inbound_id = await self.writer.store(item)
        except Exception as exc:
            log.error("event=store_failed peer=%s error=%s", peer, type(exc).__name__)
            return STORE_FAILED
        log.debug("event=accepted inbound_id=%s size=%d", inbound_id, len(item.raw))
        return f"250 2.0.0 OK queued as {inbound_id}"


def _reverse_path(mail_from: str | None) -> str:
    """The envelope sender; the null reverse-path ``<>`` (bounces, RFC 5321 4.5.5) is ""."""
    return "" if not mail_from or mail_from == "<>" else mail_from


def _peer(session: Session) -> str:
    peer = session.peer
    if isinstance(peer, tuple) and peer:
        return str(peer[0])
    return str(peer)


# ``<local@domain>`` with a dot-atom local part and a plain domain, then the parameters: what nearly
# every client sends in MAIL FROM and RCPT TO. Anything else goes through the full RFC 5322 parser.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_PATH = re.compile(rf"<({_ATEXT}(?:\.{_ATEXT})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)>(?:[ \t]+(.*))?")


class HelpdeskSMTP(SMTP):
    """aiosmtpd's SMTP with enhanced status codes, a session limit and a quick address reader."""

    active_sessions = 0

    def __init__(self, *args, max_sessions: int = 200, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.max_sessions = max_sessions
        self._counted = False
        self._refused = False

    def _getaddr(self, arg: str):
        """aiosmtpd's address reader, with plain ``<local@domain>`` paths read by one regex.

        The standard library's header parser, which aiosmtpd uses, costs about
        a sixth of the gateway's time under load; it gives the same address
        and parameters for these paths (tests/mailgateway/test_smtp_paths.py).
        A path on which that parser itself fails is a syntax error, not a crash.
        """
        match = _PLAIN_PATH.fullmatch(arg)
        if match is None:
            try:
                return super()._getaddr(arg)
            except Exception:  # noqa: BLE001 - the standard library's parser fails on some junk ("<0@[>")
                return None, None  # malformed (553 5.1.3), as any path it cannot read
        address = match[1]
        if self.local_part_limit and len(address.rpartition("@")[0]) > self.local_part_limit:
            return None, None
        return address, match[2] or ""

    async def push(self, status):
        if isinstance(status, str):
            status = _REWRITE.get(status, status)
        await super().push(status)

    def connection_made(self, transport) -> None:
        if HelpdeskSMTP.active_sessions >= self.max_sessions:
            self._refused = True  # no session was started: there is none to end either
            transport.write((TOO_MANY_SESSIONS + "\r\n").encode())
            transport.close()
            return
        HelpdeskSMTP.active_sessions += 1
        self._counted = True
        super().connection_made(transport)

    def connection_lost(self, error) -> None:
        if self._counted:
            HelpdeskSMTP.active_sessions -= 1
            self._counted = False
        if self._refused:
            return
        super().connection_lost(error)


def _event_loop() -> asyncio.AbstractEventLoop:
    """uvloop's event loop where it is installed (its transports cost a fraction of asyncio's), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


class GatewayController(Controller):
    """Runs the SMTP server on its own thread and event loop."""

    def __init__(self, handler: HelpdeskHandler, *, host: str, port: int, hostname: str,
                 max_message_bytes: int, max_sessions: int) -> None:
        self.max_sessions = max_sessions
        super().__init__(handler, hostname=host, port=port, server_hostname=hostname,
                         data_size_limit=max_message_bytes, ready_timeout=10, loop=_event_loop())

    def factory(self) -> SMTP:
        return HelpdeskSMTP(self.handler, max_sessions=self.max_sessions, ident="Helpdesk ESMTP",
                            **self.SMTP_kwargs)

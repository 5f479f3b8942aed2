"""The outbound sender: delivers the outbox through the configured SMTP relay.

Rows are leased (their next attempt pushed into the future) in a short
transaction, sent outside any transaction, and their result recorded in
another short one, so a slow relay never blocks the pipeline. Temporary
failures (4xx, connection errors) are retried with exponential backoff;
5xx replies or too many attempts mark the row failed. A crash while
sending means the lease runs out and the row is sent again (at least once).

The connection to the relay (``RelaySettings.security``): ``opportunistic``
(the default) upgrades with STARTTLS whenever the relay offers it, without
checking its certificate, as an MTA does (RFC 7435); ``starttls`` requires
STARTTLS and a certificate the system (or ``ca_file``) trusts for the host;
``tls`` is TLS from the first byte (port 465) with the same check; ``none``
stays in clear. With a ``user`` the sender logs in (AUTH) once the
connection is secured. Every failure to connect, secure or log in is
temporary: the mail waits and is retried while the relay or its settings
are put right.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import smtplib
import socket
import ssl
from dataclasses import dataclass, field

from storage import Database, Outbox, OutboxStatus, utcnow
from storage import repo

log = logging.getLogger("helpdesk.outbound")


@dataclass(frozen=True)
class RelaySettings:
    host: str
    port: int
    timeout: float = 30.0
    max_attempts: int = 12
    retry_base_seconds: float = 30.0
    retry_max_seconds: float = 3600.0
    lease_seconds: float = 300.0
    security: str = "opportunistic"  # "opportunistic" | "starttls" | "tls" | "none"
    ca_file: str | None = None  # trust this CA (PEM) for the relay instead of the system's
    user: str | None = None  # log in (AUTH) as this user ...
    password: str = field(default="", repr=False)  # ... with this password


class RelayRefused(smtplib.SMTPException):
    """The relay cannot be used as configured (no STARTTLS offered where it is required)."""


class _StartTlsFailed(smtplib.SMTPException):
    """Opportunistic STARTTLS failed (the cause says how): the session starts again in clear."""


@dataclass(frozen=True)
class Attempt:
    outbox_id: int
    ok: bool
    permanent: bool = False
    error: str | None = None


class OutboundSender:
    def __init__(self, db: Database, relay: RelaySettings) -> None:
        self.db = db
        self.relay = relay

    def send_due(self, limit: int = 50) -> int:
        """Send what is due now; returns how many rows were attempted."""
        leased = self._lease(limit)
        if not leased:
            return 0
        results = self._deliver(leased)
        self._record(results)
        return len(leased)

    def _lease(self, limit: int) -> list[tuple[int, str, list[str], bytes]]:
        now = utcnow()
        with self.db.transaction() as session:
            rows = repo.due_outbox(session, now, limit)
            for row in rows:
                row.attempts += 1
                row.next_attempt_at = now + dt.timedelta(seconds=self.relay.lease_seconds)
            return [(row.id, row.mail_from, list(row.rcpt_to), row.raw) for row in rows]

    def _deliver(self, leased) -> list[Attempt]:
        try:
            client = self._connect()
        except (OSError, smtplib.SMTPException) as exc:
            error = f"relay unreachable: {type(exc).__name__}: {exc}"
            log.warning("event=relay_unreachable host=%s port=%s error=%s", self.relay.host, self.relay.port, exc)
            return [Attempt(outbox_id, False, False, error) for outbox_id, *_ in leased]
        results = []
        try:
            for outbox_id, mail_from, rcpt_to, raw in leased:
                results.append(_send_one(client, outbox_id, mail_from, rcpt_to, raw))
                if not results[-1].ok and not results[-1].permanent and "disconnected" in (results[-1].error or ""):
                    break
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("event=relay_session_failed error=%s", exc)
        finally:
            _quit(client)
        done = {attempt.outbox_id for attempt in results}
        results += [Attempt(i, False, False, "relay session ended early") for i, *_ in leased if i not in done]
        return results

    def _connect(self) -> smtplib.SMTP:
        """A session with the relay, secured and logged in as configured (see the module's docstring)."""
        try:
            return self._session(self.relay.security)
        except _StartTlsFailed as exc:
            log.warning("event=relay_starttls_failed host=%s error=%s (sending in clear)", self.relay.host,
                        exc.__cause__)
            return self._session("none")

    def _session(self, security: str) -> smtplib.SMTP:
        relay = self.relay
        if security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(relay.host, relay.port, timeout=relay.timeout,
                                                    context=_verifying(relay.ca_file))
        else:
            client = smtplib.SMTP(relay.host, relay.port, timeout=relay.timeout)
        try:
            client.ehlo_or_helo_if_needed()
            if security in ("starttls", "opportunistic"):
                if client.has_extn("starttls"):
                    context = _verifying(relay.ca_file) if security == "starttls" else _unverified()
                    try:
                        client.starttls(context=context)
                    except (ssl.SSLError, smtplib.SMTPResponseException) as exc:
                        # A relay that offers STARTTLS but cannot do it: opportunistic TLS goes on in
                        # clear, as MTAs do, unless a password would travel with it.
                        if security == "opportunistic" and not relay.user:
                            raise _StartTlsFailed() from exc
                        raise
                    client.ehlo()
                elif security == "starttls":
                    raise RelayRefused('the relay does not offer STARTTLS (relay_security = "starttls")')
            if relay.user:
                client.login(relay.user, relay.password)
        except BaseException:
            _close(client)
            raise
        return client

    def _record(self, results: list[Attempt]) -> None:
        now = utcnow()
        with self.db.transaction() as session:
            for attempt in results:
                row = session.get(Outbox, attempt.outbox_id)
                if row is None or row.status != OutboxStatus.PENDING.value:
                    continue
                self._apply(row, attempt, now)

    def _apply(self, row: Outbox, attempt: Attempt, now: dt.datetime) -> None:
        if attempt.ok:
            row.status, row.sent_at, row.last_error = OutboxStatus.SENT.value, now, None
            log.info("event=sent outbox_id=%s kind=%s", row.id, row.kind)
            return
        row.last_error = attempt.error
        if attempt.permanent or row.attempts >= self.relay.max_attempts:
            row.status = OutboxStatus.FAILED.value
            log.error("event=send_failed outbox_id=%s attempts=%s error=%s", row.id, row.attempts, attempt.error)
            return
        delay = min(self.relay.retry_base_seconds * 2 ** (row.attempts - 1), self.relay.retry_max_seconds)
        row.next_attempt_at = now + dt.timedelta(seconds=delay)
        log.warning("event=send_deferred outbox_id=%s attempts=%s retry_in=%.0fs", row.id, row.attempts, delay)


_BARE_LF = re.compile(rb"(?<!\r)\n")


def _send_one(client: smtplib.SMTP, outbox_id: int, mail_from: str, rcpt_to: list[str], raw: bytes) -> Attempt:
    try:
        # SMTP lines end in CRLF (RFC 5321 2.3.8); smtplib sends bytes as they are.
        refused = client.sendmail(mail_from, rcpt_to, _BARE_LF.sub(b"\r\n", raw))
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        return Attempt(outbox_id, False, all(c >= 500 for c in codes), f"recipients refused: {exc.recipients}")
    except smtplib.SMTPServerDisconnected as exc:
        return Attempt(outbox_id, False, False, f"disconnected: {exc}")
    except smtplib.SMTPResponseException as exc:
        _reset(client)
        return Attempt(outbox_id, False, exc.smtp_code >= 500, f"{exc.smtp_code} {exc.smtp_error!r}")
    except (OSError, socket.timeout) as exc:
        return Attempt(outbox_id, False, False, f"disconnected: {type(exc).__name__}: {exc}")
    if refused:
        # Some recipients took it, some did not: the message went out.
        log.warning("event=partly_refused outbox_id=%s refused=%s", outbox_id, refused)
    return Attempt(outbox_id, True)


def _reset(client: smtplib.SMTP) -> None:
    try:
        client.rset()
    except (OSError, smtplib.SMTPException):
        pass


def _verifying(ca_file: str | None) -> ssl.SSLContext:
    """TLS that checks the relay's certificate and host name (against ``ca_file`` if given)."""
    return ssl.create_default_context(cafile=ca_file)


def _unverified() -> ssl.SSLContext:
    """TLS for opportunistic STARTTLS: encrypted, whoever's certificate it is (RFC 7435)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _close(client: smtplib.SMTP) -> None:
    try:
        client.close()
    except OSError:
        pass


def _quit(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()

"""The IMAP edge (imapclient): mail from configured mailboxes into the inbound table.

One ``MailboxFetcher`` thread per mailbox. A check selects the folder and
stores every message not stored yet, in batches: one FETCH of
``BODY.PEEK[]`` (which leaves \\Seen alone), then one transaction with the
inbound rows (raw bytes and an envelope, as the SMTP edge stores them) and
the checkpoint (UIDVALIDITY and the highest UID stored). Only after that
commit is the batch moved to the processed folder (MOVE, or COPY + \\Deleted
+ EXPUNGE) or flagged.

So a crash between the commit and the move leaves stored messages in the
folder: the next check finds their UIDs at or below the checkpoint and only
moves them. Without the checkpoint the unique (mailbox, UIDVALIDITY, UID)
index still refuses a second row. A new UIDVALIDITY means the old UIDs name
nothing any more (RFC 3501 2.3.1.1): the folder is scanned again from the
start, and copies of messages already processed are discarded by the
pipeline's Message-ID check.

Between checks the fetcher waits in IDLE (RFC 2177) when the server offers
it, looking every half second whether it should stop, and checks again at
least every ``poll_seconds``; otherwise it polls. Any network or server
failure closes the connection; it reconnects after an exponential backoff.
The last successful check and the last error go to ``mailbox_state``; a
mailbox without a successful check for ``stale_after_seconds`` is logged as
stale.
"""
from __future__ import annotations

import datetime as dt
import imaplib
import logging
import random
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import parseaddr

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from imapclient.imapclient import SocketTimeout

from storage import Database, utcnow
from storage import mailboxes
from storage import repo

log = logging.getLogger("helpdesk.gateway.imap")

IDLE_TICK = 0.5  # seconds between looks at the stop flag while in IDLE
MAX_BATCH_BYTES = 32 * 1024 * 1024  # a batch holds at most this much mail in memory (or one message)
DELETED = b"\\Deleted"
_VIEW = (b"UIDVALIDITY", b"UIDNEXT")  # unchanged between two selects: no mail came in between
# Search keys for "not yet flagged" (RFC 3501 6.4.4); any other flag is a keyword.
_UNFLAGGED = {"\\Seen": ["UNSEEN"], "\\Flagged": ["UNFLAGGED"], "\\Answered": ["UNANSWERED"]}
_NETWORK_ERRORS = (OSError, IMAPClientError, imaplib.IMAP4.error, EOFError)
_HEADERS = BytesHeaderParser(policy=compat32)


@dataclass(frozen=True)
class ImapMailbox:
    """Where and how to fetch one department's mail."""

    name: str
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    department: str
    address: str  # the department address: the envelope recipient of every message
    security: str = "tls"  # "tls" | "starttls" | "plain"
    ca_file: str | None = None
    folder: str = "INBOX"
    after_fetch: str = "move"  # "move" | "flag"
    processed_folder: str = "Processed"
    processed_flag: str = "\\Seen"
    idle: bool = True
    poll_seconds: float = 60.0
    stale_after_seconds: float = 900.0
    batch_size: int = 200
    timeout_seconds: float = 30.0
    reconnect_base_seconds: float = 1.0
    reconnect_max_seconds: float = 300.0
    # OAuth 2.0 instead of the password: a source of access tokens (``mailgateway.oauth2``), asked at every
    # connect; the login is SASL XOAUTH2, as Microsoft 365 and Google Workspace require.
    token: Callable[[], str] | None = field(default=None, repr=False, compare=False)


class ServerClosed(ConnectionError):
    """The server said BYE."""


class Backoff:
    """Exponentially growing waits with jitter, so many fetchers do not reconnect in step."""

    def __init__(self, base: float, maximum: float) -> None:
        self.base = base
        self.maximum = maximum
        self._next = base

    def next(self) -> float:
        delay = self._next
        self._next = min(self._next * 2, self.maximum)
        return delay * random.uniform(0.75, 1.0)

    def reset(self) -> None:
        self._next = self.base


class MailboxFetcher:
    """Fetches one mailbox into the inbound table until stopped (``run``)."""

    def __init__(self, mailbox: ImapMailbox, db: Database, *, on_commit: Callable[[], None] | None = None) -> None:
        self.mailbox = mailbox
        self.db = db
        self.on_commit = on_commit
        self.backoff = Backoff(mailbox.reconnect_base_seconds, mailbox.reconnect_max_seconds)
        self._registered = False
        self._healthy_since = utcnow()
        self._stale = False
        # The folders as the server names them (``source_folder``, ``processed_folder``), found at each connect.
        self._folder, self._processed = mailbox.folder, mailbox.processed_folder

    def run(self, stop: threading.Event) -> None:
        """Connect, check, wait for mail, repeat; after a failure reconnect with backoff."""
        while not stop.is_set():
            try:
                self._register()
                client = self.connect()
                try:
                    self._serve(client, stop)
                except BaseException:
                    _close(client)
                    raise
                _logout(client)
            except Exception as exc:
                self._failed(exc)
                stop.wait(self.backoff.next())

    def connect(self) -> IMAPClient:
        """A logged-in client (TLS, STARTTLS or plain as configured)."""
        box = self.mailbox
        context = ssl.create_default_context(cafile=box.ca_file) if box.security != "plain" else None
        timeout = SocketTimeout(connect=box.timeout_seconds, read=box.timeout_seconds)
        client = IMAPClient(box.host, box.port, ssl=box.security == "tls", ssl_context=context, timeout=timeout)
        try:
            if box.security == "starttls":
                client.starttls(context)
            if box.token is None:
                client.login(box.user, box.password)
            else:
                self._oauth2_login(client)
        except BaseException:
            _close(client)
            raise
        return client

    def _oauth2_login(self, client: IMAPClient) -> None:
        """Log in with an access token (SASL XOAUTH2); a refused token is dropped so the next try gets a new one."""
        box = self.mailbox
        try:
            client.oauth2_login(box.user, box.token())
        except (IMAPClientError, imaplib.IMAP4.error):
            invalidate = getattr(box.token, "invalidate", None)
            if invalidate is not None:
                invalidate()
            raise

    def _serve(self, client: IMAPClient, stop: threading.Event) -> None:
        box = self.mailbox
        prefix = _personal_prefix(client)
        self._folder = source_folder(client, box.folder, prefix)
        if box.after_fetch == "move":
            self._processed = processed_folder(client, box.processed_folder, prefix)
        use_idle = box.idle and client.has_capability("IDLE")
        log.info("event=imap_connected mailbox=%s folder=%s idle=%s move=%s processed_folder=%s", box.name,
                 self._folder, use_idle, client.has_capability("MOVE"),
                 self._processed if box.after_fetch == "move" else "-")
        while not stop.is_set():
            self.check(client, stop)
            self.backoff.reset()
            if use_idle:
                self._idle(client, stop)
            else:
                stop.wait(box.poll_seconds)

    def check(self, client: IMAPClient, stop: threading.Event | None = None) -> int:
        """Store the folder's messages not stored yet, mark them processed; returns how many were stored."""
        selected = client.select_folder(self._folder)
        stored = 0
        while True:
            stored += self._store_waiting(client, selected[b"UIDVALIDITY"], stop)
            if stop is not None and stop.is_set():
                return stored
            # Mail that came during the pass may have been announced to a command whose
            # answer had no room for it; selecting again shows it (UIDNEXT moved). From
            # this select on, the server announces anything new, in IDLE too.
            again = client.select_folder(self._folder)
            if [again.get(key) for key in _VIEW] == [selected.get(key) for key in _VIEW]:
                break
            selected = again
        self._checked()
        return stored

    def _store_waiting(self, client: IMAPClient, uidvalidity: int, stop: threading.Event | None) -> int:
        """One pass: mark what is stored already, then fetch, store and mark the rest batch by batch."""
        last_uid = self._checkpoint(uidvalidity)
        waiting = self._waiting(client, last_uid)
        # At or below the checkpoint: stored, but not yet marked when a crash came. The rows decide.
        stored = self._stored(uidvalidity, [uid for uid in waiting if uid <= last_uid])
        self._mark_processed(client, sorted(stored))
        added = 0
        for batch in _chunks([uid for uid in waiting if uid not in stored], self.mailbox.batch_size):
            for part in _by_size(batch, _sizes(client, batch), MAX_BATCH_BYTES):
                last_uid = max(last_uid, *part)
                count, present = self._store(client, uidvalidity, part, last_uid)
                added += count
                self._mark_processed(client, present)
            if stop is not None and stop.is_set():
                break
        return added

    def _checkpoint(self, uidvalidity: int) -> int:
        """The highest UID stored under this UIDVALIDITY; 0 (scan it all) when UIDVALIDITY changed."""
        with self.db.sessions() as session:
            known, last_uid = mailboxes.checkpoint(session, self.mailbox.name)
        if known == uidvalidity:
            return last_uid
        if known is not None:
            log.warning("event=imap_uidvalidity_changed mailbox=%s old=%s new=%s action=rescan",
                        self.mailbox.name, known, uidvalidity)
        with self.db.transaction() as session:
            mailboxes.save_checkpoint(session, self.mailbox.name, uidvalidity, 0)
        return 0

    def _waiting(self, client: IMAPClient, last_uid: int) -> list[int]:
        """UIDs still in the folder to store or to mark: all of them, or the unflagged and the new."""
        box = self.mailbox
        if box.after_fetch == "move":
            return sorted(client.search("ALL"))
        unflagged = _UNFLAGGED.get(box.processed_flag, ["NOT", "KEYWORD", box.processed_flag])
        new = client.search(["UID", f"{last_uid + 1}:*"])  # "*" always matches the last message (RFC 3501 6.4.8)
        return sorted(set(client.search(unflagged)) | {uid for uid in new if uid > last_uid})

    def _stored(self, uidvalidity: int, uids: Sequence[int]) -> set[int]:
        if not uids:
            return set()
        with self.db.sessions() as session:
            return mailboxes.stored_uids(session, self.mailbox.name, uidvalidity, uids)

    def _store(self, client: IMAPClient, uidvalidity: int, uids: Sequence[int], last_uid: int) -> tuple[int, list[int]]:
        """Fetch messages, commit them with the checkpoint; returns (rows added, UIDs now stored)."""
        box = self.mailbox
        fetched = client.fetch(list(uids), [b"BODY.PEEK[]"])
        # A UID missing from the answer was expunged meanwhile: nothing to store, nothing to mark.
        rows = [{"source": "imap", "peer": box.host, "mail_from": envelope_sender(data[b"BODY[]"]),
                 "rcpt_to": [box.address], "raw": data[b"BODY[]"], "mailbox": box.name,
                 "uidvalidity": uidvalidity, "uid": uid}
                for uid, data in sorted(fetched.items()) if b"BODY[]" in data]
        present = [row["uid"] for row in rows]
        with self.db.transaction() as session:
            stored = mailboxes.stored_uids(session, box.name, uidvalidity, present)
            rows = [row for row in rows if row["uid"] not in stored]
            if rows:
                repo.add_inbound_many(session, rows)
            mailboxes.save_checkpoint(session, box.name, uidvalidity, last_uid)
        log.info("event=imap_stored mailbox=%s count=%d already_stored=%d uidvalidity=%s last_uid=%s",
                 box.name, len(rows), len(stored), uidvalidity, last_uid)
        if rows and self.on_commit:
            self.on_commit()
        return len(rows), present

    def _mark_processed(self, client: IMAPClient, uids: Sequence[int]) -> None:
        box = self.mailbox
        for chunk in _chunks(list(uids), 1000):
            if box.after_fetch == "flag":
                client.add_flags(uid_set(chunk), [box.processed_flag], silent=True)
            else:
                move(client, chunk, self._processed)

    def _idle(self, client: IMAPClient, stop: threading.Event) -> None:
        """Wait in IDLE until the folder changes, ``poll_seconds`` pass, or stop; then leave IDLE.

        Mail that came after the check's last select is announced as IDLE
        starts, and may have been read along with the server's "+ idling":
        then the folder is checked again at once.
        """
        client.idle()
        deadline = time.monotonic() + (0.0 if _read_ahead(client) else self.mailbox.poll_seconds)
        while not stop.is_set() and time.monotonic() < deadline:
            started = time.monotonic()
            responses = client.idle_check(timeout=IDLE_TICK)
            if any(response[0] == b"BYE" for response in responses):
                raise ServerClosed(f"server closed the connection: {responses}")
            if any(response[0] != b"OK" for response in responses):
                break  # new mail, expunges, a deleted folder (NO): look again; "OK Still here" is a keepalive
            if not responses and time.monotonic() - started < IDLE_TICK / 2:
                break  # readable yet nothing to read: the connection may have closed; DONE finds out
        client.idle_done()

    def _register(self) -> None:
        if self._registered:
            return
        box = self.mailbox
        with self.db.transaction() as session:
            mailboxes.register_mailbox(session, mailbox=box.name, department=box.department, folder=box.folder,
                                       stale_after_seconds=round(box.stale_after_seconds), now=utcnow())
        self._registered = True

    def _checked(self) -> None:
        now = utcnow()
        with self.db.transaction() as session:
            mailboxes.record_check(session, self.mailbox.name, now)
        self._healthy_since = now
        if self._stale:
            self._stale = False
            log.info("event=imap_mailbox_recovered mailbox=%s", self.mailbox.name)

    def _failed(self, exc: Exception) -> None:
        box = self.mailbox
        error = f"{type(exc).__name__}: {exc}"
        if isinstance(exc, _NETWORK_ERRORS):
            log.warning("event=imap_failed mailbox=%s error=%r", box.name, error)
        else:
            log.error("event=imap_failed mailbox=%s error=%r", box.name, error, exc_info=exc)
        try:
            if self._registered:
                with self.db.transaction() as session:
                    mailboxes.record_error(session, box.name, error, utcnow())
        except Exception:
            log.warning("event=imap_error_not_recorded mailbox=%s", box.name, exc_info=True)
        self._warn_if_stale()

    def _warn_if_stale(self) -> None:
        quiet = utcnow() - self._healthy_since
        if not self._stale and quiet > dt.timedelta(seconds=self.mailbox.stale_after_seconds):
            self._stale = True
            log.warning("event=imap_mailbox_stale mailbox=%s since=%s minutes=%.0f", self.mailbox.name,
                        self._healthy_since.isoformat(), quiet.total_seconds() / 60)


def source_folder(client: IMAPClient, name: str, prefix: str) -> str:
    """The folder to fetch from, as this server names it: ``Requests`` is ``INBOX.Requests`` on a server
    with that personal prefix when only the latter exists (see ``processed_folder``); INBOX is INBOX."""
    if not prefix or name.upper() == "INBOX" or name.startswith(prefix) or client.folder_exists(name):
        return name
    return prefix + name if client.folder_exists(prefix + name) else name


def processed_folder(client: IMAPClient, name: str, prefix: str) -> str:
    """The folder processed mail is moved to, as this server names it; made when missing.

    Many servers (Courier, Cyrus, and Dovecot as hosting providers set it up) keep
    every personal folder under a namespace prefix such as ``INBOX.`` (RFC 2342,
    ``prefix``: see ``_personal_prefix``) and refuse to make ``Processed`` at the
    top. A name that does not start with the prefix is then looked for as it is and
    with the prefix, and made with the prefix: ``Processed`` becomes
    ``INBOX.Processed`` there, and stays ``Processed`` on a server without a prefix
    (Gmail, Exchange, Dovecot's default).
    """
    candidates = [name] if not prefix or name.startswith(prefix) else [name, prefix + name]
    for candidate in candidates:
        if client.folder_exists(candidate):
            return candidate
    try:
        client.create_folder(candidates[-1])
    except (IMAPClientError, imaplib.IMAP4.error):
        for candidate in candidates:  # made meanwhile by another connection
            if client.folder_exists(candidate):
                return candidate
        raise
    return candidates[-1]


def _personal_prefix(client: IMAPClient) -> str:
    """The prefix of the user's personal namespace ("" when there is none or the server does not say)."""
    if not client.has_capability("NAMESPACE"):
        return ""
    try:
        personal = client.namespace().personal
    except (IMAPClientError, imaplib.IMAP4.error):
        return ""
    if not personal:
        return ""
    prefix = personal[0][0]
    return prefix.decode("utf-8", "replace") if isinstance(prefix, bytes) else prefix or ""


def move(client: IMAPClient, uids: Sequence[int], folder: str) -> None:
    """Move messages: MOVE (RFC 6851) if offered, else COPY, \\Deleted and (UID) EXPUNGE."""
    uids_text = uid_set(uids)
    if client.has_capability("MOVE"):
        client.move(uids_text, folder)
        return
    client.copy(uids_text, folder)
    client.add_flags(uids_text, [DELETED], silent=True)
    if client.has_capability("UIDPLUS"):
        client.uid_expunge(uids_text)  # only ours (RFC 4315), not others' \Deleted messages
    else:
        client.expunge()


def envelope_sender(raw: bytes) -> str:
    """The envelope sender as the last MTA saw it: Return-Path (``<>`` is ""), else the From address."""
    headers = _HEADERS.parsebytes(raw, headersonly=True)
    return_path = headers.get("Return-Path")
    if return_path is not None:
        return parseaddr(str(return_path))[1]
    return parseaddr(str(headers.get("From", "")))[1]


def uid_set(uids: Sequence[int]) -> str:
    """A compact IMAP sequence set: runs of consecutive UIDs as ranges ("1:200,205")."""
    parts = []
    for start, end in _runs(sorted(uids)):
        parts.append(str(start) if start == end else f"{start}:{end}")
    return ",".join(parts)


def _runs(uids: list[int]) -> Iterator[tuple[int, int]]:
    start = previous = None
    for uid in uids:
        if previous is not None and uid == previous + 1:
            previous = uid
            continue
        if start is not None:
            yield start, previous
        start = previous = uid
    if start is not None:
        yield start, previous


def _sizes(client: IMAPClient, uids: Sequence[int]) -> dict[int, int]:
    return {uid: data.get(b"RFC822.SIZE", 0) for uid, data in client.fetch(list(uids), [b"RFC822.SIZE"]).items()}


def _by_size(uids: Sequence[int], sizes: dict[int, int], limit: int) -> Iterator[list[int]]:
    """Split UIDs into runs whose messages add up to at most ``limit`` bytes (or one message)."""
    part, total = [], 0
    for uid in uids:
        size = sizes.get(uid, 0)
        if part and total + size > limit:
            yield part
            part, total = [], 0
        part.append(uid)
        total += size
    if part:
        yield part


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _read_ahead(client: IMAPClient) -> bool:
    """Whether the client has already read more of the server's answers than it has parsed.

    imaplib reads the connection through a buffer, so the line that starts
    IDLE ("+ idling") can come in one read with what the server sends right
    after it: Dovecot, for one, announces at once mail that came since the
    last command. Those bytes are off the socket, where ``idle_check`` waits,
    so it would not see them until the server says something else.
    """
    reader = getattr(getattr(client, "_imap", None), "file", None)
    if not hasattr(reader, "peek"):
        return False
    sock = client.socket()
    timeout = sock.gettimeout()
    sock.setblocking(False)  # peek reads the socket when nothing is buffered: it must not wait for it then
    try:
        return bool(reader.peek(1))
    except (BlockingIOError, InterruptedError, ssl.SSLWantReadError):
        return False
    finally:
        sock.settimeout(timeout)


def _logout(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:
        _close(client)


def _close(client: IMAPClient) -> None:
    try:
        client.shutdown()
    except Exception:  # the connection is gone already
        pass

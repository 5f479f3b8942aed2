"""A local relay that keeps outgoing mail in a Maildir instead of delivering it.

Used by the demo and for trying the helpdesk without a real mail server:
point ``[outbound]`` at it and read the replies in ``var/capture``.
"""
from __future__ import annotations

import logging
import mailbox
import threading
from pathlib import Path

from aiosmtpd.controller import Controller

log = logging.getLogger("helpdesk.capture")


class CaptureHandler:
    def __init__(self, maildir: Path) -> None:
        for sub in ("tmp", "new", "cur"):
            (maildir / sub).mkdir(parents=True, exist_ok=True)
        self.maildir = mailbox.Maildir(str(maildir), create=True)
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        # aiosmtpd keeps the null sender of MAIL FROM:<> as "<>"; RFC 5321 4.4 writes it <>.
        mail_from = "" if envelope.mail_from in (None, "<>") else envelope.mail_from
        trace = (
            f"Return-Path: <{mail_from}>\r\n"
            f"X-Capture-Recipients: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode()
        try:
            with self._lock:
                key = self.maildir.add(trace + bytes(envelope.original_content or b""))
        except OSError as exc:
            log.error("event=capture_failed error=%s", exc)
            return "451 4.3.0 Could not store the message"
        log.info("event=captured key=%s recipients=%d", key, len(envelope.rcpt_tos))
        return "250 2.0.0 OK captured"


class CaptureRelay(Controller):
    """The capture relay on its own thread."""

    def __init__(self, maildir: Path, *, host: str, port: int) -> None:
        self.path = maildir
        super().__init__(CaptureHandler(maildir), hostname=host, port=port,
                         server_hostname="capture.localhost", ready_timeout=10)


def captured(maildir: Path) -> list[bytes]:
    """Every message the capture relay holds, oldest first."""
    # Read the files themselves: a mail reader may have moved a message to cur/
    # and appended its flags (":2,S") to the file name, which Maildir keys omit.
    paths = [path for sub in ("new", "cur") for path in (Path(maildir) / sub).iterdir()
             if not path.name.startswith(".")]
    items = sorted((path.stat().st_mtime_ns, path.name.split(":")[0], path) for path in paths)
    return [path.read_bytes() for _, _, path in items]

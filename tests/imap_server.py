"""A private Dovecot IMAP server for the IMAP tests and the IMAP benchmark.

Each ``Dovecot`` runs its own ``dovecot -F`` with its own config file, on a
free port of 127.0.0.1, with Maildirs in a temporary folder. Any user name
logs in with ``PASSWORD`` (a static passdb), so every test takes a user of
its own. Dovecot refuses to store mail as root: as root the mail belongs to
the system user ``MAIL_USER`` (created when missing); otherwise to the user
running the tests.
"""
from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from imapclient import IMAPClient

MAIL_USER = "helpdesk-mail"
PASSWORD = "secret"


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or next((p for p in ("/usr/sbin/dovecot",) if os.path.exists(p)), None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _mail_owner() -> pwd.struct_passwd:
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid())
    try:
        return pwd.getpwnam(MAIL_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", MAIL_USER],
                       check=True, capture_output=True)
        return pwd.getpwnam(MAIL_USER)


CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {work}/run
state_dir = {work}/state
log_path = {work}/dovecot.log
ssl = {ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:{work}/mail/%u/Maildir
mail_uid = {owner}
mail_gid = {group}
mail_fsync = never
{extra}
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={owner} gid={group} home={work}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
namespace inbox {{
  inbox = yes
  separator = {separator}
  prefix = {prefix}
}}
"""


def _signal_group(group: int, signum: int) -> bool:
    """Send a signal to a process group; False when none of its processes is left."""
    try:
        os.killpg(group, signum)
        return True
    except ProcessLookupError:
        return False


class Dovecot:
    """One private Dovecot: ``start()``, ``stop()``, ``restart()`` on the same port."""

    host = "127.0.0.1"

    def __init__(self, workdir: str | Path | None = None, *, tls: bool = False,
                 capabilities: str | None = None, prefix: str = "", separator: str = "/",
                 introspection_url: str | None = None) -> None:
        """``capabilities`` replaces what the server offers after login, e.g. "IMAP4rev1 UIDPLUS" (no MOVE, no IDLE);
        ``prefix`` and ``separator`` shape the personal namespace ("INBOX." and "." as Courier and Cyrus have it);
        with ``introspection_url`` it also takes OAuth 2.0 logins (XOAUTH2, OAUTHBEARER), asking that URL whether
        a token is active (RFC 7662: ``token=...`` posted, ``{"active": true, "username": ...}`` back)."""
        self.capabilities = capabilities
        self.prefix, self.separator = prefix, separator
        self.introspection_url = introspection_url
        self.work = Path(workdir or tempfile.mkdtemp(prefix="helpdesk-dovecot-"))
        self.port = _free_port()
        self.tls_port = _free_port() if tls else 0
        self.tls = tls
        self.config = self.work / "dovecot.conf"
        self.process: subprocess.Popen | None = None
        self._write_config()

    @property
    def ca_file(self) -> Path:
        """The self-signed certificate the TLS listeners use (trust it to connect)."""
        return self.work / "cert.pem"

    def _write_config(self) -> None:
        owner = _mail_owner()
        group = owner.pw_gid
        self.work.mkdir(parents=True, exist_ok=True)
        self.work.chmod(0o755)  # the mail user must reach work/mail
        (self.work / "mail").mkdir(exist_ok=True)
        (self.work / "state").mkdir(exist_ok=True)
        os.chown(self.work / "mail", owner.pw_uid, group)
        extra = ""
        if os.geteuid() != 0:
            extra = f"default_internal_user = {owner.pw_name}\ndefault_login_user = {owner.pw_name}\n"
        if self.capabilities:
            extra += f"imap_capability = {self.capabilities}\n"
        if self.tls:
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                            "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                            "-keyout", str(self.work / "key.pem"), "-out", str(self.ca_file)],
                           check=True, capture_output=True)
            extra += f"ssl_cert = <{self.ca_file}\nssl_key = <{self.work / 'key.pem'}\n"
        config = CONFIG
        if self.introspection_url:
            settings = self.work / "oauth2.conf.ext"
            settings.write_text(f"introspection_mode = post\nintrospection_url = {self.introspection_url}\n"
                                "username_attribute = username\nactive_attribute = active\nactive_value = true\n")
            config = config.replace("auth_mechanisms = plain login", "auth_mechanisms = plain login xoauth2 oauthbearer")
            config = config.replace("passdb {{\n  driver = static", (
                "passdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = " + str(settings)
                + "\n}}\npassdb {{\n  driver = static\n  mechanisms = plain login"))
        self.config.write_text(config.format(
            work=self.work, owner=owner.pw_name, group=group, password=PASSWORD, port=self.port,
            tls_port=self.tls_port, ssl="yes" if self.tls else "no", extra=extra, prefix=self.prefix,
            separator=self.separator))

    def start(self, timeout: float = 10.0) -> None:
        # A session of its own: stop() ends the whole group, the IMAP processes with their
        # open connections included, as when the server goes down.
        self.process = subprocess.Popen([dovecot_binary(), "-F", "-c", str(self.config)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot did not start: {self.process.stderr.read().decode()}"
                                   f"{self._log_tail()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as sock:
                    if sock.recv(64).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"dovecot did not answer on port {self.port}{self._log_tail()}")

    def stop(self) -> None:
        """Stop the server and every process it started (they share our process group).

        SIGTERM first, so IMAP sessions say BYE as in a real shutdown; whatever is
        still there when the master has not finished within half a second is killed.
        """
        if self.process is None:
            return
        group = self.process.pid
        _signal_group(group, signal.SIGTERM)
        try:
            self.process.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            pass
        _signal_group(group, signal.SIGKILL)  # killed processes hold no sockets: the port is free
        self.process.wait()
        self.process.stderr.close()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.work, ignore_errors=True)

    def _log_tail(self) -> str:
        log = self.work / "dovecot.log"
        return "\n" + "\n".join(log.read_text(errors="replace").splitlines()[-10:]) if log.exists() else ""

    def client(self, user: str) -> IMAPClient:
        """A logged-in plain-text client for ``user`` (use it as a context manager)."""
        client = IMAPClient(self.host, self.port, ssl=False, timeout=10)
        client.login(user, PASSWORD)
        return client

    def deliver(self, user: str, messages: list[bytes], folder: str = "INBOX") -> None:
        """Put messages into a folder of ``user`` (MULTIAPPEND, 500 at a time), creating it if needed."""
        with self.client(user) as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            if not client.has_capability("MULTIAPPEND"):
                for message in messages:
                    client.append(folder, message)
                return
            for start in range(0, len(messages), 500):
                client.multiappend(folder, messages[start:start + 500])

    def uids(self, user: str, folder: str = "INBOX", criteria="ALL") -> list[int]:
        with self.client(user) as client:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            return sorted(client.search(criteria))

    def __enter__(self) -> Dovecot:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.cleanup()

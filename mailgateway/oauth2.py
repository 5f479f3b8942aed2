"""Access tokens for IMAP mailboxes that log in with OAuth 2.0 (SASL XOAUTH2).

Microsoft 365 has turned off passwords for IMAP, and Google Workspace
accounts often have them off: a helpdesk fetching hr@ or it@ from there logs
in with an access token instead. Tokens live about an hour, so a mailbox is
given a *source* of tokens, asked at every connect:

* :class:`ClientCredentials`: the client-credentials grant (RFC 6749 4.4)
  against the provider's token endpoint, as Microsoft 365 offers it to an
  application allowed to read a mailbox (token URL
  ``https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token``, scope
  ``https://outlook.office365.com/.default``). The token is kept until a
  minute before it expires, and dropped when the server refuses it.
* :class:`TokenCommand`: any program that prints a fresh access token on its
  first line (a Google service account's helper, a refresh-token script, a
  vault client). It runs at every connect, without a shell.

Failures raise :class:`TokenError` with what the provider or the program
said, never the client secret; the fetcher then backs off and retries, as
after any server failure, and the error shows in ``helpdesk stats --json``.
"""
from __future__ import annotations

import json
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence

EXPIRY_MARGIN = 60.0  # seconds: a cached token is renewed this long before it expires
DEFAULT_LIFETIME = 3600.0  # when the provider does not say (``expires_in``)
_SHOWN = 300  # characters of a provider's or program's answer quoted in an error


class TokenError(Exception):
    """No access token could be had (the provider refused, or could not be reached, or the program failed)."""


class ClientCredentials:
    """Access tokens from a token endpoint by the client-credentials grant, cached until shortly before expiry."""

    def __init__(self, token_url: str, client_id: str, client_secret: str, scope: str,
                 timeout: float = 30.0) -> None:
        self.token_url, self.client_id, self.scope, self.timeout = token_url, client_id, scope, timeout
        self._secret = client_secret
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires = 0.0

    def __repr__(self) -> str:
        return f"ClientCredentials(token_url={self.token_url!r}, client_id={self.client_id!r}, scope={self.scope!r})"

    def __call__(self) -> str:
        with self._lock:
            if self._token is None or time.monotonic() >= self._expires:
                self._token, lifetime = self._request()
                self._expires = time.monotonic() + max(lifetime - EXPIRY_MARGIN, 0.0)
            return self._token

    def invalidate(self) -> None:
        """Forget the cached token (the server refused it): the next call asks for a new one."""
        with self._lock:
            self._token = None

    def _request(self) -> tuple[str, float]:
        form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": self.client_id,
                                       "client_secret": self._secret, "scope": self.scope}).encode()
        request = urllib.request.Request(self.token_url, data=form, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - https or loopback (config)
                body = response.read(1 << 20)
        except urllib.error.HTTPError as error:
            raise TokenError(f"the token endpoint {self.token_url} answered {error.code}: "
                             f"{_said(error.read(1 << 16))}") from None
        except (urllib.error.URLError, OSError) as error:
            raise TokenError(f"the token endpoint {self.token_url} could not be reached: {error}") from None
        try:
            answer = json.loads(body)
            token = answer["access_token"]
            lifetime = float(answer.get("expires_in", DEFAULT_LIFETIME))
        except (ValueError, KeyError, TypeError):
            raise TokenError(f"the token endpoint {self.token_url} gave no access token: {_said(body)}") from None
        if not isinstance(token, str) or not token.strip():
            raise TokenError(f"the token endpoint {self.token_url} gave an empty access token")
        return token.strip(), lifetime


class TokenCommand:
    """Access tokens printed by a program (first line of its output), run at every connect."""

    def __init__(self, argv: Sequence[str], timeout: float = 30.0) -> None:
        if not argv:
            raise ValueError("a token command needs a program to run")
        self.argv, self.timeout = list(argv), timeout

    def __repr__(self) -> str:
        return f"TokenCommand({self.argv!r})"

    def __call__(self) -> str:
        try:
            done = subprocess.run(self.argv, capture_output=True, timeout=self.timeout, check=False,  # noqa: S603
                                  stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise TokenError(f"the token command {self.argv[0]} could not run: {error}") from None
        if done.returncode != 0:
            raise TokenError(f"the token command {self.argv[0]} exited with status {done.returncode}: "
                             f"{_said(done.stderr)}")
        lines = done.stdout.decode("utf-8", "replace").strip().splitlines()
        if not lines or not lines[0].strip():
            raise TokenError(f"the token command {self.argv[0]} printed no token")
        return lines[0].strip()

    def invalidate(self) -> None:
        """Nothing is cached: the program runs again at the next connect."""


def _said(raw: bytes) -> str:
    """A provider's or program's answer, short and on one line, for an error message."""
    text = raw.decode("utf-8", "replace")
    try:  # OAuth errors (RFC 6749 5.2): {"error": ..., "error_description": ...}
        answer = json.loads(text)
        if isinstance(answer, dict) and "error" in answer:
            text = ": ".join(str(answer[key]) for key in ("error", "error_description") if answer.get(key))
    except ValueError:
        pass
    text = " ".join(text.split())
    return (text[:_SHOWN] + "…") if len(text) > _SHOWN else text or "(nothing)"

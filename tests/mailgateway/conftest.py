"""A private Dovecot per IMAP test (see tests/imap_server.py).

Without dovecot installed the IMAP tests are skipped, unless CI is set: then
they fail, so CI never passes silently without them.
"""
import os

import pytest

from tests.imap_server import Dovecot, dovecot_binary


def _require_dovecot() -> None:
    if dovecot_binary() is None:
        if os.environ.get("CI"):
            pytest.fail("dovecot is required in CI (Debian package dovecot-imapd) and not installed")
        pytest.skip("dovecot is not installed (Debian package dovecot-imapd; scripts/ensure-services.sh)")


@pytest.fixture
def dovecot_factory():
    """Start private Dovecots: ``dovecot_factory(tls=..., capabilities=...)``; all stopped afterwards."""
    _require_dovecot()
    servers = []

    def start(**options) -> Dovecot:
        server = Dovecot(**options)
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.cleanup()


@pytest.fixture
def dovecot(dovecot_factory):
    """A running private Dovecot with plain-text IMAP on a free port."""
    return dovecot_factory()

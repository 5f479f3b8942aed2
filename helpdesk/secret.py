"""The helpdesk's signing secret (ticket references in Message-IDs and reply addresses).

Taken from the environment variable ``HELPDESK_SECRET`` when set (needed
when processes on several machines must agree); otherwise from a file beside
the data (``var/secret.key``), created with 32 random bytes and mode 0600 on
first start. The secret never lives in the repository or the config file.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

ENV = "HELPDESK_SECRET"


def load_secret(path: Path, environ: Mapping[str, str] | None = None) -> bytes:
    environ = os.environ if environ is None else environ
    value = environ.get(ENV)
    if value:
        if len(value) < 16:
            raise ValueError(f"{ENV} must be at least 16 characters long")
        return value.encode()
    try:
        return path.read_text().strip().encode()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    try:
        os.link(temporary, path)  # fails if another process created it first: then theirs counts
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
    return path.read_text().strip().encode()

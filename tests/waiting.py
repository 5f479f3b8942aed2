"""Waiting for something another thread or process does, in tests."""
from __future__ import annotations

import time


def wait_for(predicate, timeout: float = 5.0):
    """Poll ``predicate`` until it returns something truthy or ``timeout`` seconds pass; return its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    return predicate()

"""The signing secret: from the environment, else a private file made once."""
import os
import stat

import pytest

from helpdesk.secret import load_secret


def test_a_secret_file_is_created_private_and_then_reused(tmp_path):
    path = tmp_path / "var" / "secret.key"
    first = load_secret(path, environ={})
    assert len(first) == 64
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_secret(path, environ={}) == first
    assert [p.name for p in path.parent.iterdir()] == ["secret.key"]  # no temporary left behind


def test_the_environment_wins_and_must_be_long_enough(tmp_path):
    path = tmp_path / "secret.key"
    assert load_secret(path, environ={"HELPDESK_SECRET": "x" * 20}) == b"x" * 20
    assert not path.exists()
    with pytest.raises(ValueError, match="at least 16"):
        load_secret(path, environ={"HELPDESK_SECRET": "short"})

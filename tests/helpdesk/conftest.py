"""Fixtures for running the `helpdesk` command line as a user would."""
import os

import pytest


@pytest.fixture
def env(config_env):
    """This process's environment without HELPDESK settings, plus a private helpdesk's (see config_env)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK")}
    return {**base, **config_env}

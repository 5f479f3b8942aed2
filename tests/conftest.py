"""Shared fixtures: a migrated database on SQLite and on PostgreSQL.

PostgreSQL tests use the server on 127.0.0.1:5432 (override with
HELPDESK_TEST_PG_URL, a server URL without a database name). A fresh
database is created per test session. When no server answers they are
skipped, unless CI is set: then they fail, so CI never passes silently
without PostgreSQL.
"""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from storage import Base, Database

PG_SERVER = os.environ.get("HELPDESK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")


def _pg_available() -> str | None:
    try:
        engine = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure to reach the server
        return str(exc).splitlines()[0]


@pytest.fixture(scope="session")
def pg_url():
    """The URL of a fresh PostgreSQL database for this test session."""
    problem = _pg_available()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI and not reachable: {problem}")
        pytest.skip(f"PostgreSQL not reachable: {problem}")
    name = f"helpdesk_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield f"{PG_SERVER}/{name}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _reset(db: Database) -> None:
    with db.engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture(scope="session")
def _pg_database(pg_url):
    db = Database(pg_url)
    db.upgrade()
    yield db
    db.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'helpdesk.db'}")
        db.upgrade()
        yield db
        db.dispose()
    else:
        db = request.getfixturevalue("_pg_database")
        _reset(db)
        yield db


@pytest.fixture
def sqlite_database(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'helpdesk.db'}")
    db.upgrade()
    yield db
    db.dispose()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def free_port():
    """A function returning a currently free TCP port on 127.0.0.1."""
    return _free_port


ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


@pytest.fixture
def config_env(tmp_path, free_port):
    """Environment overrides that give a private helpdesk: own ports, storage and capture folder."""
    return {
        "HELPDESK__STORAGE__URL": f"sqlite:///{tmp_path / 'helpdesk.db'}",
        "HELPDESK__GATEWAY__SMTP_PORT": str(free_port()),
        "HELPDESK__OUTBOUND__RELAY_PORT": str(free_port()),
        "HELPDESK__DASHBOARD__PORT": str(free_port()),
        "HELPDESK__CAPTURE__MAILDIR": str(tmp_path / "capture"),
        "HELPDESK__CAPTURE__ENABLED": "true",
    }


@pytest.fixture(params=["in-transaction", "staged"])
def staged(request, monkeypatch):
    """For the pipeline's tests (``pytestmark = pytest.mark.usefixtures("staged")``): each runs twice on
    SQLite, with the stages in the write transaction, and with new requests staged ahead of it (as several
    workers on one SQLite file run them). PostgreSQL never stages."""
    if request.param == "in-transaction":
        return False
    if "database" in request.fixturenames and not request.getfixturevalue("database").is_sqlite:
        pytest.skip("staging is SQLite's: PostgreSQL runs every stage in the claiming transaction")
    from workflows.pipeline import Pipeline

    monkeypatch.setitem(Pipeline.__init__.__kwdefaults__, "stage_ahead", True)
    return True

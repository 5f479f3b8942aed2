"""The dashboard's way to the database: one engine per process, read sessions."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from storage import Database

T = TypeVar("T")


@st.cache_resource(show_spinner=False, on_release=Database.dispose)
def database(url: str) -> Database:
    """The process-wide Database for ``url`` (built once, shared by sessions)."""
    return Database(url)


def read(db: Database, query: Callable[..., T], /, **kwargs) -> T:
    """Run one storage query in a read-only session (no commit)."""
    with db.sessions() as session:
        return query(session, **kwargs)

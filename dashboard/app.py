"""The helpdesk dashboard's entry point: settings, login, then the pages.

Run with ``streamlit run dashboard/app.py``; settings come from the
``HELPDESK_DASHBOARD_*`` environment variables (see ``dashboard.settings``).
"""
from __future__ import annotations

import functools
import logging

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from dashboard import auth
from dashboard.data import database
from dashboard.settings import Settings, SettingsError, load_settings
from dashboard.views import overview

log = logging.getLogger("helpdesk.dashboard")


def configured() -> Settings:
    """The settings, or an error page and a stop."""
    try:
        return load_settings()
    except SettingsError as error:
        st.set_page_config(page_title="Helpdesk")
        st.header("The dashboard is not configured")
        for problem in error.problems:
            st.error(problem)
        st.stop()


def pages(settings: Settings) -> list[st.Page]:
    """The pages this user may see (roles choose from this list later)."""
    db = database(settings.db_url)
    return [
        st.Page(functools.partial(overview.render, db), title="Overview",
                url_path="overview", default=True),
    ]


def main() -> None:
    settings = configured()
    st.set_page_config(page_title=settings.title, layout="wide")
    st.sidebar.header(settings.title)
    if auth.login_gate(settings.password) is None:
        st.stop()
    auth.logout_button()
    try:
        st.navigation(pages(settings)).run()
    except SQLAlchemyError as error:
        log.exception("dashboard.read_failed")
        st.error(f"Cannot read the helpdesk database ({type(error).__name__}). "
                 "Check that it is reachable and migrated; details are in the log.")


main()

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
from dashboard.views import health, overview, rules, tickets

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


def pages(settings: Settings, user: auth.User) -> list[st.Page]:
    """The pages this user's role may see, each given the user (and so their departments)."""
    db = database(settings.db_url)
    views = {
        "overview": functools.partial(overview.render, db, user),
        "tickets": functools.partial(tickets.render, db, user, settings.config_path),
        "rules": functools.partial(rules.render, db, user, settings.config_path),
        "health": functools.partial(health.render, db, user),
    }
    return [st.Page(views[path], title=title, url_path=path, default=index == 0)
            for index, (title, path) in enumerate(auth.allowed_pages(user.role))]


def main() -> None:
    settings = configured()
    st.set_page_config(page_title=settings.title, layout="wide")
    st.sidebar.header(settings.title)
    try:
        user = auth.login_gate(database(settings.db_url), settings.password)
        if user is None:
            st.stop()
        auth.logout_button()
        st.navigation(pages(settings, user)).run()
    except SQLAlchemyError as error:
        log.exception("dashboard.read_failed")
        st.error(f"Cannot read the helpdesk database ({type(error).__name__}). "
                 "Check that it is reachable and migrated; details are in the log.")


main()

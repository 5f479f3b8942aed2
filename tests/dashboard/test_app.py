"""The dashboard app, run headless with Streamlit's AppTest on SQLite."""
import datetime as dt
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from storage import Ticket, utcnow

APP = Path(__file__).parents[2] / "dashboard" / "app.py"
PASSWORD = "s3cret-pw"
SCRIPT = "<script>alert(1)</script>"
TEXT_ELEMENTS = ("markdown", "caption", "text", "title", "header", "subheader",
                 "error", "info", "warning", "success", "code")


@pytest.fixture
def db_url(sqlite_database):
    now = utcnow()
    tickets = [  # key, department, state, subject, age
        ("IT-000001", "it", "open", "Printer jam on floor 2", dt.timedelta(days=1)),
        ("IT-000002", "it", "resolved", "VPN down", dt.timedelta(days=2)),
        ("HR-000001", "hr", "waiting_on_requester", "Payslip question", dt.timedelta(days=3)),
        ("FIN-000001", "finance", "new", SCRIPT, dt.timedelta(hours=5)),
    ]
    with sqlite_database.transaction() as session:
        for key, department, state, subject, age in tickets:
            created = now - age
            resolved = created + dt.timedelta(hours=4) if state == "resolved" else None
            session.add(Ticket(
                key=key, department=department, requester_email=f"{key.lower()}@corp.example",
                subject=subject, category="general", priority="P3", state=state, tags=[],
                created_at=created, updated_at=created, resolved_at=resolved,
            ))
    return sqlite_database.url.render_as_string(hide_password=False)


@pytest.fixture
def env(monkeypatch, db_url):
    monkeypatch.setenv("HELPDESK_DASHBOARD_DB_URL", db_url)
    monkeypatch.setenv("HELPDESK_DASHBOARD_PASSWORD", PASSWORD)
    monkeypatch.delenv("HELPDESK_DASHBOARD_TITLE", raising=False)
    yield
    st.cache_resource.clear()  # disposes the cached engines


def run_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    return at


def log_in(at: AppTest, name: str = "admin", password: str = PASSWORD) -> AppTest:
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input(password)
    at.button(key="login_submit").click().run()
    assert not at.exception
    return at


def shown_text(at: AppTest) -> str:
    """Everything the page rendered as text or markdown (not dataframes)."""
    values = [str(element.value) for kind in TEXT_ELEMENTS for element in at.get(kind)]
    values += [f"{m.label} {m.value}" for m in at.metric]
    return "\n".join(values)


def ticket_keys(at: AppTest) -> list[str]:
    tables = [frame.value for frame in at.dataframe if "key" in frame.value.columns]
    assert len(tables) == 1
    return list(tables[0]["key"])


def assert_no_ticket_data(at: AppTest) -> None:
    assert not at.dataframe
    assert not at.metric
    text = shown_text(at)
    for secret in ("IT-000001", "Printer", "finance", SCRIPT):
        assert secret not in text


def test_login_form_first_and_no_data(env):
    at = run_app()
    assert at.text_input(key="login_name")
    assert at.text_input(key="login_password")
    assert_no_ticket_data(at)


def test_wrong_password_shows_error_and_no_data(env):
    at = log_in(run_app(), password="guess")
    assert [error.value for error in at.error] == ["Wrong user name or password."]
    assert_no_ticket_data(at)


def test_wrong_user_name_is_refused(env):
    at = log_in(run_app(), name="root")
    assert at.error
    assert_no_ticket_data(at)


def test_logged_in_shows_backlog_and_tickets(env):
    at = log_in(run_app())
    assert not at.error
    assert [(m.label, m.value) for m in at.metric] == [("Open tickets", "3")]
    assert ticket_keys(at) == ["FIN-000001", "IT-000001", "IT-000002", "HR-000001"]
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")


def test_search_filters_the_ticket_list(env):
    at = log_in(run_app())
    at.text_input(key="ticket_search").input("printer").run()
    assert not at.exception
    assert ticket_keys(at) == ["IT-000001"]


def test_department_filter_narrows_backlog_and_list(env):
    at = log_in(run_app())
    at.multiselect(key="departments").select("it").run()
    assert not at.exception
    assert [m.value for m in at.metric] == ["1"]
    assert ticket_keys(at) == ["IT-000001", "IT-000002"]


def test_untrusted_subject_is_data_never_markup(env):
    at = log_in(run_app())
    frames = [frame.value for frame in at.dataframe if "subject" in frame.value.columns]
    assert SCRIPT in list(frames[0]["subject"])
    assert "<script" not in shown_text(at)


def test_logout_returns_to_the_login_form(env):
    at = log_in(run_app())
    at.button(key="logout").click().run()
    assert not at.exception
    assert at.text_input(key="login_name")
    assert_no_ticket_data(at)


def test_missing_database_url_is_a_clear_error(env, monkeypatch):
    monkeypatch.delenv("HELPDESK_DASHBOARD_DB_URL")
    at = run_app()
    assert any("HELPDESK_DASHBOARD_DB_URL is not set" in error.value for error in at.error)
    assert not at.text_input
    assert_no_ticket_data(at)


def test_missing_password_keeps_the_dashboard_locked(env, monkeypatch):
    monkeypatch.delenv("HELPDESK_DASHBOARD_PASSWORD")
    at = run_app()
    assert any("HELPDESK_DASHBOARD_PASSWORD is not set" in error.value for error in at.error)
    assert not at.text_input
    assert_no_ticket_data(at)


def test_unmigrated_database_is_an_error_not_a_traceback(env, monkeypatch, tmp_path):
    monkeypatch.setenv("HELPDESK_DASHBOARD_DB_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    at = log_in(run_app())
    assert any("Cannot read the helpdesk database" in error.value for error in at.error)

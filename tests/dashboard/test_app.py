"""The dashboard app, run headless with Streamlit's AppTest on SQLite: login, users, roles, scoping."""
import datetime as dt
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import auth
from storage import Ticket, users, utcnow

APP = Path(__file__).parents[2] / "dashboard" / "app.py"
PASSWORD = "s3cret-bootstrap"
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


USERS = {  # name: role, departments
    "root": ("admin", None),
    "ada": ("agent", ["it"]),
    "mona": ("manager", ["*"]),
    "nobody": ("agent", []),
}
USER_PASSWORD = "a long enough password"


@pytest.fixture
def with_users(sqlite_database):
    with sqlite_database.transaction() as session:
        for name, (role, departments) in USERS.items():
            users.add_user(session, name, USER_PASSWORD, role, departments)


@pytest.fixture
def env(monkeypatch, db_url):
    monkeypatch.setenv("HELPDESK_DASHBOARD_DB_URL", db_url)
    monkeypatch.setenv("HELPDESK_DASHBOARD_PASSWORD", PASSWORD)
    monkeypatch.delenv("HELPDESK_DASHBOARD_TITLE", raising=False)
    monkeypatch.delenv("HELPDESK_DASHBOARD_CONFIG", raising=False)
    yield
    st.cache_resource.clear()  # disposes the cached engines, forgets failed logins


def run_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    return at


def log_in(at: AppTest, name: str = "root", password: str = USER_PASSWORD) -> AppTest:
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


def assert_no_ticket_data(at: AppTest) -> None:
    assert not at.dataframe
    assert not at.metric
    text = shown_text(at)
    for secret in ("IT-000001", "Printer", "finance", SCRIPT):
        assert secret not in text


def test_login_form_first_and_no_data(env, with_users):
    at = run_app()
    assert at.text_input(key="login_name")
    assert at.text_input(key="login_password")
    assert_no_ticket_data(at)


@pytest.mark.parametrize("name, password", [("root", "guess guess guess"), ("stranger", USER_PASSWORD),
                                            ("admin", PASSWORD)])  # the bootstrap password is void once users exist
def test_wrong_credentials_get_one_message_and_no_data(env, with_users, name, password):
    at = log_in(run_app(), name, password)
    assert [error.value for error in at.error] == ["Wrong user name or password."]
    assert_no_ticket_data(at)


def test_five_failures_lock_the_name_for_a_while(env, with_users):
    at = run_app()
    for _ in range(auth.LOCK_AFTER):
        log_in(at, "ada", "not the password")
    log_in(at, "ada", USER_PASSWORD)  # the right password, too late
    assert any("Too many failed logins" in error.value for error in at.error)
    assert_no_ticket_data(at)
    assert auth.locked_for("ada", now=__import__("time").monotonic() + auth.LOCK_SECONDS) == 0


def test_an_admin_lands_on_the_overview_and_sees_every_department(env, with_users):
    at = log_in(run_app(), "root")
    assert not at.error
    assert [header.value for header in at.header][:1] == ["Overview"]
    assert set(at.multiselect(key="overview_departments").options) == {"it", "hr", "finance"}
    assert "Logged in as root" in shown_text(at)


def test_an_agent_sees_only_their_departments(env, with_users):
    at = log_in(run_app(), "ada")
    assert not at.error
    assert at.multiselect(key="overview_departments").options == ["it"]
    assert "Logged in as ada\nagent: it" in shown_text(at)
    assert "FIN-000001" not in shown_text(at) and SCRIPT not in shown_text(at)


def test_a_user_without_departments_sees_no_figures(env, with_users):
    at = log_in(run_app(), "nobody")
    assert any("No departments" in info.value for info in at.info)
    assert not at.metric and not at.dataframe


def test_each_role_has_exactly_its_pages():
    assert auth.allowed_pages("admin") == [("Overview", "overview"), ("Tickets", "tickets"), ("Rules", "rules"),
                                           ("Health", "health")]
    assert auth.allowed_pages("manager") == [("Overview", "overview"), ("Tickets", "tickets")]
    assert auth.allowed_pages("agent") == [("Overview", "overview"), ("Tickets", "tickets")]
    assert auth.allowed_pages("intruder") == []


def test_the_first_login_with_the_bootstrap_password_creates_the_admin(env, sqlite_database):
    at = log_in(run_app(), "admin", PASSWORD)
    assert not at.error and "Logged in as admin" in shown_text(at)
    with sqlite_database.sessions() as session:
        [account] = users.list_users(session)
        assert (account.name, account.role, account.departments) == ("admin", "admin", None)
        assert users.authenticate(session, "admin", PASSWORD) is not None


def test_logout_returns_to_the_login_form(env, with_users):
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


def test_no_users_and_no_bootstrap_password_keeps_the_dashboard_locked(env, monkeypatch):
    monkeypatch.delenv("HELPDESK_DASHBOARD_PASSWORD")
    at = run_app()
    assert any("no dashboard users yet" in error.value for error in at.error)
    assert not at.text_input
    assert_no_ticket_data(at)


def test_unmigrated_database_is_an_error_not_a_traceback(env, monkeypatch, tmp_path):
    monkeypatch.setenv("HELPDESK_DASHBOARD_DB_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    at = run_app()
    assert any("Cannot read the helpdesk database" in error.value for error in at.error)
    assert_no_ticket_data(at)

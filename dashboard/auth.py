"""The login gate: one admin account with a shared password, for now.

Real users with hashed passwords and roles replace this module later; the
rest of the dashboard only calls ``login_gate`` and ``logout_button`` and
reads the returned ``User``.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass

import streamlit as st

ADMIN = "admin"
_SESSION_KEY = "dashboard_user"


ROLES = ("agent", "manager", "admin")


@dataclass(frozen=True)
class User:
    """Who is logged in: every page receives this and scopes itself by it.

    ``departments`` is the tuple of department names the user may see, or
    ``None`` for every department (admins, and anyone granted all).
    """

    name: str
    role: str  # one of ROLES
    departments: tuple[str, ...] | None = None
    email: str | None = None

    @property
    def can_act(self) -> bool:
        """Agents and admins work tickets; managers only look."""
        return self.role in ("agent", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def sees(self, department: str) -> bool:
        return self.departments is None or department in self.departments


def check_credentials(name: str, password: str, expected_password: str) -> bool:
    """True for the admin name with the right password, in constant time."""
    # Both comparisons always run, so timing does not tell which one failed.
    name_ok = hmac.compare_digest(name.encode(), ADMIN.encode())
    password_ok = hmac.compare_digest(password.encode(), expected_password.encode())
    return name_ok and password_ok


def login_gate(expected_password: str) -> User | None:
    """The logged-in user, or None after drawing the login form."""
    user = st.session_state.get(_SESSION_KEY)
    if user is not None:
        return user
    with st.form("login"):
        st.subheader("Log in")
        name = st.text_input("User name", key="login_name")
        password = st.text_input("Password", type="password", key="login_password")
        submitted = st.form_submit_button("Log in", key="login_submit")
    if submitted:
        if check_credentials(name, password, expected_password):
            st.session_state[_SESSION_KEY] = User(name=ADMIN, role="admin")
            st.rerun()
        st.error("Wrong user name or password.")
    return None


def logout_button() -> None:
    user = st.session_state.get(_SESSION_KEY)
    if user is not None:
        st.sidebar.text(f"Logged in as {user.name}")
    st.sidebar.button("Log out", key="logout", on_click=st.session_state.pop, args=(_SESSION_KEY, None))

"""The login gate: users from the database (``storage.users``, Argon2id hashes), roles and departments.

Every page gets the ``User`` this returns. After LOCK_AFTER failed logins
for one name within LOCK_SECONDS, that name is refused until the window
passes (counted per dashboard process, so a restart forgets it); the
message never says whether the name or the password was wrong.
"""
from __future__ import annotations

import hmac
import time
from dataclasses import dataclass

import streamlit as st

from storage import Database, users

ADMIN = "admin"
WRONG = "Wrong user name or password."
LOCK_AFTER = 5
LOCK_SECONDS = 30.0
_SESSION_KEY = "dashboard_user"


ROLES = ("agent", "manager", "admin")
# The pages (title, url path) and the roles that see each; a page a role may not see is not in its navigation.
PAGES = (
    ("Overview", "overview", ("agent", "manager", "admin")),
    ("Tickets", "tickets", ("agent", "manager", "admin")),
    ("Rules", "rules", ("admin",)),
    ("Health", "health", ("admin",)),
)


def allowed_pages(role: str) -> list[tuple[str, str]]:
    """The (title, url path) of every page ``role`` may open, in navigation order."""
    return [(title, path) for title, path, roles in PAGES if role in roles]


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


def _failures() -> dict[str, list[float]]:
    """Failed logins per user name in this dashboard process (shared by its sessions)."""
    return _failure_log()


@st.cache_resource(show_spinner=False)
def _failure_log() -> dict[str, list[float]]:
    return {}


def locked_for(name: str, now: float | None = None) -> float:
    """Seconds until ``name`` may try again (0: now): LOCK_AFTER failures within LOCK_SECONDS lock it."""
    now = time.monotonic() if now is None else now
    recent = [at for at in _failures().get(name, []) if now - at < LOCK_SECONDS]
    _failures()[name] = recent
    if len(recent) < LOCK_AFTER:
        return 0.0
    return LOCK_SECONDS - (now - recent[-LOCK_AFTER])


def _account_to_user(account) -> User:
    return User(name=account.name, role=account.role, departments=account.departments, email=account.email)


def check_login(db: Database, name: str, password: str, bootstrap_password: str = "") -> tuple[User | None, str]:
    """The user for these credentials, or None and the message to show.

    While there are no users, ``admin`` with the bootstrap password (the
    environment's HELPDESK_DASHBOARD_PASSWORD) creates the first admin, hashed
    like any other; from then on that variable has no power.
    """
    name = name.strip().lower()
    wait = locked_for(name)
    if wait:
        return None, f"Too many failed logins for this name: try again in {int(wait) + 1} s."
    with db.transaction() as session:
        if users.count_users(session) == 0:
            if bootstrap_password and name == ADMIN and hmac.compare_digest(password.encode(),
                                                                            bootstrap_password.encode()):
                try:
                    account = users.add_user(session, ADMIN, password, "admin")
                except users.UserError as error:
                    return None, f"Cannot create the first admin: {error}"
                return _account_to_user(account), ""
        else:
            account = users.authenticate(session, name, password)
            if account is not None:
                _failures().pop(name, None)
                return _account_to_user(account), ""
    _failures().setdefault(name, []).append(time.monotonic())
    return None, WRONG


def login_gate(db: Database, bootstrap_password: str = "") -> User | None:
    """The logged-in user, or None after drawing the login form."""
    user = st.session_state.get(_SESSION_KEY)
    if user is not None:
        return user
    with db.sessions() as session:
        empty = users.count_users(session) == 0
    if empty and not bootstrap_password:
        st.error("There are no dashboard users yet. Add one with "
                 "`helpdesk users add NAME --role admin --password-stdin`, or set HELPDESK_DASHBOARD_PASSWORD "
                 "to log in once as admin and create the first admin.")
        return None
    with st.form("login"):
        st.subheader("Log in")
        name = st.text_input("User name", key="login_name")
        password = st.text_input("Password", type="password", key="login_password")
        submitted = st.form_submit_button("Log in", key="login_submit")
    if submitted:
        user, message = check_login(db, name, password, bootstrap_password)
        if user is not None:
            st.session_state[_SESSION_KEY] = user
            st.rerun()
        st.error(message)
    return None


def logout_button() -> None:
    user = st.session_state.get(_SESSION_KEY)
    if user is not None:
        seen = "all departments" if user.departments is None else (", ".join(user.departments) or "no departments")
        st.sidebar.text(f"Logged in as {user.name}\n{user.role}: {seen}")
    st.sidebar.button("Log out", key="logout", on_click=st.session_state.pop, args=(_SESSION_KEY, None))

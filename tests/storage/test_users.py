"""Dashboard users: Argon2id hashes, authentication, roles and departments, on SQLite and PostgreSQL."""
import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from storage import users
from storage.models import User

KNOWN = {"it", "hr", "finance", "facilities"}
PASSWORD = "correct horse battery"


def test_passwords_are_stored_as_argon2id_hashes_and_checked(database):
    with database.transaction() as session:
        added = users.add_user(session, "ada", PASSWORD, "agent", ["it"], email="ada@corp.example",
                               known_departments=KNOWN)
    assert added == users.Account("ada", "agent", ("it",), "ada@corp.example", False)
    with database.sessions() as session:
        stored = session.scalars(select(User.password_hash)).one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    with database.transaction() as session:
        assert users.authenticate(session, "ada", PASSWORD) == added
        assert users.authenticate(session, "ada", PASSWORD + "x") is None
        assert users.authenticate(session, "nobody", PASSWORD) is None
        assert users.authenticate(session, "", "") is None


def test_a_disabled_user_cannot_log_in_until_enabled(database):
    with database.transaction() as session:
        users.add_user(session, "bob", PASSWORD, "manager", ["*"])
        users.set_disabled(session, "bob", True)
        assert users.authenticate(session, "bob", PASSWORD) is None
        users.set_disabled(session, "bob", False)
        assert users.authenticate(session, "bob", PASSWORD).departments is None  # "*": every department


def test_roles_departments_and_names_are_validated(database):
    with database.transaction() as session:
        with pytest.raises(users.UserError, match="role 'boss'"):
            users.add_user(session, "carl", PASSWORD, "boss")
        with pytest.raises(users.UserError, match="unknown department.*kitchen"):
            users.add_user(session, "carl", PASSWORD, "agent", ["it", "kitchen"], known_departments=KNOWN)
        with pytest.raises(users.UserError, match="at least 10"):
            users.add_user(session, "carl", "short", "agent")
        with pytest.raises(users.UserError, match="user name"):
            users.add_user(session, "Carl Smith", PASSWORD, "agent")
        users.add_user(session, "carl", PASSWORD, "agent", ["hr"])
        with pytest.raises(users.UserError, match="exists already"):
            users.add_user(session, "carl", PASSWORD, "admin")
        changed = users.set_role(session, "carl", "manager", ["it", "hr"], known_departments=KNOWN)
        assert (changed.role, changed.departments) == ("manager", ("it", "hr"))
        assert users.set_role(session, "carl", "admin").departments is None  # admins see everything
        with pytest.raises(users.UserError, match="no user 'dora'"):
            users.set_role(session, "dora", "agent")


def test_an_outdated_hash_is_replaced_at_the_next_good_login(database):
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    with database.transaction() as session:
        users.add_user(session, "erin", PASSWORD, "agent", ["it"])
        session.scalars(select(User)).one().password_hash = weak.hash(PASSWORD)
    with database.transaction() as session:
        assert users.authenticate(session, "erin", PASSWORD) is not None
    with database.sessions() as session:
        renewed = session.scalars(select(User.password_hash)).one()
    assert not PasswordHasher().check_needs_rehash(renewed)
    with database.transaction() as session:
        users.set_password(session, "erin", "another long password")
        assert users.authenticate(session, "erin", PASSWORD) is None
        assert users.authenticate(session, "erin", "another long password") is not None

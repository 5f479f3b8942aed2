"""Prepared statements write and read what SQLAlchemy's own execution writes and reads, on both backends."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import bindparam, insert, select, update

from storage import Event, InboundMessage, Ticket, repo
from storage.fast import Prepared

NOW = dt.datetime(2026, 11, 23, 9, 30, 15, 123456, tzinfo=dt.timezone.utc)
LATER = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))  # 10:00 UTC


def _ticket_values(key: str) -> dict:
    # Some columns left out: their defaults (plain and callable) must be filled in.
    return {"key": key, "department": "it", "requester_email": "ann@corp.example", "category": "access",
            "priority": "P3", "tags": ["vpn", "ümlaut"], "rules_version": "v1", "created_at": NOW,
            "updated_at": LATER, "first_response_due": LATER, "assignee": None}


def _columns(row: Ticket) -> dict:
    return {column.key: getattr(row, column.key) for column in Ticket.__table__.c if column.key not in ("id", "key")}


def test_an_insert_writes_the_row_sqlalchemy_writes_defaults_json_and_times_included(database):
    statement = insert(Ticket.__table__).returning(Ticket.__table__.c.id)
    with database.transaction() as session:
        connection = session.connection()
        by_sqlalchemy = connection.execute(statement, _ticket_values("IT-1")).scalar_one()
        (by_driver,) = Prepared(statement).first_row(connection, _ticket_values("IT-2"))
    assert isinstance(by_driver, int) and by_driver != by_sqlalchemy
    with database.sessions() as session:
        first, second = session.get(Ticket, by_sqlalchemy), session.get(Ticket, by_driver)
        assert _columns(second) == _columns(first)
    assert second.tags == ["vpn", "ümlaut"] and second.watchers == [] and second.state == "new"
    assert second.subject == "" and second.paused_seconds == 0
    assert second.updated_at == LATER and second.updated_at.tzinfo is not None and second.created_at == NOW


def test_many_rows_in_one_call_match_sqlalchemys_executemany(database):
    with database.transaction() as session:
        ticket = repo.insert_ticket(session.connection(), Ticket(**_ticket_values("IT-3")))
    rows = [{"ticket_id": ticket, "at": NOW + dt.timedelta(seconds=n), "kind": f"k{n}", "actor": "rule",
             "cause": "c", "data": {"n": n, "reasons": ["a", "ß"]}} for n in range(3)]
    statement = insert(Event.__table__)
    with database.transaction() as session:
        session.connection().execute(statement, rows)
        Prepared(statement).execute_many(session.connection(), rows)
    with database.sessions() as session:
        events = session.scalars(select(Event).order_by(Event.id)).all()
    written = [(e.ticket_id, e.at, e.kind, e.actor, e.cause, e.data) for e in events]
    assert written[:3] == written[3:] and written[1][5] == {"n": 1, "reasons": ["a", "ß"]}


def test_rows_giving_different_columns_get_each_columns_default(database):
    with database.transaction() as session:
        ticket = repo.insert_ticket(session.connection(), Ticket(**_ticket_values("IT-4")))
        Prepared(insert(Event.__table__)).execute_many(session.connection(), [
            {"ticket_id": ticket, "at": NOW, "kind": "created", "actor": "requester"},  # cause and data: defaults
            {"ticket_id": ticket, "at": NOW, "kind": "assigned", "actor": "rule", "cause": "rule it", "data": {"a": 1}},
            {"ticket_id": ticket, "at": LATER, "kind": "noted", "actor": "agent", "data": {"b": 2}},
        ])
    with database.sessions() as session:
        events = session.scalars(select(Event).order_by(Event.id)).all()
    assert [(e.kind, e.cause, e.data, e.at) for e in events] == [
        ("created", "", {}, NOW), ("assigned", "rule it", {"a": 1}, NOW), ("noted", "", {"b": 2}, LATER)]


def test_rows_converted_ahead_write_what_sqlalchemy_writes(database):
    """Rows converted before their transaction (defaults filled, JSON and times converted), the ticket's id
    added when they run, are the rows SQLAlchemy writes from the same values."""
    statement = insert(Event.__table__)
    given = [{"at": NOW, "kind": "created", "actor": "requester"},  # cause and data: defaults
             {"at": LATER, "kind": "assigned", "actor": "rule", "cause": "rule it", "data": {"a": ["ß", 1]}}]
    prepared = Prepared(statement)
    ahead = [prepared.converted(database.engine.dialect, values, ("ticket_id",)) for values in given]
    assert ahead[1]["data"] != {"a": ["ß", 1]}  # converted (JSON text on SQLite, a JSON adapter elsewhere)
    with database.transaction() as session:
        ticket = repo.insert_ticket(session.connection(), Ticket(**_ticket_values("IT-5")))
        for values in given:  # one by one: an executemany would take every row's columns from the first
            session.connection().execute(statement, {**values, "ticket_id": ticket})
        prepared.execute_many(session.connection(), [{**row, "ticket_id": ticket} for row in ahead], converted=True)
    with database.sessions() as session:
        events = session.scalars(select(Event).order_by(Event.id)).all()
    written = [(e.ticket_id, e.at, e.kind, e.actor, e.cause, e.data) for e in events]
    assert written[2:] == written[:2]
    assert written[0][4:] == ("", {}) and written[1][1] == LATER and written[1][5] == {"a": ["ß", 1]}


def test_a_ticket_converted_ahead_is_the_ticket_inserted_from_its_object(database):
    parent = Ticket(**_ticket_values("IT-6"))
    ahead, now = Ticket(**_ticket_values("IT-7")), Ticket(**_ticket_values("IT-8"))
    row = repo.ticket_row(database.engine.dialect, ahead)
    with database.transaction() as session:
        connection = session.connection()
        repo.insert_ticket(connection, parent)
        ahead.parent_id = now.parent_id = parent.id  # the one value left for the transaction
        repo.insert_ticket(connection, ahead, row)
        repo.insert_ticket(connection, now)
    with database.sessions() as session:
        first, second = session.get(Ticket, ahead.id), session.get(Ticket, now.id)
        assert _columns(first) == _columns(second)
    assert first.parent_id == parent.id and first.tags == ["vpn", "ümlaut"] and first.updated_at == LATER


def test_what_cannot_be_converted_ahead_is_refused(database):
    prepared = Prepared(insert(Event.__table__))
    dialect = database.engine.dialect
    with pytest.raises(ValueError, match="column at needs converting"):
        prepared.converted(dialect, {"kind": "k", "actor": "a"}, ("at",))
    with pytest.raises(TypeError, match="only an insert"):
        Prepared(update(Event.__table__).values(kind=bindparam("k"))).converted(dialect, {"k": "x"})
    rows = [prepared.converted(dialect, {"at": NOW, "kind": "k", "actor": "a"}, ("ticket_id",)), {"kind": "k"}]
    with database.transaction() as session, pytest.raises(ValueError, match="every converted row"):
        prepared.execute_many(session.connection(), rows, converted=True)


def test_an_update_fills_the_statements_own_values_and_counts_the_rows(database):
    with database.transaction() as session:
        (inbound,) = repo.add_inbound_many(session, [{"source": "smtp", "peer": None, "mail_from": "a@corp.example",
                                                      "rcpt_to": ["it@corp.example"], "raw": b"x"}])
    finish = Prepared(update(InboundMessage.__table__)
                      .where(InboundMessage.id == bindparam("inbound_id"), InboundMessage.status == "pending")
                      .values(status=bindparam("new_status"), processed_at=bindparam("when")))
    with database.transaction() as session:
        values = {"inbound_id": inbound, "new_status": "done", "when": LATER}
        assert finish.execute(session.connection(), values) == 1
        assert finish.execute(session.connection(), values) == 0  # no longer pending
    with database.sessions() as session:
        row = session.get(InboundMessage, inbound)
        assert row.status == "done" and row.processed_at == LATER


def test_the_pipelines_upserts_count_on_both_backends(database):
    with database.transaction() as session:
        connection = session.connection()
        keys = [repo.next_ticket_key(connection, "facilities", "FAC") for _ in range(3)]
        turns = [repo.next_in_team(connection, "desk", ["a@x", "b@x"], NOW, away=set()) for _ in range(3)]
    assert keys == ["FAC-000001", "FAC-000002", "FAC-000003"]
    assert turns == ["a@x", "b@x", "a@x"]


def test_what_it_cannot_run_is_refused_not_run_wrongly(database):
    expanding = Prepared(select(Ticket.id).where(Ticket.key.in_(bindparam("keys", expanding=True))))
    returns_json = Prepared(insert(Ticket.__table__).returning(Ticket.__table__.c.tags))
    events = Prepared(insert(Event.__table__))
    with database.transaction() as session:
        connection = session.connection()
        with pytest.raises(ValueError, match="expanding"):
            expanding.column(connection, {"keys": ["IT-1"]})
        with pytest.raises(TypeError, match="cannot return"):
            returns_json.first_row(connection, _ticket_values("IT-9"))
        with pytest.raises(ValueError, match="same values"):
            Prepared(update(Event.__table__).where(Event.id == bindparam("event")).values(
                kind=bindparam("new_kind"))).execute_many(connection, [{"event": 1, "new_kind": "a"}, {"event": 2}])
    with database.engine.connect() as connection, pytest.raises(RuntimeError, match="transaction"):
        events.execute(connection, {"ticket_id": 1, "at": NOW, "kind": "a", "actor": "x"})


def test_savepoints_emitted_on_the_driver_still_roll_back_and_release(database):
    rows = [{"source": "smtp", "peer": None, "mail_from": f"{name}@corp.example", "rcpt_to": ["it@corp.example"],
             "raw": b"x"} for name in ("kept", "undone", "nested")]
    with database.transaction() as session:
        repo.add_inbound_many(session, rows[:1])
        with pytest.raises(RuntimeError), session.begin_nested():
            repo.add_inbound_many(session, rows[1:2])
            raise RuntimeError("set aside")
        with session.begin_nested():
            with pytest.raises(RuntimeError), session.begin_nested():
                repo.add_inbound_many(session, rows[1:2])
                raise RuntimeError("set aside")
            repo.add_inbound_many(session, rows[2:])
    with database.sessions() as session:
        senders = session.scalars(select(InboundMessage.mail_from).order_by(InboundMessage.id)).all()
    assert senders == ["kept@corp.example", "nested@corp.example"]

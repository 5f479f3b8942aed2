"""The schema, transactions and repositories on both backends."""
import datetime as dt
import json
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from storage import Event, InboundMessage, Ticket, repo, utcnow
from storage.db import json_text


def test_inbound_round_trip_keeps_bytes_and_aware_times(database):
    raw = b"Subject: caf\xc3\xa9\r\n\r\nbody \xff\x00 bytes\r\n"
    with database.transaction() as session:
        row = repo.add_inbound(session, source="smtp", mail_from="a@corp.example",
                               rcpt_to=["it@corp.example"], raw=raw, message_id="<x@y>")
    with database.transaction() as session:
        stored = session.get(InboundMessage, row.id)
        assert stored.raw == raw
        assert stored.size == len(raw)
        assert stored.rcpt_to == ["it@corp.example"]
        assert stored.received_at.tzinfo is not None
        assert abs(stored.received_at - utcnow()) < dt.timedelta(minutes=1)


def test_ticket_keys_count_per_department(database):
    with database.transaction() as session:
        keys = [repo.next_ticket_key(session.connection(), "it", "IT") for _ in range(3)]
        keys.append(repo.next_ticket_key(session.connection(), "hr", "HR"))
    with database.transaction() as session:
        keys.append(repo.next_ticket_key(session.connection(), "it", "IT"))
    assert keys == ["IT-000001", "IT-000002", "IT-000003", "HR-000001", "IT-000004"]


def test_failed_transaction_leaves_nothing(database):
    with pytest.raises(RuntimeError):
        with database.transaction() as session:
            repo.add_inbound(session, source="smtp", mail_from="", rcpt_to=[], raw=b"x")
            session.flush()
            raise RuntimeError("boom")
    with database.transaction() as session:
        assert repo.stats(session)["inbound"]["pending"] == 0


def test_claim_takes_oldest_pending_and_stats_count(database):
    with database.transaction() as session:
        first = repo.add_inbound(session, source="smtp", mail_from="", rcpt_to=[], raw=b"1")
        repo.add_inbound(session, source="smtp", mail_from="", rcpt_to=[], raw=b"2")
    with database.transaction() as session:
        claimed = repo.claim_pending_inbound(session)
        assert [row.id for row in claimed] == [first.id]
        claimed[0].status = "done"
    with database.transaction() as session:
        counts = repo.stats(session)
    assert counts["inbound"] == {"pending": 1, "done": 1, "discarded": 0, "quarantined": 0}
    assert counts["tickets"]["total"] == 0


def test_naive_datetimes_are_refused(database):
    with pytest.raises(Exception, match="naive"):
        with database.transaction() as session:
            repo.add_inbound(session, source="smtp", mail_from="", rcpt_to=[], raw=b"1",
                             received_at=dt.datetime(2026, 1, 1))
            session.flush()


def test_upgrade_is_idempotent(database):
    database.upgrade()
    with database.transaction() as session:
        assert session.query(Ticket).count() == 0


def test_concurrent_first_tickets_of_a_department_get_distinct_keys(database):
    import threading

    barrier = threading.Barrier(4)
    keys, errors = [], []

    def allocate():
        try:
            barrier.wait(timeout=10)
            with database.transaction() as session:
                keys.append(repo.next_ticket_key(session.connection(), "facilities", "FAC"))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=allocate) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(keys) == ["FAC-000001", "FAC-000002", "FAC-000003", "FAC-000004"]


def test_the_migrations_build_exactly_the_models_schema(database):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from storage import Base

    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


@settings(max_examples=300, deadline=None)
@given(moment=st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30),
                           timezones=st.sampled_from([dt.timezone.utc, dt.timezone(dt.timedelta(hours=5, minutes=30)),
                                                      dt.timezone(dt.timedelta(hours=-8))])))
def test_sqlite_times_are_written_as_sqlalchemy_writes_them(moment):
    """UtcDateTime's one-step SQLite conversion gives SQLAlchemy's own text for every aware time."""
    ours, theirs = _sqlite_time_writers()
    assert ours(moment) == theirs(moment)
    assert ours(None) is None
    with pytest.raises(ValueError, match="naive"):
        ours(moment.replace(tzinfo=None))


def _sqlite_time_writers():
    """UtcDateTime's SQLite conversion, and SQLAlchemy's own two steps."""
    from sqlalchemy import TypeDecorator
    from sqlalchemy.dialects import sqlite

    from storage.models import UtcDateTime

    dialect = sqlite.dialect()
    column = UtcDateTime().dialect_impl(dialect)  # as SQLAlchemy's execution asks it
    return column.bind_processor(dialect), TypeDecorator.bind_processor(column, dialect)


def test_sqlite_times_written_again_are_the_same_text():
    """The conversion remembers the times it wrote last: the same instant in another zone, a time
    written again, and times past what it remembers all come out as SQLAlchemy writes them."""
    ours, theirs = _sqlite_time_writers()
    base = dt.datetime(2026, 11, 23, 9, 30, 15, 123456, tzinfo=dt.timezone.utc)
    zones = [dt.timezone.utc, dt.timezone(dt.timedelta(hours=5, minutes=30)), dt.timezone(dt.timedelta(hours=-8))]
    moments = [(base + dt.timedelta(minutes=7 * n)).astimezone(zones[n % 3]) for n in range(200)]
    for _ in range(2):
        for moment in moments + moments[:10]:
            assert ours(moment) == theirs(moment)
            assert ours(moment.astimezone(dt.timezone.utc)) == theirs(moment)
    naive = base.replace(tzinfo=None)
    with pytest.raises(ValueError, match="naive"):
        ours(naive)  # a naive time equal to a remembered aware one's wall clock is still refused


def _fill_log(db, pages: int) -> None:
    """Commit ``pages`` transactions of one 4 KiB row each (each at least a page of log)."""
    with db.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE filler (data BLOB)")
    for _ in range(pages):
        with db.engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO filler VALUES (randomblob(4000))")


@pytest.mark.parametrize("automatic", [True, False])
def test_sqlite_checkpoints_run_in_commits_only_when_automatic(tmp_path, automatic):
    from storage import Database

    db = Database(f"sqlite:///{tmp_path / 'h.db'}", autocheckpoint=automatic)
    try:
        _fill_log(db, 1500)
        frames, copied = db.checkpoint()
    finally:
        db.dispose()
    # SQLite's automatic checkpoint (at 1,000 pages) restarts the log; without it all 1,500 commits are there.
    assert (frames < 1100) if automatic else (frames > 1500)
    assert copied == frames


def test_the_runners_checkpoint_loop_moves_the_log_into_the_database_file(tmp_path):
    import threading

    from helpdesk.runner import checkpoint_loop
    from storage import Database

    path = tmp_path / "h.db"
    db = Database(f"sqlite:///{path}", autocheckpoint=False)
    stop = threading.Event()
    loop = threading.Thread(target=checkpoint_loop, args=(db, stop, 0.05))
    try:
        _fill_log(db, 300)
        before = path.stat().st_size
        loop.start()
        deadline = time.monotonic() + 10
        while path.stat().st_size < 300 * 4000 and time.monotonic() < deadline:
            time.sleep(0.05)
        after = path.stat().st_size
    finally:
        stop.set()
        if loop.is_alive():
            loop.join()
        db.dispose()
    assert before < 100_000  # every row was still only in the log
    assert after >= 300 * 4000
    assert not loop.is_alive()


def test_checkpoint_says_what_it_copied_on_sqlite_and_is_none_elsewhere(database):
    result = database.checkpoint()
    if database.is_sqlite:
        frames, copied = result
        assert copied == frames >= 0
    else:
        assert result is None


def test_json_columns_keep_every_value_on_both_backends(database):
    """JSON is written by orjson; values it refuses (integers past 64 bits) by the standard library."""
    data = {"reasons": ["subject contains “résumé”", "本文に「パスワード」"], "nested": {"n": 3, "x": 1.5,
            "none": None, "yes": True}, "big": 2**70, "empty": [], "tab\tkey": "line\nbreak \x00 end"}
    with database.transaction() as session:
        ticket = Ticket(key="IT-000001", department="it", requester_email="a@corp.example", subject="s",
                        category="general", priority="P3", state="new", tags=["vip", "ü"],
                        created_at=utcnow(), updated_at=utcnow())
        session.add(ticket)
        session.flush()
        session.add(Event(ticket_id=ticket.id, at=utcnow(), kind="k", actor="a", data=data))
    with database.sessions() as session:
        event = session.query(Event).one()
        assert event.data == data
        assert session.get(Ticket, ticket.id).tags == ["vip", "ü"]
        # Stored as UTF-8 text, not \\u escapes: a search on the stored text finds the word as written.
        stored = session.execute(text("SELECT CAST(data AS TEXT) FROM event")).scalar_one()
        assert "résumé" in stored and "パスワード" in stored


def test_json_text_falls_back_to_the_standard_library_for_what_orjson_refuses():
    assert json.loads(json_text({"big": -(2**80), 1: "int key"})) == {"big": -(2**80), "1": "int key"}
    with pytest.raises(TypeError):
        json_text({"a set": {1, 2}})

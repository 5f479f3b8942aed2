"""The intake's insert: rows read back through the ORM exactly as written, on both backends."""
import datetime as dt

import pytest

from storage import InboundMessage, repo
from storage.intake import IntakeInserter


def _row(n: int) -> dict:
    return {"source": "smtp", "peer": "192.0.2.7", "mail_from": f"user{n}@corp.example",
            "rcpt_to": ["it@corp.example", "hr@corp.example"], "raw": b"Subject: x\r\n\r\n\x00\xff" + bytes([n])}


def test_rows_read_back_exactly_and_ids_are_in_order(database):
    inserter = IntakeInserter(database)
    before = dt.datetime.now(dt.timezone.utc)
    ids = inserter.insert([_row(n) for n in range(5)]) + inserter.insert([_row(9)])
    inserter.close()
    assert ids == sorted(ids) and len(set(ids)) == 6
    with database.sessions() as session:
        rows = [session.get(InboundMessage, inbound_id) for inbound_id in ids]
        pending = repo.next_pending_inbound(session, limit=10)
    assert [row.id for row in pending] == ids
    for row, n in zip(rows, [0, 1, 2, 3, 4, 9]):
        assert row.mail_from == f"user{n}@corp.example"
        assert row.rcpt_to == ["it@corp.example", "hr@corp.example"]
        assert row.raw == _row(n)["raw"] and row.size == len(row.raw)
        assert row.status == "pending" and row.peer == "192.0.2.7" and row.source == "smtp"
        assert row.received_at.tzinfo is not None
        assert before - dt.timedelta(seconds=1) <= row.received_at <= dt.datetime.now(dt.timezone.utc)


def test_a_failed_group_leaves_nothing_and_the_next_one_works(sqlite_database):
    inserter = IntakeInserter(sqlite_database)
    with pytest.raises(Exception):
        inserter.insert([_row(1), {**_row(2), "rcpt_to": object()}])  # not JSON: fails mid-group
    assert inserter.insert([_row(3)])
    inserter.close()
    with sqlite_database.sessions() as session:
        assert [row.mail_from for row in session.query(InboundMessage)] == ["user3@corp.example"]


def test_unknown_column_is_refused_by_name(sqlite_database):
    with pytest.raises(KeyError, match="colour"):
        IntakeInserter(sqlite_database).insert([{**_row(1), "colour": "red"}])

"""Staging on SQLite: new requests' tickets and mail made outside the write transaction (see Pipeline)."""
import pytest

import workflows.pipeline as pipeline_module
from helpdesk.build import build_services
from helpdesk.config import load_settings
from storage import Event, InboundMessage, Message, Outbox, Ticket
from tests.workflows.test_pipeline import NOW, ROOT, _ingest, _mail
from workflows.pipeline import Pipeline


@pytest.fixture(scope="module")
def services():
    svc = build_services(load_settings(ROOT / "config.toml", environ={}))
    svc.clock = lambda: NOW
    return svc


@pytest.mark.parametrize("stage_ahead", [False, True])
def test_staged_mail_is_composed_outside_the_write_transaction(sqlite_database, services, monkeypatch,
                                                               stage_ahead):
    writing = []
    for name in ("acknowledgement", "agent_notice"):
        real = getattr(pipeline_module, name)

        def spy(*args, _real=real, **kwargs):
            writing.append(sqlite_database._gate._threads.locked())  # this process holds the write turn
            return _real(*args, **kwargs)

        monkeypatch.setattr(pipeline_module, name, spy)
    for n in range(3):
        _ingest(sqlite_database, _mail(subject=f"Printer {n}", body=f"tray {n}",
                                       extra="Cc: facilities@corp.example\r\n"))
    assert Pipeline(sqlite_database, services, stage_ahead=stage_ahead).drain() == 3
    assert len(writing) >= 3 * 3  # an acknowledgement and at least one notice per ticket (two each)
    assert set(writing) == {not stage_ahead}
    with sqlite_database.sessions() as session:
        assert session.query(Ticket).count() == 6
        assert session.query(Outbox).filter_by(kind="acknowledgement").count() == 3
        keys = sorted(ticket.key for ticket in session.query(Ticket))
    assert keys == ["FAC-000001", "FAC-000002", "FAC-000003", "IT-000001", "IT-000002", "IT-000003"]


def test_a_staged_request_that_turns_out_to_continue_a_ticket_is_added_to_it(sqlite_database, services):
    """The second message answers the first in the same batch: it looked new outside the transaction
    (the first was not committed yet), and the write transaction finds the ticket and runs the stages there."""
    first = _mail(subject="VPN not working")
    first_id = first.split(b"Message-ID: ")[1].split(b"\r\n")[0].decode()
    _ingest(sqlite_database, first)
    second = _ingest(sqlite_database, _mail(subject="Re: VPN", body="Also on the laptop.",
                                            extra=f"In-Reply-To: {first_id}\r\n"))
    assert Pipeline(sqlite_database, services, stage_ahead=True, batch=10).process_next() == 2
    with sqlite_database.sessions() as session:
        (ticket,) = session.query(Ticket).all()
        assert ticket.key == "IT-000001"
        assert session.get(InboundMessage, second).ticket_id == ticket.id
        assert session.query(Message).filter_by(direction="in").count() == 2
        assert session.query(Outbox).filter_by(kind="acknowledgement").count() == 1
        # the staged notices of the second message's would-be ticket were dropped with it
        assert session.query(Outbox).filter_by(kind="agent_new").count() == 1
        assert session.query(Event).filter_by(kind="created").count() == 1
    # The key reserved for the second message is not given out again: the next ticket skips it.
    _ingest(sqlite_database, _mail(subject="New laptop", body="Please order one."))
    Pipeline(sqlite_database, services, stage_ahead=True).drain()
    with sqlite_database.sessions() as session:
        assert session.query(Ticket).filter_by(subject="New laptop").one().key == "IT-000003"


def test_a_duplicate_in_the_same_batch_is_discarded_when_staged(sqlite_database, services):
    raw = _mail(subject="Broken chair")
    ids = [_ingest(sqlite_database, raw), _ingest(sqlite_database, raw)]
    assert Pipeline(sqlite_database, services, stage_ahead=True).process_next() == 2
    with sqlite_database.sessions() as session:
        assert [session.get(InboundMessage, i).status for i in ids] == ["done", "discarded"]
        assert session.query(Ticket).count() == 1
        assert session.query(Outbox).filter_by(kind="acknowledgement").count() == 1


def test_staging_is_for_several_workers_on_sqlite(sqlite_database, database, services):
    assert Pipeline(sqlite_database, services, shard=(0, 2)).stage_ahead
    assert not Pipeline(sqlite_database, services).stage_ahead  # one worker gains nothing by it
    assert Pipeline(database, services, stage_ahead=True).stage_ahead == database.is_sqlite


def test_adopting_keeps_rows_recorded_since_after_the_staged_ones(sqlite_database, services):
    from workflows.pipeline import Context

    ctx = Context(session=None, inbound=None, inbound_id=1, services=services, now=NOW,
                  dialect=sqlite_database.engine.dialect)
    ctx.event("created", "requester")
    ctx.add_row(Outbox, kind="agent_new")
    ctx.stash()
    assert ctx.rows == {}
    ctx.event("looked_up", "rule")  # recorded in the write transaction, before adopting
    ctx.add_row(Message, direction="in")
    ctx.adopt()
    assert [row["kind"] for _, row in ctx.rows[Event]] == ["created", "looked_up"]
    assert [row["kind"] for _, row in ctx.rows[Outbox]] == ["agent_new"]
    assert [row["direction"] for _, row in ctx.rows[Message]] == ["in"]

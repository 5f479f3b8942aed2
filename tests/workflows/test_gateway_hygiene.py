"""The mail gateway's hygiene and sender policy on real-world mail, through the whole pipeline on SQLite."""
import base64
import datetime as dt
import email
from email import policy
from pathlib import Path

import pytest

from helpdesk.build import build_services
from helpdesk.config import load_settings
from storage import Event, InboundMessage, Outbox, Ticket, repo
from workflows.pipeline import NO_REPLY_ADDRESS, Pipeline

ROOT = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)

pytestmark = pytest.mark.usefixtures("staged")


@pytest.fixture(scope="module")
def services():
    svc = build_services(load_settings(ROOT / "config.toml", environ={}))
    svc.clock = lambda: NOW
    return svc


def _mail(subject="VPN not working", body="The VPN says authentication failed.",
          sender="Anna Schmidt <anna@corp.example>", to="it@corp.example", extra=""):
    return (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
            f"Message-ID: <{abs(hash((subject, body, sender, extra)))}@mail.corp.example>\r\n"
            f"{extra}Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n").encode()


def _ingest(db, raw, rcpt="it@corp.example", mail_from="anna@corp.example"):
    with db.transaction() as session:
        row = repo.add_inbound(session, source="test", mail_from=mail_from,
                               rcpt_to=rcpt if isinstance(rcpt, list) else [rcpt], raw=raw, received_at=NOW)
        session.flush()
        return row.id


def _inbound(db, inbound_id):
    with db.sessions() as session:
        return session.get(InboundMessage, inbound_id)


def _acknowledgements(db):
    with db.sessions() as session:
        return session.query(Outbox).filter_by(kind="acknowledgement").count()


def _first_acknowledgement(db, services):
    _ingest(db, _mail())
    Pipeline(db, services).drain()
    with db.sessions() as session:
        raw = session.query(Outbox).filter_by(kind="acknowledgement").one().raw
    return email.message_from_bytes(raw, policy=policy.default)


@pytest.mark.parametrize("return_path", [
    "MAILER-DAEMON@mx.partner.example", "mailer-daemon", "Postmaster@corp.example",
    "prvs=0123abcd=MAILER-DAEMON@mx.partner.example",
    "owner-staff@lists.corp.example", "staff-owner@lists.corp.example", "staff-request@lists.corp.example",
])
def test_no_automatic_reply_to_a_mail_system_or_list_return_path(sqlite_database, services, return_path):
    # A person's From, but the envelope says a mail system or a list sent it on.
    _ingest(sqlite_database, _mail(), mail_from=return_path)
    Pipeline(sqlite_database, services).drain()
    with sqlite_database.sessions() as session:
        assert session.query(Ticket).count() == 1
        (withheld,) = session.query(Event).filter_by(kind="acknowledgement_withheld").all()
    assert _acknowledgements(sqlite_database) == 0 and "return path" in withheld.cause


@pytest.mark.parametrize("address", ["owner-staff@lists.example", "staff-owner@lists.example",
                                     "staff-request@lists.example", "listserv@lists.example",
                                     "majordomo@lists.example"])
def test_list_owner_and_request_addresses_take_no_replies(address):
    assert NO_REPLY_ADDRESS.match(address)


@pytest.mark.parametrize("address", ["owner@partner.example", "request.desk@partner.example",
                                     "ownersmith@partner.example"])
def test_people_whose_address_only_looks_like_a_list_owner_get_replies(address):
    assert not NO_REPLY_ADDRESS.match(address)

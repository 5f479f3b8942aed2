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


def _report(subject, sender, text, *tail):
    """A multipart/report with a delivery-status part for anna@corp.example, then the given parts."""
    parts = [b"Content-Type: text/plain; charset=us-ascii\r\n\r\n" + text.encode(),
             b"Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.partner.example\r\n\r\n"
             b"Final-Recipient: rfc822; anna@corp.example\r\nAction: failed\r\nStatus: 5.1.1\r\n", *tail]
    body = b"".join(b"--b\r\n" + part + b"\r\n" for part in parts) + b"--b--\r\n"
    return (f"From: {sender}\r\nTo: it@corp.example\r\nSubject: {subject}\r\nMessage-ID: <{abs(hash(subject))}@mx>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n"
            "\r\n").encode() + body


def _bounces(ack):
    """Bounces of the acknowledgement as mail systems send them, each quoting it in its own way."""
    reply_to, message_id, subject = ack["Reply-To"].addresses[0].addr_spec, ack["Message-ID"], ack["Subject"]
    postfix = _report(  # Postfix (and many appliances): only some of the original's headers, here no Message-ID
        "Undelivered Mail Returned to Sender", "MAILER-DAEMON@mx.partner.example (Mail Delivery System)",
        "This is the mail system at host mx.partner.example.\r\n\r\nI'm sorry to have to inform you that your "
        "message could not\r\nbe delivered to one or more recipients.\r\n",
        f"Content-Type: text/rfc822-headers\r\n\r\nFrom: IT <it@corp.example>\r\nReply-To: IT <{reply_to}>\r\n"
        f"Subject: {subject}\r\n".encode())
    exchange = _report(  # Exchange and Lotus Notes gateways: the original attached, base64-encoded
        f"Undeliverable: {subject}", "Microsoft Outlook <postmaster@partner.example>",
        "Delivery has failed to these recipients or groups:\r\n\r\nanna@corp.example\r\n",
        b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(ack.as_bytes()).replace(b"\n", b"\r\n"))
    quoted = (f"** Address not found **\r\n\r\nYour message wasn't delivered to anna@corp.example because the "
              f"address couldn't be found.\r\n\r\n----- Original message -----\r\n\r\nReply-To: {reply_to}\r\n"
              f"Message-ID: {message_id}\r\nSubject: {subject}\r\n").encode()
    gmail = (b"From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\r\nTo: it@corp.example\r\n"
             b"Subject: Delivery Status Notification (Failure)\r\nMessage-ID: <b3@mx.google.com>\r\n"
             b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
             + base64.encodebytes(quoted).replace(b"\n", b"\r\n"))
    return {"postfix-reply-address-only": postfix, "exchange-base64-original": exchange, "gmail-base64-text": gmail}


@pytest.mark.parametrize("name", ["postfix-reply-address-only", "exchange-base64-original", "gmail-base64-text"])
def test_a_bounce_of_our_reply_finds_its_ticket_however_it_quotes_it(sqlite_database, services, name):
    db = sqlite_database
    ack = _first_acknowledgement(db, services)
    inbound_id = _ingest(db, _bounces(ack)[name], mail_from="")
    Pipeline(db, services).drain()
    with db.sessions() as session:
        ticket = session.query(Ticket).one()  # no new ticket
        event = session.query(Event).filter_by(kind="requester_undeliverable").one()
        assert event.ticket_id == ticket.id and ticket.state == "open"
    assert _inbound(db, inbound_id).status == "done" and _acknowledgements(db) == 1


def test_a_bounce_of_an_agent_notice_is_not_the_requester_undeliverable(sqlite_database, services):
    db = sqlite_database
    _first_acknowledgement(db, services)
    with db.sessions() as session:
        notice = session.query(Outbox).filter_by(kind="agent_new").one()
    (agent,) = notice.rcpt_to
    bounce = _report("Undelivered Mail Returned to Sender", "MAILER-DAEMON@mx.corp.example (Mail Delivery System)",
                     "I'm sorry to have to inform you that your message could not be delivered.\r\n",
                     f"Content-Type: text/rfc822-headers\r\n\r\nMessage-ID: {notice.message_id}\r\n".encode())
    bounce = bounce.replace(b"anna@corp.example", agent.encode())
    _ingest(db, bounce, mail_from="")
    Pipeline(db, services).drain()
    with db.sessions() as session:
        assert session.query(Event).filter_by(kind="requester_undeliverable").count() == 0
        event = session.query(Event).filter_by(kind="recipient_undeliverable").one()
    assert [r["email"] for r in event.data["recipients"]] == [agent]


@pytest.mark.parametrize("sender", ['"hr@corp.example"@evil.example', '"bo@corp.example" @ evil.example',
                                    'Bo <"bo@corp.example"@evil.example>'])
def test_a_quoted_local_part_that_looks_like_an_organisation_address_is_not_one(sqlite_database, services, sender):
    raw = _mail(subject="Salary change", sender=sender, to="hr@corp.example")
    inbound_id = _ingest(sqlite_database, raw, rcpt="hr@corp.example", mail_from="x@evil.example")
    Pipeline(sqlite_database, services).drain()
    row = _inbound(sqlite_database, inbound_id)
    assert row.status == "quarantined" and "organisation only" in row.error and "@evil.example" in row.error


def test_an_organisation_sender_with_one_good_dkim_signature_among_several_is_not_spoofed(sqlite_database, services):
    # Office 365 and mailing lists sign twice; one signature broken in transit, the sender's own verified.
    results = ("Authentication-Results: mx.corp.example;\r\n\tdkim=fail (body hash did not verify)"
               " header.d=corp-example.onmicrosoft.com;\r\n\tdkim=pass (2048-bit key) header.d=corp.example;\r\n"
               "\tspf=fail (domain of bo@corp.example does not designate 192.0.2.7 as permitted sender)"
               " smtp.mailfrom=bo@corp.example\r\n")
    good = _ingest(sqlite_database, _mail(subject="Invoice 42", sender="Bo <bo@corp.example>", to="finance@corp.example",
                                          extra=results), rcpt="finance@corp.example", mail_from="bo@corp.example")
    forged = results.replace("dkim=pass (2048-bit key)", "dkim=none")
    bad = _ingest(sqlite_database, _mail(subject="Invoice 43", sender="Bo <bo@corp.example>", to="finance@corp.example",
                                         extra=forged), rcpt="finance@corp.example", mail_from="bo@corp.example")
    Pipeline(sqlite_database, services).drain()
    assert _inbound(sqlite_database, good).status == "done"
    row = _inbound(sqlite_database, bad)
    assert row.status == "quarantined" and "spoofed sender bo@corp.example" in row.error


@pytest.mark.parametrize("fetched_together", [True, False])
def test_a_bcc_to_another_department_delivered_as_its_own_copy_adds_a_child_ticket(database, services,
                                                                                   fetched_together):
    # Exchange forks a Bcc recipient into a copy of its own, and two fetched mailboxes each see their copy:
    # the first copy names only IT, the second (same Message-ID) only facilities@ in its envelope.
    raw = _mail(subject="Desk and laptop for Maria", to="it@corp.example")
    first = _ingest(database, raw, rcpt="it@corp.example")
    if not fetched_together:
        Pipeline(database, services).drain()
    second = _ingest(database, raw, rcpt="facilities@corp.example")
    Pipeline(database, services).drain()
    third = _ingest(database, raw, rcpt="Facilities@Corp.Example")  # the same copy again: a duplicate
    Pipeline(database, services).drain()
    with database.sessions() as session:
        tickets = {t.department: t for t in session.query(Ticket)}  # (staged ahead, a key may be skipped)
        assert session.query(Ticket).count() == 2 and set(tickets) == {"it", "facilities"}
        parent, child = tickets["it"], tickets["facilities"]
        assert child.parent_id == parent.id and child.resolution_due is not None
        assert child.requester_email == "anna@corp.example"
        assert session.query(Outbox).filter_by(kind="acknowledgement").count() == 1  # one acknowledgement
        assert session.query(Outbox).filter_by(ticket_id=child.id).filter(Outbox.kind.like("agent%")).count() >= 1
        kinds = {e.kind for e in session.query(Event).filter_by(ticket_id=child.id)}
        assert {"created", "message_received", "sla_started"} <= kinds
    assert _inbound(database, first).status == "done"
    assert (_inbound(database, second).status, _inbound(database, second).ticket_id) == ("done", parent.id)
    assert _inbound(database, third).status == "discarded"


def test_a_copy_of_a_follow_up_is_still_a_duplicate(sqlite_database, services):
    ack = _first_acknowledgement(sqlite_database, services)
    reply = _mail(subject="Re: VPN not working", body="Still broken.", extra=f"In-Reply-To: {ack['Message-ID']}\r\n")
    _ingest(sqlite_database, reply)
    copy = _ingest(sqlite_database, reply, rcpt="facilities@corp.example")
    Pipeline(sqlite_database, services).drain()
    assert _inbound(sqlite_database, copy).status == "discarded"
    with sqlite_database.sessions() as session:
        assert [t.key for t in session.query(Ticket)] == ["IT-000001"]


def test_an_organisation_only_department_does_not_answer_a_reply_to_outside(sqlite_database, services):
    # A forged From of the organisation, with the forger's own Reply-To: the answers would go to them.
    raw = _mail(subject="Payroll bank details change", sender="CEO <ceo@corp.example>", to="hr@corp.example",
                extra="Reply-To: CEO <ceo.private@freemail.example>\r\nCc: it@corp.example\r\n")
    inbound_id = _ingest(sqlite_database, raw, rcpt="hr@corp.example", mail_from="ceo@corp.example")
    inside = _ingest(sqlite_database, _mail(subject="Leave", sender="Bo <bo@corp.example>", to="hr@corp.example",
                                            extra="Reply-To: Bo <bo@mail.corp.example>\r\n"),
                     rcpt="hr@corp.example", mail_from="bo@corp.example")
    Pipeline(sqlite_database, services).drain()
    row = _inbound(sqlite_database, inbound_id)
    assert row.status == "quarantined" and "ceo.private@freemail.example" in row.error
    assert _inbound(sqlite_database, inside).status == "done"
    with sqlite_database.sessions() as session:
        assert [t.requester_email for t in session.query(Ticket)] == ["bo@mail.corp.example"]
        # the sender is told at the organisation address, never at the outside one
        assert all("ceo.private@freemail.example" not in o.rcpt_to for o in session.query(Outbox))


def test_an_outside_reply_to_opens_no_child_in_an_organisation_only_department(sqlite_database, services):
    raw = _mail(subject="Monitor broken", sender="Bo <bo@corp.example>", to="it@corp.example",
                extra="Reply-To: bo@home.example\r\nCc: hr@corp.example\r\n")
    _ingest(sqlite_database, raw, mail_from="bo@corp.example")
    Pipeline(sqlite_database, services).drain()
    with sqlite_database.sessions() as session:
        assert [(t.department, t.requester_email) for t in session.query(Ticket)] == [("it", "bo@home.example")]


@pytest.mark.parametrize("sender, return_path, told", [
    ("Bo <bo@corp.example>", "bo@corp.example", True),
    ("Bo <bo@corp.example>", "", False),  # null return path
    ("Bo <bo@corp.example>", "MAILER-DAEMON@mx.corp.example", False),
    ("Payroll robot <no-reply@corp.example>", "no-reply@corp.example", False),
])
def test_the_held_for_review_notice_is_an_automatic_reply_too(sqlite_database, services, sender, return_path, told):
    raw = _mail(subject="Leave request", sender=sender, to="hr@corp.example", extra="Reply-To: bo@home.example\r\n")
    inbound_id = _ingest(sqlite_database, raw, rcpt="hr@corp.example", mail_from=return_path)
    Pipeline(sqlite_database, services).drain()
    assert _inbound(sqlite_database, inbound_id).status == "quarantined"
    with sqlite_database.sessions() as session:
        assert session.query(Outbox).filter_by(kind="quarantine").count() == (1 if told else 0)

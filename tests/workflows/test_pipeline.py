"""The pipeline on both backends: tickets, threading, acknowledgements, set-asides."""
import datetime as dt
import email
from email import policy
from pathlib import Path

import pytest

from helpdesk.build import build_services
from helpdesk.config import load_settings
from storage import Event, InboundMessage, Message, Outbox, Ticket
from storage import repo
from workflows.pipeline import Pipeline

ROOT = Path(__file__).resolve().parents[2]
# Monday 23 November 2026, 10:00 in Berlin.
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)

pytestmark = pytest.mark.usefixtures("staged")


@pytest.fixture(scope="module")
def services():
    settings = load_settings(ROOT / "config.toml", environ={})
    svc = build_services(settings)
    svc.clock = lambda: NOW
    return svc


def _mail(subject="VPN not working", body="The VPN says authentication failed.", sender="Anna Schmidt <anna@corp.example>",
          to="it@corp.example", extra=""):
    return (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{abs(hash((subject, body, extra)))}@mail.corp.example>\r\n"
            f"{extra}Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n").encode()


def _ingest(database, raw, rcpt="it@corp.example", mail_from="anna@corp.example"):
    with database.transaction() as session:
        row = repo.add_inbound(session, source="test", mail_from=mail_from, rcpt_to=[rcpt], raw=raw, received_at=NOW)
        session.flush()
        return row.id


def _inbound(database, inbound_id):
    with database.sessions() as session:
        return session.get(InboundMessage, inbound_id)


def test_new_request_becomes_ticket_with_sla_and_acknowledgement(database, services):
    inbound_id = _ingest(database, _mail())
    assert Pipeline(database, services).drain() == 1
    with database.sessions() as session:
        ticket = session.query(Ticket).one()
        assert ticket.key == "IT-000001" and ticket.department == "it"
        assert ticket.requester_email == "anna@corp.example" and ticket.requester_name == "Anna Schmidt"
        assert ticket.first_response_due > NOW and ticket.resolution_due > ticket.first_response_due
        kinds = [e.kind for e in session.query(Event).order_by(Event.id)]
        assert kinds[0] == "created" and {"message_received", "sla_started", "acknowledged"} <= set(kinds)
        outbox = session.query(Outbox).filter_by(kind="acknowledgement").one()
        inbound = session.get(InboundMessage, inbound_id)
        assert inbound.status == "done" and inbound.ticket_id == ticket.id
    reply = email.message_from_bytes(outbox.raw, policy=policy.default)
    assert reply["Subject"].startswith("[IT-000001] ")
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply["In-Reply-To"] == inbound.message_id
    assert outbox.rcpt_to == ["anna@corp.example"] and outbox.mail_from == ""
    text = reply.get_body(("plain",)).get_content()
    assert "IT-000001" in text and ticket.priority in text
    assert "within" in text and " by " in text
    html = reply.get_body(("html",)).get_content()
    assert "IT-000001" in html


@pytest.mark.parametrize("how", ["tag", "in-reply-to"])
def test_reply_lands_on_the_same_ticket(database, services, how):
    _ingest(database, _mail())
    pipeline = Pipeline(database, services)
    pipeline.drain()
    with database.sessions() as session:
        ack = session.query(Outbox).filter_by(kind="acknowledgement").one()
    if how == "tag":
        raw = _mail(subject="Re: [IT-000001] VPN not working", body="Still broken.")
    else:
        raw = _mail(subject="Re: VPN", body="Still broken.", extra=f"In-Reply-To: {ack.message_id}\r\n")
    _ingest(database, raw)
    pipeline.drain()
    with database.sessions() as session:
        assert session.query(Ticket).count() == 1
        assert session.query(Message).filter_by(direction="in").count() == 2
        assert session.query(Outbox).filter_by(kind="acknowledgement").count() == 1  # a follow-up is not acknowledged again


def _first_ticket_and_ack(database, services):
    _ingest(database, _mail())
    Pipeline(database, services).drain()
    with database.sessions() as session:
        ack = session.query(Outbox).filter_by(kind="acknowledgement").one()
    return email.message_from_bytes(ack.raw, policy=policy.default)


def test_reply_to_the_signed_reply_address_threads_without_subject_or_references(database, services):
    ack = _first_ticket_and_ack(database, services)
    reply_to = ack["Reply-To"].addresses[0].addr_spec
    assert reply_to.startswith("it+it-000001.") and reply_to.endswith("@corp.example")
    _ingest(database, _mail(subject="one more thing", body="Also the printer.", to=reply_to), rcpt=reply_to)
    Pipeline(database, services).drain()
    with database.sessions() as session:
        assert session.query(Ticket).count() == 1
        assert session.query(Message).filter_by(direction="in").count() == 2


def test_signed_message_id_threads_even_when_the_stored_message_is_gone(database, services):
    ack = _first_ticket_and_ack(database, services)
    with database.transaction() as session:
        session.query(Message).filter_by(direction="out").delete()
    _ingest(database, _mail(subject="new subject", body="Any news?", extra=f"References: {ack['Message-ID']}\r\n"))
    Pipeline(database, services).drain()
    with database.sessions() as session:
        assert session.query(Ticket).count() == 1


@pytest.mark.parametrize("trick", ["tag", "forged-reference", "forged-reply-address"])
def test_a_stranger_cannot_attach_mail_to_someone_elses_ticket(database, services, trick):
    _first_ticket_and_ack(database, services)
    stranger = "Mallory <mallory@corp.example>"
    if trick == "tag":
        raw = _mail(subject="Re: [IT-000001] VPN not working", body="Please send me the VPN config.", sender=stranger)
        rcpt = "it@corp.example"
    elif trick == "forged-reference":
        raw = _mail(subject="VPN", body="x", sender=stranger,
                    extra="In-Reply-To: <it-000001.0123456789ab.aaaaaaaaaa@corp.example>\r\n")
        rcpt = "it@corp.example"
    else:
        rcpt = "it+it-000001.aaaaaaaaaa@corp.example"
        raw = _mail(subject="VPN", body="x", sender=stranger, to=rcpt)
    _ingest(database, raw, rcpt=rcpt, mail_from="mallory@corp.example")
    Pipeline(database, services).drain()
    with database.sessions() as session:
        tickets = {t.key: t.requester_email for t in session.query(Ticket)}
    assert tickets == {"IT-000001": "anna@corp.example", "IT-000002": "mallory@corp.example"}


def test_internal_only_department_quarantines_outside_senders(database, services):
    outside = _ingest(database, _mail(sender="Eve <eve@elsewhere.example>", to="hr@corp.example", subject="Salary"),
                      rcpt="hr@corp.example", mail_from="eve@elsewhere.example")
    inside = _ingest(database, _mail(sender="Bo <bo@mail.corp.example>", to="hr@corp.example", subject="Leave"),
                     rcpt="hr@corp.example", mail_from="bo@mail.corp.example")
    anyone = _ingest(database, _mail(sender="Eve <eve@elsewhere.example>", subject="Laptop"),
                     mail_from="eve@elsewhere.example")
    Pipeline(database, services).drain()
    row = _inbound(database, outside)
    assert row.status == "quarantined" and "organisation only" in row.error and "eve@elsewhere.example" in row.error
    assert _inbound(database, inside).status == "done"
    assert _inbound(database, anyone).status == "done"  # IT takes mail from anyone
    _ingest(database, _mail(sender="Eve <eve@elsewhere.example>", subject="Printer", extra="Cc: hr@corp.example\r\n"),
            mail_from="eve@elsewhere.example")
    Pipeline(database, services).drain()
    with database.sessions() as session:  # the Cc to HR opens no HR ticket for an outside sender
        assert sorted(t.key for t in session.query(Ticket)) == ["HR-000001", "IT-000001", "IT-000002"]


@pytest.mark.parametrize("header, spoofed", [
    ("mx.corp.example; spf=fail smtp.mailfrom=corp.example; dkim=none; dmarc=fail header.from=corp.example", True),
    ("mx.corp.example; spf=pass smtp.mailfrom=corp.example; dkim=pass header.d=corp.example; dmarc=pass", False),
    ("attacker.example; spf=fail; dmarc=fail", False),  # not a host we trust
])
def test_spoofed_organisation_sender_is_quarantined(database, services, header, spoofed):
    raw = _mail(sender="CEO <ceo@corp.example>", to="finance@corp.example", subject="Urgent transfer",
                extra=f"Authentication-Results: {header}\r\n")
    inbound_id = _ingest(database, raw, rcpt="finance@corp.example", mail_from="ceo@corp.example")
    Pipeline(database, services).drain()
    row = _inbound(database, inbound_id)
    if spoofed:
        assert row.status == "quarantined" and "spoofed sender ceo@corp.example" in row.error and "DMARC" in row.error
    else:
        assert row.status == "done"


def test_one_mail_to_several_departments_makes_a_parent_children_and_one_acknowledgement(database, services):
    raw = _mail(subject="New starter Maria on Monday: laptop and desk", to="it@corp.example",
                extra="Cc: Facilities <facilities@corp.example>, HR <hr@corp.example>\r\n")
    _ingest(database, raw)  # the envelope names only it@ (as over IMAP): the headers name the others
    Pipeline(database, services).drain()
    with database.sessions() as session:
        tickets = {t.key: t for t in session.query(Ticket)}
        assert set(tickets) == {"IT-000001", "FAC-000001", "HR-000001"}
        parent = tickets["IT-000001"]
        assert parent.parent_id is None
        assert tickets["FAC-000001"].parent_id == parent.id and tickets["HR-000001"].parent_id == parent.id
        for ticket in tickets.values():
            assert ticket.resolution_due is not None and ticket.requester_email == "anna@corp.example"
            kinds = [e.kind for e in session.query(Event).filter_by(ticket_id=ticket.id)]
            assert {"created", "message_received", "sla_started"} <= set(kinds)
        assert session.query(Message).filter_by(direction="in").count() == 3
        outbox = session.query(Outbox).filter_by(kind="acknowledgement").one()  # one acknowledgement, not three
        assert outbox.ticket_id == parent.id
    text = email.message_from_bytes(outbox.raw, policy=policy.default).get_body(("plain",)).get_content()
    assert "IT-000001" in text and "FAC-000001" in text and "HR-000001" in text


def test_the_other_departments_copy_of_a_multi_department_mail_is_a_duplicate(database, services):
    raw = _mail(subject="Desk and monitor", to="it@corp.example, facilities@corp.example")
    _ingest(database, raw)
    second = _ingest(database, raw, rcpt="facilities@corp.example")
    Pipeline(database, services).drain()
    assert _inbound(database, second).status == "discarded"
    with database.sessions() as session:
        assert sorted(t.key for t in session.query(Ticket)) == ["FAC-000001", "IT-000001"]


def test_automatic_replies_per_sender_are_capped_per_hour(database, services):
    limit = services.max_automatic_replies_per_hour
    for n in range(limit + 3):
        _ingest(database, _mail(subject=f"Out of paper {n}", body=f"printer {n}"))
    Pipeline(database, services).drain()
    with database.sessions() as session:
        assert session.query(Ticket).count() == limit + 3  # every request is still a ticket
        assert session.query(Outbox).filter_by(kind="acknowledgement").count() == limit
        withheld = session.query(Event).filter_by(kind="acknowledgement_withheld").all()
    assert len(withheld) == 3 and "automatic replies in the last hour" in withheld[0].cause
    _ingest(database, _mail(subject="Other person", sender="Bo <bo@corp.example>"), mail_from="bo@corp.example")
    Pipeline(database, services).drain()
    with database.sessions() as session:
        assert session.query(Outbox).filter_by(kind="acknowledgement").count() == limit + 1  # the cap is per sender


@pytest.mark.parametrize("sender, mail_from", [
    ("Alerts <no-reply@corp.example>", "no-reply@corp.example"),
    ("Jira <jira-notifications@corp.example>", "bounces+123@corp.example"),
    ("Anna <anna@corp.example>", ""),  # null return path
])
def test_no_automatic_reply_to_senders_that_take_none(database, services, sender, mail_from):
    _ingest(database, _mail(sender=sender), mail_from=mail_from)
    Pipeline(database, services).drain()
    with database.sessions() as session:
        assert session.query(Ticket).count() == 1
        assert session.query(Outbox).filter_by(kind="acknowledgement").count() == (1 if "jira" in sender else 0)


def test_a_request_through_a_department_address_that_is_a_group_is_a_ticket(database, services):
    # hr@ or it@ kept as a Google Group: every request arrives with the group's list headers.
    group = ("List-ID: <it.corp.example>\r\nPrecedence: list\r\n"
             "List-Post: <mailto:it@corp.example>\r\nMailing-list: list it@corp.example\r\n")
    _ingest(database, _mail(extra=group))
    _ingest(database, _mail(subject="Our newsletter", extra="List-Id: <news.partner.example>\r\nPrecedence: list\r\n"),
            mail_from="news@partner.example")
    Pipeline(database, services).drain()
    with database.sessions() as session:
        assert [t.subject for t in session.query(Ticket)] == ["VPN not working"]
        assert session.query(Outbox).filter_by(kind="acknowledgement").count() == 1
        assert session.query(InboundMessage).filter_by(status="discarded").count() == 1  # the other list's


@pytest.mark.parametrize("address, robot", [
    *[(a, True) for a in ("no-reply@corp.example", "github-noreply@partner.example", "accounts.no_reply@partner.example",
                          "noreply2@partner.example", "ne-pas-repondre@partner.example", "nicht.antworten@partner.example",
                          "keine-antwort@partner.example", "noresponder@partner.example", "nao-responda@partner.example",
                          "non_rispondere@partner.example", "niet-beantwoorden@partner.example",
                          "svara-inte@partner.example", "nie-odpowiadaj@partner.example", "nobody@partner.example",
                          "do.not.respond@partner.example")],
    *[(a, False) for a in ("anna@corp.example", "noreen.walsh@partner.example", "knobody@partner.example",
                           "reply@partner.example", "jira-notifications@corp.example", "annoreply@partner.example")],
])
def test_addresses_that_take_no_replies_in_many_languages(address, robot):
    from workflows.pipeline import NO_REPLY_ADDRESS

    assert bool(NO_REPLY_ADDRESS.match(address)) is robot


def test_a_bounce_of_our_reply_is_an_event_on_its_ticket(database, services):
    ack = _first_ticket_and_ack(database, services)
    bounce = (b"From: Mail Delivery System <MAILER-DAEMON@mx.corp.example>\r\nTo: it@corp.example\r\n"
              b"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <bounce.1@mx.corp.example>\r\n"
              b"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n"
              b"--b\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you that your message could not be delivered.\r\n"
              b"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.corp.example\r\n\r\n"
              b"Final-Recipient: rfc822; anna@corp.example\r\nAction: failed\r\nStatus: 5.1.1\r\n"
              b"Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
              b"--b\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: it@corp.example\r\nMessage-ID: "
              + ack["Message-ID"].encode() + b"\r\nSubject: [IT-000001] VPN not working\r\n--b--\r\n")
    inbound_id = _ingest(database, bounce, mail_from="")
    Pipeline(database, services).drain()
    with database.sessions() as session:
        assert session.query(Ticket).count() == 1
        ticket = session.query(Ticket).one()
        event = session.query(Event).filter_by(kind="requester_undeliverable").one()
        assert event.ticket_id == ticket.id and str(inbound_id) in event.cause
        (recipient,) = event.data["recipients"]
        assert recipient["email"] == "anna@corp.example" and recipient["hard"] and recipient["status"] == "5.1.1"
        assert session.query(Message).filter_by(direction="in").count() == 1  # not a message from the requester
        assert session.query(Outbox).filter_by(kind="acknowledgement").count() == 1  # and never answered
    assert _inbound(database, inbound_id).ticket_id == ticket.id


def test_outlook_thread_index_threads_a_reply_that_lost_subject_and_references(database, services):
    original, reply_index_of_requester = "AdrX1Y2kP4a9QmZ5T0yGq3kLm7n8pQ==", "AdrX1Y2kP4a9QmZ5T0yGq3kLm7n8pQAAAAAQ"
    _ingest(database, _mail(extra=f"Thread-Index: {original}\r\n"))
    Pipeline(database, services).drain()
    with database.sessions() as session:
        ack = email.message_from_bytes(session.query(Outbox).filter_by(kind="acknowledgement").one().raw, policy=policy.default)
    assert ack["Thread-Index"].startswith(original[:28]) and ack["Thread-Topic"] == "VPN not working"
    _ingest(database, _mail(subject="printer too", body="and the printer", extra=f"Thread-Index: {reply_index_of_requester}\r\n"))
    _ingest(database, _mail(subject="hi", body="me too", sender="Mallory <mallory@corp.example>",
                            extra=f"Thread-Index: {reply_index_of_requester}\r\n"), mail_from="mallory@corp.example")
    Pipeline(database, services).drain()
    with database.sessions() as session:
        tickets = {t.key: t.requester_email for t in session.query(Ticket)}
        first = session.query(Ticket).filter_by(key="IT-000001").one()
        assert session.query(Message).filter_by(ticket_id=first.id, direction="in").count() == 2
    assert tickets == {"IT-000001": "anna@corp.example", "IT-000002": "mallory@corp.example"}


def test_html_only_mail_and_routing_by_address(database, services):
    raw = (b"From: b@corp.example\r\nTo: facilities@corp.example\r\nSubject: Heating\r\n"
           b"Content-Type: text/html\r\n\r\n<p>The <b>heating</b> is broken</p><script>x()</script>\r\n")
    _ingest(database, raw, rcpt="facilities@corp.example")
    Pipeline(database, services).drain()
    with database.sessions() as session:
        ticket = session.query(Ticket).one()
        message = session.query(Message).filter_by(direction="in").one()
    assert ticket.key.startswith("FAC-")
    assert "heating" in message.body_text and "x()" not in message.body_text


def test_autoreply_to_nothing_is_discarded_and_never_answered(database, services):
    inbound_id = _ingest(database, _mail(subject="Out of Office: back Monday", extra="Auto-Submitted: auto-replied\r\n"))
    Pipeline(database, services).drain()
    row = _inbound(database, inbound_id)
    assert row.status == "discarded" and "autoreply" in row.error
    with database.sessions() as session:
        assert session.query(Outbox).filter_by(kind="acknowledgement").count() == 0 and session.query(Ticket).count() == 0


def test_mail_from_our_own_address_is_a_loop(database, services):
    inbound_id = _ingest(database, _mail(sender="IT <it@corp.example>"))
    Pipeline(database, services).drain()
    row = _inbound(database, inbound_id)
    assert row.status == "discarded" and "loop" in row.error


def test_duplicate_message_id_creates_no_second_ticket(database, services):
    raw = _mail()
    _ingest(database, raw)
    second = _ingest(database, raw)
    Pipeline(database, services).drain()
    assert _inbound(database, second).status == "discarded"
    with database.sessions() as session:
        assert session.query(Ticket).count() == 1


def test_garbage_is_quarantined_with_reason(database, services):
    inbound_id = _ingest(database, b"\r\n\r\n")
    Pipeline(database, services).drain()
    row = _inbound(database, inbound_id)
    assert row.status == "quarantined" and "unparseable" in row.error


def test_failing_stage_rolls_back_and_quarantines(database, services, monkeypatch, staged):
    import workflows.pipeline as pipeline_module

    def explode(*args, **kwargs):
        raise RuntimeError("template store offline")

    monkeypatch.setattr(pipeline_module, "acknowledgement", explode)
    inbound_id = _ingest(database, _mail())
    Pipeline(database, services).drain()
    row = _inbound(database, inbound_id)
    assert row.status == "quarantined" and "stage respond failed" in row.error
    with database.sessions() as session:
        assert session.query(Ticket).count() == 0 and session.query(Event).count() == 0
    _ingest(database, _mail(subject="another"))
    monkeypatch.undo()
    Pipeline(database, services).drain()
    with database.sessions() as session:
        # In the transaction, the rolled-back attempt used up no ticket number; staged, it had reserved one.
        assert session.query(Ticket).one().key == ("IT-000002" if staged else "IT-000001")


def test_a_failing_message_leaves_the_rest_of_its_batch_alone(database, services, monkeypatch, staged):
    import workflows.pipeline as pipeline_module

    real = pipeline_module.acknowledgement

    def explode_on_boom(services, department, ticket, parsed, now, **kwargs):
        if parsed.subject == "boom":
            raise RuntimeError("renderer crashed")
        return real(services, department, ticket, parsed, now, **kwargs)

    monkeypatch.setattr(pipeline_module, "acknowledgement", explode_on_boom)
    ids = [_ingest(database, _mail(subject=subject)) for subject in ("first", "boom", "third")]
    assert Pipeline(database, services, batch=10).process_next() == 3  # one batch
    assert [_inbound(database, i).status for i in ids] == ["done", "quarantined", "done"]
    with database.sessions() as session:
        tickets = {t.subject: t.key for t in session.query(Ticket)}
        assert tickets == {"first": "IT-000001", "third": "IT-000003" if staged else "IT-000002"}
        assert session.query(Outbox).filter_by(kind="acknowledgement").count() == 2
        assert session.query(Event).filter(Event.ticket_id.is_(None)).count() == 0
        assert session.query(Message).filter_by(direction="in").count() == 2


def test_header_injection_in_subject_does_not_reach_reply_headers(database, services):
    raw = _mail(subject="=?utf-8?q?Hi=0D=0ABcc=3A_victim=40evil=2Eexample?=")
    _ingest(database, raw)
    Pipeline(database, services).drain()
    with database.sessions() as session:
        outbox = session.query(Outbox).filter_by(kind="acknowledgement").one()
    reply = email.message_from_bytes(outbox.raw, policy=policy.default)
    assert reply["Bcc"] is None
    assert "\n" not in reply["Subject"]


def test_a_message_prepared_by_two_workers_is_written_once(sqlite_database, services):
    from storage import InboundStatus

    _ingest(sqlite_database, _mail())
    late = Pipeline(sqlite_database, services)
    with sqlite_database.sessions() as session:
        (inbound,) = repo.next_pending_inbound(session)
        ctx = late._context(session, inbound)
        prepared = late._run(ctx, late.reading, in_transaction=False)
    assert prepared is None
    assert Pipeline(sqlite_database, services).drain() == 1  # the other worker wins
    with sqlite_database.transaction() as session:  # ... and this one backs off
        assert late._settle(session, ctx, prepared, late.writing) == InboundStatus.PENDING
    with sqlite_database.sessions() as session:
        assert session.query(Ticket).count() == 1
        assert session.query(Outbox).filter_by(kind="acknowledgement").count() == 1
        assert session.query(Event).filter_by(kind="created").count() == 1

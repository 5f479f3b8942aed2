"""Delivery reports as each MTA writes them (samples/*.eml): kind, and per recipient address, status, action, hardness."""
from pathlib import Path

import pytest

from mailgateway.bounces import from_delivery_status
from mailgateway.hygiene import classify
from mailgateway.parse import parse

SAMPLES = Path(__file__).parent / "samples"

# file, kind, [(email, status, action, hard, words in the diagnostic)]; a report that writes no enhanced status
# (Domino, Yahoo, Barracuda, Mimecast) gets the one its words mean, in the class of its reply code
REPORTS = [
    ("postfix_bounce.eml", "bounce", [("jdoe@partner.example", "5.1.1", "failed", True, "User unknown in virtual mailbox table")]),
    ("postfix_delayed.eml", "dsn_delayed", [("slow@partner.example", "4.4.1", "delayed", False, "Connection timed out")]),
    ("postfix_delivered.eml", "dsn_delivered", [("boss@partner.example", "2.0.0", "relayed", False, "queued as 7C1D2E3F")]),
    ("exim_bounce.eml", "bounce", [("nobody@partner.example", "5.1.1", "failed", True, "Recipient address rejected")]),
    ("exim_delayed.eml", "dsn_delayed", [("greylisted@partner.example", "4.7.1", "delayed", False, "Greylisted")]),
    ("qmail_bounce.eml", "bounce", [("gone@oldhost.example", "5.1.1", "failed", True, "no mailbox here by that name")]),
    ("sendmail_bounce.eml", "bounce", [("missing@customer.example", "5.1.1", "failed", True, "User unknown")]),
    ("sendmail_delayed.eml", "dsn_delayed", [("later@customer.example", "4.4.7", "delayed", False, None)]),
    ("o365_bounce.eml", "bounce", [("someone@contoso.com", "5.1.10", "failed", True, "RecipientNotFound")]),
    ("exchange2010_bounce.eml", "bounce", [("peter.meyer@fabrikam.example", "5.1.1", "failed", True, "RecipNotFound")]),
    ("exchange_delayed.eml", "dsn_delayed", [("waiting@fabrikam.example", "4.4.7", "delayed", False, "Message delayed")]),
    ("exchange_delivered.eml", "dsn_delivered", [("peter.meyer@fabrikam.example", "2.0.0", "delivered", False, None)]),
    ("gmail_bounce.eml", "bounce", [("nosuchuser@gmail.com", "5.1.1", "failed", True, "does not exist")]),
    ("gmail_delayed.eml", "dsn_delayed", [("slow@partner.example", "4.4.2", "delayed", False, "timeout exceeded")]),
    ("ses_bounce.eml", "bounce", [("bounce@simulator.amazonses.com", "5.1.1", "failed", True, "user unknown")]),
    ("domino_bounce.eml", "bounce", [("jsmith@acme.example", "5.1.1", "failed", True, "not listed in Domino Directory")]),
    ("yahoo_bounce.eml", "bounce", [("nonexistent.person@yahoo.com", "5.1.1", "failed", True, "doesn't have a yahoo.com account")]),
    ("barracuda_bounce.eml", "bounce", [("ceo@client.example", "5.7.1", "failed", True, "permanent failure")]),
    ("proofpoint_bounce.eml", "bounce", [("finance@client.example", "5.7.1", "failed", True, "blocked due to content policy")]),
    ("mimecast_bounce.eml", "bounce", [("alex@client.example", "5.7.1", "failed", True, "Administrative prohibition")]),
    ("symantec_bounce.eml", "bounce", [("bob@client.example", "5.7.1", "failed", True, "Recipient rejected by policy")]),
    ("exchange2003_de_bounce.eml", "bounce", [("hans.huber@partner.example", "5.1.1", "failed", True, "User unknown")]),
    *[(f"exchange_{lang}_bounce.eml", "bounce", [(address, "5.1.1", "failed", True, "RecipNotFound")])
      for lang, address in [("de", "klaus.weber@fabrikam.example"), ("fr", "claire.martin@fabrikam.example"),
                            ("es", "lucia.garcia@fabrikam.example"), ("it", "marco.rossi@fabrikam.example"),
                            ("nl", "jan.devries@fabrikam.example"), ("pt", "joao.silva@fabrikam.example")]],
]


@pytest.mark.parametrize("name, kind, expected", REPORTS, ids=[r[0] for r in REPORTS])
def test_report_kind_and_recipients(name, kind, expected):
    classification = classify(parse((SAMPLES / name).read_bytes()))
    assert classification.kind == kind
    assert classification.auto_generated is True
    got = [(r.email, r.status, r.action, r.hard) for r in classification.recipients]
    assert got == [(email, status, action, hard) for email, status, action, hard, _ in expected]
    for r, (*_, words) in zip(classification.recipients, expected):
        if words is None:
            assert r.diagnostic is None
        else:
            assert words in r.diagnostic


def test_record_shape_of_a_bounce():
    record = classify(parse((SAMPLES / "exim_bounce.eml").read_bytes())).as_record()
    assert record == {"kind": "bounce", "auto_generated": True, "bounce": {"recipients": [{
        "email": "nobody@partner.example", "status": "5.1.1", "action": "failed", "hard": True,
        "diagnostic": "550 5.1.1 <nobody@partner.example>: Recipient address rejected: User unknown"}]}}


def test_report_without_a_return_path_header_is_still_a_bounce():
    # Saved from a mailbox without the Return-Path line: the daemon sender and the text decide.
    raw = (SAMPLES / "qmail_bounce.eml").read_bytes().replace(b"Return-Path: <>\n", b"")
    assert classify(parse(raw)).kind == "bounce"


def test_the_envelope_given_by_the_pipeline_wins_over_the_header():
    raw = (SAMPLES / "exchange2003_de_bounce.eml").read_bytes()
    assert classify(parse(raw), envelope_from="").kind == "bounce"


def test_delivery_status_with_several_recipients_and_no_blank_lines_between_them():
    text = ("Reporting-MTA: dns; mx.corp.example\n\n"
            "Final-Recipient: rfc822; a@partner.example\nAction: failed\nStatus: 5.2.2\n"
            "Diagnostic-Code: smtp; 552 5.2.2 Mailbox full\n"
            "Original-Recipient: rfc822; B@Partner.example\nFinal-Recipient: rfc822; b@partner.example\n"
            "Action: delayed\nStatus: 4.4.1\n")
    got = from_delivery_status(text)
    assert [(r.email, r.status, r.action, r.hard, r.diagnostic) for r in got] == [
        ("a@partner.example", "5.2.2", "failed", True, "552 5.2.2 Mailbox full"),
        ("b@partner.example", "4.4.1", "delayed", False, None),
    ]


def test_delivery_status_with_the_recipient_after_action_and_status():
    # Sun's and Oracle's messaging servers write Action and Status first, then the recipient's fields.
    text = ("Reporting-MTA: dns; mx.partner.example\n\n"
            "Action: failed\nStatus: 5.2.2 (recipient reached disk quota)\n"
            "Original-recipient: rfc822;anna@partner.example\nFinal-recipient: rfc822;anna@store-daemon\n\n"
            "Action: failed\nStatus: 5.1.1\nOriginal-recipient: rfc822;jan@partner.example\n")
    assert [(r.email, r.status) for r in from_delivery_status(text)] == [
        ("anna@partner.example", "5.2.2"), ("jan@partner.example", "5.1.1")]


def test_an_action_in_the_per_message_block_is_no_recipient_of_its_own():
    # Some gateways write the Action once, among the per-message fields, before the recipient's block.
    text = ("Reporting-MTA: dns; gw.partner.example\nRemote-MTA: dns; mx.partner.example\nAction: failed\n"
            "Arrival-Date: Mon, 23 Nov 2026 09:12:44 +0100\n\n"
            "Final-Recipient: rfc822; jdoe@partner.example\nDiagnostic-Code: smtp; 550 mailbox unavailable\n"
            "Status: 5.2.1\n")
    assert [(r.email, r.status, r.action, r.hard) for r in from_delivery_status(text)] == [
        ("jdoe@partner.example", "5.2.1", "failed", True)]


@pytest.mark.parametrize("diagnostic, action, status", [
    ("smtp; 550 5.1.1 User unknown", "failed", "5.1.1"),
    ("smtp; 552 Mailbox full", "failed", "5.2.2"),
    ("smtp; 451 Temporary local problem", "delayed", "4.0.0"),
    ("X-Notes; the recipient could not be reached", "failed", None),
])
def test_a_record_without_a_status_field_takes_it_from_the_diagnostic(diagnostic, action, status):
    # Some gateways write Final-Recipient, Action and Diagnostic-Code but no Status field.
    text = ("Reporting-MTA: dns; gw.partner.example\n\n"
            f"Final-Recipient: <jdoe@partner.example>\nAction: {action}\nRemote-MTA: MRT; 192.0.2.7\n"
            f"Diagnostic-Code: {diagnostic}\n")
    assert [(r.email, r.status, r.action) for r in from_delivery_status(text)] == [("jdoe@partner.example", status, action)]


def test_a_report_with_one_failed_and_one_delayed_recipient_is_a_bounce():
    raw = (SAMPLES / "postfix_delayed.eml").read_bytes().replace(
        b"Will-Retry-Until: Sat, 28 Nov 2026 10:00:03 +0100 (CET)\n",
        b"Will-Retry-Until: Sat, 28 Nov 2026 10:00:03 +0100 (CET)\n\n"
        b"Final-Recipient: rfc822; gone@partner.example\nAction: failed\nStatus: 5.1.1\n")
    classification = classify(parse(raw))
    assert classification.kind == "bounce"
    assert [(r.email, r.hard) for r in classification.recipients] == [
        ("slow@partner.example", False), ("gone@partner.example", True)]


def _person(subject: str, body: str, sender: str = "Anna Schmidt <anna@corp.example>") -> bytes:
    return (f"Return-Path: <anna@corp.example>\nFrom: {sender}\nTo: it@corp.example\nSubject: {subject}\n"
            f"Message-ID: <p.1@corp.example>\nContent-Type: text/plain; charset=utf-8\n\n{body}").encode()


@pytest.mark.parametrize("subject, body", [
    ("Undelivered parcel", "Hi, my parcel was undelivered twice. Where is it now?\n"),
    ("Delivery failure of my order 4711", "The delivery of my new laptop failed, can you check with the courier?\n"),
    ("Fw: Undeliverable: Budget 2027",
     "Hi IT, I keep getting this when I write to finance. Can you help?\n\n"
     "-----Original Message-----\nFrom: Microsoft Outlook <postmaster@corp.example>\nSubject: Undeliverable: Budget 2027\n\n"
     "Delivery has failed to these recipients or groups:\n\nfinance@corp.example\n"
     "Diagnostic information for administrators:\nRemote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound'\n"),
    ("Mails to our partner bounce",
     "Since Monday my mails come back with 'Your message couldn't be delivered' and "
     "'550 5.1.1 User unknown'. What can I do?\n"),
])
def test_people_writing_about_failed_deliveries_are_normal(subject, body):
    classification = classify(parse(_person(subject, body)))
    assert classification.kind == "normal"
    assert classification.auto_generated is False
    assert classification.as_record()["bounce"] is None


@pytest.mark.parametrize("subject, outcome", [
    ("Undelivered Mail Returned to Sender", "failed"),
    ("Mail delivery failed : returning message to sender", "failed"),
    ("Returned mail: see transcript for details", "failed"),
    ("Message Delivery Failure", "failed"),
    ("Delivery Notification: Delivery has failed", "failed"),
    ("Undeliverable mail: Server room", "failed"),
    ("Nondeliverable mail", "failed"),
    ("[EXT] Undeliverable: Budget", "failed"),
    ("Benachrichtung zum Übermittlungsstatus (Fehler)", "failed"),
    ("Notification d'état de remise (échec)", "failed"),
    ("Warning: message 1qXyZa-0001Ab-Cd delayed 24 hours", "delayed"),
    ("Delayed Mail (still being retried)", "delayed"),
    ("Delivery Status Notification (Delay)", "delayed"),
    ("Zustellung verzögert: Drucker", "delayed"),
    ("Delivery Status Notification (Success)", "delivered"),
    ("Relayed: Server room access", "delivered"),
    ("Re: Undeliverable: Budget", None),
    ("Fw: Returned mail: see transcript for details", None),
    ("Printer on floor 3", None),
])
def test_report_subjects(subject, outcome):
    from mailgateway.bounces import subject_outcome
    assert subject_outcome(subject) == outcome


def test_a_local_daemon_without_a_domain_still_counts_as_a_mail_system():
    raw = (SAMPLES / "proofpoint_bounce.eml").read_bytes().replace(
        b"From: MAILER-DAEMON@mx0a-00123401.pphosted.com (Mail Delivery System)",
        b"From: MAILER-DAEMON (Mail Delivery System)")
    parsed = parse(raw)
    assert parsed.sender.email == ""
    assert classify(parsed).kind == "bounce"


def test_an_autoreply_that_returns_the_original_is_no_bounce():
    raw = (b"Return-Path: <>\nFrom: Anna Schmidt <anna@partner.example>\nTo: it@corp.example\n"
           b"Subject: Out of office: back on Monday\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=X\n\n"
           b"--X\nContent-Type: text/plain\n\nI am away until Monday.\n"
           b"--X\nContent-Type: message/rfc822\n\nFrom: it@corp.example\nSubject: [IT-000123]\n\nHello\n--X--\n")
    assert classify(parse(raw)).kind == "autoreply"


def test_a_challenge_that_returns_the_original_is_no_bounce():
    raw = (b"Return-Path: <>\nFrom: anna-confirm+1763888999.12345.d2a1e0@partner.example\nTo: it@corp.example\n"
           b"Subject: Please confirm your message\nX-Delivery-Agent: TMDA/1.1.12 (Macallan)\nMIME-Version: 1.0\n"
           b"Content-Type: multipart/mixed; boundary=X\n\n--X\nContent-Type: text/plain\n\n"
           b"To release your message for delivery, please reply to this message.\n"
           b"--X\nContent-Type: message/rfc822\n\nFrom: it@corp.example\nSubject: [IT-000123]\n\nHello\n--X--\n")
    assert classify(parse(raw)).kind == "challenge_response"


# --- reports in the words of MTAs that write no RFC 3464 part -------------------------------------------

def _report(subject: str, body: str, sender: str = "Mail Delivery System <MAILER-DAEMON@mx.partner.example>",
            extra: str = "") -> bytes:
    return (f"Return-Path: <>\nFrom: {sender}\nTo: it@corp.example\nSubject: {subject}\n{extra}"
            f"Message-ID: <r.1@mx.partner.example>\nContent-Type: text/plain; charset=utf-8\n\n{body}").encode()


def _kind_and_addresses(raw: bytes) -> tuple[str, list[str]]:
    classification = classify(parse(raw))
    return classification.kind, [r.email for r in classification.recipients]


def test_the_recipient_is_the_address_the_sender_wrote_when_the_report_names_both():
    # After an alias, the final recipient is an internal mailbox name; the sender wrote the original.
    got = from_delivery_status("Reporting-MTA: dns; mx.partner.example\n\n"
                               "Final-Recipient: rfc822; a.schmidt@store3.partner.example\n"
                               "Original-Recipient: rfc822; anna@partner.example\nAction: failed\nStatus: 5.2.1\n")
    assert [(r.email, r.status) for r in got] == [("anna@partner.example", "5.2.1")]


def test_an_x400_final_recipient_gives_way_to_the_internet_address():
    got = from_delivery_status("Reporting-MTA: x400; gw.partner.example\n\n"
                               "Original-Recipient: rfc822; anna@partner.example\n"
                               "Final-Recipient: x400; /G=Anna/S=Schmidt/O=Partner/PRMD=partner/ADMD= /C=DE/\n"
                               "Action: failed\nStatus: 5.1.1\n")
    assert [r.email for r in got] == ["anna@partner.example"]


def test_the_final_recipient_counts_when_the_original_is_not_an_internet_address():
    got = from_delivery_status("Reporting-MTA: dns; mx.partner.example\n\n"
                               "Original-Recipient: x400; /G=Anna/S=Schmidt/\n"
                               "Final-Recipient: rfc822; anna@partner.example\nAction: failed\nStatus: 5.1.1\n")
    assert [r.email for r in got] == ["anna@partner.example"]


def test_summary_lines_of_the_original_are_not_the_failed_recipients():
    # Exchange 5.5 and Lotus Notes summarise the original ("To:", "Subject:") before naming the failure.
    body = ("Your message\n\n  To:      printers@partner.example\n  Cc:      anna@partner.example\n"
            "  Subject: Toner for floor 3\n  Sent:    Mon, 23 Nov 2026 09:12:44 +0100\n\n"
            "did not reach the following recipient(s):\n\n"
            "jdoe@partner.example on Mon, 23 Nov 2026 09:12:50 +0100\n"
            "    The recipient name is not recognized\n")
    assert _kind_and_addresses(_report("Undeliverable: Toner for floor 3", body,
                                       sender="System Administrator <postmaster@partner.example>")) == (
        "bounce", ["jdoe@partner.example"])


def test_a_summary_line_is_the_failure_when_nothing_else_names_one():
    body = ("Your message could not be delivered to the following recipients:\n\n"
            "* To: jdoe@partner.example\n* Subject: Toner\n\nReason: mailbox unavailable\n")
    assert _kind_and_addresses(_report("Message not delivered", body)) == ("bounce", ["jdoe@partner.example"])


def test_an_x400_gateway_attribute_prefix_is_not_part_of_the_address():
    body = ("Your message was not delivered to the following recipients:\n\n"
            "  dda:SMTP=jdoe@partner.example\n  Reason: unable to transfer, no such recipient\n")
    assert _kind_and_addresses(_report("Delivery report: undeliverable message", body)) == (
        "bounce", ["jdoe@partner.example"])


def test_a_failed_recipients_block_from_a_gateway_that_is_no_mailer_daemon():
    body = "--- Failed Recipients ---\njdoe@partner.example\n\nReason: 550 mailbox unavailable\n"
    raw = _report("Undeliverable: Toner", body, sender="Email Security <gateway@partner.example>")
    assert _kind_and_addresses(raw) == ("bounce", ["jdoe@partner.example"])


def _disposition_report(head: str, text: str, fields: str) -> bytes:
    return (f"{head}To: it@corp.example\nMIME-Version: 1.0\n"
            "Content-Type: multipart/report; report-type=disposition-notification; boundary=R\n\n"
            f"--R\nContent-Type: text/plain; charset=utf-8\n\n{text}"
            f"--R\nContent-Type: message/disposition-notification\n\n{fields}--R--\n").encode()


def test_a_sieve_reject_sent_as_a_disposition_notification_is_a_bounce():
    raw = _disposition_report(
        "Return-Path: <>\nFrom: Mail Delivery Subsystem <MAILER-DAEMON@mx.partner.example>\n"
        "Subject: Automatically rejected mail\n",
        "Your message to <jdoe@partner.example> was automatically rejected:\nQuota exceeded (mailbox for user is full)\n",
        "Reporting-UA: mx.partner.example; Dovecot Mail Delivery Agent\nFinal-Recipient: rfc822; jdoe@partner.example\n"
        "Original-Message-ID: <IT-000123.abc@corp.example>\n"
        "Disposition: automatic-action/MDN-sent-automatically; deleted\n")
    assert _kind_and_addresses(raw) == ("bounce", ["jdoe@partner.example"])


def test_a_read_receipt_is_still_an_autoreply():
    raw = _disposition_report(
        "From: Jan de Vries <jan@partner.example>\nSubject: Read: Toner\n", "Your message was read on Monday.\n",
        "Final-Recipient: rfc822; jan@partner.example\nDisposition: manual-action/MDN-sent-manually; displayed\n")
    assert classify(parse(raw)).kind == "autoreply"


@pytest.mark.parametrize("subject, body, kind", [
    # A subject of failure over a text that says delivery is still being tried: a warning.
    ("Returned mail: warning", "Your message to jdoe@partner.example could not be delivered yet: connection "
     "timed out.\nDelivery attempts will continue to be made for 4 days.\n", "dsn_delayed"),
    ("Message delivery failure", "This is an advisory-only email. Please do not reply to it.\n\n"
     "Delivery of the email you sent to jdoe@partner.example has been postponed because the remote "
     "server is not responding.\nThe system will continue to try to deliver the email.\n", "dsn_delayed"),
    # Words of retrying next to words of giving up: final.
    ("Undelivered Mail Returned to Sender", "Delivery to jdoe@partner.example was tried for 5 days and the "
     "system will retry no more: giving up. The failure is permanent.\n", "bounce"),
])
def test_a_warning_under_a_failure_subject_is_a_delay(subject, body, kind):
    assert _kind_and_addresses(_report(subject, body)) == (kind, ["jdoe@partner.example"])


@pytest.mark.parametrize("text, report", [
    ("Your message could not be delivered to the following recipients:", True),
    ("Your message did not reach the following recipient(s):", True),
    ("Your e-mail couldn't be delivered because the mailbox is full.", True),
    ("The following message could not be delivered to all recipients.", True),
    ("---- Failed Recipients ----\njdoe@partner.example", True),
    ("Delivery of your message to jdoe@partner.example has been postponed.", True),
    ("This is an advisory-only email. Please do not reply to it.", True),
    ("The courier postponed the delivery of my chair again.", False),
    ("Could you deliver the following items to room 3.12?", False),
])
def test_report_texts_of_more_mta_formats(text, report):
    from mailgateway.bounces import has_report_text
    assert has_report_text(text) is report


@pytest.mark.parametrize("address, daemon", [
    ("\\postmaster@partner.example", True), ('"MAILER-DAEMON"@partner.example', True),
    ("postmaster@partner.example", True), ("anna@partner.example", False), ("post.master.anna@partner.example", False),
])
def test_mail_system_senders_quoted_or_escaped(address, daemon):
    from mailgateway.bounces import is_daemon
    assert is_daemon(address) is daemon


_ATTACHED_REPORT = (
    b"From: postmaster@mx.partner.example\nTo: it@corp.example\nSubject: Delivery Status Notification (Failure)\n"
    b"MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=IN\n\n"
    b"--IN\nContent-Type: text/plain\n\nDelivery to the following recipients failed.\n\n"
    b"--IN\nContent-Type: message/delivery-status\n\nReporting-MTA: dns;mx.partner.example\n\n"
    b"Final-Recipient: rfc822;jdoe@partner.example\nAction: failed\nStatus: 5.1.1\n--IN--\n")


def _with_attached_report(head: bytes, text: bytes) -> bytes:
    return (head + b"To: it@corp.example\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=OUT\n\n"
            b"--OUT\nContent-Type: text/plain\n\n" + text + b"--OUT\nContent-Type: message/rfc822\n"
            b"Content-Disposition: attachment\n\n" + _ATTACHED_REPORT + b"--OUT--\n")


def test_a_report_a_gateway_relayed_as_an_attached_message_names_its_recipients():
    raw = _with_attached_report(b"From: postmaster@partner.example\nSubject: Delivery Status Notification (Failure)\n",
                                b"This is a MIME-formatted message.\n")
    classification = classify(parse(raw))
    assert classification.kind == "bounce"
    assert [(r.email, r.status, r.hard) for r in classification.recipients] == [("jdoe@partner.example", "5.1.1", True)]


def test_a_person_forwarding_a_report_as_an_attachment_is_no_bounce():
    raw = _with_attached_report(b"From: Anna Schmidt <anna@corp.example>\nSubject: Fw: my mail bounces\n",
                                b"Why does my mail to jdoe come back?\n")
    classification = classify(parse(raw))
    assert classification.kind == "normal" and classification.recipients is None


def test_a_recipient_summarised_first_and_then_named_is_the_failure_and_message_ids_are_no_recipients():
    # Sun/Oracle Messaging Server: the original's header fields first (Message-id, To ...), then the recipient.
    body = ("This report relates to a message you sent with the following header fields:\n\n"
            "  Message-id: <IT-000123.abc@corp.example>\n  From: it@corp.example\n  To: jdoe@partner.example\n"
            "  Subject: Toner\n\nYour message cannot be delivered to the following recipients:\n\n"
            "  Recipient address: jdoe@partner.example\n  Reason: Remote SMTP server has rejected address\n"
            "  Diagnostic code: smtp;550 5.1.1 <jdoe@partner.example>... User unknown\n")
    raw = _report("Delivery Notification: Delivery has failed", body,
                  sender="Internet Mail Delivery <postmaster@partner.example>")
    classification = classify(parse(raw))
    assert [(r.email, r.status) for r in classification.recipients] == [("jdoe@partner.example", "5.1.1")]


@pytest.mark.parametrize("sender_line", [
    "  MAIL FROM: news@lists.corp.example\n",
    "  Envelope-From: <news@lists.corp.example>\n",
])
def test_the_envelope_sender_named_in_a_report_is_no_recipient(sender_line):
    # Apache James lists the original's envelope; the sender (a list, not the report's addressee) is not the failure.
    body = ("I'm afraid I wasn't able to deliver your message to the following addresses.\n\n"
            "Error message:\n550 - Requested action not taken: no such user here\n\nMessage details:\n"
            f"  Subject: Toner\n{sender_line}  RCPT TO: jdoe@partner.example\n")
    assert _kind_and_addresses(_report("[BOUNCE]", body, sender="postmaster@partner.example")) == (
        "bounce", ["jdoe@partner.example"])


def test_recipients_listed_by_their_name_alone_are_at_the_reporting_domain():
    # AOL lists its members by screen name, under a line that names the (list) sender it refused.
    body = ("Your mail to the following recipients could not be delivered because they are not accepting "
            "mail from news@lists.corp.example:\n\tscreenname\n\tother.member\n")
    raw = _report("Mail Delivery Problem", body, sender="Mail Delivery Subsystem <MAILER-DAEMON@aol.example>")
    assert _kind_and_addresses(raw) == ("bounce", ["screenname@aol.example", "other.member@aol.example"])


@pytest.mark.parametrize("subject", [
    "Det gick inte att leverera: Toner", "Kan ikke leveres: Toner", "Ei voitu toimittaa: Toner", "Niedostarczalne: Toner",
    "Nedoručitelné: Toner", "Недоставляемое сообщение: Toner", "配信不能: Toner", "无法投递: Toner", "배달되지 않음: Toner",
    "Teslim Edilemedi: Toner", "Kézbesíthetetlen: Toner", "Delivery status notification: error",
])
def test_failure_subjects_in_more_languages(subject):
    from mailgateway.bounces import subject_outcome
    assert subject_outcome(subject) == "failed"


@pytest.mark.parametrize("subject", ["Delivery status notification: delay", "WARNING: delayed mail."])
def test_more_delay_subjects(subject):
    from mailgateway.bounces import subject_outcome
    assert subject_outcome(subject) == "delayed"


def test_exchange_text_in_another_language_from_an_ordinary_sender_is_a_bounce():
    # Its words are Swedish; its diagnostic line is the same in every language.
    body = ("Leveransen misslyckades till följande mottagare eller grupper:\n\njdoe@partner.example\n\n"
            "Generating server: mx.partner.example\n\njdoe@partner.example\n"
            "#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##\n")
    raw = _report("Det gick inte att leverera: Toner", body, sender="Exchange Admin <exadmin@partner.example>")
    classification = classify(parse(raw))
    assert classification.kind == "bounce"
    assert [(r.email, r.status) for r in classification.recipients] == [("jdoe@partner.example", "5.1.1")]


@pytest.mark.parametrize("subject, body", [
    # MailMarshal
    ('Undeliverable Mail: "Toner"', ("Your message:\n   From:    it@corp.example\n   Subject: Toner\n\n"
                                     "Could not be delivered because of\n\n550 5.1.1 User unknown\n\n"
                                     "The following recipients were affected:\n    jdoe@partner.example\n")),
    # Lotus Notes' router
    ("Undeliverable message", ("------- Failure Reasons  --------\n\n"
                               "User not listed in public Name & Address Book\njdoe@partner.example\n")),
    # Exchange 2007
    ("Undeliverable: Toner", ("Delivery has failed to these recipients or distribution lists:\n\n"
                              "jdoe@partner.example\nThe e-mail address you entered couldn't be found.\n")),
])
def test_gateway_reports_from_a_sender_that_is_no_mailer_daemon(subject, body):
    raw = _report(subject, body, sender="Mail Gateway <gateway@partner.example>")
    assert _kind_and_addresses(raw) == ("bounce", ["jdoe@partner.example"])


@pytest.mark.parametrize("sender", ['"Mail System" <>', "Courier mail server at mx.partner.example <@>"])
def test_a_from_with_the_null_address_is_a_mail_system_even_with_list_headers(sender):
    body = "Your mail cannot be delivered to the following address(es):\n\n jdoe@partner.example  (mailbox full)\n"
    raw = _report("Mail Error", body, sender=sender, extra="List-Id: <sales.corp.example>\n").replace(
        b"Return-Path: <>\n", b"Return-Path: <sales-bounces@corp.example>\n")
    assert _kind_and_addresses(raw) == ("bounce", ["jdoe@partner.example"])


def test_a_person_writing_with_the_subject_mail_error_is_normal():
    raw = _person("Mail Error", "Every time I send to our partner I get 'Your mail cannot be delivered'. "
                                "Can you check?\n")
    assert classify(parse(raw)).kind == "normal"


@pytest.mark.parametrize("words, status", [
    ("550 Mailbox is full", "5.2.2"),
    ("Sorry, no mailbox here by that name.", "5.1.1"),
    ("This account has been disabled or discontinued", "5.2.1"),
    ("Host or domain name not found", "5.1.2"),
    ("552 Message size exceeds fixed maximum message size", "5.3.4"),
    ("554 Relay access denied", "5.7.1"),
    ("the message is too long in the queue", "5.4.7"),
    ("connect to mx.partner.example[192.0.2.25]:25: Connection refused", "5.4.1"),
    ("550 5.2.1 Mailbox disabled, user unknown", "5.2.1"),  # a status written wins over words
    ("550 something went wrong", "5.0.0"),
    ("This person's account is exceeding their\n    quota.", "5.2.2"),  # the words wrapped
    ("The message could not be delivered because the user's mailfolder is full.", "5.2.2"),
    ("permission denied. Command output: Mail quota\n    exceeded.", "5.2.2"),
    ("Invalid final delivery userid", "5.1.1"),
    ("554 Recipient address rejected: unknown domain name", "5.1.2"),
    ("552 Message length exceeds administrative limit", "5.3.4"),
    ("The mailbox has been suspended", "5.2.1"),
    ("The message has been in the queue too long", "5.4.7"),
    ("Delivery failed 20 attempts", "5.4.7"),  # IMail, the words before the address
    ("The recipient server did not respond.", "5.4.1"),
])
def test_a_report_without_a_status_gets_the_one_its_words_mean(words, status):
    body = f"I'm afraid I wasn't able to deliver your message to the following addresses.\n\n<jdoe@partner.example>:\n{words}\n"
    classification = classify(parse(_report("failure notice", body)))
    assert [(r.email, r.status, r.hard) for r in classification.recipients] == [("jdoe@partner.example", status, True)]


def test_a_delay_without_a_status_gets_a_temporary_one():
    body = ("This is a warning message only.\nDelivery to jdoe@partner.example has been delayed: mailbox full.\n"
            "Delivery attempts will continue.\n")
    classification = classify(parse(_report("Delivery delayed", body)))
    assert [(r.email, r.status, r.hard) for r in classification.recipients] == [("jdoe@partner.example", "4.2.2", False)]


def test_a_gateway_report_under_the_subject_it_answers_is_a_bounce():
    # A content gateway answering in the thread, from an ordinary address: its text opens with the report.
    body = ("***********************************************\nVotre message n'a pas pu etre delivre a\n"
            "jdoe@partner.example\n\n***********************************************\n"
            "Your message could not be delivered to\njdoe@partner.example\n")
    raw = _person("RE: Toner for floor 3 : non remis", body, sender="Mail Gateway <gw-notify@partner.example>")
    assert _kind_and_addresses(raw) == ("bounce", ["jdoe@partner.example"])


@pytest.mark.parametrize("subject, body", [
    # the same words further down, after a person's own
    ("Re: Toner for floor 3", "Hi,\nI got this back:\nYour message could not be delivered to\njdoe@partner.example\n"),
    # a person forwarding the report without a word of their own
    ("Fw: Toner for floor 3", "Your message could not be delivered to\njdoe@partner.example\n"),
    # the words first, but no address: a person talking about a device
    ("Re: printer", "Your message could not be delivered to the printer either, it says offline.\n"),
])
def test_report_words_that_do_not_open_a_gateways_text_are_a_persons(subject, body):
    assert classify(parse(_person(subject, body))).kind == "normal"


def test_an_out_of_office_reply_from_the_postmaster_is_no_bounce():
    raw = _report("Automatic reply: Toner for floor 3", "I am out of the office until Monday.\n",
                  sender="Postmaster <postmaster@partner.example>", extra="Auto-Submitted: auto-replied\n")
    assert classify(parse(raw)).kind == "autoreply"


@pytest.mark.parametrize("sender, subject, body", [
    ("Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@corp.example>",
     "Your mailbox is almost full", "Your mailbox is almost full.\n\n1.9 GB / 2 GB\n\nDelete items you no longer need.\n"),
    ("Postmaster <postmaster@corp.example>", "Spam quarantine summary",
     "3 messages are held for you.\n\nFrom: offers@shop.example  Subject: 50% off\nRelease  |  Block sender\n"),
])
def test_a_postmasters_notice_that_is_no_report_is_no_bounce(sender, subject, body):
    kind = classify(parse(_report(subject, body, sender=sender))).kind
    assert kind not in ("bounce", "dsn_delayed", "dsn_delivered")


def test_a_postmasters_report_about_a_full_mailbox_is_still_a_bounce():
    raw = _report("Mailbox full: jdoe@partner.example", "jdoe@partner.example: 552 5.2.2 Mailbox full\n",
                  sender="Postmaster <postmaster@partner.example>")
    raw_returned = raw.replace(b"Subject: Mailbox full", b"Subject: Undeliverable: Mailbox full")
    assert _kind_and_addresses(raw_returned) == ("bounce", ["jdoe@partner.example"])
    classification = classify(parse(_report("Returned mail: mailbox is full", "<jdoe@partner.example>:\n"
                                            "552 5.2.2 Mailbox full\n", sender="postmaster@partner.example")))
    assert classification.kind == "bounce"


@pytest.mark.parametrize("subject, body", [
    # a report's subject and words, in a person's letter
    ("Undeliverable mail to partner", ("Hi,\n\nsince yesterday every mail to jdoe@partner.example comes back. "
                                       "It says\n\"Delivery has failed to these recipients or groups\". Can you "
                                       "check?\n\nThanks\nAnna\n")),
    ("Undeliverable: Budget", "Dear IT team,\nI got this:\nYour message could not be delivered to\njdoe@partner.example\n"),
    # a person answering, whose first words are a report's, with the address inside a sentence
    ("Re: Undeliverable: Budget", ("Your message could not be delivered to jdoe@partner.example because he left "
                                   "last month.\nPlease write to finance@partner.example.\n")),
])
def test_a_person_quoting_a_reports_words_is_normal(subject, body):
    assert classify(parse(_person(subject, body))).kind == "normal"


@pytest.mark.parametrize("body, status", [
    ("Unknown user: jdoe@partner.example\n\nOriginal message follows.\n", "5.1.1"),  # IMail: the words before
    ("------- Failure Reasons  --------\n\nUser not listed in public Name & Address Book\njdoe@partner.example\n", "5.1.1"),
    ("Die Nachricht konnte nicht zugestellt werden.\n\njdoe@partner.example\nEmpfänger unbekannt\n", "5.1.1"),
    ("以下のアドレスへのメールは送信できませんでした。\n\njdoe@partner.example\n宛先のメールアドレスが見つかりません。\n", "5.1.1"),
    ("------- Failure Reasons  --------\n\nユーザ名がディレクトリのリストにありません\njdoe@partner.example\n", "5.1.1"),  # Notes, Japanese
])
def test_words_around_the_address_give_the_status(body, status):
    classification = classify(parse(_report("Undeliverable Mail", body, sender="Postmaster <postmaster@partner.example>")))
    assert [(r.email, r.status) for r in classification.recipients] == [("jdoe@partner.example", status)]


def test_a_delay_for_a_connection_timeout_gets_a_temporary_network_status():
    body = ("This is the mail system at host mx.corp.example.\n\n# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND "
            "YOUR MESSAGE. #\n\n<jdoe@partner.example>: connect to mx.partner.example[192.0.2.25]:25: Connection timed out\n")
    classification = classify(parse(_report("Delayed Mail (still being retried)", body)))
    assert (classification.kind, [(r.email, r.status) for r in classification.recipients]) == (
        "dsn_delayed", [("jdoe@partner.example", "4.4.1")])


def test_a_primitive_report_from_a_null_from_address_naming_an_unknown_user_is_a_bounce():
    raw = _report("", "You sent mail to jdoe@partner.example. That's not a valid user here.\n", sender="<>",
                  extra="Auto-Submitted: auto-replied\n")
    assert _kind_and_addresses(raw) == ("bounce", ["jdoe@partner.example"])


def test_a_mail_systems_quota_notice_naming_an_address_is_no_bounce():
    raw = _report("Your mailbox is full", "Your mailbox anna@corp.example is full and can no longer receive mail.\n",
                  sender="Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@corp.example>")
    assert classify(parse(raw)).kind not in ("bounce", "dsn_delayed", "dsn_delivered")


def test_an_out_of_office_reply_from_the_null_sender_that_mentions_delivery_is_an_autoreply():
    raw = _report("Out of Office: Toner", "I am out of the office. Your message could not be delivered to me today; I "
                  "will read it when I return. For urgent matters write to desk@partner.example.\n",
                  sender="Bob Jones <bob@partner.example>", extra="Auto-Submitted: auto-replied\n")
    assert classify(parse(raw)).kind == "autoreply"


def test_a_report_about_an_out_of_office_reply_is_still_a_bounce():
    raw = _report("Undeliverable: Automatic reply: Toner", "Delivery has failed to these recipients or groups:\n\n"
                  "jdoe@partner.example\n", sender="Microsoft Outlook <postmaster@partner.example>")
    assert _kind_and_addresses(raw) == ("bounce", ["jdoe@partner.example"])


def test_each_recipient_of_a_report_gets_its_own_status_not_anothers():
    # qmail and its kin write one block per recipient; a block with words and no code is not given the
    # code of the block before or after it.
    body = ("Hi. This is the qmail-send program at mx.partner.example.\n"
            "I'm afraid I wasn't able to deliver your message to the following addresses.\n\n"
            "<jdoe@partner.example>:\nThe users mailfolder is over the allowed quota (size).\n\n"
            "<anna@partner.example>:\n192.0.2.25 does not like recipient.\n"
            "Remote host said: 550 5.1.1 <anna@partner.example>... User Unknown\n\n"
            "<ben@partner.example>:\nThis account has been suspended.\n\n"
            "--- Below this line is a copy of the message.\n")
    classification = classify(parse(_report("failure notice", body)))
    assert [(r.email, r.status) for r in classification.recipients] == [
        ("jdoe@partner.example", "5.2.2"), ("anna@partner.example", "5.1.1"), ("ben@partner.example", "5.2.1")]


def _sns_mail(body: str) -> bytes:
    return ("From: AWS Notifications <no-reply@sns.example.com>\nTo: it@corp.example\nSubject: AWS Notification Message\n"
            "Message-ID: <sns.1@sns.example.com>\nContent-Type: text/plain; charset=utf-8\n\n" + body).encode()


_SES_BOUNCE = ('{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bouncedRecipients":['
               '{"emailAddress":"JDoe@partner.example","action":"failed","status":"5.1.1",'
               '"diagnosticCode":"smtp; 550 5.1.1 user unknown"},{"emailAddress":"anna@partner.example"}]},'
               '"mail":{"source":"it@corp.example","destination":["JDoe@partner.example","anna@partner.example"]}}')


def test_an_amazon_ses_bounce_notification_is_a_bounce_with_its_recipients():
    raw = _sns_mail(_SES_BOUNCE + "\n\n--\nIf you wish to stop receiving notifications from this topic, click below.\n")
    classification = classify(parse(raw))
    assert classification.kind == "bounce"
    assert [(r.email, r.status, r.action, r.hard) for r in classification.recipients] == [
        ("jdoe@partner.example", "5.1.1", "failed", True), ("anna@partner.example", "5.0.0", "failed", True)]


def test_amazon_ses_notifications_wrapped_in_sns_json_complaints_and_deliveries():
    import json
    complaint = json.dumps({"Type": "Notification", "Message": json.dumps(
        {"notificationType": "Complaint", "complaint": {"complainedRecipients": [{"emailAddress": "anna@partner.example"}]}})})
    assert classify(parse(_sns_mail(complaint))).kind == "feedback_report"
    delivery = json.dumps({"eventType": "Delivery", "delivery": {"recipients": ["anna@partner.example"],
                                                                 "smtpResponse": "250 2.0.0 OK"}})
    classification = classify(parse(_sns_mail(delivery)))
    assert (classification.kind, [(r.email, r.status) for r in classification.recipients]) == (
        "dsn_delivered", [("anna@partner.example", "2.0.0")])


@pytest.mark.parametrize("body", [
    '{"notificationType": "Bounce"} is the field our webhook reads, but it never fires. Any idea?\n',
    '{"Type": "Notification"}\n\nThis is what the queue shows, is that right?\n',
    "{ not json at all, just braces in a person's mail }\n",
])
def test_a_person_writing_json_is_normal(body):
    raw = (f"From: Ben <ben@corp.example>\nTo: it@corp.example\nSubject: webhook question\n"
           f"Content-Type: text/plain\n\n{body}").encode()
    assert classify(parse(raw)).kind == "normal"

"""Telling people's mail from machines' mail: autoreplies, bounces and bulk mail."""
import pytest

from mailgateway.hygiene import classify_message
from mailgateway.parse import parse


def _mail(extra="", subject="Printer on floor 3 is jammed", sender="Anna Schmidt <anna@corp.example>",
          content_type="text/plain; charset=utf-8", body="It jams on every page.\r\n"):
    return parse((f"From: {sender}\r\nTo: it@corp.example\r\nSubject: {subject}\r\n{extra}"
                  f"MIME-Version: 1.0\r\nContent-Type: {content_type}\r\n\r\n{body}").encode())


@pytest.mark.parametrize("extra, expected", [
    ("", "normal"),
    ("Auto-Submitted: auto-replied\r\n", "autoreply"),
    ("Auto-Submitted: auto-generated\r\n", "autoreply"),
    ("Auto-Submitted: Auto-Replied; owner-email=\"anna@corp.example\"\r\n", "autoreply"),
    ("Auto-Submitted: notified\r\n", "autoreply"),
    ("Auto-Submitted: no\r\n", "normal"),
    ("Auto-Submitted: No (sent by a person)\r\n", "normal"),
    ("X-Autoreply: yes\r\n", "autoreply"),
    ("X-Autorespond: vacation\r\n", "autoreply"),
    ("Precedence: auto_reply\r\n", "autoreply"),
    ("Precedence: bulk\r\n", "bulk"),
    ("Precedence: list\r\n", "bulk"),
    ("List-Id: All staff <staff.corp.example>\r\n", "bulk"),
    ("List-Unsubscribe: <mailto:leave@lists.corp.example>\r\n", "bulk"),
    ("X-Auto-Response-Suppress: All\r\n", "normal"),  # Outlook sets this on people's mail too
])
def test_headers_decide(extra, expected):
    assert classify_message(_mail(extra), "anna@corp.example") == expected


@pytest.mark.parametrize("subject, expected", [
    ("Automatic reply: Printer on floor 3", "autoreply"),
    ("Out of Office: back on Monday", "autoreply"),
    ("Out of the office until 30 November", "autoreply"),
    ("Abwesenheitsnotiz: Drucker", "autoreply"),
    ("Réponse automatique : imprimante", "autoreply"),
    ("Office chair is broken", "normal"),
    ("Back in the office: need a new badge", "normal"),
    ("Absence request for next week", "normal"),
    ("Re: Out of office rules for the holidays", "normal"),
])
def test_subjects_of_autoresponders(subject, expected):
    assert classify_message(_mail(subject=subject), "anna@corp.example") == expected


_REPORT = ("--R\r\nContent-Type: text/plain\r\n\r\nDelivery to anna@corp.example failed.\r\n"
           "--R\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.corp.example\r\n\r\n"
           "Final-Recipient: rfc822; anna@corp.example\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
           "--R--\r\n")


@pytest.mark.parametrize("envelope_from", ["", "<>"])
def test_delivery_status_report_from_the_mailer_daemon_is_a_bounce(envelope_from):
    bounce = _mail(sender="Mail Delivery System <MAILER-DAEMON@mx.corp.example>",
                   subject="Undelivered Mail Returned to Sender", body=_REPORT,
                   content_type='multipart/report; report-type=delivery-status; boundary="R"')
    assert classify_message(bounce, envelope_from) == "bounce"


@pytest.mark.parametrize("envelope_from", ["", "<>", "anna@corp.example"])
def test_a_read_receipt_is_an_automatic_answer_whatever_the_envelope(envelope_from):
    # RFC 8098 asks for the null sender, but Outlook sends receipts from the person's address.
    receipt = _mail(subject="Read: Printer on floor 3", body=_REPORT.replace("delivery-status", "disposition-notification"),
                    content_type='multipart/report; report-type=disposition-notification; boundary="R"')
    assert classify_message(receipt, envelope_from) == "autoreply"


def test_postmaster_is_a_bounce_even_with_an_envelope_sender():
    assert classify_message(_mail(sender="postmaster@corp.example"), "bounces@corp.example") == "bounce"

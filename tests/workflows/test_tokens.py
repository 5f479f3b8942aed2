"""Signed ticket references: they round-trip, and nothing else passes."""
import base64
import hashlib
import hmac

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.tokens import TicketTokens, base_address

SECRET = b"0123456789abcdef0123456789abcdef"


@pytest.fixture
def tokens():
    return TicketTokens(SECRET, "corp.example")


def test_message_ids_carry_the_key_and_verify(tokens):
    message_id = tokens.message_id("IT-000123")
    assert message_id.startswith("<it-000123.") and message_id.endswith("@corp.example>")
    assert tokens.key_from_message_id(message_id) == "IT-000123"
    assert tokens.key_from_message_id(message_id.upper().replace("CORP.EXAMPLE", "corp.example")) == "IT-000123"
    assert tokens.message_id("IT-000123") != message_id  # unique per message


def test_forged_or_foreign_message_ids_do_not_verify(tokens):
    good = tokens.message_id("IT-000123")
    key_part, nonce, rest = good[1:].split(".", 2)
    assert tokens.key_from_message_id(f"<it-000124.{nonce}.{rest}") is None  # another ticket
    assert tokens.key_from_message_id(good.replace(nonce, "00000000")) is None
    assert tokens.key_from_message_id(good.replace("@corp.example", "@evil.example")) is None
    assert TicketTokens(b"another secret of 32 bytes......", "corp.example").key_from_message_id(good) is None
    assert tokens.key_from_message_id("<CAB=x@mail.gmail.com>") is None


def test_reply_addresses_verify_and_reduce_to_the_department(tokens):
    address = tokens.reply_address("it@corp.example", "IT-000123")
    assert address.startswith("it+it-000123.") and address.endswith("@corp.example")
    assert tokens.key_from_address(address) == "IT-000123"
    assert tokens.key_from_address(address.upper()) == "IT-000123"
    assert tokens.key_from_address(address.replace("it-000123", "it-000124")) is None
    assert tokens.key_from_address("it+it-000123.aaaaaaaaaa@corp.example") is None
    assert tokens.key_from_address("it@corp.example") is None
    assert base_address(address) == "it@corp.example"
    # The two kinds of signature are not interchangeable.
    signature = address.split(".", 1)[1].split("@")[0]
    assert tokens.key_from_message_id(f"<it-000123.0123456789ab.{signature}@corp.example>") is None


def test_short_secrets_are_refused():
    with pytest.raises(ValueError, match="16 bytes"):
        TicketTokens(b"short", "corp.example")


def test_keys_are_found_in_a_bounce_quoting_our_headers(tokens):
    ours = tokens.message_id("HR-000042")
    forged = "<it-000001.0123456789ab.aaaaaaaaaa@corp.example>"
    raw = (b"From: MAILER-DAEMON@mx.elsewhere.example\r\nSubject: Undelivered Mail\r\n\r\n"
           b"Message-ID: " + ours.encode() + b"\r\nReferences: " + forged.encode() + b"\r\n")
    assert tokens.keys_in(raw) == ["HR-000042"]
    assert tokens.keys_in(b"Subject: [HR-000042] no ids here\r\n\r\nhello") == []


def test_reply_addresses_are_found_in_a_bounce_and_a_long_run_of_address_characters_costs_no_time(tokens):
    import time

    address = tokens.reply_address("hr@corp.example", "HR-000042")
    raw = b"Final-Recipient: rfc822; anna@x.example\r\n\r\nReply-To: <" + address.encode() + b">\r\n"
    assert tokens.keys_in(raw) == ["HR-000042"]
    assert tokens.keys_in(b"x" + address.encode()) == ["HR-000042"]  # part of a longer local part: still ours
    started = time.perf_counter()
    assert tokens.keys_in(b"a" * 2_000_000 + b"\r\n") == []  # a returned attachment without line breaks
    assert time.perf_counter() - started < 1.0


def test_signatures_keep_their_format_so_mail_already_sent_still_verifies(tokens):
    """The signature is the first 10 base32 characters of the HMAC-SHA256, lowercased: replies to
    mail sent by any earlier version must still thread."""
    import base64
    import hashlib
    import hmac

    for key in ("IT-000123", "FAC-004711", "HR-1234567"):
        digest = hmac.new(SECRET, f"reply\x1f{key}".encode(), hashlib.sha256).digest()
        expected = base64.b32encode(digest).decode().lower()[:10]
        assert tokens.reply_address("it@corp.example", key) == f"it+{key.lower()}.{expected}@corp.example"


@settings(max_examples=200, deadline=None)
@given(secret=st.binary(min_size=16, max_size=200), purpose=st.sampled_from(["msgid", "reply", "agent"]),
       parts=st.lists(st.text(max_size=40), max_size=3))
def test_signatures_are_the_first_50_bits_of_hmac_sha256_in_base32(secret, purpose, parts):
    """Addresses and Message-IDs already sent keep verifying: the signature is the standard construction."""
    digest = hmac.digest(secret, "\x1f".join((purpose, *parts)).encode(), hashlib.sha256)
    expected = base64.b32encode(digest[:10]).decode().lower()[:10]
    assert TicketTokens(secret, "corp.example")._sign(purpose, *parts) == expected

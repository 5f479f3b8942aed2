"""Whatever arrives: parsing never crashes, stays under a second up to 25 MB, and refuses only non-messages."""
import json
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailgateway.describe import describe
from mailgateway.hygiene import classify
from mailgateway.parse import ParseError, parse

SAMPLES = sorted((Path(__file__).parent / "samples").glob("*.eml"))
MB = 1_000_000
HEAD = b"From: Anna <anna@corp.example>\nTo: it@corp.example\nSubject: Big\nMIME-Version: 1.0\n"


@pytest.mark.parametrize("raw", [
    b"", b"  \r\n\r\n", b"just some words\r\n", b"\x00\x01\x02\xff binary", b"<html><body>Hi</body></html>\n",
    b"Note: buy milk\nand bread\n", b"\n\nNote: buy milk\n",
])
def test_not_a_message_is_a_parse_error(raw):
    with pytest.raises(ParseError):
        parse(raw)


def _deep_nesting() -> bytes:
    levels = b"".join(b"Content-Type: multipart/mixed; boundary=B%d\n\n--B%d\n" % (i, i) for i in range(50))
    return HEAD + levels + b"Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n" \
        + (b"A" * 76 + b"\n") * (24 * MB // 77)


BIG = {
    "base64 attachment": lambda: HEAD + b"Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\nhi\n"
                         b"--B\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n\n"
                         + (b"A" * 76 + b"\n") * (25 * MB // 77) + b"--B--\n",
    "short lines": lambda: HEAD + b"Content-Type: text/plain; format=flowed\n\n" + b"ab \n" * (25 * MB // 4),
    "html": lambda: HEAD + b"Content-Type: text/html\n\n" + b"<p>Hi <b>there</b> &amp; &nbsp; x</p>\n" * (25 * MB // 38),
    "unclosed tags": lambda: HEAD + b"Content-Type: text/html\n\n" + b"<a<title><!--<script" * (25 * MB // 20),
    "blockquotes nested without end": lambda: HEAD + b"Content-Type: text/html\n\n"
                                      + b"<blockquote type=cite>a" * (25 * MB // 25),
    "many quoted blockquotes": lambda: HEAD + b"Content-Type: text/html\n\n"
                               + b"<blockquote class=gmail_quote>a</blockquote>b\n" * (25 * MB // 45),
    "header lines only": lambda: b"From: a@b.example\n" + b"X-Junk: value\n" * (25 * MB // 14),
    "many parts": lambda: HEAD + b"Content-Type: multipart/mixed; boundary=B\n\n"
                  + b"--B\nContent-Type: text/plain\n\nx\n" * (25 * MB // 30),
    "deep nesting": _deep_nesting,
    "huge address list": lambda: HEAD.replace(b"To: it@corp.example", b"To: " + b"a@b.example, " * (25 * MB // 13)) + b"\nx\n",
    "huge encoded subject": lambda: HEAD.replace(b"Subject: Big", b"Subject: " + b"=?utf-8?q?a=C3?= " * (25 * MB // 17)) + b"\nx\n",
    "uuencoded files in the text": lambda: HEAD + b"\n" + (b"text\nbegin 644 x.bin\n" + (b"M" + b"86%A" * 15 + b"\n") * 100
                                                      + b"end\n") * (25 * MB // 6200),
    "wrongly labelled 8-bit text": lambda: HEAD + b"Content-Type: text/plain; charset=utf-8\n\n"
                                   + "Grüße aus dem Büro\n".encode("latin-1") * (25 * MB // 19),
}


@pytest.mark.parametrize("name", BIG)
def test_a_25_mb_message_takes_less_than_a_second(name):
    raw = BIG[name]()
    started = time.process_time()
    classify(parse(raw))
    assert time.process_time() - started < 1.0


_mutation = st.tuples(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=64),
                      st.binary(max_size=24))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sample=st.sampled_from(SAMPLES), mutations=st.lists(_mutation, max_size=6), cut=st.integers(min_value=0))
def test_damaged_messages_never_crash(sample, mutations, cut):
    raw = bytearray(sample.read_bytes())
    for position, length, replacement in mutations:
        position %= len(raw) + 1
        raw[position:position + length] = replacement
    raw = bytes(raw[:max(1, len(raw) - cut % (len(raw) + 1))])
    try:
        record = describe(raw)
    except ParseError:
        return
    json.dumps(record)
    assert record["classification"]["kind"] in {"normal", "autoreply", "bounce", "dsn_delayed", "dsn_delivered",
                                                "feedback_report", "challenge_response", "bulk"}


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_never_crash(raw):
    try:
        classify(parse(HEAD + raw))
    except ParseError:
        pytest.fail("a message with a header is a message")

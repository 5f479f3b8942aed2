"""The gateway's quick reader of MAIL FROM / RCPT TO paths gives what aiosmtpd's full parser gives."""
import asyncio

import pytest
from aiosmtpd.smtp import SMTP
from hypothesis import given, settings
from hypothesis import strategies as st

from mailgateway.smtp import HelpdeskSMTP


@pytest.fixture(scope="module")
def servers():
    loop = asyncio.new_event_loop()
    quick = HelpdeskSMTP(object(), loop=loop)
    full = SMTP(object(), loop=loop)
    yield quick, full
    loop.close()


PATHS = [
    "<ada@corp.example>", "<ada@corp.example> SIZE=1234", "<ada@corp.example> SIZE=1234 BODY=8BITMIME",
    "<A.B+tag@Sub.Example.COM>  BODY=8BITMIME", "<o'brien@corp.example>", "<x@localhost>", "<>",
    "<\"quoted local\"@corp.example>", "<a..b@corp.example>", "<.a@corp.example>", "<a@[127.0.0.1]>",
    "ada@corp.example", "<ada@corp.example>SIZE=1", "<@relay.example:ada@corp.example>", "<ada@corp.example",
    "<ada@-corp.example>", "<ada@corp..example>", "<" + "l" * 70 + "@corp.example>", "<ümlaut@corp.example>",
    "<ada@corp.example> SIZE=1\tBODY=7BIT", "",
]


def full_reading(full, path):
    try:
        return full._getaddr(path)
    except Exception:  # noqa: BLE001 - the standard library's parser crashes on some junk
        return None, None  # which the gateway answers as unreadable


@pytest.mark.parametrize("path", PATHS)
def test_known_paths_read_alike(servers, path):
    quick, full = servers
    assert quick._getaddr(path) == full_reading(full, path)


def test_a_path_the_full_parser_crashes_on_is_unreadable(servers):
    quick, full = servers
    with pytest.raises(AttributeError):
        full._getaddr("<0@[>")
    assert quick._getaddr("<0@[>") == (None, None)


ATOM = st.text(alphabet="abcXYZ09!#$%&'*+/=?^_`{|}~-.\"@<> \t", min_size=0, max_size=12)


@settings(max_examples=400, deadline=None)
@given(local=ATOM, domain=st.text(alphabet="abc09-.[]", min_size=0, max_size=12),
       params=st.sampled_from(["", " SIZE=10", "  BODY=8BITMIME SMTPUTF8", "SIZE=1", " "]))
def test_generated_paths_read_alike(servers, local, domain, params):
    quick, full = servers
    path = f"<{local}@{domain}>{params}".strip()
    assert quick._getaddr(path) == full_reading(full, path)


def test_the_local_part_limit_still_applies(servers):
    quick, _ = servers
    quick.local_part_limit = 8
    try:
        assert quick._getaddr("<short@corp.example>") == ("short@corp.example", "")
        assert quick._getaddr("<much-too-long@corp.example>") == (None, None)
    finally:
        quick.local_part_limit = 0

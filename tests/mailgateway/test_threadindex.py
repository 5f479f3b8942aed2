"""Thread-Index: the conversation survives replies, and junk is not one."""
import base64
import datetime as dt

from mailgateway.threadindex import conversation, reply_index

# A real Outlook header: FILETIME + GUID (22 bytes).
ORIGINAL = "AdrX1Y2kP4a9QmZ5T0yGq3kLm7n8pQ=="


def test_a_reply_keeps_the_conversation_and_adds_a_block():
    now = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.timezone.utc)
    reply = reply_index(ORIGINAL, now)
    assert len(base64.b64decode(reply)) == 27
    assert conversation(reply) == conversation(ORIGINAL) == base64.b64decode(ORIGINAL).hex()
    assert conversation(reply_index(reply, now)) == conversation(ORIGINAL)


def test_values_that_are_not_thread_indexes():
    assert conversation(None) is None
    assert conversation("") is None
    assert conversation("not base64 at all!") is None
    assert conversation(base64.b64encode(b"x" * 10).decode()) is None  # too short
    assert conversation(base64.b64encode(b"x" * 24).decode()) is None  # not 22 + 5n bytes
    assert reply_index("garbage", dt.datetime.now(dt.timezone.utc)) is None

"""The Health page, driven headless with AppTest on SQLite."""
import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from storage import InboundMessage, repo, utcnow


def _page():
    import os

    from dashboard.views import health
    from storage import Database

    health.render(Database(os.environ["HEALTH_TEST_DB"]))


@pytest.fixture
def page(sqlite_database, monkeypatch):
    now = utcnow()
    with sqlite_database.transaction() as session:
        for status, error in (("pending", None), ("quarantined", "spoofed sender <script>alert(1)</script>")):
            row = repo.add_inbound(session, source="smtp", mail_from="x@evil.example", rcpt_to=["it@corp.example"],
                                   raw=b"Subject: <img src=x onerror=alert(1)>\r\n\r\nhi\r\n",
                                   received_at=now - dt.timedelta(minutes=3))
            row.status, row.error = status, error
    monkeypatch.setenv("HEALTH_TEST_DB", sqlite_database.url.render_as_string(hide_password=False))
    return sqlite_database


def test_health_shows_queue_quarantine_and_releases_a_message(page):
    at = AppTest.from_function(_page, default_timeout=30).run()
    assert not at.exception
    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics["Inbound queue"] == "1" and metrics["Quarantined"] == "1" and metrics["Failed sends"] == "0"
    assert metrics["Oldest pending"].endswith(" s") or metrics["Oldest pending"].endswith(" min")
    assert any("has not run yet" in warning.value for warning in at.warning)
    # the stranger's subject and reason are data in a table, never markup
    assert not any("<script>" in md.value or "onerror" in md.value for md in at.markdown)
    at.button(key="quarantine_Release to processing").click().run()
    assert not at.exception
    with page.sessions() as session:
        assert {row.status for row in session.query(InboundMessage)} == {"pending"}
    assert any("done" in info.value for info in at.info)

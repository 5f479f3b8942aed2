"""Knowledge-base suggestions in the acknowledgement."""
import datetime as dt
import email
from email import policy
from pathlib import Path

from helpdesk.build import build_services
from helpdesk.config import load_settings
from storage import Outbox, repo
from workflows.kb import KnowledgeBase
from workflows.pipeline import Pipeline

ROOT = Path(__file__).resolve().parents[2]


def _article(folder, department, name, text):
    path = folder / department / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_articles_rank_by_category_then_keywords_and_at_most_three(tmp_path):
    for number, (category, keywords) in enumerate([("network", "vpn"), ("", "vpn, wifi, home office"),
                                                   ("", "printer"), ("", "wifi"), ("", "Wi-Fi, wlan")]):
        _article(tmp_path, "it", f"a{number}", f"---\ntitle: Article {number}\ncategory: {category}\n"
                                               f"keywords: {keywords}\n---\nSummary {number}.\n\nMore.\n")
    _article(tmp_path, "it", "untitled", "no header, no heading\n")
    _article(tmp_path, "it", "evil", "---\ntitle: Evil\nkeywords: vpn\nurl: javascript:alert(1)\n---\nx\n")
    kb = KnowledgeBase.load(tmp_path)
    assert len(kb.articles("it")) == 6  # the untitled file is skipped
    found = kb.suggest("it", "network", "WIFI and VPN down in my home office")
    assert [a.title for a in found] == ["Article 0", "Article 1", "Article 3"]  # 3+1, 3 keywords, then by title
    assert found[0].summary == "Summary 0."
    assert kb.suggest("it", "general", "the PRINTER") == [next(a for a in kb.articles("it") if a.title == "Article 2")]
    assert [a.url for a in kb.articles("it") if a.title == "Evil"] == [""]
    assert kb.suggest("it", "general", "nothing relevant") == [] and kb.suggest("hr", "network", "vpn") == []


def test_the_acknowledgement_names_matching_articles_of_the_shipped_kb(database):
    services = build_services(load_settings(ROOT / "config.toml", environ={}))
    now = dt.datetime(2026, 11, 23, 9, tzinfo=dt.timezone.utc)
    services.clock = lambda: now
    raw = (b"From: ben.okafor@corp.example\r\nTo: it@corp.example\r\nSubject: VPN keeps disconnecting\r\n"
           b"Message-ID: <kb.1@x>\r\n\r\nWorking from my home office today.\r\n")
    with database.transaction() as session:
        repo.add_inbound(session, source="test", mail_from="ben.okafor@corp.example", rcpt_to=["it@corp.example"],
                         raw=raw, received_at=now)
    Pipeline(database, services).drain()
    with database.sessions() as session:
        ack = session.query(Outbox).filter_by(kind="acknowledgement").one()
    reply = email.message_from_bytes(ack.raw, policy=policy.default)
    text = reply.get_body(("plain",)).get_content()
    assert "VPN does not connect: https://intranet.corp.example/kb/it/vpn" in text
    assert "Reset a forgotten" not in text
    html = reply.get_body(("html",)).get_content()
    assert '<a href="https://intranet.corp.example/kb/it/vpn">VPN does not connect</a>' in html

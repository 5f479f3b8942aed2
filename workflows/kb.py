"""Knowledge-base suggestions: self-service articles named in the acknowledgement.

Articles are Markdown files in ``kb/<department>/*.md`` with a small header::

    ---
    title: VPN does not connect
    category: network
    keywords: vpn, globalprotect, remote access
    url: https://intranet.corp.example/kb/it/vpn
    ---
    First paragraph: the summary the requester reads in the acknowledgement.

An article scores 3 when its category is the ticket's and 1 for each of its
keywords (whole words or phrases, Unicode case-insensitive, as in rules)
found in the subject or the request; the best three with a score go into
the acknowledgement, so the requester may solve it before an agent looks.
A file without a title is skipped with a warning naming it.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from rules.text import PhraseMatcher, is_blank_keyword, normalise, words

log = logging.getLogger("helpdesk.kb")

_CATEGORY_SCORE = 3
_SUMMARY_CHARS = 300


@dataclass(frozen=True)
class Article:
    department: str
    title: str
    category: str
    keywords: tuple[str, ...]
    url: str
    summary: str
    path: str

    def as_context(self) -> dict[str, str]:
        return {"title": self.title, "url": self.url, "summary": self.summary}


class KnowledgeBase:
    """The articles of every department, read once at start."""

    def __init__(self, articles: list[Article] | None = None) -> None:
        self._by_department: dict[str, list[tuple[Article, tuple[PhraseMatcher, ...]]]] = {}
        for article in articles or ():
            matchers = tuple(PhraseMatcher([keyword]) for keyword in article.keywords)
            self._by_department.setdefault(article.department, []).append((article, matchers))

    @classmethod
    def load(cls, folder: str | Path) -> KnowledgeBase:
        """The articles under ``folder`` (one subfolder per department key); none if it is missing."""
        root = Path(folder)
        articles = []
        if root.is_dir():
            for path in sorted(root.glob("*/*.md")):
                article = _read(path)
                if article is not None:
                    articles.append(article)
        return cls(articles)

    def articles(self, department: str) -> list[Article]:
        return [article for article, _ in self._by_department.get(department, ())]

    def suggest(self, department: str, category: str, text: str, limit: int = 3) -> list[Article]:
        """The best articles (at most ``limit``) for a request of ``category`` saying ``text``."""
        candidates = self._by_department.get(department)
        if not candidates or limit <= 0:
            return []
        normal = normalise(text)
        text_words = words(normal)
        scored = []
        for article, matchers in candidates:
            score = _CATEGORY_SCORE if article.category and article.category == category else 0
            score += sum(1 for matcher in matchers if matcher.find(normal, text_words) is not None)
            if score:
                scored.append((-score, article.title, article))
        return [article for *_, article in sorted(scored, key=lambda item: item[:2])[:limit]]


def _read(path: Path) -> Article | None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        log.warning("kb.skipped path=%s reason=%r", path, str(error))
        return None
    header: dict[str, str] = {}
    body = text
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":
        end = next((n for n in range(1, len(lines)) if lines[n].strip() == "---"), None)
        if end is not None:
            for line in lines[1:end]:
                key, sep, value = line.partition(":")
                if sep:
                    header[key.strip().lower()] = value.strip()
            body = "\n".join(lines[end + 1:])
    title = header.get("title") or next((line[2:].strip() for line in body.splitlines() if line.startswith("# ")), "")
    if not title:
        log.warning("kb.skipped path=%s reason='no title (a title: line or a # heading)'", path)
        return None
    paragraph = " ".join(body.strip().split("\n\n", 1)[0].split())
    if len(paragraph) > _SUMMARY_CHARS:
        paragraph = paragraph[:_SUMMARY_CHARS].rsplit(" ", 1)[0] + " …"
    url = header.get("url", "")
    if url and not url.lower().startswith(("https://", "http://")):
        log.warning("kb.url_ignored path=%s reason='only http(s) links are put in mail'", path)
        url = ""
    keywords = tuple(k.strip() for k in header.get("keywords", "").split(",") if not is_blank_keyword(k))
    return Article(department=path.parent.name, title=title, category=header.get("category", ""),
                   keywords=keywords, url=url, summary=paragraph, path=str(path))

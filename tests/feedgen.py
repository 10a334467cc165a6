"""Build small RSS, Atom, JSON Feed, news-sitemap and article-page documents for tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from pathlib import Path

STORIES = Path(__file__).parent / "data" / "stories"


def story(name: str) -> str:
    return (STORIES / f"{name}.txt").read_text(encoding="utf-8")


def paragraphs_html(text: str) -> str:
    return "".join(f"<p>{escape(p.strip())}</p>" for p in text.split("\n\n") if p.strip())


@dataclass
class Entry:
    title: str
    link: str
    text: str
    guid: str | None = None
    published: str = "2026-11-25T09:00:00Z"
    teaser_only: bool = False  # put only the first sentence in the feed

    @property
    def feed_text(self) -> str:
        return self.text.split(". ")[0] + "." if self.teaser_only else self.text


def rss(entries: list[Entry], title: str = "Test Desk") -> str:
    items = "".join(
        f"<item><title>{escape(e.title)}</title><link>{escape(e.link)}</link>"
        f'<guid isPermaLink="false">{escape(e.guid or e.link)}</guid>'
        f"<pubDate>Wed, 25 Nov 2026 09:00:00 GMT</pubDate>"
        f"<description>{escape(paragraphs_html(e.feed_text))}</description></item>"
        for e in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>http://example.org/</link>"
        f"<description>test</description>{items}</channel></rss>"
    )


def atom(entries: list[Entry], title: str = "Test Wire") -> str:
    items = "".join(
        f"<entry><title>{escape(e.title)}</title><id>{escape(e.guid or e.link)}</id>"
        f'<link href="{escape(e.link)}"/><updated>{e.published}</updated>'
        f'<summary type="html">{escape(paragraphs_html(e.feed_text))}</summary></entry>'
        for e in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(title)}</title><id>urn:test:{escape(title)}</id>"
        f"<updated>2026-11-25T09:00:00Z</updated>{items}</feed>"
    )


def json_feed(entries: list[Entry], title: str = "Test JSON") -> str:
    return json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": title,
            "items": [
                {
                    "id": e.guid or e.link,
                    "url": e.link,
                    "title": e.title,
                    "content_text": e.feed_text,
                    "date_published": e.published,
                }
                for e in entries
            ],
        }
    )


def news_sitemap(entries: list[Entry]) -> str:
    urls = "".join(
        f"<url><loc>{escape(e.link)}</loc><news:news><news:publication>"
        "<news:name>Test</news:name><news:language>en</news:language></news:publication>"
        f"<news:publication_date>{e.published}</news:publication_date>"
        f"<news:title>{escape(e.title)}</news:title></news:news></url>"
        for e in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        f"{urls}</urlset>"
    )


def article_page(title: str, text: str, canonical: str | None = None, chrome: str = "") -> str:
    """A news page: navigation and a "most read" box around the article body."""
    link = f'<link rel="canonical" href="{escape(canonical)}">' if canonical else ""
    return (
        f'<!doctype html><html lang="en"><head><title>{escape(title)}</title>{link}</head><body>'
        f'<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>'
        f'<li><a href="/sport">Sport</a></li></ul></nav>'
        f"<main><article><h1>{escape(title)}</h1>{paragraphs_html(text)}</article></main>"
        f"<aside><h2>Most read</h2><ul>{chrome}</ul></aside>"
        "<footer><p>© Test News. All rights reserved.</p></footer></body></html>"
    )

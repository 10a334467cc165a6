"""What spiders yield: one raw article as found, before normalisation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass
class ArticleItem:
    """A raw article from a feed entry, a sitemap URL or a site spider.

    ``text`` is plain article text (already extracted from HTML); ``summary`` is a feed teaser.
    ``canonical`` is the page's ``<link rel=canonical>``/``og:url`` when a page was fetched.
    """

    source: str
    link: str
    title: str = ""
    text: str = ""
    summary: str = ""
    guid: str | None = None
    published: datetime | None = None
    author: str | None = None
    language: str | None = None
    canonical: str | None = None

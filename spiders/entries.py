"""What a parsed feed is, whatever its format: entries with plain texts and UTC dates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar
from urllib.parse import urljoin, urlsplit


@dataclass
class FeedEntry:
    """One entry, texts already plain. ``guid`` is the raw id (never resolved into a URL)."""

    link: str
    guid: str | None = None
    title: str = ""
    content: str = ""  # full text carried by the feed (content:encoded, atom:content)
    summary: str = ""  # the teaser (description, atom:summary), "" when equal to content
    published: datetime | None = None
    updated: datetime | None = None
    author: str | None = None
    language: str | None = None


@dataclass
class ParsedFeed:
    format: str  # feedparser's version ("rss20", "atom10", ...) or "json1"/"json1.1"
    title: str = ""
    language: str | None = None
    entries: list[FeedEntry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def is_http_url(value: str | None) -> bool:
    if not value:
        return False
    parts = urlsplit(value.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def absolute_link(base: str, link: str | None) -> str | None:
    """``link`` resolved against the feed URL; None unless the result is http(s)."""
    if not link or not link.strip():
        return None
    resolved = urljoin(base, link.strip())
    return resolved if is_http_url(resolved) else None


T = TypeVar("T")
_OLDEST = datetime.min.replace(tzinfo=UTC)


def newest_first(items: list[T], date: Callable[[T], datetime | None]) -> list[T]:
    """``items`` by ``date``, newest first, when any is dated; in their own order otherwise
    (undated feeds and sitemaps list newest first by convention)."""
    if not any(date(item) for item in items):
        return items
    return sorted(items, key=lambda item: date(item) or _OLDEST, reverse=True)

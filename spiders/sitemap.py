"""NewsSitemapSpider: (news) sitemaps and sitemap indexes, their article pages extracted.

Per source and poll: the configured sitemap (conditional GET when it is a ``urlset``; an index
is always read, as its children may change under an unchanged index), child sitemaps of an index
(newest first, bounded in number and depth, each visited once), then — once every sitemap of
the source has answered — the article pages not stored yet (or changed since the last poll by
their ``lastmod``), newest first, at most ``max_items``. robots.txt ``Sitemap:`` lines are not
used: the configured URL is the source.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from monitor.config import Source
from spiders.base import SourceSpider, describe_failure
from spiders.entries import newest_first
from spiders.items import ArticleItem
from spiders.pages import complete_item, extract_page_async
from spiders.sitemapparse import SitemapEntry, parse_sitemap, sitemap_bytes

MAX_DEPTH = 2  # index -> index -> urlset
MAX_CHILD_SITEMAPS = 20  # per index and poll; big sites keep years of monthly sitemaps


@dataclass
class _Walk:
    """One source's walk through its sitemaps during this poll."""

    last_success: datetime | None
    pending: int = 0
    visited: set[str] = field(default_factory=set)
    entries: dict[str, SitemapEntry] = field(default_factory=dict)


class NewsSitemapSpider(SourceSpider):
    name = "sitemap"
    kind = "sitemap"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.walks: dict[str, _Walk] = {}

    def first_requests(self, source: Source) -> Iterable[scrapy.Request]:
        if not source.url:
            raise ValueError("sitemap source without a URL")
        self.walks[source.name] = _Walk(self.store.sources.get(source.name).last_success)
        yield self.sitemap_request(source.name, source.url, depth=0)

    def sitemap_request(self, source: str, url: str, depth: int) -> scrapy.Request:
        walk = self.walks[source]
        walk.pending += 1
        walk.visited.add(url)
        primary = depth == 0
        return self.request(
            source,
            url,
            self.parse_sitemap,
            primary=primary,
            errback=self.sitemap_failed,
            meta={"depth": depth},
            # Validators belong to the configured URL only (one pair per source).
            headers=self.conditional_headers(source) if primary else None,
            statuses=self.primary_statuses if primary else (),
        )

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        source = response.meta["source"]
        walk = self.walks[source]
        try:
            children = self.read_sitemap(response, walk)
        except Exception as exc:
            self.sitemap_error(response.meta, f"{response.url}: {exc}")
            children = []
        walk.pending -= 1
        yield from children
        if walk.pending == 0:
            yield from self.article_requests(self.sources[source])

    def sitemap_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        source = request.meta["source"]
        walk = self.walks[source]
        self.sitemap_error(request.meta, describe_failure(failure))
        walk.pending -= 1
        if walk.pending == 0:
            yield from self.article_requests(self.sources[source])

    def sitemap_error(self, meta: dict[str, Any], message: str) -> None:
        outcome = self.outcome(meta["source"])
        if meta.get("primary"):
            outcome.fail(message)
        else:
            outcome.warn(f"child sitemap failed: {message}")

    def read_sitemap(self, response: Response, walk: _Walk) -> list[scrapy.Request]:
        """Parse one sitemap: collect its URLs, or return requests for its children."""
        depth: int = response.meta["depth"]
        if depth == 0 and self.handled_status(response):
            return []
        source = response.meta["source"]
        body = sitemap_bytes(response.body, self.settings.getint("DOWNLOAD_MAXSIZE"))
        sitemap = parse_sitemap(body, response.url)
        if sitemap.skipped:
            self.outcome(source).warn(f"{sitemap.skipped} sitemap entries without an http(s) <loc>")
        if sitemap.kind == "urlset":
            for entry in sitemap.entries:
                walk.entries.setdefault(entry.loc, entry)
            return []
        if depth == 0:
            # No validators for an index: a static index over changing children would answer
            # 304 forever and hide every new article.
            self.outcome(source).etag = self.outcome(source).last_modified = None
        if depth >= MAX_DEPTH:
            self.outcome(source).warn(
                f"sitemap index nested too deep, not followed: {response.url}"
            )
            return []
        by_date = newest_first(sitemap.entries, lambda e: e.newest)
        children = [e for e in by_date if e.loc not in walk.visited]
        return [
            self.sitemap_request(source, e.loc, depth + 1) for e in children[:MAX_CHILD_SITEMAPS]
        ]

    def article_requests(self, source: Source) -> Iterator[scrapy.Request]:
        walk = self.walks[source.name]
        entries = list(walk.entries.values())
        known = self.known_urls(e.loc for e in entries)
        since = walk.last_success
        fresh = [
            e
            for e in entries
            if e.loc not in known or (since is not None and e.lastmod and e.lastmod > since)
        ]
        for entry in newest_first(fresh, lambda e: e.newest)[: source.max_items]:
            item = ArticleItem(
                source=source.name,
                link=entry.loc,
                title=entry.title,
                published=entry.published,
                language=entry.language,
            )
            page = self.page_request(source.name, entry.loc, self.parse_page, meta={"item": item})
            if page is not None:
                yield page

    async def parse_page(self, response: Response) -> AsyncIterator[ArticleItem]:
        item: ArticleItem = response.meta["item"]
        page = await extract_page_async(response)
        if not page.text.strip():
            self.outcome(item.source).page_failed(f"no article text found at {response.url}")
            return
        done = complete_item(item, page, response)
        done.language = done.language or self.sources[item.source].language
        yield done

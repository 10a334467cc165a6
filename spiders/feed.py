"""FeedSpider: RSS 0.9x/1.0/2.0, Atom and JSON Feed sources, teasers completed from pages.

Per source and poll: one conditional GET of the feed (304 = nothing to do), the entries parsed
from the bytes (:mod:`spiders.feedparse`), newest first up to ``max_items``. An entry that
carries only a teaser (``needs_full_text``) is completed from its page, unless that page is
stored already and the entry shows no sign of an update.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from monitor.config import Source
from monitor.extract import needs_full_text
from monitor.normalize import to_article
from spiders.base import SourceSpider, describe_failure, header
from spiders.entries import FeedEntry, newest_first
from spiders.feedparse import parse_feed_body
from spiders.items import ArticleItem
from spiders.pages import complete_item, extract_page_async

# How long a teaser whose page could not be fetched is retried on later polls.
TEASER_RETRY_WINDOW = timedelta(hours=12)


class FeedSpider(SourceSpider):
    name = "feed"
    kind = "feed"

    def first_requests(self, source: Source) -> Iterable[scrapy.Request]:
        if not source.url:
            raise ValueError("feed source without a URL")
        yield self.request(
            source.name,
            source.url,
            self.parse_feed,
            primary=True,
            headers=self.conditional_headers(source.name),
            statuses=self.primary_statuses,
        )

    def parse_feed(self, response: Response) -> Iterator[Any]:
        if self.handled_status(response):
            return
        source = self.sources[response.meta["source"]]
        outcome = self.outcome(source.name)
        parsed = parse_feed_body(
            response.body,
            response.url,
            header(response, "Content-Type"),
            header(response, "Content-Language"),
        )
        for warning in parsed.warnings:
            outcome.warn(warning)
        entries: list[FeedEntry] = []
        seen: set[str] = set()
        for entry in newest_first(parsed.entries, lambda e: e.published):
            if entry.link not in seen:
                seen.add(entry.link)
                entries.append(entry)
        entries = entries[: source.max_items]
        teasers = [e for e in entries if needs_full_text(e.summary, e.content, source.full_text)]
        known = self.known_urls(e.link for e in teasers)
        teaser_links = {e.link for e in teasers}
        last_success = self.store.sources.get(source.name).last_success
        for entry in entries:
            item = self.feed_item(source, entry)
            if entry.link not in teaser_links:
                yield item
            elif entry.link not in known or self.updated_since_stored(entry, item, last_success):
                page = self.page_request(
                    source.name,
                    entry.link,
                    self.parse_page,
                    errback=self.page_failed,
                    meta={"item": item},
                    priority=-1,  # feeds first: one slow site must not delay the polls
                )
                yield item if page is None else page

    def feed_item(self, source: Source, entry: FeedEntry) -> ArticleItem:
        return ArticleItem(
            source=source.name,
            link=entry.link,
            title=entry.title,
            text=entry.content,
            summary=entry.summary,
            guid=entry.guid,
            published=entry.published,
            author=entry.author,
            language=entry.language or source.language,
        )

    def updated_since_stored(
        self, entry: FeedEntry, item: ArticleItem, last_success: datetime | None
    ) -> bool:
        """Is a stored teaser entry worth fetching again?

        Signs: the entry's update time is after the last successful poll; the stored text is
        still the feed's own (its page failed, so rules saw only the teaser; retried for
        :data:`TEASER_RETRY_WINDOW` after it was first stored, so a page that is gone for
        good is not asked for as long as the entry stays in the feed); or
        the feed's title or teaser now differ from what was stored (updated in place).
        No sign: skip the page fetch.
        """
        if entry.updated and last_success and entry.updated > last_success:
            return True
        seen_now = to_article(item)
        retry_since = datetime.now(UTC) - TEASER_RETRY_WINDOW
        if self.store.articles.holds_only(seen_now.url, seen_now.text, retry_since):
            return True
        if not entry.guid:
            return False
        stored = self.store.articles.find_by_guid(item.source, entry.guid)
        if stored is None:
            return False  # known by URL under another GUID: a feed that regenerates GUIDs
        if seen_now.title and stored.title != seen_now.title:
            return True
        return stored.summary != seen_now.summary

    async def parse_page(self, response: Response) -> AsyncIterator[ArticleItem]:
        item: ArticleItem = response.meta["item"]
        try:
            page = await extract_page_async(response)
        except Exception as exc:  # not HTML, or the extractor choked: keep the feed's text
            self.outcome(item.source).page_failed(f"{response.url}: {exc}")
            yield item
            return
        yield complete_item(item, page, response)

    def page_failed(self, failure: Failure) -> Iterator[ArticleItem]:
        """The page could not be fetched: keep the feed's own text (DESIGN §4 fallback)."""
        request = failure.request  # type: ignore[attr-defined]
        self.outcome(request.meta["source"]).page_failed(describe_failure(failure))
        yield request.meta["item"]

"""ListingSpider: the base for site spiders — a listing page, its links, the article pages.

A site spider declares CSS selectors as class attributes; everything else (politeness,
errbacks, skipping stored pages, storing through StorePipeline) comes from here::

    class MinistrySpider(ListingSpider):
        name = "ministry"                                # `spider: ministry` in newsradar.yaml
        start_urls = ["https://ministry.example/press"]  # used when the source has no `url:`
        article_links = "ul.releases a::attr(href)"
        next_page = "a[rel=next]::attr(href)"            # optional, up to `max_pages` listings
        title_css = "article h1::text"                   # optional: the extractor fills gaps
        text_css = "article .body p"                     # optional: paragraphs of the body

Override :meth:`parse_article` for pages that need more than selectors.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any, ClassVar

import scrapy
from scrapy.http import Response

from monitor.config import Source
from monitor.extract import Extracted
from spiders.base import SourceSpider
from spiders.entries import absolute_link
from spiders.items import ArticleItem
from spiders.pages import complete_item, extract_page, extract_page_async, page_canonical
from spiders.text import html_to_text, parse_iso_date


class ListingSpider(SourceSpider):
    kind = "spider"

    #: Listing page(s) used when the source gives no `url:`.
    start_urls: list[str] = []  # noqa: RUF012 - Scrapy's own attribute, read-only here
    #: Links from a listing page to article pages (``::attr(href)`` selectors).
    article_links: ClassVar[str] = "a::attr(href)"
    #: Link to the next listing page, followed up to ``max_pages`` pages in all.
    next_page: ClassVar[str | None] = None
    max_pages: ClassVar[int] = 1
    #: Optional selectors on an article page; whatever is missing comes from the extractor.
    title_css: ClassVar[str | None] = None
    text_css: ClassVar[str | None] = None  # elements whose text, joined, is the body
    published_css: ClassVar[str | None] = None  # an ISO date (e.g. time::attr(datetime))
    author_css: ClassVar[str | None] = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._seen: dict[str, set[str]] = {name: set() for name in self.sources}

    def start_url(self, source: Source) -> str | None:
        return source.url or (self.start_urls[0] if self.start_urls else None)

    def first_requests(self, source: Source) -> Iterable[scrapy.Request]:
        url = self.start_url(source)
        if not url:
            raise ValueError(f"spider `{self.name}` needs a `url:` for source {source.name}")
        yield self.request(
            source.name, url, self.parse_listing, primary=True, meta={"page": 1},
            statuses=(429, 503),
        )  # fmt: skip

    def parse_listing(self, response: Response) -> Iterator[Any]:
        if self.handled_status(response):
            return
        source = self.sources[response.meta["source"]]
        seen = self._seen[source.name]
        links = []
        for href in response.css(self.article_links).getall():
            link = absolute_link(response.url, href)
            if link and link not in seen:
                seen.add(link)
                links.append(link)
        known = self.known_urls(links)
        outcome = self.outcome(source.name)
        fresh = [link for link in links if link not in known]
        budget = source.max_items - outcome.pages
        for link in fresh[: max(budget, 0)]:
            item = ArticleItem(source=source.name, link=link)
            request = self.page_request(source.name, link, self.parse_page, meta={"item": item})
            if request is not None:
                yield request
        page = response.meta["page"]
        following = response.css(self.next_page).get() if self.next_page else None
        next_url = absolute_link(response.url, following) if following else None
        if next_url and page < self.max_pages and budget > len(fresh) and next_url not in seen:
            seen.add(next_url)
            yield self.request(source.name, next_url, self.parse_listing, meta={"page": page + 1})

    def extracts_pages(self) -> bool:
        # An overridden parse_article extracts inline; full selectors need no extractor.
        default = type(self).parse_article is ListingSpider.parse_article
        return default and not (self.title_css and self.text_css)

    async def parse_page(self, response: Response) -> AsyncIterator[ArticleItem]:
        item: ArticleItem | None = response.meta["item"]
        if type(self).parse_article is not ListingSpider.parse_article:
            item = self.parse_article(response, response.meta["item"])  # its way, inline
        elif not self.apply_selectors(response, response.meta["item"]):
            declared_text = response.meta["item"].text
            page = await extract_page_async(response)
            item = self.complete(response.meta["item"], page, response, declared_text)
        if item is None or not (item.text or "").strip():
            self.outcome(response.meta["source"]).page_failed(
                f"no article text found at {response.url}"
            )
            return
        item.language = item.language or self.sources[item.source].language
        yield item

    def parse_article(self, response: Response, item: ArticleItem) -> ArticleItem | None:
        """The article on ``response``: declared selectors first, the extractor for the rest."""
        if self.apply_selectors(response, item):
            return item
        declared_text = item.text
        return self.complete(item, extract_page(response), response, declared_text)

    def apply_selectors(self, response: Response, item: ArticleItem) -> bool:
        """Fill ``item`` from the declared selectors; True when they found it all."""
        if self.title_css:
            item.title = " ".join(response.css(self.title_css).getall()).strip()
        if self.text_css:
            parts = (html_to_text(html) for html in response.css(self.text_css).getall())
            item.text = "\n\n".join(part for part in parts if part)
        if self.published_css:
            item.published = parse_iso_date(response.css(self.published_css).get())
        if self.author_css:
            item.author = (response.css(self.author_css).get() or "").strip() or None
        if item.text and item.title:  # the selectors found it all: no extractor needed
            declared = absolute_link(
                response.url, response.css('link[rel="canonical"]::attr(href)').get()
            )
            item.canonical = page_canonical(declared, item.link, response.url)
            return True
        return False

    @staticmethod
    def complete(
        item: ArticleItem, page: Extracted, response: Response, declared_text: str
    ) -> ArticleItem:
        item = complete_item(item, page, response)
        if declared_text:  # what the site spider selected beats a generic extraction
            item.text = declared_text
        return item

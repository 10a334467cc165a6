"""StorePipeline: every item from every spider → ``to_article`` → the store.

Counts items, new and changed articles per source, and records each source's state (success
with its validators, or failure with the error text and any backoff) when its spider closes.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from monitor.normalize import to_article
from spiders.base import SourceSpider
from spiders.items import ArticleItem
from spiders.outcome import record_outcome

logger = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        # spider_closed carries the close reason (finished, closespider_timeout, shutdown...);
        # the pipeline's own close hook does not.
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    @property
    def spider(self) -> SourceSpider:
        spider = self.crawler.spider
        if not isinstance(spider, SourceSpider):
            raise TypeError(f"StorePipeline serves newsradar spiders, not {spider!r}")
        return spider

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            raise DropItem(f"not an ArticleItem: {type(item).__name__}")
        spider = self.spider
        outcome = spider.outcome(item.source)
        try:
            result = spider.store.articles.save(to_article(item))
        except Exception as exc:  # one bad item (or a locked database) is this source's problem
            outcome.store_failures += 1
            outcome.warn(f"could not store {item.link}: {type(exc).__name__}: {exc}")
            logger.warning("source %s: storing %s failed", item.source, item.link, exc_info=True)
            raise DropItem(str(exc)) from exc
        outcome.count(result.status)
        outcome.touch()
        return item

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if not isinstance(spider, SourceSpider):
            return
        for name in spider.sources:
            try:
                record_outcome(spider.store, spider.outcome(name), reason)
            except Exception:  # keep recording the others; collect() retries what is left
                logger.exception("could not record the state of source %s", name)

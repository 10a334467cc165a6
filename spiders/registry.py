"""Which spider serves a source: the kind for feeds and sitemaps, the name for `spider:` ones.

Site spiders are found the Scrapy way (``SpiderLoader`` over the ``spiders`` package): any
:class:`~spiders.base.SourceSpider` subclass with ``kind = "spider"`` and a ``name``.
"""

from __future__ import annotations

from functools import lru_cache

from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader

from monitor.config import Source
from monitor.errors import FetchError
from spiders.base import SourceSpider
from spiders.feed import FeedSpider
from spiders.sitemap import NewsSitemapSpider


@lru_cache(maxsize=1)
def site_spiders() -> dict[str, type[SourceSpider]]:
    """Site spiders by name."""
    loader = SpiderLoader.from_settings(Settings({"SPIDER_MODULES": ["spiders"]}))
    found: dict[str, type[SourceSpider]] = {}
    for name in loader.list():
        cls = loader.load(name)
        if isinstance(cls, type) and issubclass(cls, SourceSpider) and cls.kind == "spider":
            found[name] = cls
    return found


def spider_names() -> list[str]:
    """Names a `spider:` source may use (for ``newsradar check``)."""
    return sorted(site_spiders())


def spider_for(source: Source) -> type[SourceSpider]:
    """The spider class for ``source``; :class:`FetchError` naming the choices if unknown."""
    if source.kind == "feed":
        return FeedSpider
    if source.kind == "sitemap":
        return NewsSitemapSpider
    available = site_spiders()
    if source.spider in available:
        return available[source.spider]
    names = ", ".join(sorted(available)) or "none"
    raise FetchError(f"unknown spider `{source.spider}` (spiders in spiders/: {names})")

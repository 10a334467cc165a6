"""Article pages: turn a fetched HTML page into (the rest of) an :class:`ArticleItem`."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urljoin

from scrapy.http import Response

from monitor.errors import FetchError
from monitor.extract import Extracted, extract_article
from monitor.normalize import honoured_canonical
from spiders import extraction_pool
from spiders.entries import is_http_url
from spiders.items import ArticleItem


def is_html(response: Response) -> bool:
    content_type = (response.headers.get("Content-Type") or b"").decode("latin-1").lower()
    if content_type:
        return "html" in content_type
    return response.body.lstrip()[:1] == b"<"


def _check_html(response: Response) -> None:
    if not is_html(response):
        content_type = (response.headers.get("Content-Type") or b"?").decode("latin-1")
        raise FetchError(f"not an HTML page ({content_type}): {response.url}")


def extract_page(response: Response) -> Extracted:
    """The article in an HTML response; :class:`FetchError` for non-HTML (PDF, images...)."""
    _check_html(response)
    return extract_article(response.body, response.url)


async def extract_page_async(response: Response) -> Extracted:
    """:func:`extract_page` in the crawl's extraction pool once it has one (same result)."""
    _check_html(response)
    return await extraction_pool.extract(response.body, response.url)


def page_canonical(declared: str | None, link: str, response_url: str) -> str | None:
    """The page's identity when it differs from ``link``, or None.

    Its declared canonical when the canonical policy accepts it
    (:func:`monitor.normalize.honoured_canonical`: same site, not the front page; a
    cross-site canonical is syndication, which story clustering handles), else a redirect's
    final URL, when there was one.
    """
    if declared:
        wanted = urljoin(link, declared.strip())
        if wanted == link:
            return None
        if honoured_canonical(link, wanted) == wanted:
            return wanted
    if response_url != link and is_http_url(response_url):
        return response_url
    return None


def complete_item(item: ArticleItem, page: Extracted, response: Response) -> ArticleItem:
    """``item`` (from a feed or a sitemap) completed with what its page says.

    The feed's own title, date and author win (publishers set them on purpose); the page's text
    wins unless extraction found less than the feed already had.
    """
    own_text = item.text or item.summary
    text = page.text if len(page.text.strip()) >= len(own_text.strip()) else item.text
    return replace(
        item,
        title=item.title or page.title,
        text=text,
        published=item.published or page.published,
        author=item.author or page.author,
        language=item.language or page.language,
        canonical=page_canonical(page.canonical, item.link, response.url),
    )

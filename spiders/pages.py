"""Article pages: turn a fetched HTML page into (the rest of) an :class:`ArticleItem`."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlsplit

from scrapy.http import Response

from monitor.errors import FetchError
from monitor.extract import Extracted, extract_article
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


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def page_canonical(declared: str | None, link: str, response_url: str) -> str | None:
    """The page's identity when it differs from ``link``.

    A declared canonical counts only on the same site: a cross-site canonical (syndicated wire
    copy naming the original) would merge two outlets' copies into one article row — that is
    story clustering's job, not the URL's. Else a redirect's final URL, when there was one.
    """
    same_site = declared and _host(declared) in (_host(link), _host(response_url))
    if same_site and is_http_url(declared):
        path = urlsplit(declared).path.strip("/")  # type: ignore[arg-type]
        if path or not urlsplit(link).path.strip("/"):  # "/" for every page is a CMS bug
            return None if declared == link else declared
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

"""Feed bodies to entries: RSS 0.9x/1.0/2.0 and Atom via feedparser, JSON Feed via json.

Pure functions over bytes (no Scrapy, no network), so the corpus tests can call them directly.
feedparser is only ever given a file object over bytes we fetched: given a URL it would fetch it
itself, without a timeout; given raw bytes it first tries them as a *file name* (a feed whose
body is ``/etc/passwd`` would be read from disk).
"""

from __future__ import annotations

import io
import json
from typing import Any

import feedparser

from monitor.errors import FetchError
from spiders.entries import FeedEntry, ParsedFeed, absolute_link, is_http_url
from spiders.jsonfeed import parse_json_feed
from spiders.safety import refuse_unsafe_xml
from spiders.text import plain_or_html, struct_to_utc

__all__ = ["FeedEntry", "ParsedFeed", "parse_feed_body"]


def looks_like_json(body: bytes, content_type: str | None) -> bool:
    if content_type and "json" in content_type.lower():
        return True
    return body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def parse_feed_body(
    body: bytes,
    url: str,
    content_type: str | None = None,
    content_language: str | None = None,
) -> ParsedFeed:
    """Entries of the feed in ``body`` fetched from ``url``.

    Raises :class:`FetchError` when nothing could be parsed (not a feed, refused XML, invalid
    JSON). A feed that parsed with errors (feedparser's ``bozo``) keeps what parsed and names
    the problem in ``warnings``.
    """
    if not body.strip():
        raise FetchError("empty response: no feed")
    if looks_like_json(body, content_type):
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise FetchError(f"invalid JSON feed: {exc}") from exc
        return parse_json_feed(data, url)
    refuse_unsafe_xml(body)
    headers = {}
    if content_type:
        headers["content-type"] = content_type  # lets feedparser honour the HTTP charset
    if content_language:
        headers["content-language"] = content_language
    # No content-location: feedparser would then resolve relative GUIDs into URLs (STACK.md).
    parsed = feedparser.parse(io.BytesIO(body), response_headers=headers)
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if not parsed.entries:
        # Nothing parsed from a broken document is an error; a well-formed empty feed is not.
        if problem is not None:
            raise FetchError(f"not a usable feed: {_describe(problem)}")
        if not parsed.get("version"):
            raise FetchError("not a feed: no RSS, Atom or JSON Feed document found")
    feed = parsed.get("feed", {})
    result = ParsedFeed(
        format=parsed.get("version") or "unknown",
        title=plain_or_html(feed.get("title"), feed.get("title_detail", {}).get("type")),
        language=feed.get("language") or content_language,
    )
    if problem is not None:
        result.warnings.append(f"feed is not well-formed, used what parsed: {_describe(problem)}")
    skipped = 0
    for raw in parsed.entries:
        entry = _entry(raw, url, result.language)
        if entry is None:
            skipped += 1
        else:
            result.entries.append(entry)
    if skipped and not result.entries:
        raise FetchError(f"none of the feed's {skipped} entries has an http(s) link")
    if skipped:
        result.warnings.append(f"{skipped} entries without an http(s) link were skipped")
    return result


def _describe(exc: Any) -> str:
    text = str(exc) or type(exc).__name__
    return text[:300]


def _entry(raw: Any, base: str, feed_language: str | None) -> FeedEntry | None:
    guid = (raw.get("id") or "").strip() or None
    link = raw.get("link")
    # feedparser copies a permalink GUID into `link`: keep it only if it really is a URL.
    if link and link == guid and not is_http_url(guid):
        link = None
    resolved = absolute_link(base, link) or (guid if is_http_url(guid) else None)
    if resolved is None:
        return None
    contents = raw.get("content") or []
    content = "\n\n".join(
        text for text in (plain_or_html(c.get("value"), c.get("type")) for c in contents) if text
    )
    summary = plain_or_html(raw.get("summary"), raw.get("summary_detail", {}).get("type"))
    if summary == content:
        summary = ""
    detail = (contents[0] if contents else None) or raw.get("title_detail") or {}
    # dict.get: FeedParserDict maps a missing `updated_parsed` to `published_parsed` (and warns).
    updated = dict.get(raw, "updated_parsed")
    published = dict.get(raw, "published_parsed") or updated or dict.get(raw, "created_parsed")
    return FeedEntry(
        link=resolved,
        guid=guid,
        title=plain_or_html(raw.get("title"), raw.get("title_detail", {}).get("type")),
        content=content,
        summary=summary,
        published=struct_to_utc(published),
        updated=struct_to_utc(updated),
        author=raw.get("author") or None,
        language=detail.get("language") or feed_language,
    )

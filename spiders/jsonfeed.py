"""JSON Feed 1.0/1.1 (https://jsonfeed.org/version/1.1) — feedparser 6.0 does not read it."""

from __future__ import annotations

from typing import Any

from monitor.errors import FetchError
from spiders.entries import FeedEntry, ParsedFeed, absolute_link, is_http_url
from spiders.text import html_to_text, parse_iso_date


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _author(item: dict[str, Any], feed: dict[str, Any]) -> str | None:
    # 1.1 has `authors` (a list); 1.0's `author` object is deprecated but still common.
    for holder in (item, feed):
        authors = holder.get("authors")
        if isinstance(authors, list):
            names = [_text(a.get("name")) for a in authors if isinstance(a, dict)]
            if any(names):
                return ", ".join(n for n in names if n)
        author = holder.get("author")
        if isinstance(author, dict) and _text(author.get("name")):
            return _text(author.get("name"))
    return None


def parse_json_feed(data: Any, url: str) -> ParsedFeed:
    """Entries of a decoded JSON Feed; :class:`FetchError` when it is not one."""
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise FetchError("not a feed: JSON without a JSON Feed `items` list")
    version = _text(data.get("version"))
    result = ParsedFeed(
        format="json1.1" if version.endswith("1.1") else "json1",
        title=_text(data.get("title")),
        language=_text(data.get("language")) or None,
    )
    skipped = 0
    for item in data["items"]:
        if not isinstance(item, dict):
            skipped += 1
            continue
        guid = item.get("id")
        guid = str(guid).strip() if guid is not None and str(guid).strip() else None
        link = (
            absolute_link(url, _text(item.get("url")))
            or absolute_link(url, _text(item.get("external_url")))
            or (guid if is_http_url(guid) else None)
        )
        if link is None:
            skipped += 1
            continue
        content = html_to_text(_text(item.get("content_html"))) or _text(item.get("content_text"))
        summary = _text(item.get("summary"))
        result.entries.append(
            FeedEntry(
                link=link,
                guid=guid,
                title=_text(item.get("title")),
                content=content,
                summary="" if summary == content else summary,
                published=parse_iso_date(_text(item.get("date_published")))
                or parse_iso_date(_text(item.get("date_modified"))),
                updated=parse_iso_date(_text(item.get("date_modified"))),
                author=_author(item, data),
                language=_text(item.get("language")) or result.language,
            )
        )
    if skipped and not result.entries:
        raise FetchError(f"none of the feed's {skipped} entries has an http(s) link")
    if skipped:
        result.warnings.append(f"{skipped} entries without an http(s) link were skipped")
    return result

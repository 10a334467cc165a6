"""Small conversions shared by the spiders: HTML fragments to plain text, dates to UTC."""

from __future__ import annotations

import calendar
import re
import time
from datetime import UTC, datetime

import lxml.html
from lxml import etree

# Content that is never article text, whatever the feed says.
_DROP = ("script", "style", "noscript", "iframe", "object", "embed", "template", "svg", "form")
_BLOCK = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
    "pre", "table", "tr", "section", "article", "header", "footer", "figure", "figcaption",
    "dd", "dt", "hr",
}  # fmt: skip


def html_to_text(fragment: str | None) -> str:
    """Plain text of an HTML fragment: tags and active content removed, blocks on own lines.

    lxml's HTML parser does not expand entities from a DTD or fetch anything, so untrusted
    fragments are safe to hand to it.
    """
    if not fragment or not fragment.strip():
        return ""
    if "<" not in fragment and "&" not in fragment:
        return fragment.strip()
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return re.sub(r"<[^>]*>", " ", fragment).strip()
    for element in list(root.iter(*_DROP)):
        element.drop_tree()
    for element in root.iter(*_BLOCK):
        element.tail = "\n" + (element.tail or "")
    text = root.text_content()
    lines = (re.sub(r"[ \t\r\f\v\u00a0]+", " ", line).strip() for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def struct_to_utc(value: time.struct_time | None) -> datetime | None:
    """feedparser's ``*_parsed`` values are UTC struct_times."""
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None


def parse_iso_date(value: str | None) -> datetime | None:
    """W3C/RFC 3339 dates (sitemaps, JSON Feed) as UTC; a date without a zone counts as UTC."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}", text):
        text += "-01"
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def plain_or_html(value: str | None, content_type: str | None) -> str:
    """feedparser marks each text with its type; only HTML needs its tags removed."""
    if not value:
        return ""
    if content_type and "html" not in content_type:
        return value.strip()
    return html_to_text(value)

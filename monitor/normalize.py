"""Normalisation between fetch and store: canonical URLs, UTC dates, clean text, fingerprints.

(First version; the stories issue refines canonical URLs and fingerprints.)
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from monitor.models import Article
from spiders.items import ArticleItem

_TRACKING = re.compile(r"^(utm_.*|fbclid|gclid|mc_cid|mc_eid|ref|cmpid|ocid|_ga)$", re.I)


def canonical_url(url: str) -> str:
    """The article's identity: lower-case host, no fragment, no tracking parameters."""
    parts = urlsplit(url.strip())
    query = urlencode(
        sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k))
    )
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", query, ""))


def clean_text(text: str) -> str:
    """NFC, no control characters, single spaces inside lines, no blank-line runs."""
    text = unicodedata.normalize("NFC", text or "")
    text = re.sub(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]", "", text)
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def to_utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def content_hash(title: str, text: str) -> str:
    return hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()


def to_article(item: ArticleItem) -> Article:
    """Turn what a spider found into the stored form."""
    title = clean_text(item.title)
    text = clean_text(item.text) or clean_text(item.summary)
    return Article(
        source=item.source,
        url=canonical_url(item.canonical or item.link),
        link=item.link,
        guid=item.guid,
        title=title,
        text=text,
        summary=clean_text(item.summary),
        published=to_utc(item.published),
        author=item.author,
        language=item.language,
        content_hash=content_hash(title, text),
    )

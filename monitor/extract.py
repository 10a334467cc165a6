"""Article extraction from an HTML page: body text without page chrome, plus metadata.

(First version; the stories issue replaces it with a measured trafilatura-based extractor.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import trafilatura


@dataclass(frozen=True)
class Extracted:
    title: str
    text: str
    author: str | None = None
    published: datetime | None = None
    language: str | None = None
    canonical: str | None = None


def extract_article(html: str | bytes, url: str) -> Extracted:
    """Extract the article from ``html`` fetched at ``url``; empty text when none is found."""
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False)
    if doc is None:
        return Extracted(title="", text="")
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    published = None
    if data.get("date"):
        try:
            published = datetime.fromisoformat(data["date"])
        except ValueError:
            published = None
    return Extracted(
        title=data.get("title") or "",
        text=data.get("text") or "",
        author=data.get("author"),
        published=published,
        language=data.get("language"),
        canonical=data.get("url") if data.get("url") and data.get("url") != url else None,
    )


def needs_full_text(summary: str, content: str, mode: str) -> bool:
    """Should a feed entry be completed from its page? ``mode`` is auto | always | never."""
    if mode == "always":
        return True
    if mode == "never":
        return False
    body = content or summary
    return len(body.split()) < 120 or body.rstrip().endswith(("…", "...", "[…]", "[...]"))

"""The text of an alert: rendered once, at enqueue time, and frozen into the outbox row.

A retry therefore sends exactly what the first attempt sent. The output is plain text; every
value that came from a feed (headline, snippets, link, outlet names) is untrusted and goes
through :func:`plain` first, so no markup, script, event handler or control character from a
feed reaches an email or chat message (DESIGN §7).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from datetime import UTC
from urllib.parse import quote, urlsplit

from monitor.models import Article, Hit, Rule
from monitor.store.stories import Story

MAX_TITLE = 200  # chat services and mail clients cut long subjects anyway
MAX_HEADLINE = 300
MAX_HITS = 5
MAX_SNIPPET = 200
MAX_OUTLETS_NAMED = 5
MAX_LINK = 2000  # longer than any real article URL; a longer "link" is noise or an attack

# Elements whose *content* is code or hidden text, not prose: dropped whole, not just untagged.
_BLOCKS = re.compile(
    r"<\s*(script|style|iframe|object|embed|noscript|template|svg|math|textarea|title)\b"
    r".*?(?:<\s*/\s*\1\s*>|\Z)",
    re.IGNORECASE | re.DOTALL,
)
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
# Anything that a browser or an HTML-rendering chat client could read as a tag. An unclosed
# tag runs to the end of the text (`<img src=x onerror=...` without `>` is still a tag).
_TAG = re.compile(r"</?[A-Za-z][^>]*(?:>|\Z)|<[!?][^>]*(?:>|\Z)")
# Leftovers of nested tricks such as `<<script>script>` ("< script>"): not tags to a parser,
# but there is no reason to pass them on either.
_SPACED_TAG = re.compile(
    r"<\s*/?\s*(?:script|style|iframe|object|embed|svg)\b[^<>]*>?",
    re.IGNORECASE,
)
_SCRIPT_SCHEME = re.compile(r"\b(?:javascript|vbscript|livescript)\s*:", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
# Bidi overrides/isolates can make a message read differently from what it is ("Trojan
# source"); the BOM and word joiner only hide things. ZWJ/ZWNJ stay: some scripts need them.
_INVISIBLE = frozenset(
    "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff"
)
# Characters quoted in links, so a link can't break out of the line or into markup.
_LINK_SAFE = "/:?#[]@!$&()*+,;=%~-._"


def _strip_markup(text: str) -> str:
    text = _COMMENT.sub(" ", text)
    text = _BLOCKS.sub(" ", text)
    return _TAG.sub(" ", text)


def _drop_controls(text: str) -> str:
    out = []
    for char in text:
        if char in _INVISIBLE:
            continue
        category = unicodedata.category(char)
        if category == "Cc" or char in "\u2028\u2029":  # includes \n \t: one line per value
            out.append(" ")
        elif category != "Cs":  # lone surrogates cannot even be encoded into a message
            out.append(char)
    return "".join(out)


def plain(value: object, limit: int | None = None) -> str:
    """``value`` as one line of plain text: no tags, entities decoded, no control characters.

    Entities are decoded and markup stripped until nothing changes, so double-escaped markup
    (``&amp;lt;script&amp;gt;``) cannot survive as a tag either.
    """
    text = str(value or "")
    for _ in range(5):
        decoded = html.unescape(_strip_markup(text))
        if decoded == text:
            break
        text = decoded
    text = _SPACED_TAG.sub(" ", _strip_markup(text))  # whatever the last unescape produced
    text = _SCRIPT_SCHEME.sub("", _drop_controls(text))
    text = _SPACE.sub(" ", text).strip()
    return shorten(text, limit) if limit else text


def shorten(text: str, limit: int) -> str:
    """Cut at a word boundary near ``limit`` and mark the cut with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip() + "…"


def safe_link(url: str | None) -> str | None:
    """An http(s) link fit for a plain-text message, or None (other schemes are not links)."""
    text = _drop_controls(str(url or "")).strip()
    if not text or " " in text or len(text) > MAX_LINK:
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(text, safe=_LINK_SAFE)


def _published(article: Article) -> str:
    if article.published is None:
        return "unknown"
    moment = article.published
    if moment.tzinfo is None:  # the collect half stores UTC; a naive value is UTC too
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _hit_lines(hits: Sequence[Hit]) -> list[str]:
    seen: set[tuple[str, str, str]] = set()
    lines: list[str] = []
    for hit in hits:
        term, field = plain(hit.term, 80), plain(hit.field, 20) or "text"
        snippet = plain(hit.snippet, MAX_SNIPPET)
        key = (term.casefold(), field, snippet)
        if key in seen:
            continue
        seen.add(key)
        lines.append(f"- {term} ({field}): {snippet}" if snippet else f"- {term} ({field})")
    if len(lines) > MAX_HITS:
        more = len(lines) - MAX_HITS
        lines = lines[:MAX_HITS] + [f"- … and {more} more"]
    return lines


def _story_line(story: Story | None) -> str | None:
    if story is None or len(story.outlets) <= 1:
        return None
    names = [plain(name, 60) for name in story.outlets[:MAX_OUTLETS_NAMED]]
    if len(story.outlets) > MAX_OUTLETS_NAMED:
        names.append("…")
    return f"Story: carried by {len(story.outlets)} outlets ({', '.join(names)})"


def render_alert(
    rule: Rule, article: Article, hits: Sequence[Hit], story: Story | None
) -> tuple[str, str]:
    """``(title, body)`` of the alert for ``rule`` matching ``article``, as plain text.

    The title names the rule and the headline; the body adds source, publication time (UTC),
    link, the story's outlets when more than one carried it, and the matched terms in context
    (at most :data:`MAX_HITS`, each snippet at most :data:`MAX_SNIPPET` characters).
    """
    rule_name = plain(rule.name, 80)
    headline = plain(article.title, MAX_HEADLINE) or "(no headline)"
    severity = plain(rule.severity, 20)
    prefix = f"[{severity}] " if severity and severity != "normal" else ""
    title = shorten(f"{prefix}{rule_name}: {headline}", MAX_TITLE)

    lines = [
        f"Rule: {rule_name}",
        f"Headline: {headline}",
        f"Source: {plain(article.source, 80)}",
        f"Published: {_published(article)}",
        # The canonical URL first: it carries no tracking parameters.
        f"Link: {safe_link(article.url) or safe_link(article.link) or '(none)'}",
    ]
    story_line = _story_line(story)
    if story_line:
        lines.append(story_line)
    matched = _hit_lines(hits)
    if matched:
        lines += ["", "Matched:", *matched]
    return title, "\n".join(lines) + "\n"

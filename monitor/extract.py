"""Article extraction from an HTML page: body text without page chrome, plus metadata.

trafilatura finds the body (``favor_precision``: chrome that reaches the rule engine costs
false alerts, a lost caption costs little; ``fast``: its fallback extractors add ~50% time
for no measured gain, see bench/README.md). Around it we add what a monitor needs:

* chrome pruning before extraction: blocks whose class/id say "recirculation" (most read,
  trending, related, newsletter, outbrain, ...) and, after extraction, a "Most read"-style
  heading together with the link list under it;
* metadata read in one cheap pass over ``<meta>``/``<link>``/JSON-LD (trafilatura's own
  metadata pass costs about as much as its body extraction), htmldate as the date fallback.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin

import trafilatura
from htmldate import find_date
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.utils import load_html

from monitor.normalize import clean_text, detect_language, language_code, to_utc


@dataclass(frozen=True)
class Extracted:
    title: str
    text: str
    author: str | None = None
    published: datetime | None = None  # timezone-aware UTC
    language: str | None = None  # ISO 639-1
    canonical: str | None = None  # absolute URL declared by the page, if any


# class/id words of recirculation blocks; matched as whole words between - _ and spaces.
_CHROME_ATTR = re.compile(
    r"(?:^|[\s_-])(?:recirc\w*|related|most-?read|most-?popular|most-?viewed|mostread"
    r"|mostpopular|trending|recommend\w*|more-?stories|read-?more|read-?next|also-?read"
    r"|newsletter\w*|outbrain|taboola|breadcrumbs?|share|sharing|social|disclaimer"
    r"|you-?may-?like|meistgelesen|plus-?lus)(?:$|[\s_-])",
    re.IGNORECASE,
)
# Recirculation blocks are containers (never <article>/<main>/<body>); skipping inline
# elements halves the pruning time with the same measured recall/precision.
_WITH_CLASS_OR_ID = etree.XPath(
    "(//div|//section|//aside|//ul|//ol|//nav|//footer|//header|//figure|//form)[@class or @id]"
)
# A heading line that starts a chrome block in the extracted text (a few languages).
_CHROME_HEADING = re.compile(
    r"(?:most (?:read|popular|viewed|shared)|trending(?: now| stories)?|popular(?: now)?"
    r"|related(?: stories| articles| content| coverage| news| topics| links)?"
    r"|read (?:more|next|also)|also read|see also|more (?:stories|must-reads|news|articles"
    r"|from|on|like this)\b.*|recommended(?: for you| stories| articles)?"
    r"|you (?:may|might) also (?:like|be interested in)|top stories|editors'? picks"
    r"|what to read next|don'?t miss|meistgelesen(?:e artikel)?|mehr zum thema"
    r"|das könnte sie auch interessieren|lesen sie auch|weitere artikel|les plus lus"
    r"|(?:à )?lire aussi|sur le même sujet|lo más (?:leído|visto)|más leíd[oa]s"
    r"|noticias relacionadas|te puede interesar|lee también|เรื่องที่เกี่ยวข้อง|ข่าวที่เกี่ยวข้อง"
    r"|comments?|leave a (?:comment|reply)|comentar(?:ios)?|kommentare|commentaires)"
    r"\s*:?",
    re.IGNORECASE,
)
_LONG_PARAGRAPH_WORDS = 15  # a chrome list ends at the first real paragraph
# A feed entry is a teaser when it is short or ends like one.
_TEASER_WORDS = 120
_TEASER_END = re.compile(
    r"(?:…|\.\.\.|\[…\]|\[\.\.\.\]|continue reading\W*|read more\W*|weiterlesen\W*"
    r"|lire la suite\W*|leer más\W*)\s*$",
    re.IGNORECASE,
)

_PUBLISHED_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "publishdate",
    "publish-date",
    "pubdate",
    "publication_date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.created",
    "sailthru.date",
    "parsely-pub-date",
    "date",
)
_AUTHOR_KEYS = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator")
_TITLE_KEYS = ("og:title", "twitter:title", "headline")


def extract_article(html: str | bytes, url: str) -> Extracted:
    """Extract the article from ``html`` fetched at ``url``; empty text when none is found."""
    tree = load_html(html)
    if tree is None:
        return Extracted(title="", text="")
    meta = _read_meta(tree)
    ld = _read_json_ld(tree)
    canonical = _canonical(tree, meta, url)
    published = _published(meta, ld) or _fallback_date(tree, url)
    title = _title(tree, meta, ld)
    _prune_chrome(tree)
    doc = trafilatura.bare_extraction(
        tree,
        url=url,
        favor_precision=True,
        fast=True,
        include_comments=False,
        include_images=False,
        include_links=False,
        with_metadata=False,
    )
    body = (doc.get("text") if isinstance(doc, dict) else doc.text) if doc is not None else None
    text = clean_text(_drop_chrome_lists(body or ""))
    language = language_code(tree.get("lang") or meta.get("content-language")) or language_code(
        meta.get("og:locale")
    )
    return Extracted(
        title=title,
        text=text,
        author=_author(meta, ld),
        published=published,
        language=language or detect_language(text),
        canonical=canonical,
    )


def needs_full_text(summary: str, content: str, mode: str) -> bool:
    """Should a feed entry be completed from its page? ``mode`` is auto | always | never.

    ``auto``: yes when the entry's body is short (< 120 words) or ends like a teaser ("…",
    "[...]", "Continue reading", "Read more", ...).
    """
    if mode == "always":
        return True
    if mode == "never":
        return False
    body = (content or summary).strip()
    return len(body.split()) < _TEASER_WORDS or bool(_TEASER_END.search(body[-80:]))


# -- chrome ---------------------------------------------------------------------------------


def _prune_chrome(tree: HtmlElement) -> None:
    """Drop recirculation blocks named as such in class/id, unless one holds a third of the
    page's text (some sites put such words on the article's own wrapper)."""
    doomed = []
    for element in _WITH_CLASS_OR_ID(tree):
        names = f"{element.get('class', '')} {element.get('id', '')}"
        if _CHROME_ATTR.search(names):
            doomed.append(element)
    if not doomed:
        return
    limit = len(tree.text_content()) / 3
    for element in doomed:
        if element.getparent() is not None and len(element.text_content()) <= limit:
            element.drop_tree()


def _drop_chrome_lists(text: str) -> str:
    """Remove a "Most read"/"Related" heading line and the short lines or list items below it."""
    kept: list[str] = []
    skipping = False
    for line in text.splitlines():
        stripped = line.strip()
        if _CHROME_HEADING.fullmatch(stripped):
            skipping = True
            continue
        if skipping:
            is_item = stripped.startswith(("- ", "• ", "* ")) or not stripped
            if is_item or len(stripped.split()) < _LONG_PARAGRAPH_WORDS:
                continue
            skipping = False
        kept.append(line)
    return "\n".join(kept)


# -- metadata -------------------------------------------------------------------------------


def _read_meta(tree: HtmlElement) -> dict[str, str]:
    """First value of each ``<meta>`` key (property/name/itemprop/http-equiv), lower-cased."""
    found: dict[str, str] = {}
    for element in tree.iter("meta"):
        key = (
            (
                element.get("property")
                or element.get("name")
                or element.get("itemprop")
                or element.get("http-equiv")
                or ""
            )
            .strip()
            .lower()
        )
        content = (element.get("content") or "").strip()
        if key and content and key not in found:
            found[key] = content
    for element in tree.iter("time"):
        if element.get("itemprop", "").lower() == "datepublished" or "pubdate" in element.attrib:
            found.setdefault("datepublished", element.get("datetime") or "")
    return found


def _read_json_ld(tree: HtmlElement) -> dict[str, Any]:
    """The first schema.org article-like object in the page's JSON-LD, or {}."""
    for script in tree.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except ValueError:
            continue
        for item in _ld_items(data):
            kind = item.get("@type")
            kinds = kind if isinstance(kind, list) else [kind]
            if any(isinstance(k, str) and k.endswith(("Article", "Posting")) for k in kinds):
                return item
    return {}


def _ld_items(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for entry in data:
            yield from _ld_items(entry)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _ld_items(data["@graph"])


def _canonical(tree: HtmlElement, meta: dict[str, str], url: str) -> str | None:
    """``<link rel=canonical>`` (what AMP pages must declare), else ``og:url``; absolute."""
    for link in tree.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        if "canonical" in rels and link.get("href", "").strip():
            return urljoin(url, link.get("href", "").strip())
    if meta.get("og:url"):
        return urljoin(url, meta["og:url"])
    return None


def _parse_date(value: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        return to_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        pass
    try:
        return to_utc(parsedate_to_datetime(value))
    except (TypeError, ValueError, IndexError):
        return None


def _published(meta: dict[str, str], ld: dict[str, Any]) -> datetime | None:
    candidates = [ld.get("datePublished"), ld.get("dateCreated")]
    candidates += [meta.get(key) for key in _PUBLISHED_KEYS]
    for value in candidates:
        if isinstance(value, str) and (moment := _parse_date(value)):
            return moment
    return None


def _fallback_date(tree: HtmlElement, url: str) -> datetime | None:
    """htmldate's quick heuristics (URL, visible dates); extensive search is too slow here."""
    try:
        found = find_date(tree, url=url, extensive_search=False, original_date=True)
    except Exception:  # htmldate guesses; a failed guess must not lose the article
        return None
    return _parse_date(found) if found else None


def _title(tree: HtmlElement, meta: dict[str, str], ld: dict[str, Any]) -> str:
    if isinstance(ld.get("headline"), str) and ld["headline"].strip():
        return clean_text(ld["headline"])
    for key in _TITLE_KEYS:
        if meta.get(key):
            return clean_text(meta[key])
    headings = [h.text_content().strip() for h in tree.iter("h1")]
    headings = [h for h in headings if h]
    if len(headings) == 1:
        return clean_text(headings[0])
    title = tree.find(".//title")
    if title is not None and title.text:
        # "Story headline | Site name": the longest part is the headline.
        parts = re.split(r"\s+[|–—-]\s+", title.text.strip())
        return clean_text(max(parts, key=len))
    return ""


def _author(meta: dict[str, str], ld: dict[str, Any]) -> str | None:
    names = _ld_names(ld.get("author"))
    if names:
        return ", ".join(dict.fromkeys(names))
    for key in _AUTHOR_KEYS:
        value = meta.get(key, "")
        if value and not value.startswith(("http://", "https://")):
            return clean_text(re.sub(r"^by\s+", "", value, flags=re.IGNORECASE))
    return None


def _ld_names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, dict):
        return _ld_names(value.get("name"))
    if isinstance(value, list):
        return [name for entry in value for name in _ld_names(entry)]
    return []

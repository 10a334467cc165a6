"""Sitemap bodies to entries: ``urlset`` (with Google News tags) and ``sitemapindex``, gzip too.

Pure functions over bytes, like :mod:`spiders.feedparse`. lxml only sees a body that passed
:func:`~spiders.safety.refuse_unsafe_xml`, and its parser is told not to resolve entities,
load DTDs or touch the network anyway.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree
from scrapy.utils.gz import gunzip

from monitor.errors import FetchError
from spiders.entries import absolute_link
from spiders.safety import UnsafeContent, refuse_oversized, refuse_unsafe_xml
from spiders.text import parse_iso_date


@dataclass
class SitemapEntry:
    loc: str
    lastmod: datetime | None = None
    published: datetime | None = None  # news:publication_date
    title: str = ""  # news:title
    language: str | None = None  # news:publication/news:language

    @property
    def newest(self) -> datetime | None:
        return self.published or self.lastmod


@dataclass
class Sitemap:
    kind: str  # "urlset" or "index"
    entries: list[SitemapEntry] = field(default_factory=list)
    skipped: int = 0  # entries without an http(s) <loc>


def sitemap_bytes(body: bytes, max_bytes: int) -> bytes:
    """The XML of a sitemap response: gunzipped when it is a ``.xml.gz`` file, capped."""
    if body[:2] == b"\x1f\x8b":
        try:
            body = gunzip(body, max_size=max_bytes)
        except (OSError, EOFError, zlib.error) as exc:
            raise FetchError(f"broken gzip sitemap: {exc}") from exc
        except ValueError as exc:  # scrapy's "decompressed size exceeded the maximum"
            raise UnsafeContent(f"refused: gzip sitemap larger than {max_bytes} bytes") from exc
    refuse_oversized(body, max_bytes)
    return body


def _name(element: etree._Element) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def _text(element: etree._Element) -> str:
    return (element.text or "").strip()


def parse_sitemap(body: bytes, url: str) -> Sitemap:
    """Entries of a sitemap; :class:`FetchError` when ``body`` is not one."""
    if not body.strip():
        raise FetchError("empty response: no sitemap")
    refuse_unsafe_xml(body)
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        recover=True,  # sitemaps in the wild are often slightly broken; take what parses
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise FetchError(f"not a sitemap: {exc}") from exc
    kind = {"urlset": "urlset", "sitemapindex": "index"}.get(
        _name(root) if root is not None else ""
    )
    if kind is None:
        raise FetchError("not a sitemap: the root is neither <urlset> nor <sitemapindex>")
    sitemap = Sitemap(kind=kind)
    wanted = "url" if kind == "urlset" else "sitemap"
    for node in root:
        if _name(node) != wanted:
            continue
        entry = _entry(node, url)
        if entry is None:
            sitemap.skipped += 1
        else:
            sitemap.entries.append(entry)
    return sitemap


def _entry(node: etree._Element, base: str) -> SitemapEntry | None:
    fields: dict[str, str] = {}
    for child in node:
        name = _name(child)
        if name == "news":  # <news:news><news:publication><news:language/>...
            for part in child.iter():
                if _name(part) in ("publication_date", "title", "language"):
                    fields.setdefault(_name(part), _text(part))
        elif name in ("loc", "lastmod"):
            fields.setdefault(name, _text(child))
    loc = absolute_link(base, fields.get("loc"))
    if loc is None:
        return None
    return SitemapEntry(
        loc=loc,
        lastmod=parse_iso_date(fields.get("lastmod")),
        published=parse_iso_date(fields.get("publication_date")),
        title=fields.get("title", ""),
        language=fields.get("language") or None,
    )

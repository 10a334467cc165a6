"""Sitemaps: a news sitemap and a sitemap index (with a gzip child) crawled end to end, and
the corpus sitemaps parsed in-process (their URLs point at the real web)."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sites import LocalSite, write_config

from monitor.collect import CollectReport, collect_in_child
from monitor.errors import FetchError
from monitor.models import Article
from monitor.store import Store
from spiders.safety import UnsafeContent
from spiders.sitemapparse import parse_sitemap, sitemap_bytes

DATA = Path(__file__).parent / "data"
MAX_BYTES = 10_000_000


def templated(site: LocalSite, fixture: Path) -> bytes:
    text = fixture.read_text(encoding="utf-8")
    return text.replace("http://SITE", site.url("").rstrip("/")).encode()


def publish(site: LocalSite) -> None:
    """A news site: sitemaps, the ministry's press pages and one more article page."""
    site.add_dir("/press", DATA / "site" / "press")
    site.add("/pages/coastal-bill.html", templated(site, DATA / "feeds/pages/coastal-bill.html"))
    for name in ("news-sitemap.xml", "sitemap-index.xml"):
        site.add(f"/sitemaps/{name}", templated(site, DATA / "sitemaps" / name), etag=f'"{name}"')
    archive = gzip.compress(templated(site, DATA / "sitemaps/archive.xml"))
    site.add("/sitemaps/archive.xml.gz", archive, "application/x-gzip")


@dataclass
class Scenario:
    news: LocalSite
    index: LocalSite
    config: Path
    first: CollectReport
    second: CollectReport

    def articles(self, source: str) -> dict[str, Article]:
        store = Store.open(self.config.parent / "newsradar.db")
        try:
            return {a.link: a for a in store.articles.since(None) if a.source == source}
        finally:
            store.close()


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    news, index = LocalSite("127.0.0.30"), LocalSite("127.0.0.31")
    publish(news)
    publish(index)
    config = write_config(
        tmp_path_factory.mktemp("sitemaps"),
        [
            {"name": "news", "sitemap": news.url("/sitemaps/news-sitemap.xml"), "max_items": 2},
            {"name": "index", "sitemap": index.url("/sitemaps/sitemap-index.xml")},
        ],
    )
    first = collect_in_child(config)
    news.requests.clear()
    index.requests.clear()
    second = collect_in_child(config)
    yield Scenario(news, index, config, first, second)
    news.close()
    index.close()


def test_news_sitemap_pages_are_fetched_and_extracted(scenario: Scenario) -> None:
    report = scenario.first.source("news")
    assert report is not None and report.error is None, report
    harbour = scenario.articles("news")[scenario.news.url("/press/harbour-upgrade.html")]
    assert harbour.title == "Harbour upgrade approved by cabinet"  # news:title
    assert harbour.published == datetime(2024, 5, 3, 7, 0, tzinfo=UTC)  # news:publication_date
    assert harbour.language == "en"
    assert "fourteen metres" in harbour.text
    assert "Most read" not in harbour.text and "cookies" not in harbour.text


def test_max_items_takes_the_newest_urls_first(scenario: Scenario) -> None:
    stored = set(scenario.articles("news"))
    assert stored == {
        scenario.news.url("/press/harbour-upgrade.html"),
        scenario.news.url("/press/rail-tender.html"),
    }


def test_sitemap_index_is_followed_to_plain_and_gzip_children(scenario: Scenario) -> None:
    report = scenario.first.source("index")
    assert report is not None and report.error is None, report
    assert report.new == 4
    stored = scenario.articles("index")
    assert scenario.index.url("/pages/coastal-bill.html") in stored  # from archive.xml.gz
    assert "two hundred kilometres" in stored[scenario.index.url("/pages/coastal-bill.html")].text
    assert any("missing.xml" in w and "404" in w for w in report.warnings)


def test_an_index_listing_itself_is_read_once(scenario: Scenario) -> None:
    assert len(scenario.index.requests_for("/sitemaps/sitemap-index.xml")) == 1  # 2nd poll
    assert len(scenario.index.requests_for("/sitemaps/archive.xml.gz")) == 1


def test_second_poll_fetches_no_stored_page(scenario: Scenario) -> None:
    news = scenario.second.source("news")
    assert news is not None and news.not_modified and news.error is None  # 304 on the sitemap
    (request,) = scenario.news.requests_for("/sitemaps/news-sitemap.xml")
    assert request.headers.get("if-none-match") == '"news-sitemap.xml"'
    index = scenario.second.source("index")
    assert index is not None and index.error is None and index.items == 0
    pages = [r.path for r in scenario.index.requests if r.path.endswith(".html")]
    assert pages == []


# --- parsing, in-process -------------------------------------------------------------------------


def test_corpus_gzip_sitemap_reads_like_the_plain_one(corpus: Path) -> None:
    folder = corpus / "sitemaps"
    plain = parse_sitemap(
        sitemap_bytes((folder / "trafilatura__sitemap.xml").read_bytes(), MAX_BYTES), "http://x/"
    )
    zipped = parse_sitemap(
        sitemap_bytes((folder / "trafilatura__sitemap.xml.gz").read_bytes(), MAX_BYTES), "http://x/"
    )
    assert plain.kind == zipped.kind == "urlset"
    assert len(plain.entries) == 84
    assert [e.loc for e in zipped.entries] == [e.loc for e in plain.entries]
    assert plain.entries[0].lastmod == datetime(2016, 11, 21, tzinfo=UTC)


def test_corpus_sitemap_indexes_list_their_children(corpus: Path) -> None:
    folder = corpus / "sitemaps"
    index = parse_sitemap((folder / "advertools__sitemap_index.xml").read_bytes(), "http://x/")
    assert index.kind == "index" and len(index.entries) == 4
    assert sum(e.lastmod is not None for e in index.entries) == 3  # date-only and full stamps
    small = parse_sitemap((folder / "trafilatura__sitemap2.xml").read_bytes(), "http://x/")
    assert small.kind == "index"
    assert [e.loc.rsplit("/", 1)[1] for e in small.entries] == [
        "sitemap1.xml.gz",
        "sitemap2.xml.gz",
    ]


def test_corpus_hreflang_alternates_are_not_extra_urls(corpus: Path) -> None:
    body = (corpus / "sitemaps" / "trafilatura__sitemap-hreflang.xml").read_bytes()
    assert len(parse_sitemap(body, "http://x/").entries) == 3


def test_sitemap_with_entity_declarations_is_refused() -> None:
    body = (
        b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY a "aaaaaaaaaa">]>'
        b"<urlset><url><loc>http://x/&a;</loc></url></urlset>"
    )
    with pytest.raises(UnsafeContent):
        parse_sitemap(body, "http://x/")


def test_gzip_bomb_sitemap_is_refused() -> None:
    bomb = gzip.compress(b"<urlset>" + b" " * 5_000_000 + b"</urlset>")
    assert len(bomb) < 20_000
    with pytest.raises(UnsafeContent):
        sitemap_bytes(bomb, 1_000_000)


def test_a_page_that_is_not_a_sitemap_is_an_error() -> None:
    with pytest.raises(FetchError, match="not a sitemap"):
        parse_sitemap(b"<html><body>Hello</body></html>", "http://x/")


def test_a_page_that_failed_is_fetched_again_on_the_next_poll(tmp_path: Path) -> None:
    from feedgen import Entry, article_page, news_sitemap, story

    site = LocalSite("127.0.0.32")
    try:
        good, flaky = site.url("/good.html"), site.url("/flaky.html")
        site.add("/good.html", article_page("NATO intercepts missile", story("nato-wire")))
        site.add("/flaky.html", b"down for maintenance", "text/html", status=503)
        sitemap = news_sitemap([Entry("Good", good, ""), Entry("Flaky", flaky, "")])
        site.add("/sitemap.xml", sitemap, etag='"v1"')
        config = write_config(tmp_path, [{"name": "news", "sitemap": site.url("/sitemap.xml")}])

        collect_in_child(config)
        store = Store.open(tmp_path / "newsradar.db")
        assert store.sources.get("news").etag is None  # a lost page keeps no validators
        site.add("/flaky.html", article_page("Malatya", story("nato-other-report")))
        site.requests.clear()
        collect_in_child(config)
        (sitemap_request,) = site.requests_for("/sitemap.xml")
        assert "if-none-match" not in sitemap_request.headers
        assert {a.link for a in store.articles.since(None)} == {good, flaky}
        assert site.requests_for("/good.html") == []  # stored pages are not fetched again
        assert store.sources.get("news").etag == '"v1"'  # complete now: validators kept
        store.close()
    finally:
        site.close()

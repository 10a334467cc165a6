"""Site spiders: the example spider walks the fixture site's listing to its article pages."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse
from sites import LocalSite, write_config

from monitor.collect import CollectReport, collect_in_child
from monitor.models import Article
from monitor.store import Store
from spiders.example_site import ExampleSiteSpider
from spiders.items import ArticleItem
from spiders.registry import site_spiders

SITE = Path(__file__).parent / "data" / "site"
CHROME = ("Most read", "cookies", "Celebrity", "ballistic", "Careers", "Share on", "newsletter")


@dataclass
class Scenario:
    site: LocalSite
    config: Path
    first: CollectReport
    second: CollectReport

    def articles(self) -> dict[str, Article]:
        store = Store.open(self.config.parent / "newsradar.db")
        try:
            return {a.title: a for a in store.articles.since(None)}
        finally:
            store.close()


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    site = LocalSite("127.0.0.40")
    site.add_dir("/", SITE)
    config = write_config(
        tmp_path_factory.mktemp("site"),
        [
            {"name": "ministry", "spider": "example_site", "url": site.url("/index.html")},
            {"name": "typo", "spider": "no_such_spider", "url": site.url("/index.html")},
        ],
    )
    first = collect_in_child(config)
    site.requests.clear()
    second = collect_in_child(config)
    yield Scenario(site, config, first, second)
    site.close()


def test_example_spider_stores_every_listed_article(scenario: Scenario) -> None:
    report = scenario.first.source("ministry")
    assert report is not None and report.error is None, report
    assert report.new == 3
    assert set(scenario.articles()) == {
        "Harbour upgrade approved",
        "Rail tender opens",
        "School meals pilot extended",
    }


def test_article_fields_come_from_the_declared_selectors(scenario: Scenario) -> None:
    harbour = scenario.articles()["Harbour upgrade approved"]
    assert harbour.source == "ministry"
    assert harbour.url == scenario.site.url("/press/harbour-upgrade.html")
    assert harbour.published == datetime(2024, 5, 3, 7, 0, tzinfo=UTC)
    assert harbour.author == "Press Office"
    assert harbour.text.startswith("The cabinet today approved")
    assert "fourteen metres" in harbour.text and "wetland" in harbour.text
    rail = scenario.articles()["Rail tender opens"]
    assert "utm_source" not in rail.url  # the listing's tracking parameter is not identity


def test_page_chrome_never_becomes_article_text(scenario: Scenario) -> None:
    for article in scenario.articles().values():
        for chrome in CHROME:
            assert chrome not in article.text, (article.title, chrome)


def test_second_walk_fetches_the_listing_but_no_stored_page(scenario: Scenario) -> None:
    report = scenario.second.source("ministry")
    assert report is not None and report.error is None and report.new == 0
    assert [r.path for r in scenario.site.requests if r.path.startswith("/press/")] == []
    assert len(scenario.site.requests_for("/index.html")) == 1


def test_an_unknown_spider_is_that_source_s_error(scenario: Scenario) -> None:
    report = scenario.first.source("typo")
    assert report is not None and report.error is not None
    assert "no_such_spider" in report.error and "example_site" in report.error
    store = Store.open(scenario.config.parent / "newsradar.db")
    try:
        assert store.sources.get("typo").consecutive_failures == 2
    finally:
        store.close()


def test_spider_registry_finds_site_spiders_by_name() -> None:
    spiders = site_spiders()
    assert spiders["example_site"] is ExampleSiteSpider
    assert "feed" not in spiders and "sitemap" not in spiders


def test_article_callback_works_offline() -> None:
    page = SITE / "press" / "school-meals.html"
    url = "http://ministry.test/press/school-meals.html"
    response = HtmlResponse(url, body=page.read_bytes(), encoding="utf-8")
    spider = ExampleSiteSpider(sources=[])
    item = spider.parse_article(response, ArticleItem(source="ministry", link=url))
    assert item is not None
    assert item.title == "School meals pilot extended"
    assert item.text.count("\n\n") == 1  # two paragraphs, nothing else
    assert item.canonical is None  # the declared canonical is the page itself

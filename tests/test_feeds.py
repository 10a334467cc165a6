"""Feeds end to end: real local HTTP servers, a real child collect, the real store.

One module-wide scenario runs two collect passes (each a child process, ~3-5 s): every feed
format, teasers completed from pages, a server answering 429, one that never answers. The
tests read what the passes did; a few fast unit tests sit at the end.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sites import LocalSite, write_config

from monitor.collect import CollectReport, collect_in_child
from monitor.errors import FetchError
from monitor.models import Article
from monitor.store import Store
from spiders.base import retry_after
from spiders.feedparse import parse_feed_body

DATA = Path(__file__).parent / "data" / "feeds"


def serve(site: LocalSite, path: str, fixture: str, **kw: object) -> str:
    """Serve a fixture with ``http://SITE`` replaced by the site's own address."""
    text = (DATA / fixture).read_text(encoding="utf-8")
    return site.add(path, text.replace("http://SITE", site.url("").rstrip("/")), **kw)  # type: ignore[arg-type]


@dataclass
class Scenario:
    sites: dict[str, LocalSite]
    config: Path
    first: CollectReport
    second: CollectReport
    first_seconds: float
    hanging_port: int

    def store(self) -> Store:
        return Store.open(self.config.parent / "newsradar.db")

    def articles(self, source: str) -> dict[str, Article]:
        store = self.store()
        try:
            return {a.title: a for a in store.articles.since(None) if a.source == source}
        finally:
            store.close()


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    # One loopback address per source: separate hosts, fetched in parallel as on the web.
    names = ["rss2", "rss1", "atom", "json", "teasers", "throttled", "huge"]
    sites = {name: LocalSite(f"127.0.0.{i + 2}") for i, name in enumerate(names)}
    serve(sites["rss2"], "/rss2.xml", "rss2.xml", etag='"rss2-v1"')
    serve(sites["rss1"], "/rss1.rdf", "rss1.rdf", last_modified="Mon, 06 May 2024 10:00:00 GMT")
    serve(sites["atom"], "/atom.xml", "atom.xml")
    serve(sites["json"], "/feed.json", "feed.json")
    serve(sites["teasers"], "/teasers.xml", "teasers.xml")
    serve(sites["teasers"], "/pages/coastal-bill.html", "pages/coastal-bill.html")
    sites["throttled"].add("/feed.xml", "slow down", "text/plain", status=429,
                           headers={"Retry-After": "120"})  # fmt: skip
    huge = "<rss><channel>" + "<item><link>/a</link><title>big</title></item>" * 3000
    sites["huge"].add("/feed.xml", huge + "</channel></rss>", "application/rss+xml")
    hanging = socket.socket()
    hanging.bind(("127.0.0.9", 0))
    hanging.listen(16)  # connections are accepted by the kernel and never answered
    hanging_port = hanging.getsockname()[1]
    tmp = tmp_path_factory.mktemp("feeds")
    config = write_config(
        tmp,
        [
            {"name": "rss2", "feed": sites["rss2"].url("/rss2.xml"), "full_text": "never"},
            {"name": "rss1", "feed": sites["rss1"].url("/rss1.rdf"), "full_text": "never"},
            {"name": "atom", "feed": sites["atom"].url("/atom.xml"), "full_text": "never"},
            {"name": "json", "feed": sites["json"].url("/feed.json"), "full_text": "never"},
            {"name": "teasers", "feed": sites["teasers"].url("/teasers.xml")},
            {"name": "throttled", "feed": sites["throttled"].url("/feed.xml")},
            {"name": "hanging", "feed": f"http://127.0.0.9:{hanging_port}/feed.xml"},
            {"name": "huge", "feed": sites["huge"].url("/feed.xml")},
        ],
        fetch={"timeout": "1s", "max_bytes": 100_000},
    )
    started = time.monotonic()
    first = collect_in_child(config)
    first_seconds = time.monotonic() - started
    # Between the polls the coastal-bill article is updated in place: new teaser, new text.
    serve(sites["teasers"], "/teasers.xml", "teasers.xml")
    feed = sites["teasers"].routes["/teasers.xml"]
    feed.body = feed.body.replace(
        b"has passed the coastal protection bill", b"passed the amended bill"
    )
    page = sites["teasers"].routes["/pages/coastal-bill.html"]
    page.body = page.body.replace(
        b"</article>", b"<p>Update: the senate approved it too.</p></article>"
    )
    for site in sites.values():
        site.requests.clear()
    second = collect_in_child(config, [n for n in names])  # the hanging source sits this out
    yield Scenario(sites, config, first, second, first_seconds, hanging_port)
    hanging.close()
    for site in sites.values():
        site.close()


# --- formats -----------------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["rss2", "rss1", "atom", "json"])
def test_each_feed_format_yields_stored_articles(scenario: Scenario, source: str) -> None:
    report = scenario.first.source(source)
    assert report is not None and report.error is None, report
    assert (report.items, report.new) == (2, 2)
    articles = scenario.articles(source)
    assert len(articles) == 2
    for article in articles.values():
        assert article.url.startswith(scenario.sites[source].url("/"))
        assert article.text
        assert article.published is not None and article.published.utcoffset() == timedelta(0)


def test_entry_fields_come_through_normalised(scenario: Scenario) -> None:
    rss2 = scenario.articles("rss2")["Ferry strike called off after overnight talks"]
    assert rss2.guid == "gazette-1001"  # raw: not resolved into a URL
    assert rss2.url == scenario.sites["rss2"].url("/news/ferry-strike-called-off")
    assert rss2.published == datetime(2024, 5, 7, 5, 30, tzinfo=UTC)
    assert rss2.author == "Ann Reporter"
    assert (rss2.language or "").lower().startswith("en")
    assert rss2.summary == "Ferry crews will return to work on Wednesday."
    lighthouse = scenario.articles("rss2")["New lighthouse keeper appointed"]
    assert "utm_source" not in lighthouse.url
    assert lighthouse.text == "The harbour board has appointed a new keeper for the old lighthouse."
    atom = scenario.articles("atom")
    assert set(atom) == {"Neue Fähre <Nordlicht> getauft", "Deichbau beginnt im Juni"}
    assert {a.language for a in atom.values()} == {"de"}
    assert atom["Neue Fähre <Nordlicht> getauft"].author == "Karl Küste"
    json_feed = scenario.articles("json")
    assert json_feed["Storm warning for the islands"].author == "Weather Desk"
    assert json_feed["Music festival sells out"].url == scenario.sites["json"].url(
        "/radio/festival"
    )
    assert json_feed["Music festival sells out"].published == datetime(2024, 5, 6, 19, tzinfo=UTC)


def test_feed_html_becomes_plain_text_without_active_content(scenario: Scenario) -> None:
    ferry = scenario.articles("rss2")["Ferry strike called off after overnight talks"]
    assert "four percent" in ferry.text
    assert "alert" not in ferry.text and "<" not in ferry.text
    storm = scenario.articles("json")["Storm warning for the islands"]
    assert "evil.example" not in storm.text and "<" not in storm.text


# --- full text ---------------------------------------------------------------------------------


def test_teaser_entries_are_completed_from_their_pages(scenario: Scenario) -> None:
    bill = scenario.articles("teasers")["Parliament passes coastal protection bill"]
    assert "two hundred kilometres of coastline" in bill.text
    # page chrome is not article text
    assert "Footballer" not in bill.text and "Most read" not in bill.text


def test_teaser_falls_back_to_the_feed_text_when_the_page_fails(scenario: Scenario) -> None:
    report = scenario.first.source("teasers")
    assert report is not None and report.error is None
    assert any("404" in warning for warning in report.warnings)
    visit = scenario.articles("teasers")["Minister visits flood defences"]
    assert visit.text == "The minister toured the new flood defences on Tuesday …"


def test_article_updated_in_place_is_fetched_again_and_stored_pages_are_not(
    scenario: Scenario,
) -> None:
    report = scenario.second.source("teasers")
    assert report is not None and report.error is None
    assert report.changed == 1 and report.new == 0
    bill = scenario.articles("teasers")["Parliament passes coastal protection bill"]
    assert "the senate approved it too" in bill.text
    assert bill.summary == "Parliament passed the amended bill …"
    site = scenario.sites["teasers"]
    assert len(site.requests_for("/pages/coastal-bill.html")) == 1
    # The page that failed on the first poll is tried again (its article is still a teaser);
    # a stored, complete page with no sign of an update is not.
    assert len(site.requests_for("/pages/gone.html")) == 1


# --- polite fetching -----------------------------------------------------------------------------


def test_second_poll_sends_validators_and_a_304_changes_nothing(scenario: Scenario) -> None:
    (rss2_request,) = scenario.sites["rss2"].requests_for("/rss2.xml")
    assert rss2_request.headers.get("if-none-match") == '"rss2-v1"'
    (rss1_request,) = scenario.sites["rss1"].requests_for("/rss1.rdf")
    assert rss1_request.headers.get("if-modified-since") == "Mon, 06 May 2024 10:00:00 GMT"
    for name in ("rss2", "rss1"):
        report = scenario.second.source(name)
        assert report is not None
        assert report.not_modified and report.error is None
        assert (report.items, report.new, report.changed) == (0, 0, 0)
    store = scenario.store()
    try:
        state = store.sources.get("rss2")
        assert state.etag == '"rss2-v1"' and state.consecutive_failures == 0
        assert store.articles.count_since(None) == 10
    finally:
        store.close()


def test_every_request_carries_the_configured_user_agent(scenario: Scenario) -> None:
    agents = {r.headers.get("user-agent") for s in scenario.sites.values() for r in s.requests}
    assert agents == {"newsradar/0.1 (+https://github.com/newsradar/newsradar)"}


def test_429_with_retry_after_backs_the_source_off(scenario: Scenario) -> None:
    report = scenario.first.source("throttled")
    assert report is not None and report.error is not None and "429" in report.error
    store = scenario.store()
    try:
        state = store.sources.get("throttled")
    finally:
        store.close()
    assert state.backoff_until is not None
    wait = (state.backoff_until - datetime.now(UTC)).total_seconds()
    assert 60 < wait <= 121
    again = scenario.second.source("throttled")
    assert again is not None and again.skipped and "backoff" in again.skipped
    assert scenario.sites["throttled"].requests_for("/feed.xml") == []


def test_a_hanging_source_does_not_stop_the_healthy_ones(scenario: Scenario) -> None:
    hanging = scenario.first.source("hanging")
    assert hanging is not None and hanging.error is not None
    assert "timed out" in hanging.error
    healthy = [s for s in scenario.first.sources if s.name not in ("hanging", "throttled", "huge")]
    assert len(healthy) == 5 and all(s.error is None and s.new >= 2 for s in healthy)
    assert scenario.first_seconds < 20  # 1 s timeouts: robots.txt and feed, one retry each
    store = scenario.store()
    try:
        state = store.sources.get("hanging")
        assert state.consecutive_failures == 1 and "timed out" in (state.last_error or "")
        assert store.sources.get("atom").last_success is not None
    finally:
        store.close()


def test_a_body_over_the_size_cap_is_not_parsed(scenario: Scenario) -> None:
    report = scenario.first.source("huge")
    assert report is not None and report.error is not None
    assert "size cap" in report.error and report.items == 0


# --- hard limits -------------------------------------------------------------------------------


def test_crawl_time_limit_ends_a_hung_crawl(make_config, local_site, hanging_url) -> None:
    healthy = local_site("127.0.0.20")
    serve(healthy, "/atom.xml", "atom.xml")
    config = make_config(
        [
            {"name": "hung", "feed": hanging_url},
            {"name": "fine", "feed": healthy.url("/atom.xml"), "full_text": "never"},
        ],
        fetch={"timeout": "60s", "crawl_timeout": "3s"},
    )
    started = time.monotonic()
    report = collect_in_child(config)
    assert time.monotonic() - started < 12
    assert report.source("fine").new == 2  # type: ignore[union-attr]
    hung = report.source("hung")
    assert hung is not None and hung.error and "stopped" in hung.error


def test_stopping_the_child_records_what_it_has(make_config, local_site, hanging_url) -> None:
    healthy = local_site("127.0.0.21")
    serve(healthy, "/atom.xml", "atom.xml")
    config = make_config(
        [
            {"name": "hung", "feed": hanging_url},
            {"name": "fine", "feed": healthy.url("/atom.xml"), "full_text": "never"},
        ],
        fetch={"timeout": "60s"},
    )
    stop = threading.Event()
    threading.Timer(3.0, stop.set).start()  # a daemon shutting down mid-collect
    started = time.monotonic()
    report = collect_in_child(config, stop=stop)
    assert time.monotonic() - started < 9  # the daemon must stop within 10 s
    assert report.stopped and report.error is None
    assert report.source("fine").new == 2  # type: ignore[union-attr]
    hung = report.source("hung")
    assert hung is not None and hung.error and "shutdown" in hung.error


def test_collect_child_is_killed_at_its_deadline(make_config, hanging_url) -> None:
    config = make_config([{"name": "hung", "feed": hanging_url}], fetch={"timeout": "60s"})
    report = collect_in_child(config, timeout=0.5)  # less than the child's start-up
    assert report.timed_out and report.error and "killed" in report.error
    store = Store.open(config.parent / "newsradar.db")
    try:
        state = store.sources.get("hung")
    finally:
        store.close()
    assert state.consecutive_failures == 1 and "killed" in (state.last_error or "")


# --- units -----------------------------------------------------------------------------------


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    now = datetime(2024, 5, 7, 12, 0, tzinfo=UTC)
    assert retry_after(b"120", 0, now) == now + timedelta(seconds=120)
    assert retry_after("Tue, 07 May 2024 13:00:00 GMT", 0, now) == now + timedelta(hours=1)
    # Absent or nonsense: exponential backoff from 5 minutes, capped; huge values capped at a day.
    assert retry_after(None, 0, now) == now + timedelta(minutes=5)
    assert retry_after(b"soon", 2, now) == now + timedelta(minutes=20)
    assert retry_after(b"99999999", 0, now) == now + timedelta(days=1)


def test_json_feed_needs_an_items_list() -> None:
    with pytest.raises(FetchError, match="JSON Feed"):
        parse_feed_body(b'{"version": "https://jsonfeed.org/version/1.1"}', "http://x.test/f")
    with pytest.raises(FetchError, match="invalid JSON"):
        parse_feed_body(b'{"items": [', "http://x.test/f", "application/feed+json")


def test_feedparser_never_reads_a_file_named_by_the_body(tmp_path: Path) -> None:
    secret = tmp_path / "secret.xml"
    secret.write_text('<rss version="2.0"><channel><item><link>http://x.test/a</link>'
                      "<title>secret</title></item></channel></rss>")  # fmt: skip
    with pytest.raises(FetchError):
        parse_feed_body(str(secret).encode(), "http://x.test/feed")


def test_a_teaser_whose_page_failed_is_completed_on_a_later_poll(tmp_path: Path) -> None:
    from feedgen import Entry, article_page, rss, story

    site = LocalSite("127.0.0.40")
    try:
        link = site.url("/world/nato.html")
        site.add("/rss.xml", rss([Entry("NATO intercepts missile", link, story("nato-wire"),
                                        guid="n-1", teaser_only=True)]))  # fmt: skip
        site.add("/world/nato.html", b"busy", "text/html", status=503)
        config = write_config(tmp_path, [{"name": "desk", "feed": site.url("/rss.xml")}])
        collect_in_child(config)
        store = Store.open(tmp_path / "newsradar.db")
        (teaser,) = list(store.articles.since(None))
        assert teaser.link == link and "Kürecik" not in teaser.text  # only the first sentence

        site.add("/world/nato.html", article_page("NATO intercepts missile", story("nato-wire")))
        collect_in_child(config)
        (full,) = list(store.articles.since(None))
        assert "Kürecik" in full.text  # the page completed it
        site.requests.clear()
        collect_in_child(config)
        assert site.requests_for("/world/nato.html") == []  # complete now: not fetched again
        store.close()
    finally:
        site.close()

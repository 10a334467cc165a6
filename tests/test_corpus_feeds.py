"""Every corpus feed — well-formed, ill-formed, hostile — is processed without a crash or hang.

Each file goes through FeedSpider's own (guarded) callback offline, as a Scrapy ``Response``
(STACK.md: offline callback testing), and what it yields is normalised and stored: the result
is parsed items or a recorded source error, never an exception. The ``hostile-xml`` files are
refused before feedparser sees them. One crawl through a real local server serves a mix of
corpus files as sources.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from scrapy.http import Response
from sites import LocalSite

from monitor.collect import collect_in_child
from monitor.config import Source
from monitor.errors import FetchError
from monitor.normalize import to_article
from monitor.store import Store
from spiders.feed import FeedSpider
from spiders.feedparse import parse_feed_body
from spiders.items import ArticleItem
from spiders.outcome import SourceOutcome

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
FOLDERS = ("feeds-illformed", "feeds-wellformed")
SECONDS_PER_FILE = 10


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(f for folder in FOLDERS for f in (CORPUS / folder).rglob("*") if f.is_file())


def corpus_id(path: Path) -> str:
    return str(path.relative_to(CORPUS))


def content_type(path: Path) -> str:
    return "application/json" if path.suffix == ".json" else "application/xml"


SOURCE_URL = "http://feeds.test/feed"


def source(name: str = "corpus") -> Source:
    return Source(name=name, kind="feed", url=SOURCE_URL, spider=None, every="10m",
                  full_text="never", enabled=True, language=None, max_items=1000,
                  stale_after=None)  # fmt: skip


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    opened = Store.open(tmp_path_factory.mktemp("corpus") / "corpus.db")
    yield opened
    opened.close()


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise TimeoutError(f"a corpus file took longer than {SECONDS_PER_FILE} s")


def process_offline(store: Store, body: bytes, ctype: str) -> tuple[list[Any], SourceOutcome]:
    """Run FeedSpider's guarded parse callback on ``body``; store what it yields."""
    src = source()
    spider = FeedSpider(sources=[src], store=store)
    request = spider.request(src.name, src.url or "", spider.parse_feed, primary=True)
    response = Response(src.url or "", body=body, headers={"Content-Type": ctype}, request=request)

    async def run() -> list[Any]:
        assert request.callback is not None
        return [value async for value in request.callback(response)]

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, SECONDS_PER_FILE)
    try:
        output = asyncio.run(run())
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    for value in output:
        if isinstance(value, ArticleItem):
            store.articles.save(to_article(value))
    return output, spider.outcome(src.name)


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"shared corpus not found at {CORPUS}")
@pytest.mark.parametrize("path", corpus_files(), ids=corpus_id)
def test_corpus_feed_yields_items_or_a_recorded_error(
    path: Path, store: Store, monkeypatch
) -> None:
    hostile = path.parent.name == "hostile-xml"
    if hostile:

        def must_not_parse(*args: object, **kwargs: object) -> None:
            raise AssertionError("a hostile document reached feedparser")

        monkeypatch.setattr("spiders.feedparse.feedparser.parse", must_not_parse)
    body = path.read_bytes()
    output, outcome = process_offline(store, body, content_type(path))
    items = [value for value in output if isinstance(value, ArticleItem)]
    if hostile:
        assert outcome.error is not None and outcome.error.startswith("refused"), outcome.error
        return
    try:
        parsed = parse_feed_body(body, SOURCE_URL, content_type(path))
    except FetchError as exc:  # not usable: the source's recorded error says why
        assert outcome.error == str(exc)
        assert items == []
        return
    # Parsed: every entry with a link became an item (a well-formed empty feed yields none).
    assert outcome.error is None, outcome.error
    assert {item.link for item in items} == {entry.link for entry in parsed.entries}
    assert all(item.link.startswith(("http://", "https://")) for item in items)
    assert outcome.warnings == parsed.warnings


def test_the_corpus_is_there_or_the_skip_says_why() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS} (it sits beside the repository)")
    assert len(corpus_files()) >= 180


# --- the same files through a real crawl -------------------------------------------------------

CRAWLED = {
    "guardian": "feeds-wellformed/real-world/rss-parser__guardian.rss",
    "heise": "feeds-wellformed/real-world/rss-parser__heise.atom",
    "npr-json": "feeds-wellformed/json/trafilatura__feed.json",
    "gulp": "feeds-wellformed/real-world/rss-parser__gulp-atom.atom",
    "utf16-empty": "feeds-wellformed/feedparser-encoding/utf-16le-bom.xml",
    "uol-bozo": "feeds-wellformed/real-world/rss-parser__uolNoticias.rss",
    "illformed": "feeds-illformed/feedparser/aaa_illformed.xml",
    "empty": "feeds-illformed/gofeed/empty_feed.xml",
    "bad-json": "feeds-illformed/gofeed/invalid.json",
    "not-a-feed": "feeds-illformed/rss-parser/unrecognized.rss",
    "quadratic": "feeds-illformed/hostile-xml/defusedxml__quadratic.xml",
    "xmlbomb": "feeds-illformed/hostile-xml/defusedxml__xmlbomb.xml",
    "xxe": "feeds-illformed/hostile-xml/defusedxml__external_file.xml",
}


def test_corpus_feeds_crawled_from_a_local_server(corpus: Path, make_config) -> None:
    site = LocalSite("127.0.0.50")
    try:
        sources = []
        for name, relative in CRAWLED.items():
            file = corpus / relative
            url = site.add_file(f"/{name}{file.suffix}", file, content_type(file))
            # full_text: never — these feeds link to the real web, which tests must not reach
            sources.append({"name": name, "feed": url, "full_text": "never"})
        config = make_config(sources)
        report = collect_in_child(config)
    finally:
        site.close()
    assert report.error is None
    results = {s.name: s for s in report.sources}
    for name in ("guardian", "heise", "npr-json", "gulp", "uol-bozo"):
        assert results[name].error is None and results[name].new > 0, results[name]
    assert results["utf16-empty"].error is None  # a well-formed feed without entries
    assert results["uol-bozo"].warnings  # bozo: used what parsed, said so
    for name in ("illformed", "empty", "bad-json", "not-a-feed"):
        assert results[name].error, results[name]
    for name in ("quadratic", "xmlbomb", "xxe"):
        assert (results[name].error or "").startswith("refused"), results[name]
    store = Store.open(config.parent / "newsradar.db")
    try:
        assert (store.sources.get("xxe").last_error or "").startswith("refused")
        assert store.sources.get("guardian").last_success is not None
    finally:
        store.close()

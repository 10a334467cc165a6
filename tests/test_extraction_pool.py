"""Article extraction in worker processes (spiders.extraction_pool) gives the inline result."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from feedgen import Entry, news_sitemap
from sites import LocalSite, write_config

from monitor.collect import collect_in_child
from monitor.extract import extract_article
from monitor.normalize import clean_text
from monitor.store import Store
from spiders import extraction_pool
from spiders.extraction_pool import ExtractionPool

COPIES = 3  # 48 corpus pages x 3: well past the threshold, and longer than worker start-up


def test_a_big_sitemap_crawl_stores_what_inline_extraction_finds(
    corpus: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    pages = sorted((corpus / "articles-html").rglob("*.html"))
    assert len(pages) * COPIES > extraction_pool.THRESHOLD
    site = LocalSite("127.0.0.40")
    try:
        entries, bodies = [], {}
        for copy in range(COPIES):
            for number, page in enumerate(pages):
                url = site.add_file(f"/c{copy}/{number}-{page.stem}.html", page, "text/html")
                bodies[url] = page.read_bytes()
                entries.append(Entry(title="", link=url, text=""))
        site.add("/news-sitemap.xml", news_sitemap(entries), "application/xml")
        config = write_config(
            tmp_path,
            [{"name": "big", "sitemap": site.url("/news-sitemap.xml"), "max_items": 1000}],
            {"concurrency_per_host": 16},
        )
        report = collect_in_child(config, log_level="INFO")
    finally:
        site.close()
    source = report.source("big")
    assert source is not None and source.error is None, report

    expected = {}
    for url, body in bodies.items():
        text = clean_text(extract_article(body, url).text)
        if text.strip():
            expected[url] = text
    store = Store.open(tmp_path / "newsradar.db")
    try:
        stored = {a.link: a.text for a in store.articles.since(None) if a.source == "big"}
    finally:
        store.close()
    # A page whose canonical link is relative names the same article in every copy: one row.
    assert set(stored.values()) == set(expected.values())  # every text, none lost
    assert {link: expected[link] for link in stored} == stored
    assert source.items == len(expected)  # every page with text was stored or seen again

    # The workers did extract (the child's INFO line when the pool shut down).
    log = capfd.readouterr().err
    line = next(line for line in log.splitlines() if "extraction pool:" in line)
    pooled = int(line.split("extraction pool:")[1].split()[0])
    assert pooled > 0, line


def test_a_broken_pool_extracts_inline() -> None:
    html = "<html><body><article>" + "<p>The council met on Tuesday to vote.</p>" * 20
    pool = ExtractionPool(workers=2, threshold=0)
    pool.expect(1)
    try:
        assert pool.running
        for _ in range(200):  # wait for both workers to answer their warm-up call
            if pool.ready:
                break
            asyncio.run(asyncio.sleep(0.05))
        assert pool.ready
        executor = pool._executor
        assert executor is not None
        for process in list(executor._processes.values()):  # type: ignore[union-attr]
            process.kill()
            process.join()
        result = asyncio.run(pool.extract(html, "https://example.org/a"))
    finally:
        pool.shutdown()
    assert result == extract_article(html, "https://example.org/a")
    assert pool.broken and not pool.running
    assert pool.pooled == 0 and pool.inline == 1

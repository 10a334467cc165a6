"""The process half on a real SQLite store: idempotent, and one bad article blocks nothing."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from feedgen import story

from monitor.config import load_config
from monitor.models import Article, Document, RuleMatch
from monitor.normalize import content_hash
from monitor.process import process_pending
from monitor.rulebook import RuleBook, load_rulebook
from monitor.store import Store


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Store, object, RuleBook]:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "r.yaml").write_text(
        yaml.safe_dump({"rules": [{"name": "nato", "query": "NATO", "notify": ["hook"]}]})
    )
    (tmp_path / "newsradar.yaml").write_text(
        yaml.safe_dump({"notify": {"hook": "json://127.0.0.1:9/hook"}, "rules": "rules/"})
    )
    config = load_config(str(tmp_path / "newsradar.yaml"))
    store = Store.open(config.database)
    yield store, config, load_rulebook(config)
    store.close()


def save(store: Store, n: int, text: str) -> None:
    title = f"Report {n}"
    store.articles.save(
        Article(source="desk", url=f"https://example.org/{n}", title=title, text=text,
                content_hash=content_hash(title, text))
    )  # fmt: skip


class ExplodingMatcher:
    """The real matcher, except that one article trips a bug inside it."""

    def __init__(self, real: object, poison: str) -> None:
        self.real, self.poison = real, poison

    def match(self, doc: Document) -> list[RuleMatch]:
        if doc.title == self.poison:
            raise RuntimeError("bug")
        return self.real.match(doc)  # type: ignore[attr-defined]


def test_a_second_pass_finds_nothing_to_do(setup) -> None:
    store, config, rulebook = setup
    save(store, 1, story("nato-wire"))
    save(store, 2, story("recipe").replace("NATO generals", "chefs"))
    first = process_pending(store, config, rulebook)
    assert (first.articles, first.matches, first.alerts_queued) == (2, 1, 1)
    second = process_pending(store, config, rulebook)
    assert (second.articles, second.alerts_queued) == (0, 0)


def test_an_article_that_raises_is_set_aside_and_the_rest_go_through(setup, caplog) -> None:
    store, config, rulebook = setup
    for n in (1, 2, 3):
        save(store, n, story("nato-wire").replace("Wednesday", f"day {n}") + f" Copy {n}." * n)
    broken = replace(rulebook, matcher=ExplodingMatcher(rulebook.matcher, "Report 2"))

    report = process_pending(store, config, broken)
    assert report.failed == 1 and report.articles == 2
    assert "article 2 (https://example.org/2) could not be processed" in caplog.text
    rows = {row["id"]: row for row in store.db.query("SELECT id, processed FROM articles")}
    assert {i: r["processed"] for i, r in rows.items()} == {1: 1, 2: 2, 3: 1}
    # The failed article left no half-written trace: no match row, no alert, no signature.
    assert store.db.execute("SELECT count(*) FROM matches WHERE article_id = 2").fetchone()[0] == 0
    assert process_pending(store, config, rulebook).articles == 0  # not retried every pass


def test_a_stop_request_ends_the_pass_between_batches(setup) -> None:
    import threading

    store, config, rulebook = setup
    for n in range(5):
        save(store, n, f"NATO bulletin number {n} " * 40)
    stop = threading.Event()

    class StopAfterFirst:
        def match(self, doc: Document) -> list[RuleMatch]:
            stop.set()  # the daemon got SIGTERM while this batch ran
            return rulebook.matcher.match(doc)

    report = process_pending(store, config, replace(rulebook, matcher=StopAfterFirst()),
                             batch=2, stop=stop)  # fmt: skip
    assert report.articles == 2  # the batch under way finished; no new one started
    assert len(store.articles.unprocessed()) == 3

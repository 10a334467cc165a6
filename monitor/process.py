"""The process half: stored articles -> stories -> rule matches -> alert outbox.

Plain Python, no Scrapy. Every step is idempotent, so a pass killed at any point is simply
run again: story assignment is keyed by article, matches are keyed by article x rule, and
alerts by rule x story x channel (the outbox UNIQUE key). An article is marked processed only
after its alerts are queued.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from monitor.alert_text import render_alert
from monitor.config import Config
from monitor.flow import route
from monitor.models import Article, Document
from monitor.rulebook import RuleBook
from monitor.schedule import parse_duration
from monitor.store import Store, utcnow
from monitor.store.base import write_transaction
from monitor.store.outbox import NewAlert
from monitor.stories import StoryIndex

log = logging.getLogger("newsradar.process")


@dataclass
class ProcessReport:
    articles: int = 0
    new_stories: int = 0
    matches: int = 0
    alerts_queued: int = 0
    failed: int = 0  # articles that raised; marked failed (processed = 2) and logged
    by_rule: dict[str, int] = field(default_factory=dict)

    def add(self, other: ProcessReport) -> None:
        self.articles += other.articles
        self.new_stories += other.new_stories
        self.matches += other.matches
        self.alerts_queued += other.alerts_queued
        self.failed += other.failed
        for rule, count in other.by_rule.items():
            self.by_rule[rule] = self.by_rule.get(rule, 0) + count


def process_pending(
    store: Store,
    config: Config,
    rulebook: RuleBook,
    now: datetime | None = None,
    batch: int = 200,
    stop: threading.Event | None = None,
) -> ProcessReport:
    """Cluster, match and enqueue every article stored since the last pass.

    ``stop`` ends the pass early between batches (a daemon shutting down); what is left stays
    unprocessed for the next pass.
    """
    report = ProcessReport()
    window = timedelta(seconds=parse_duration(config.model.stories.window))
    threshold = config.model.stories.threshold
    stories = StoryIndex.load(store, window=window, threshold=threshold)
    while not (stop and stop.is_set()) and (articles := store.articles.unprocessed(limit=batch)):
        # One transaction per batch: fewer commits, and a crash only rolls the batch back to
        # "unprocessed", which the next pass redoes (every step below is idempotent).
        with write_transaction(store.db):
            failed: list[int] = []
            for article in articles:
                assert article.id is not None
                try:
                    with store.db.atomic():  # a savepoint: a failing article leaves no trace
                        done = _process_article(store, config, rulebook, stories, article, now)
                    report.add(done)
                except Exception:
                    # One article that trips a bug must not block every later pass.
                    log.exception("article %d (%s) could not be processed", article.id, article.url)
                    failed.append(article.id)
                    # The in-memory index may hold what the savepoint rolled back.
                    stories = StoryIndex.load(store, window=window, threshold=threshold)
            report.failed += len(failed)
            processed = [a.id for a in articles if a.id is not None and a.id not in failed]
            store.articles.mark_processed(processed)
            store.articles.mark_processed(failed, failed=True)
    log.info(
        "processed %d articles: %d new stories, %d matches, %d alerts queued",
        report.articles,
        report.new_stories,
        report.matches,
        report.alerts_queued,
    )
    return report


def _process_article(
    store: Store,
    config: Config,
    rulebook: RuleBook,
    stories: StoryIndex,
    article: Article,
    now: datetime | None,
) -> ProcessReport:
    """Cluster, match and enqueue one article; returns what it did (added up by the caller
    only once the article's savepoint holds)."""
    assert article.id is not None  # stored articles have ids
    report = ProcessReport(articles=1)
    assignment = stories.assign(article)
    report.new_stories += assignment.is_new_story
    document = Document(article.title, article.text, article.source, article.language)
    for match in rulebook.matcher.match(document):
        report.matches += 1
        store.matches.record(article.id, match.rule.name, assignment.story_id, match.hits)
        story = store.stories.get(assignment.story_id)
        title, body = render_alert(match.rule, article, match.hits, story)
        moment = now or utcnow()
        for channel in match.rule.notify:
            # Flow control (throttle/digest) decides when; the row is queued either way.
            routing = route(
                match.rule,
                channel,
                moment,
                store.outbox.count_immediate,
                timezone=config.model.timezone,
            )
            queued = store.outbox.enqueue(
                NewAlert(
                    rule=match.rule.name,
                    story_id=assignment.story_id,
                    channel=channel,
                    article_id=article.id,
                    title=title,
                    body=body,
                    severity=match.rule.severity,
                    digest_key=routing.digest_key,
                    due_at=routing.due_at,
                ),
                now=moment,
            )
            if queued:
                report.alerts_queued += 1
                report.by_rule[match.rule.name] = report.by_rule.get(match.rule.name, 0) + 1
    return report

"""The process half: stored articles -> stories -> rule matches -> alert outbox.

Plain Python, no Scrapy. Every step is idempotent, so a pass killed at any point is simply
run again: story assignment is keyed by article, matches are keyed by article x rule, and
alerts by rule x story x channel (the outbox UNIQUE key). An article is marked processed only
after its alerts are queued.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from monitor.alert_text import render_alert
from monitor.config import Config
from monitor.flow import route
from monitor.models import Article, Document
from monitor.rulebook import RuleBook
from monitor.schedule import parse_duration
from monitor.store import Store, utcnow
from monitor.store.outbox import NewAlert
from monitor.stories import StoryIndex

log = logging.getLogger("newsradar.process")


@dataclass
class ProcessReport:
    articles: int = 0
    new_stories: int = 0
    matches: int = 0
    alerts_queued: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)


def process_pending(
    store: Store,
    config: Config,
    rulebook: RuleBook,
    now: datetime | None = None,
    batch: int = 500,
) -> ProcessReport:
    """Cluster, match and enqueue every article stored since the last pass."""
    report = ProcessReport()
    stories = StoryIndex.load(
        store,
        window=timedelta(seconds=parse_duration(config.model.stories.window)),
        threshold=config.model.stories.threshold,
    )
    while articles := store.articles.unprocessed(limit=batch):
        # One transaction per batch: fewer commits, and a crash only rolls the batch back to
        # "unprocessed", which the next pass redoes (every step below is idempotent).
        with store.db.atomic():
            for article in articles:
                _process_article(store, config, rulebook, stories, article, report, now)
            store.articles.mark_processed([a.id for a in articles if a.id is not None])
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
    report: ProcessReport,
    now: datetime | None,
) -> None:
    assert article.id is not None
    assignment = stories.assign(article)
    report.new_stories += assignment.is_new_story
    report.articles += 1
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

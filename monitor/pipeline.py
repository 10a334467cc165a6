"""One monitoring pass, as cron runs it: collect -> process -> deliver, then a report.

``run_once`` reads like the data flow: due sources are fetched, parsed, normalised and stored
by the collect half (Scrapy, in a child process); the process half clusters, matches and
enqueues; the outbox is drained. Failed sources and undelivered alerts are data in the report
and the store, not exceptions.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from monitor.collect import CollectReport, collect_in_child
from monitor.config import Config, Source
from monitor.health import HealthReport, check_source_health
from monitor.lock import ProcessLock
from monitor.notify import DeliveryReport, deliver_due
from monitor.process import ProcessReport, process_pending
from monitor.rulebook import RuleBook, load_rulebook
from monitor.schedule import parse_duration
from monitor.store import Store, utcnow

log = logging.getLogger("newsradar.pipeline")


@dataclass
class PassReport:
    collect: CollectReport
    process: ProcessReport
    health: HealthReport
    delivery: DeliveryReport


def due_sources(config: Config, store: Store, now: datetime | None = None) -> list[Source]:
    """Enabled sources that are not backing off after a 429/503 or repeated failures."""
    now = now or utcnow()
    due = []
    for source in config.sources:
        if not source.enabled:
            continue
        state = store.sources.get(source.name)
        if state.backoff_until and state.backoff_until > now:
            log.info("%s: backing off until %s", source.name, state.backoff_until.isoformat())
            continue
        due.append(source)
    return due


def run_once(config: Config, rulebook: RuleBook | None = None) -> PassReport:
    """Poll every due source once, match, enqueue and deliver. Raises ConfigError/LockError."""
    rulebook = rulebook or load_rulebook(config)
    store = Store.open(config.database)
    try:
        with ProcessLock(config.database):
            sources = due_sources(config, store)
            collected = collect_in_child(
                config.path,
                [s.name for s in sources],
                timeout=parse_duration(config.model.fetch.crawl_timeout),
            )
            processed = process_pending(store, config, rulebook)
            health = check_source_health(store, config)  # queues ops notices, if any
            delivered = deliver_due(
                store,
                config.channels,
                config.model.delivery,
                channel_options=config.channel_options,
            )
            return PassReport(collected, processed, health, delivered)
    finally:
        store.close()

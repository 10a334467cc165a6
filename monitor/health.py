"""Source health: one operator alert when a source breaks, one notice when it recovers.

A source is *failing* after ``defaults.failures_before_alert`` consecutive failed polls, and
*stale* when it has had no new item for longer than its ``stale_after``. Either opens an
incident; the incident stays open (whatever its kind becomes) until the source is healthy
again, so each incident costs at most two messages: never a storm.

Notices go through the alert outbox like any alert, so they share delivery, retries and the
dead-letter state. Each carries the rule name ``_ops:source-health`` and a negative
``story_id`` derived from the source and the incident's identity (which streak, which
silence): the outbox UNIQUE key then makes "one notice per incident" hold even when a process
dies between queueing the notice and recording the source's new health.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from monitor.config import Config, Source
from monitor.redact import mask_url_passwords
from monitor.schedule import parse_duration
from monitor.store import Store, iso, utcnow
from monitor.store.outbox import NewAlert
from monitor.store.sources import SourceState

log = logging.getLogger("newsradar.health")

OPS_RULE = "_ops:source-health"
OK = "ok"


@dataclass(frozen=True)
class Incident:
    kind: str  # "failing" | "stale" (| "recovered" for the closing notice)
    key: str  # identity of this incident; stored in sources.health_notified
    title: str
    body: str


@dataclass
class HealthReport:
    checked: int = 0
    opened: list[str] = field(default_factory=list)  # "source: kind"
    recovered: list[str] = field(default_factory=list)
    unhealthy: dict[str, str] = field(default_factory=dict)  # source -> failing | stale


def notice_id(source: str, key: str) -> int:
    """A stable negative story id: real stories are positive, so the two never collide."""
    digest = hashlib.sha256(f"{source}\0{key}".encode()).digest()
    return -(int.from_bytes(digest[:7], "big") + 1)


def _when(moment: datetime | None) -> str:
    return iso(moment) or "never"


def assess(
    source: Source, state: SourceState, failures_before_alert: int, now: datetime
) -> Incident | None:
    """The incident this source is in right now, or None when it is healthy."""
    if state.consecutive_failures >= failures_before_alert:
        error = mask_url_passwords(state.last_error or "unknown error")[:500]
        return Incident(
            kind="failing",
            # One failure streak = one incident: it is identified by the success before it.
            key=f"failing:{_when(state.last_success)}",
            title=f"newsradar: source {source.name} is failing",
            body=(
                f"Source {source.name} failed {state.consecutive_failures} polls in a row "
                f"(alert threshold {failures_before_alert}).\n"
                f"Last error: {error}\n"
                f"Last success: {_when(state.last_success)}\n"
                "It is still polled; one notice follows when it works again."
            ),
        )
    if source.stale_after and state.last_new_item_at is not None:
        limit = timedelta(seconds=parse_duration(source.stale_after))
        if now - state.last_new_item_at > limit:
            return Incident(
                kind="stale",
                key=f"stale:{_when(state.last_new_item_at)}",
                title=f"newsradar: source {source.name} has no new items",
                body=(
                    f"Source {source.name} has had no new item since "
                    f"{_when(state.last_new_item_at)} (stale_after: {source.stale_after}).\n"
                    f"Last successful poll: {_when(state.last_success)}\n"
                    "The feed may have moved or stopped; one notice follows when items return."
                ),
            )
    return None


def _notify_ops(
    store: Store, config: Config, source: str, notice: Incident, severity: str, now: datetime
) -> None:
    for channel in config.ops:
        store.outbox.enqueue(
            NewAlert(
                rule=OPS_RULE,
                story_id=notice_id(source, notice.key),
                channel=channel,
                article_id=0,  # not about an article
                title=notice.title,
                body=notice.body,
                severity=severity,
            ),
            now=now,
        )


def _recovered(source: str, state: SourceState) -> Incident:
    opened = state.health_notified or state.health
    return Incident(
        kind="recovered",
        key=f"recovered:{opened}",
        title=f"newsradar: source {source} recovered",
        body=(
            f"Source {source} works again (last success {_when(state.last_success)}, "
            f"last new item {_when(state.last_new_item_at)}).\n"
            f"Incident: {opened}"
        ),
    )


def check_source_health(store: Store, config: Config, now: datetime | None = None) -> HealthReport:
    """Open or close health incidents for every enabled source; queue the ops notices.

    Call it after each collect (and periodically, since staleness grows with time alone).
    Safe to call as often as you like: it only writes when a source's health changes.
    """
    now = now or utcnow()
    threshold = config.model.defaults.failures_before_alert
    report = HealthReport()
    for source in config.sources:
        if not source.enabled:
            continue
        report.checked += 1
        state = store.sources.get(source.name)
        incident = assess(source, state, threshold, now)
        if incident is not None:
            report.unhealthy[source.name] = incident.kind
        if incident is not None and state.health == OK:
            # Queue first, record second: a crash in between re-queues the same key (ignored).
            _notify_ops(store, config, source.name, incident, "high", now)
            store.sources.set_health(source.name, incident.kind, incident.key)
            report.opened.append(f"{source.name}: {incident.kind}")
            log.warning(
                "source %s is %s (%s)",
                source.name,
                incident.kind,
                "ops notified" if config.ops else "no `ops:` channel configured",
            )
        elif incident is not None and incident.kind != state.health:
            # Same incident, new symptom (failing -> stale once polls work again): no message.
            store.sources.set_health(source.name, incident.kind, state.health_notified)
        elif incident is None and state.health != OK:
            _notify_ops(store, config, source.name, _recovered(source.name, state), "normal", now)
            store.sources.set_health(source.name, OK, None)
            report.recovered.append(source.name)
            log.warning("source %s recovered", source.name)
    return report

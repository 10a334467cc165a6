"""Rows for `newsradar alerts|articles|sources`: plain dicts (JSON Lines) and one-line text."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from monitor.config import Config
from monitor.store import Store


def _open(config: Config) -> Store:
    return Store.open(config.database)


def _with_outlets(
    config: Config, listing: Callable[[Store], list[dict[str, Any]]]
) -> Iterator[dict[str, Any]]:
    """Rows from ``listing`` with the story's outlets decoded from their JSON column."""
    store = _open(config)
    try:
        for row in listing(store):
            row["story_outlets"] = json.loads(row.pop("story_outlets") or "[]")
            yield row
    finally:
        store.close()


def _outlet_count(outlets: list[str]) -> str:
    return f"{len(outlets)} outlet{'' if len(outlets) == 1 else 's'}"


def alert_rows(config: Config, status: str | None, limit: int) -> Iterator[dict[str, Any]]:
    return _with_outlets(config, lambda store: store.outbox.listing(status=status, limit=limit))


def format_alert(row: dict[str, Any]) -> str:
    outlets = row.get("story_outlets") or []
    when = row["sent_at"] or f"next {row['next_attempt_at']}"
    line = (
        f"#{row['id']} [{row['status']}] {row['rule']} -> {row['channel']}  "
        f"story {row['story_id']} ({_outlet_count(outlets)})  attempts {row['attempts']}  {when}\n"
        f"    {row['title']}"
    )
    if row.get("digest_key"):
        line += f"\n    in digest {row['digest_key']}"
    if row.get("last_error") and row["status"] != "sent":
        line += f"\n    last error: {row['last_error']}"
    return line


def article_rows(config: Config, source: str | None, limit: int) -> Iterator[dict[str, Any]]:
    return _with_outlets(config, lambda store: store.articles.listing(limit=limit, source=source))


def format_article(row: dict[str, Any]) -> str:
    outlets = row.get("story_outlets") or []
    published = row["published"] or "undated"
    return (
        f"#{row['id']} {row['source']}  {published}  story {row['story_id']} "
        f"({_outlet_count(outlets)}: {', '.join(outlets)})\n    {row['title']}\n    {row['url']}"
    )


def source_rows(config: Config) -> Iterator[dict[str, Any]]:
    store = _open(config)
    try:
        states = {state.name: state for state in store.sources.all()}
        for source in config.sources:
            state = states.get(source.name)
            yield {
                "name": source.name,
                "kind": source.kind,
                "url": source.url,
                "every": source.every,
                "enabled": source.enabled,
                "health": state.health if state else "new",
                "last_success": state.last_success.isoformat()
                if state and state.last_success
                else None,
                "last_error": state.last_error if state else None,
                "last_error_at": state.last_error_at.isoformat()
                if state and state.last_error_at
                else None,
                "consecutive_failures": state.consecutive_failures if state else 0,
                "items_seen": state.items_seen if state else 0,
                "last_new_item_at": state.last_new_item_at.isoformat()
                if state and state.last_new_item_at
                else None,
                "backoff_until": state.backoff_until.isoformat()
                if state and state.backoff_until
                else None,
            }
    finally:
        store.close()


def format_source(row: dict[str, Any]) -> str:
    line = (
        f"{row['name']:<20} {row['kind']:<8} {row['health']:<8} every {row['every']:<6} "
        f"items {row['items_seen']:<6} last ok {row['last_success'] or 'never'}"
    )
    if row["consecutive_failures"]:
        line += f"\n    {row['consecutive_failures']} failure(s), last: {row['last_error']}"
    if not row["enabled"]:
        line += "  (disabled)"
    return line

"""`newsradar backtest`: which stored articles and stories a query would have alerted on."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import click

from monitor.config import Config, load_rule_files
from monitor.models import Article, Document, RuleMatch
from monitor.rules import explain
from monitor.schedule import parse_duration
from monitor.store import Store, utcnow
from monitor.tryrule import matcher_for


def _row(article: Article, match: RuleMatch, would_alert: bool) -> dict[str, Any]:
    return {
        "article_id": article.id,
        "story_id": article.story_id,
        "would_alert": would_alert,
        "rule": match.rule.name,
        "source": article.source,
        "title": article.title,
        "url": article.url,
        "published": article.published.isoformat() if article.published else None,
        "hits": [{"term": h.term, "field": h.field, "snippet": h.snippet} for h in match.hits],
    }


def _text(article: Article, match: RuleMatch, would_alert: bool) -> str:
    marker = "ALERT" if would_alert else "copy "
    return (
        f"{marker} story {article.story_id}  {article.source}  {article.title}\n"
        f"      {article.url}\n{explain(match)}"
    )


def run_backtest(
    config: Config, query: str, since: str, as_json: bool, echo: Callable[[str], None]
) -> dict[str, int]:
    """Match ``query`` against articles fetched in the last ``since``; print hits and counts.

    Only the first matching copy of a story would have alerted; later copies print as ``copy``.
    """
    matcher = matcher_for(query, load_rule_files(config.rule_paths))
    try:
        start = utcnow() - timedelta(seconds=parse_duration(since))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from None
    scanned, matched, stories = 0, 0, set()
    store = Store.open(config.database)
    try:
        progress = click.progressbar(
            store.articles.since(start),
            length=store.articles.count_since(start),
            label="scanning",
            file=sys.stderr,
        )
        with progress as articles:
            for article in articles:
                scanned += 1
                doc = Document(article.title, article.text, article.source, article.language)
                for match in matcher.match(doc):
                    matched += 1
                    would_alert = article.story_id not in stories
                    stories.add(article.story_id)
                    if as_json:
                        echo(json.dumps(_row(article, match, would_alert), ensure_ascii=False))
                    else:
                        echo(_text(article, match, would_alert))
    finally:
        store.close()
    counts = {"scanned": scanned, "matched": matched, "stories": len(stories)}
    if as_json:
        echo(json.dumps({"summary": counts}))
    else:
        echo(
            f"backtest: {scanned} articles scanned since {start:%Y-%m-%d %H:%M} UTC, "
            f"{matched} matched, {len(stories)} stories would have alerted"
        )
    return counts

"""`newsradar backtest`: which stored articles and stories a query would have alerted on."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import click

from monitor.config import Config, load_rule_files
from monitor.models import Document
from monitor.rules import explain
from monitor.schedule import parse_duration
from monitor.store import Store, utcnow
from monitor.tryrule import matcher_for


def run_backtest(
    config: Config, query: str, since: str, as_json: bool, echo: Callable[[str], None]
) -> dict[str, int]:
    """Match ``query`` against articles fetched in the last ``since``; print hits and counts."""
    ruleset = load_rule_files(config.rule_paths)
    matcher = matcher_for(query, ruleset)
    try:
        start = utcnow() - timedelta(seconds=parse_duration(since))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from None
    store = Store.open(config.database)
    scanned, matched, stories = 0, 0, set()
    try:
        total = store.articles.count_since(start)
        with click.progressbar(
            store.articles.since(start), length=total, label="scanning", file=click.get_text_stream("stderr")
        ) as articles:
            for article in articles:
                scanned += 1
                doc = Document(article.title, article.text, article.source, article.language)
                for match in matcher.match(doc):
                    matched += 1
                    first_of_story = article.story_id not in stories
                    stories.add(article.story_id)
                    row = {
                        "article_id": article.id,
                        "story_id": article.story_id,
                        "would_alert": first_of_story,
                        "rule": match.rule.name,
                        "source": article.source,
                        "title": article.title,
                        "url": article.url,
                        "published": article.published.isoformat() if article.published else None,
                        "hits": [{"term": h.term, "field": h.field, "snippet": h.snippet} for h in match.hits],
                    }
                    if as_json:
                        echo(json.dumps(row, ensure_ascii=False))
                    else:
                        marker = "ALERT" if first_of_story else "copy "
                        echo(f"{marker} story {article.story_id}  {article.source}  {article.title}\n"
                             f"      {article.url}\n{explain(match)}")
    finally:
        store.close()
    counts = {"scanned": scanned, "matched": matched, "stories": len(stories)}
    summary = (
        f"backtest: {scanned} articles scanned since {start:%Y-%m-%d %H:%M} UTC, {matched} matched, "
        f"{len(stories)} stories would have alerted"
    )
    echo(json.dumps({"summary": counts}) if as_json else summary)
    return counts

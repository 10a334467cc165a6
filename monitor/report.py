"""Human-readable summary of one pass (what `newsradar once` prints)."""

from __future__ import annotations

from monitor.pipeline import PassReport


def format_pass(report: PassReport) -> str:
    lines = []
    for source in report.collect.sources:
        if source.error:
            lines.append(f"source {source.name}: FAILED: {source.error}")
        elif source.not_modified:
            lines.append(f"source {source.name}: not modified")
        else:
            lines.append(f"source {source.name}: {source.items} items, {source.new} new")
    processed, delivered = report.process, report.delivery
    for notice in report.health.opened:
        lines.append(f"source health: {notice} (operators notified)")
    for notice in report.health.recovered:
        lines.append(f"source health: {notice} recovered")
    lines.append(
        f"articles processed: {processed.articles}, new stories: {processed.new_stories}, "
        f"matches: {processed.matches}, alerts queued: {processed.alerts_queued}"
        + (f", failed: {processed.failed} (see log)" if processed.failed else "")
    )
    lines.append(
        f"alerts sent: {delivered.sent}, failed (will retry): {delivered.failed}, "
        f"given up: {delivered.dead}"
    )
    return "\n".join(lines)

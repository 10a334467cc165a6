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
    lines.append(
        f"articles processed: {processed.articles}, new stories: {processed.new_stories}, "
        f"matches: {processed.matches}, alerts queued: {processed.alerts_queued}"
    )
    lines.append(
        f"alerts sent: {delivered.sent}, failed (will retry): {delivered.failed}, "
        f"given up: {delivered.dead}"
    )
    return "\n".join(lines)

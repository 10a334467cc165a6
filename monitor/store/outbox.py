"""The alert outbox: one row per rule x story x channel, ever (the UNIQUE key is the dedupe).

Delivery state lives here, not in memory: a row is ``pending`` until sent, then ``sent``; a
row that keeps failing past the give-up horizon becomes ``dead`` (visible, never silently
dropped). ``claim_due`` leases rows so two processes never send the same row at once; a lease
left behind by a killed process expires and the row is retried (at-least-once: the only way
to lose nothing when a process can die between "the server accepted it" and "we wrote sent").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from monitor.store.base import iso, parse_iso, utcnow

LEASE = timedelta(minutes=2)


@dataclass(frozen=True)
class NewAlert:
    rule: str
    story_id: int
    channel: str
    article_id: int
    title: str
    body: str
    severity: str = "normal"


@dataclass(frozen=True)
class AlertRow:
    id: int
    rule: str
    story_id: int
    channel: str
    article_id: int
    severity: str
    title: str
    body: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


def _to_row(row: dict[str, Any]) -> AlertRow:
    return AlertRow(
        id=row["id"],
        rule=row["rule"],
        story_id=row["story_id"],
        channel=row["channel"],
        article_id=row["article_id"],
        severity=row["severity"],
        title=row["title"],
        body=row["body"],
        status=row["status"],
        attempts=row["attempts"],
        next_attempt_at=parse_iso(row["next_attempt_at"]),  # type: ignore[arg-type]
        last_error=row["last_error"],
        created_at=parse_iso(row["created_at"]),  # type: ignore[arg-type]
        sent_at=parse_iso(row["sent_at"]),
    )


class Outbox:
    def __init__(self, db: Database) -> None:
        self.db = db

    def enqueue(self, alert: NewAlert, now: datetime | None = None) -> bool:
        """Queue ``alert``; False when this rule x story x channel was queued before (ever)."""
        now_s = iso(now or utcnow())
        cursor = self.db.execute(
            """
            INSERT OR IGNORE INTO alerts (rule, story_id, channel, article_id, severity, title,
                body, status, attempts, next_attempt_at, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)
            """,
            [alert.rule, alert.story_id, alert.channel, alert.article_id, alert.severity,
             alert.title, alert.body, now_s, now_s],
        )
        return cursor.rowcount == 1

    def claim_due(self, now: datetime | None = None, limit: int = 100) -> list[AlertRow]:
        """Lease pending rows whose next attempt is due, oldest first."""
        now = now or utcnow()
        now_s = iso(now)
        with self.db.atomic():
            rows = [
                _to_row(r)
                for r in self.db.query(
                    """
                    SELECT * FROM alerts WHERE status = 'pending' AND next_attempt_at <= ?
                      AND (claimed_until IS NULL OR claimed_until <= ?)
                    ORDER BY next_attempt_at, id LIMIT ?
                    """,
                    [now_s, now_s, limit],
                )
            ]
            self.db.conn.executemany(
                "UPDATE alerts SET claimed_until = ? WHERE id = ?",
                [(iso(now + LEASE), row.id) for row in rows],
            )
        return rows

    def mark_sent(self, alert_id: int, now: datetime | None = None) -> None:
        self.db.execute(
            "UPDATE alerts SET status = 'sent', sent_at = ?, attempts = attempts + 1, "
            "claimed_until = NULL, last_error = NULL WHERE id = ?",
            [iso(now or utcnow()), alert_id],
        )

    def mark_failed(
        self, alert_id: int, error: str, next_attempt_at: datetime, dead: bool = False
    ) -> None:
        """Record a failed attempt (``error`` must already be redacted)."""
        self.db.execute(
            "UPDATE alerts SET status = ?, attempts = attempts + 1, last_error = ?, "
            "next_attempt_at = ?, claimed_until = NULL WHERE id = ?",
            ["dead" if dead else "pending", error[:2000], iso(next_attempt_at), alert_id],
        )

    def defer(
        self, alert_id: int, reason: str, next_attempt_at: datetime, dead: bool = False
    ) -> None:
        """Postpone a row that was not attempted, without counting an attempt.

        For rows whose channel is missing from the config, or whose channel already failed
        earlier in the same pass. ``reason`` must already be redacted.
        """
        self.db.execute(
            "UPDATE alerts SET status = ?, last_error = ?, next_attempt_at = ?, "
            "claimed_until = NULL WHERE id = ?",
            ["dead" if dead else "pending", reason[:2000], iso(next_attempt_at), alert_id],
        )

    def release(self, alert_id: int) -> None:
        """Give a claimed row back untouched (e.g. shutting down before sending it)."""
        self.db.execute("UPDATE alerts SET claimed_until = NULL WHERE id = ?", [alert_id])

    def listing(self, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Newest alerts with their story, for `newsradar alerts`."""
        where, params = ("WHERE a.status = ?", [status]) if status else ("", [])
        return list(
            self.db.query(
                f"""
                SELECT a.id, a.rule, a.story_id, a.channel, a.status, a.attempts, a.title,
                       a.created_at, a.sent_at, a.next_attempt_at, a.last_error, a.severity,
                       s.article_count AS story_articles, s.outlets AS story_outlets,
                       ar.source, ar.url
                FROM alerts a LEFT JOIN stories s ON s.id = a.story_id
                LEFT JOIN articles ar ON ar.id = a.article_id
                {where} ORDER BY a.id DESC LIMIT ?
                """,
                [*params, limit],
            )
        )

    def counts(self) -> dict[str, int]:
        return {
            row[0]: row[1]
            for row in self.db.execute("SELECT status, count(*) FROM alerts GROUP BY status")
        }

    def get(self, alert_id: int) -> AlertRow | None:
        rows = list(self.db.query("SELECT * FROM alerts WHERE id = ?", [alert_id]))
        return _to_row(rows[0]) if rows else None

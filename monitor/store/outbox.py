"""The alert outbox: one row per rule x story x channel, ever (the UNIQUE key is the dedupe).

Delivery state lives here, not in memory: a row is ``pending`` until sent, then ``sent``; a
row that keeps failing past the give-up horizon becomes ``dead`` (visible, never silently
dropped). ``claim_due`` leases rows so two processes never send the same row at once; a lease
left behind by a killed process expires and the row is retried (at-least-once: the only way
to lose nothing when a process can die between "the server accepted it" and "we wrote sent").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from monitor.store.base import iso, parse_iso, utcnow, write_transaction

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
    # Flow control (monitor.flow): rows sharing a digest_key go out as one message at due_at.
    digest_key: str | None = None
    due_at: datetime | None = None  # None: due now


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
    digest_key: str | None = None
    due_at: datetime | None = None  # when it first became due (rows older than 0004: None)


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
        digest_key=row.get("digest_key"),
        due_at=parse_iso(row.get("due_at")),
    )


class Outbox:
    def __init__(self, db: Database) -> None:
        self.db = db

    def enqueue(self, alert: NewAlert, now: datetime | None = None) -> bool:
        """Queue ``alert``; False when this rule x story x channel was queued before (ever)."""
        now_s = iso(now or utcnow())
        due_s = iso(alert.due_at) if alert.due_at else now_s
        cursor = self.db.execute(
            """
            INSERT OR IGNORE INTO alerts (rule, story_id, channel, article_id, severity, title,
                body, status, attempts, next_attempt_at, created_at, digest_key, due_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?)
            """,
            [
                alert.rule,
                alert.story_id,
                alert.channel,
                alert.article_id,
                alert.severity,
                alert.title,
                alert.body,
                due_s,
                now_s,
                alert.digest_key,
                due_s,
            ],
        )
        return cursor.rowcount == 1

    def count_immediate(self, rule: str, channel: str, since: datetime) -> int:
        """Immediate (non-digest) rows of ``rule`` x ``channel`` queued at or after ``since``:
        what a throttle window has used up. Every status counts: sent or not, it was let through."""
        row = self.db.execute(
            "SELECT count(*) FROM alerts WHERE rule = ? AND channel = ? AND digest_key IS NULL "
            "AND created_at >= ?",
            [rule, channel, iso(since)],
        ).fetchone()
        return int(row[0])

    def claim_due(self, now: datetime | None = None, limit: int = 100) -> list[AlertRow]:
        """Lease pending rows whose next attempt is due, oldest first.

        A digest is claimed whole: when one of its rows is due, every unclaimed pending row
        sharing its ``digest_key`` comes along (beyond ``limit``), so it is never split into
        two messages by a batch boundary.
        """
        now = now or utcnow()
        now_s = iso(now)
        with write_transaction(self.db):
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
            keys = sorted({row.digest_key for row in rows if row.digest_key})
            if keys:
                claimed = {row.id for row in rows}
                marks = ", ".join("?" for _ in keys)
                rows += [
                    row
                    for row in map(
                        _to_row,
                        self.db.query(
                            f"""
                            SELECT * FROM alerts WHERE status = 'pending'
                              AND digest_key IN ({marks})
                              AND (claimed_until IS NULL OR claimed_until <= ?)
                            ORDER BY id
                            """,
                            [*keys, now_s],
                        ),
                    )
                    if row.id not in claimed
                ]
            self.db.conn.executemany(
                "UPDATE alerts SET claimed_until = ? WHERE id = ?",
                [(iso(now + LEASE), row.id) for row in rows],
            )
        return rows

    # Each state change takes one id or several: the rows of one digest message change state
    # together, in one transaction (a kill can't leave half a digest marked sent).

    def mark_sent(self, alert_id: int | Iterable[int], now: datetime | None = None) -> None:
        self._update(
            "UPDATE alerts SET status = 'sent', sent_at = ?, attempts = attempts + 1, "
            "claimed_until = NULL, last_error = NULL WHERE id = ?",
            [iso(now or utcnow())],
            alert_id,
        )

    def mark_failed(
        self,
        alert_id: int | Iterable[int],
        error: str,
        next_attempt_at: datetime,
        dead: bool = False,
    ) -> None:
        """Record a failed attempt (``error`` must already be redacted)."""
        self._update(
            "UPDATE alerts SET status = ?, attempts = attempts + 1, last_error = ?, "
            "next_attempt_at = ?, claimed_until = NULL WHERE id = ?",
            ["dead" if dead else "pending", error[:2000], iso(next_attempt_at)],
            alert_id,
        )

    def defer(
        self,
        alert_id: int | Iterable[int],
        reason: str,
        next_attempt_at: datetime,
        dead: bool = False,
    ) -> None:
        """Postpone a row that was not attempted, without counting an attempt.

        For rows whose channel is missing from the config, whose channel already failed
        earlier in the same pass, or that fall in the channel's quiet hours. ``reason`` must
        already be redacted.
        """
        self._update(
            "UPDATE alerts SET status = ?, last_error = ?, next_attempt_at = ?, "
            "claimed_until = NULL WHERE id = ?",
            ["dead" if dead else "pending", reason[:2000], iso(next_attempt_at)],
            alert_id,
        )

    def release(self, alert_id: int | Iterable[int]) -> None:
        """Give a claimed row back untouched (e.g. shutting down before sending it)."""
        self._update("UPDATE alerts SET claimed_until = NULL WHERE id = ?", [], alert_id)

    def _update(self, sql: str, params: list[Any], alert_id: int | Iterable[int]) -> None:
        ids = [alert_id] if isinstance(alert_id, int) else list(alert_id)
        with write_transaction(self.db):
            self.db.conn.executemany(sql, [(*params, one) for one in ids])

    def listing(self, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Newest alerts with their story, for `newsradar alerts`."""
        where, params = ("WHERE a.status = ?", [status]) if status else ("", [])
        return list(
            self.db.query(
                f"""
                SELECT a.id, a.rule, a.story_id, a.channel, a.status, a.attempts, a.title,
                       a.created_at, a.sent_at, a.next_attempt_at, a.last_error, a.severity,
                       a.digest_key,
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

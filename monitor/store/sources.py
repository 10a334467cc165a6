"""Per-source state: conditional-GET validators, health counters, backoff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from monitor.store.base import iso, parse_iso, utcnow, write_transaction


@dataclass(frozen=True)
class SourceState:
    name: str
    etag: str | None = None
    last_modified: str | None = None
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    consecutive_failures: int = 0
    items_seen: int = 0
    last_new_item_at: datetime | None = None
    backoff_until: datetime | None = None
    health: str = "ok"
    health_notified: str | None = None


_DATES = ("last_attempt", "last_success", "last_error_at", "last_new_item_at", "backoff_until")


def _to_state(row: dict[str, Any]) -> SourceState:
    values = dict(row)
    for key in _DATES:
        values[key] = parse_iso(values[key])
    return SourceState(**values)


class SourceStates:
    def __init__(self, db: Database) -> None:
        self.db = db

    def _ensure(self, name: str) -> None:
        self.db.execute("INSERT OR IGNORE INTO sources (name) VALUES (?)", [name])

    def get(self, name: str) -> SourceState:
        rows = list(self.db.query("SELECT * FROM sources WHERE name = ?", [name]))
        return _to_state(rows[0]) if rows else SourceState(name=name)

    def all(self) -> list[SourceState]:
        return [_to_state(row) for row in self.db.query("SELECT * FROM sources ORDER BY name")]

    def record_success(
        self,
        name: str,
        items: int,
        new_items: int,
        etag: str | None = None,
        last_modified: str | None = None,
        not_modified: bool = False,
        now: datetime | None = None,
    ) -> None:
        """A poll worked (``not_modified``: the server answered 304, validators stay)."""
        now_s = iso(now or utcnow())
        with write_transaction(self.db):
            self._ensure(name)
            self.db.execute(
                """
                UPDATE sources SET last_attempt = ?, last_success = ?, consecutive_failures = 0,
                    items_seen = items_seen + ?, backoff_until = NULL,
                    last_new_item_at = CASE WHEN ? > 0 THEN ? ELSE last_new_item_at END,
                    etag = CASE WHEN ? THEN etag ELSE ? END,
                    last_modified = CASE WHEN ? THEN last_modified ELSE ? END
                WHERE name = ?
                """,
                [
                    now_s,
                    now_s,
                    items,
                    new_items,
                    now_s,
                    not_modified,
                    etag,
                    not_modified,
                    last_modified,
                    name,
                ],
            )

    def record_failure(
        self,
        name: str,
        error: str,
        backoff_until: datetime | None = None,
        now: datetime | None = None,
    ) -> None:
        now_s = iso(now or utcnow())
        with write_transaction(self.db):
            self._ensure(name)
            self.db.execute(
                """
                UPDATE sources SET last_attempt = ?, last_error = ?, last_error_at = ?,
                    consecutive_failures = consecutive_failures + 1, backoff_until = ?
                WHERE name = ?
                """,
                [now_s, error[:2000], now_s, iso(backoff_until), name],
            )

    def set_health(self, name: str, health: str, notified: str | None) -> None:
        with write_transaction(self.db):
            self._ensure(name)
            self.db.execute(
                "UPDATE sources SET health = ?, health_notified = ? WHERE name = ?",
                [health, notified, name],
            )

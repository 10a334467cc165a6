"""Connection and timestamp helpers shared by the store modules."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database

# Writers wait instead of failing with "database is locked" (STACK.md: 2,000 errors in 3,000
# writes with timeout 0, none with 5 s).
BUSY_TIMEOUT_S = 30


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime | None) -> str | None:
    """Timestamps are stored as ISO-8601 UTC text, which sorts correctly."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def parse_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def connect(path: str | Path) -> Database:
    """Open ``path`` in WAL mode with a busy timeout, so collectors and processors can share it."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S)
    db = Database(conn)
    db.execute("PRAGMA journal_mode=WAL")
    # NORMAL is durable across application crashes in WAL mode; FULL only adds power-loss safety.
    db.execute("PRAGMA synchronous=NORMAL")
    return db

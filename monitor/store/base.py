"""Connection and timestamp helpers shared by the store modules."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """A transaction that takes SQLite's write lock up front (``BEGIN IMMEDIATE``).

    sqlite-utils' ``atomic()`` starts with a plain ``BEGIN``: a transaction that reads and then
    writes fails at once with "database is locked" when another connection wrote in between,
    and the busy timeout cannot help. Taking the lock first makes it wait instead. Nested use
    becomes a savepoint of the outer transaction.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    db.conn.execute("COMMIT")

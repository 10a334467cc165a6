"""The store under concurrent writers: read-then-write transactions wait, never fail."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from monitor.models import Article
from monitor.store import Store
from monitor.store.base import write_transaction
from monitor.store.outbox import NewAlert


def test_read_then_write_waits_for_another_writer_instead_of_failing(tmp_path: Path) -> None:
    path = tmp_path / "newsradar.db"
    second = Store.open(path)
    second.outbox.enqueue(NewAlert("r", 1, "hook", 1, "title", "body"))
    holding = threading.Event()

    def hold_the_write_lock() -> None:
        first = Store.open(path)  # another connection, as another process would have
        with write_transaction(first.db):
            first.db.execute("UPDATE alerts SET title = 'held'")
            holding.set()
            time.sleep(0.5)
        first.close()

    writer = threading.Thread(target=hold_the_write_lock)
    writer.start()
    holding.wait(5)
    # With a plain BEGIN these would raise "database is locked" at once (SQLITE_BUSY on the
    # read-to-write upgrade, which the busy timeout does not cover).
    claimed = second.outbox.claim_due()
    saved = second.articles.save(Article(source="s", url="https://e.org/1", title="t", text="x",
                                         content_hash="h"))  # fmt: skip
    writer.join()
    assert [row.title for row in claimed] == ["held"]
    assert saved.status == "new"
    second.close()


def test_migrations_apply_once_and_reopen_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "newsradar.db"
    Store.open(path).close()
    store = Store.open(path)
    applied = [row["name"] for row in store.db.query("SELECT name FROM _sqlite_migrations")]
    assert applied[0] == "0001_initial" and len(applied) == len(set(applied))
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()

"""The store: one SQLite file, the only shared state, and the only place with SQL.

``Store.open(path)`` applies pending migrations and hands out one object per table group:
``store.sources`` (per-source state), ``store.articles``, ``store.stories``, ``store.matches``
and ``store.outbox``.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from sqlite_utils import Database

from monitor.store import schema
from monitor.store.articles import Articles
from monitor.store.base import connect, iso, parse_iso, utcnow
from monitor.store.matches import Matches
from monitor.store.outbox import Outbox
from monitor.store.sources import SourceStates
from monitor.store.stories import Stories

__all__ = ["Store", "connect", "iso", "parse_iso", "utcnow"]


class Store:
    def __init__(self, db: Database, path: str) -> None:
        self.db = db
        self.path = path

    @classmethod
    def open(cls, path: str | Path) -> Store:
        db = connect(path)
        schema.apply(db)
        return cls(db, str(path))

    @cached_property
    def sources(self) -> SourceStates:
        return SourceStates(self.db)

    @cached_property
    def articles(self) -> Articles:
        return Articles(self.db)

    @cached_property
    def stories(self) -> Stories:
        return Stories(self.db)

    @cached_property
    def matches(self) -> Matches:
        return Matches(self.db)

    @cached_property
    def outbox(self) -> Outbox:
        return Outbox(self.db)

    def close(self) -> None:
        self.db.close()

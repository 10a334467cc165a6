"""Matches: which rule matched which article, with the evidence (kept for backtests and audits)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlite_utils import Database

from monitor.models import Hit
from monitor.store.base import iso, utcnow


class Matches:
    def __init__(self, db: Database) -> None:
        self.db = db

    def record(
        self,
        article_id: int,
        rule: str,
        story_id: int | None,
        hits: Sequence[Hit],
        now: datetime | None = None,
    ) -> None:
        evidence = json.dumps(
            [{"term": h.term, "field": h.field, "snippet": h.snippet} for h in hits]
        )
        self.db.execute(
            "INSERT OR REPLACE INTO matches (article_id, rule, story_id, hits, matched_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [article_id, rule, story_id, evidence, iso(now or utcnow())],
        )

    def count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM matches").fetchone()[0])

"""Stories (groups of near-duplicate articles) and the signatures that find them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from monitor.models import Article
from monitor.store.base import iso, parse_iso, utcnow


@dataclass(frozen=True)
class Story:
    id: int
    title: str
    first_article_id: int | None
    first_seen: datetime
    last_seen: datetime
    article_count: int
    outlets: tuple[str, ...]


def _to_story(row: dict[str, Any]) -> Story:
    return Story(
        id=row["id"],
        title=row["title"],
        first_article_id=row["first_article_id"],
        first_seen=parse_iso(row["first_seen"]),  # type: ignore[arg-type]
        last_seen=parse_iso(row["last_seen"]),  # type: ignore[arg-type]
        article_count=row["article_count"],
        outlets=tuple(json.loads(row["outlets"])),
    )


class Stories:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, article: Article, now: datetime | None = None) -> int:
        """Start a new story with ``article`` as its first copy; sets the article's story."""
        now_s = iso(now or utcnow())
        with self.db.atomic():
            cursor = self.db.execute(
                "INSERT INTO stories (title, first_article_id, first_seen, last_seen, "
                "article_count, outlets) VALUES (?, ?, ?, ?, 1, ?)",
                [article.title, article.id, now_s, now_s, json.dumps([article.source])],
            )
            story_id = int(cursor.lastrowid or 0)
            self.db.execute(
                "UPDATE articles SET story_id = ? WHERE id = ?", [story_id, article.id]
            )
        return story_id

    def add(self, story_id: int, article: Article, now: datetime | None = None) -> None:
        """Record another copy of a story (idempotent for an article already in it)."""
        now_s = iso(now or utcnow())
        with self.db.atomic():
            row = self.db.execute(
                "SELECT story_id FROM articles WHERE id = ?", [article.id]
            ).fetchone()
            already = row is not None and row[0] == story_id
            story = self.get(story_id)
            if story is None:
                raise KeyError(story_id)
            outlets = list(story.outlets)
            if article.source not in outlets:
                outlets.append(article.source)
            self.db.execute(
                "UPDATE stories SET last_seen = ?, article_count = article_count + ?, outlets = ? "
                "WHERE id = ?",
                [now_s, 0 if already else 1, json.dumps(outlets), story_id],
            )
            self.db.execute(
                "UPDATE articles SET story_id = ? WHERE id = ?", [story_id, article.id]
            )

    def get(self, story_id: int) -> Story | None:
        rows = list(self.db.query("SELECT * FROM stories WHERE id = ?", [story_id]))
        return _to_story(rows[0]) if rows else None

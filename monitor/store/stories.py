"""Stories (groups of near-duplicate articles) and the signatures that find them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from monitor.models import Article
from monitor.store.base import iso, parse_iso, utcnow, write_transaction


@dataclass(frozen=True)
class Story:
    id: int
    title: str
    first_article_id: int | None
    first_seen: datetime
    last_seen: datetime
    article_count: int
    outlets: tuple[str, ...]


@dataclass(frozen=True)
class SignatureRow:
    """What the story index keeps of one article (see monitor.stories).

    ``minhash`` is empty for texts too short for fuzzy matching; ``fingerprint`` is None for
    articles with no text at all.
    """

    article_id: int
    story_id: int
    minhash: bytes
    shingles: int
    fingerprint: str | None
    created_at: datetime


@dataclass(frozen=True)
class NewSignature:
    minhash: bytes
    shingles: int
    fingerprint: str | None
    shingle_set: bytes


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
        with write_transaction(self.db):
            return self._create(article, iso(now or utcnow()))

    def add(self, story_id: int, article: Article, now: datetime | None = None) -> None:
        """Record another copy of a story (idempotent for an article already in it)."""
        with write_transaction(self.db):
            self._add(story_id, article, iso(now or utcnow()))

    # The unwrapped halves: callers hold the transaction (a savepoint each costs ~10 us).
    def _create(self, article: Article, now_s: str | None) -> int:
        cursor = self.db.execute(
            "INSERT INTO stories (title, first_article_id, first_seen, last_seen, "
            "article_count, outlets) VALUES (?, ?, ?, ?, 1, ?)",
            [article.title, article.id, now_s, now_s, json.dumps([article.source])],
        )
        story_id = int(cursor.lastrowid or 0)
        self.db.execute("UPDATE articles SET story_id = ? WHERE id = ?", [story_id, article.id])
        return story_id

    def _add(self, story_id: int, article: Article, now_s: str | None) -> None:
        row = self.db.execute("SELECT story_id FROM articles WHERE id = ?", [article.id]).fetchone()
        already = row is not None and row[0] == story_id
        cursor = self.db.execute(
            """
            UPDATE stories SET last_seen = ?, article_count = article_count + ?,
                outlets = CASE
                    WHEN EXISTS (SELECT 1 FROM json_each(stories.outlets) WHERE value = ?)
                    THEN outlets ELSE json_insert(outlets, '$[#]', ?) END
            WHERE id = ?
            """,
            [now_s, 0 if already else 1, article.source, article.source, story_id],
        )
        if cursor.rowcount == 0:
            raise KeyError(story_id)
        if not already:
            self.db.execute("UPDATE articles SET story_id = ? WHERE id = ?", [story_id, article.id])

    def get(self, story_id: int) -> Story | None:
        rows = list(self.db.query("SELECT * FROM stories WHERE id = ?", [story_id]))
        return _to_story(rows[0]) if rows else None

    # -- signatures (the story index's persistent half) ------------------------------------

    def start_story(
        self, article: Article, signature: NewSignature, now: datetime | None = None
    ) -> int:
        """A new story with ``article`` as first copy, and its signature, in one transaction."""
        now = now or utcnow()
        with write_transaction(self.db):
            story_id = self._create(article, iso(now))
            self._save_signature(article, story_id, signature, now)
        return story_id

    def join_story(
        self, story_id: int, article: Article, signature: NewSignature, now: datetime | None = None
    ) -> None:
        """Record ``article`` as a copy of ``story_id``, and its signature, in one transaction."""
        now = now or utcnow()
        with write_transaction(self.db):
            self._add(story_id, article, iso(now))
            self._save_signature(article, story_id, signature, now)

    def _save_signature(
        self, article: Article, story_id: int, signature: NewSignature, now: datetime
    ) -> None:
        # An article updated in place keeps its story; its signature follows the new text.
        self.db.execute(
            """
            INSERT INTO signatures (article_id, story_id, minhash, shingles, created_at,
                fingerprint, shingle_set)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (article_id) DO UPDATE SET minhash = excluded.minhash,
                shingles = excluded.shingles, created_at = excluded.created_at,
                fingerprint = excluded.fingerprint, shingle_set = excluded.shingle_set
            """,
            [
                article.id,
                story_id,
                signature.minhash,
                signature.shingles,
                iso(now),
                signature.fingerprint,
                signature.shingle_set,
            ],
        )

    def story_of(self, article_id: int) -> int | None:
        """The story an article was assigned to before (signature or article row), if any."""
        row = self.db.execute(
            "SELECT coalesce(s.story_id, a.story_id) FROM articles a "
            "LEFT JOIN signatures s ON s.article_id = a.id WHERE a.id = ?",
            [article_id],
        ).fetchone()
        return int(row[0]) if row and row[0] is not None else None

    def signatures_since(self, moment: datetime) -> Iterator[SignatureRow]:
        """Signatures created at or after ``moment``, oldest first (rebuilds the index)."""
        cursor = self.db.execute(
            "SELECT article_id, story_id, minhash, shingles, fingerprint, created_at "
            "FROM signatures WHERE created_at >= ? ORDER BY created_at, article_id",
            [iso(moment)],
        )
        for article_id, story_id, minhash, shingles, fingerprint, created_at in cursor:
            yield SignatureRow(
                article_id=article_id,
                story_id=story_id,
                minhash=bytes(minhash or b""),
                shingles=shingles,
                fingerprint=fingerprint,
                created_at=parse_iso(created_at),  # type: ignore[arg-type]
            )

    def shingle_sets(self, article_ids: list[int]) -> dict[int, bytes]:
        """Stored shingle hashes of ``article_ids`` (missing ids are left out)."""
        found: dict[int, bytes] = {}
        for start in range(0, len(article_ids), 500):
            chunk = article_ids[start : start + 500]
            marks = ",".join("?" for _ in chunk)
            for article_id, blob in self.db.execute(
                f"SELECT article_id, shingle_set FROM signatures WHERE article_id IN ({marks})",
                chunk,
            ):
                if blob is not None:
                    found[article_id] = bytes(blob)
        return found

"""Articles: insert-or-update by canonical URL, and the queue of articles not yet processed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from monitor.models import Article
from monitor.store.base import iso, parse_iso, utcnow, write_transaction


@dataclass(frozen=True)
class SaveResult:
    """What storing one article did: ``new``, ``changed`` (content updated) or ``unchanged``."""

    article_id: int
    status: str


def _to_article(row: dict[str, Any]) -> Article:
    return Article(
        id=row["id"],
        source=row["source"],
        url=row["url"],
        link=row["link"],
        guid=row["guid"],
        title=row["title"],
        text=row["text"],
        summary=row["summary"],
        author=row["author"],
        language=row["language"],
        published=parse_iso(row["published"]),
        content_hash=row["content_hash"],
        story_id=row["story_id"],
    )


class Articles:
    def __init__(self, db: Database) -> None:
        self.db = db

    def save(self, article: Article, now: datetime | None = None) -> SaveResult:
        """Store ``article`` keyed by its canonical URL.

        An article seen before with the same content hash is ``unchanged`` and stops here; an
        edited one is updated in place and queued for processing again.
        """
        now_s = iso(now or utcnow())
        with write_transaction(self.db):
            row = self.db.execute(
                "SELECT id, content_hash FROM articles WHERE url = ?", [article.url]
            ).fetchone()
            values = {
                "source": article.source,
                "link": article.link or article.url,
                "guid": article.guid,
                "title": article.title,
                "text": article.text,
                "summary": article.summary,
                "author": article.author,
                "language": article.language,
                "published": iso(article.published),
                "content_hash": article.content_hash,
            }
            if row is None:
                cursor = self.db.execute(
                    "INSERT INTO articles (url, fetched_at, updated_at, "
                    + ", ".join(values)
                    + ") VALUES (?, ?, ?, "
                    + ", ".join("?" for _ in values)
                    + ")",
                    [article.url, now_s, now_s, *values.values()],
                )
                return SaveResult(int(cursor.lastrowid or 0), "new")
            article_id, old_hash = row
            if old_hash == article.content_hash:
                return SaveResult(article_id, "unchanged")
            # Keep the first source and fetch time: the article's identity does not change.
            values.pop("source")
            assignments = ", ".join(f"{column} = ?" for column in values)
            self.db.execute(
                f"UPDATE articles SET {assignments}, updated_at = ?, processed = 0 WHERE id = ?",
                [*values.values(), now_s, article_id],
            )
            return SaveResult(article_id, "changed")

    def get(self, article_id: int) -> Article | None:
        rows = list(self.db.query("SELECT * FROM articles WHERE id = ?", [article_id]))
        return _to_article(rows[0]) if rows else None

    def find_by_guid(self, source: str, guid: str) -> Article | None:
        rows = list(
            self.db.query(
                "SELECT * FROM articles WHERE source = ? AND guid = ? LIMIT 1", [source, guid]
            )
        )
        return _to_article(rows[0]) if rows else None

    def holds_only(self, url: str, feed_text: str, stored_after: datetime) -> bool:
        """Is the article at ``url`` (stored after ``stored_after``) still just ``feed_text``,
        i.e. its page was never merged in? Feed spiders then try the page again."""
        row = self.db.execute(
            "SELECT 1 FROM articles WHERE url = ? AND text = ? AND fetched_at >= ?",
            [url, feed_text, iso(stored_after)],
        ).fetchone()
        return row is not None

    def known_urls(self, urls: list[str]) -> set[str]:
        """The subset of ``urls`` already stored (lets spiders skip fetching known pages)."""
        found: set[str] = set()
        for start in range(0, len(urls), 500):
            chunk = urls[start : start + 500]
            marks = ",".join("?" for _ in chunk)
            found.update(
                row[0]
                for row in self.db.execute(
                    f"SELECT url FROM articles WHERE url IN ({marks})", chunk
                )
            )
        return found

    def unprocessed(self, limit: int = 1000) -> list[Article]:
        """Articles stored or changed since the last processing pass, oldest first."""
        rows = self.db.query(
            "SELECT * FROM articles WHERE processed = 0 ORDER BY id LIMIT ?", [limit]
        )
        return [_to_article(row) for row in rows]

    def mark_processed(self, article_ids: list[int], failed: bool = False) -> None:
        """Done with these articles (``failed``: processing raised; kept out of later passes)."""
        state = 2 if failed else 1
        with write_transaction(self.db):
            self.db.conn.executemany(
                "UPDATE articles SET processed = ? WHERE id = ?", [(state, i) for i in article_ids]
            )

    def set_story(self, article_id: int, story_id: int) -> None:
        self.db.execute("UPDATE articles SET story_id = ? WHERE id = ?", [story_id, article_id])

    def since(self, moment: datetime | None) -> Iterator[Article]:
        """Stored articles fetched after ``moment`` (all when None), oldest first."""
        if moment is None:
            rows = self.db.query("SELECT * FROM articles ORDER BY id")
        else:
            rows = self.db.query(
                "SELECT * FROM articles WHERE fetched_at >= ? ORDER BY id", [iso(moment)]
            )
        for row in rows:
            yield _to_article(row)

    def count_since(self, moment: datetime | None) -> int:
        if moment is None:
            return int(self.db.execute("SELECT count(*) FROM articles").fetchone()[0])
        return int(
            self.db.execute(
                "SELECT count(*) FROM articles WHERE fetched_at >= ?", [iso(moment)]
            ).fetchone()[0]
        )

    def listing(self, limit: int = 50, source: str | None = None) -> list[dict[str, Any]]:
        """Newest articles with their story and how many outlets carry it, for `articles`."""
        where, params = ("WHERE a.source = ?", [source]) if source else ("", [])
        return list(
            self.db.query(
                f"""
                SELECT a.id, a.source, a.title, a.url, a.published, a.fetched_at, a.language,
                       a.story_id, s.article_count AS story_articles, s.outlets AS story_outlets
                FROM articles a LEFT JOIN stories s ON s.id = a.story_id
                {where} ORDER BY a.id DESC LIMIT ?
                """,
                [*params, limit],
            )
        )

    def search(self, fts_query: str, limit: int = 50) -> list[dict[str, Any]]:
        return list(
            self.db.query(
                """
                SELECT a.id, a.source, a.title, a.url, a.published FROM articles_fts
                JOIN articles a ON a.id = articles_fts.rowid
                WHERE articles_fts MATCH ? ORDER BY rank LIMIT ?
                """,
                [fts_query, limit],
            )
        )

"""The database schema, as named migrations applied in order (sqlite-utils Migrations).

Never edit a migration that has shipped: add a new one. Each runs in a transaction.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("newsradar")


@migrations(name="0001_initial")
def initial(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE sources (
            name TEXT PRIMARY KEY,
            etag TEXT,
            last_modified TEXT,
            last_attempt TEXT,
            last_success TEXT,
            last_error TEXT,
            last_error_at TEXT,
            consecutive_failures INTEGER NOT NULL DEFAULT 0,
            items_seen INTEGER NOT NULL DEFAULT 0,
            last_new_item_at TEXT,
            backoff_until TEXT,
            health TEXT NOT NULL DEFAULT 'ok',
            health_notified TEXT
        );

        CREATE TABLE stories (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            first_article_id INTEGER,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            article_count INTEGER NOT NULL DEFAULT 1,
            outlets TEXT NOT NULL DEFAULT '[]'
        );

        CREATE TABLE articles (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            url TEXT NOT NULL UNIQUE,
            link TEXT NOT NULL DEFAULT '',
            guid TEXT,
            title TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL DEFAULT '',
            summary TEXT NOT NULL DEFAULT '',
            author TEXT,
            language TEXT,
            published TEXT,
            fetched_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            story_id INTEGER REFERENCES stories(id),
            processed INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX articles_unprocessed ON articles(processed) WHERE processed = 0;
        CREATE INDEX articles_story ON articles(story_id);
        CREATE INDEX articles_guid ON articles(source, guid);
        CREATE INDEX articles_fetched ON articles(fetched_at);

        CREATE TABLE signatures (
            article_id INTEGER PRIMARY KEY REFERENCES articles(id),
            story_id INTEGER NOT NULL REFERENCES stories(id),
            minhash BLOB NOT NULL,
            shingles INTEGER NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX signatures_created ON signatures(created_at);

        CREATE TABLE matches (
            article_id INTEGER NOT NULL REFERENCES articles(id),
            rule TEXT NOT NULL,
            story_id INTEGER,
            hits TEXT NOT NULL DEFAULT '[]',
            matched_at TEXT NOT NULL,
            PRIMARY KEY (article_id, rule)
        );

        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY,
            rule TEXT NOT NULL,
            story_id INTEGER NOT NULL,
            channel TEXT NOT NULL,
            article_id INTEGER NOT NULL,
            severity TEXT NOT NULL DEFAULT 'normal',
            title TEXT NOT NULL,
            body TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            claimed_until TEXT,
            last_error TEXT,
            created_at TEXT NOT NULL,
            sent_at TEXT,
            UNIQUE (rule, story_id, channel)
        );
        CREATE INDEX alerts_due ON alerts(status, next_attempt_at);
        """
    )
    db.table("articles").enable_fts(
        ["title", "text"], create_triggers=True, tokenize="unicode61 remove_diacritics 2"
    )


@migrations(name="0002_story_signatures")
def story_signatures(db: Database) -> None:
    # fingerprint: exact-duplicate lookup (and the only join rule for very short texts);
    # shingle_set: sorted uint32 shingle hashes, so a candidate's containment is verified
    # exactly without re-reading and re-shingling its article text.
    db.executescript(
        """
        ALTER TABLE signatures ADD COLUMN fingerprint TEXT;
        ALTER TABLE signatures ADD COLUMN shingle_set BLOB;
        CREATE INDEX signatures_story ON signatures(story_id);
        """
    )


@migrations(name="0003_fts_reindex_on_text_only")
def fts_reindex_on_text_only(db: Database) -> None:
    # sqlite-utils' update trigger re-indexes title and text on ANY column update; setting
    # story_id or processed then cost 0.2 ms per article (measured in bench/pipeline.py).
    db.executescript(
        """
        DROP TRIGGER IF EXISTS articles_au;
        CREATE TRIGGER articles_au AFTER UPDATE OF title, text ON articles BEGIN
          INSERT INTO articles_fts (articles_fts, rowid, title, text)
            VALUES ('delete', old.rowid, old.title, old.text);
          INSERT INTO articles_fts (rowid, title, text) VALUES (new.rowid, new.title, new.text);
        END;
        """
    )


@migrations(name="0004_alert_flow_control")
def alert_flow_control(db: Database) -> None:
    # digest_key: rows sharing it are sent as one message (NULL = an immediate alert);
    # due_at: when the row first became due, so the give-up horizon of a digest held for a
    # week counts from its send time, not from when its first story matched.
    db.executescript(
        """
        ALTER TABLE alerts ADD COLUMN digest_key TEXT;
        ALTER TABLE alerts ADD COLUMN due_at TEXT;
        CREATE INDEX alerts_digest ON alerts(digest_key) WHERE digest_key IS NOT NULL;
        CREATE INDEX alerts_throttle ON alerts(rule, channel, created_at)
            WHERE digest_key IS NULL;
        """
    )


def apply(db: Database) -> None:
    migrations.apply(db)

"""Plain data that flows between the stages: collect -> store -> stories -> match -> outbox.

Stages depend on these dataclasses, never on each other's internals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Article:
    """One normalised article as the collect half stores it.

    ``url`` is the canonical URL (the article's identity); ``link`` is the URL as the source
    gave it. ``published`` is timezone-aware UTC or None. ``text`` is the article body only
    (no page chrome); ``summary`` is the feed teaser, if any.
    """

    source: str
    url: str
    title: str
    text: str
    link: str = ""
    guid: str | None = None
    summary: str = ""
    published: datetime | None = None
    author: str | None = None
    language: str | None = None
    content_hash: str = ""
    id: int | None = None
    story_id: int | None = None


@dataclass(frozen=True)
class Document:
    """What the rule engine sees of an article."""

    title: str
    text: str
    source: str = ""
    language: str | None = None


@dataclass(frozen=True)
class Rule:
    """One alert rule as written in a rule file (validated, not yet compiled)."""

    name: str
    query: str
    notify: tuple[str, ...]
    sources: tuple[str, ...] | None = None
    languages: tuple[str, ...] | None = None
    severity: str = "normal"
    enabled: bool = True
    file: str | None = None
    line: int | None = None
    query_line: int | None = None  # line of the `query:` value, for error positions
    # Flow control (monitor.flow), validated strings; None = every alert goes out at once.
    throttle: str | None = None  # "5/h": at most 5 immediate alerts per hour per channel
    digest: str | None = None  # "daily 08:00": every alert waits for one message a day


@dataclass(frozen=True)
class Entity:
    """A named entity: a query term equal to ``name`` matches any alias.

    ``case_sensitive`` aliases (proper nouns) only match with their capitals in running text.
    """

    name: str
    aliases: tuple[str, ...] = ()
    case_sensitive: bool | None = None  # None = decide per alias (capitalised -> sensitive)
    file: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Hit:
    """One matched term: which term of the query, in which field, and the words around it."""

    term: str
    field: str  # "title" or "text"
    snippet: str


@dataclass(frozen=True)
class RuleMatch:
    """A rule that matched a document, with the evidence."""

    rule: Rule
    hits: tuple[Hit, ...] = field(default=())

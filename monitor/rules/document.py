"""One article as the matcher sees it: folded once, scanned once, everything else lazy.

The scan string is ``" title words \\x00 text words "`` (see :func:`fold_document`): the
break word keeps phrases from running from the headline into the body, and word *i* is the
*i*-th space-separated word, so a hit's word index is a count of spaces. Only documents with
a hit that needs more (a case check, a snippet) map words back to the original *chunks*
(whitespace-separated pieces: "missiles,", "Turkey's", "ballistic-missile").
"""

from __future__ import annotations

from bisect import bisect_left
from operator import itemgetter
from typing import Any

from monitor.models import Document
from monitor.rules.automaton import SearchTerm
from monitor.rules.casing import (
    AMBIGUOUS,
    CONFIRMED,
    REJECTED,
    Requirements,
    headline_style,
    hit_status,
)
from monitor.rules.textnorm import FIELD_BREAK, clean_field, document_layout, fold_document
from monitor.rules.textnorm import words as original_words
from monitor.rules.wordmap import AlignedWords, ChunkWords, WordMap

TITLE, TEXT = 0, 1
FIELDS = ("title", "text")
SCOPES = {None: None, "title": TITLE, "text": TEXT}

# (field, first word index, end word index (exclusive)) in the scan string's numbering.
Span = tuple[int, int, int]
_second = itemgetter(1)


class DocState:
    """Per-document matching state. Create one per ``Matcher.match`` call."""

    __slots__ = (
        "doc",
        "scan",
        "found",
        "pids",
        "n_title",
        "_split",
        "_title",
        "_text",
        "_aligned",
        "_map",
        "_by_field",
        "_hits",
        "_style",
        "_keys",
        "_word_counts",
    )

    def __init__(self, doc: Document, automaton: Any, keys: list[str], word_counts: list[int]):
        self.doc = doc
        self._title, self._text = clean_field(doc.title), clean_field(doc.text)
        folded, self._aligned = fold_document(self._title, self._text)
        self.scan = scan = f" {folded} "
        self._split = split = scan.find(FIELD_BREAK)
        self.n_title = scan.count(" ", 0, split) - 1
        found: list[tuple[int, int]] = list(automaton.iter(scan)) if automaton else []
        self.found = found
        self.pids = set(map(_second, found))
        self._keys = keys
        self._word_counts = word_counts
        self._map: WordMap | None = None
        self._by_field: list[set[int] | None] = [None, None]
        self._hits: dict[int, list[tuple[int, int, int, int, int]]] = {}
        self._style: str | None = None

    # --- where each term hit ---------------------------------------------------------------

    def has(self, term: SearchTerm, scope: int | None) -> bool:
        if term.pids.isdisjoint(self.pids):
            return False
        if term.simple:
            return scope is None or not term.pids.isdisjoint(self._field_pids(scope))
        return bool(self.spans(term, scope))

    def _field_pids(self, field: int) -> set[int]:
        """Pattern ids that fired in one field (hits come in text order, title first)."""
        cached = self._by_field[field]
        if cached is None:
            in_title = bisect_left(self.found, (self._split, -1))
            part = self.found[:in_title] if field == TITLE else self.found[in_title:]
            cached = self._by_field[field] = set(map(_second, part))
        return cached

    def spans(self, term: SearchTerm, scope: int | None) -> list[Span]:
        """The term's valid hits as spans, in text order, optionally only in one field."""
        hits = self._hits.get(term.id)
        if hits is None:
            hits = self._hits[term.id] = self._term_hits(term)
        if scope is None:
            return [h[:3] for h in hits]
        return [h[:3] for h in hits if h[0] == scope]

    def _term_hits(self, term: SearchTerm) -> list[tuple[int, int, int, int, int]]:
        """``(field, first, end, case status, pattern id)`` for every valid hit of ``term``."""
        present = term.pids & self.pids
        if not present:
            return []
        scan, split = self.scan, self._split
        hits = []
        counted_to, spaces = 0, 0  # hits come in order: count spaces incrementally
        for end, pid in self.found:
            if pid in present:
                reqs = term.reqs[pid]
                key_len = len(self._keys[pid])
                n_words = self._word_counts[pid]
                start = end - key_len + 2  # first character of the first word
                if start < counted_to:
                    counted_to, spaces = 0, 0
                spaces += scan.count(" ", counted_to, start)
                counted_to = start
                first = spaces - 1
                field = TITLE if start < split else TEXT
                status = CONFIRMED if reqs is None else self._case(reqs, first, n_words, field)
                hits.append((field, first, first + n_words, status, pid))
        if not term.simple:
            # The body decides: an ambiguous capital counts when the term is confirmed
            # somewhere, or when nothing with the same spelling was rejected for its case.
            confirmed = any(h[3] == CONFIRMED for h in hits)
            rejected = {h[4] for h in hits if h[3] == REJECTED}
            hits = [
                h
                for h in hits
                if h[3] == CONFIRMED or (h[3] == AMBIGUOUS and (confirmed or h[4] not in rejected))
            ]
        hits.sort(key=_second)
        return hits

    # --- case evidence -----------------------------------------------------------------------

    def _case(self, alternatives: tuple[Requirements, ...], first: int, n: int, field: int) -> int:
        """Best case status of the words ``first..first+n-1`` over the alias spellings."""
        style = self.headline_style if field == TITLE else "sentence"
        if style == "caps":
            return AMBIGUOUS
        words = self.words
        tokens = [words.word(i) for i in range(first, first + n)]
        meaningless = [style == "title" or words.initial(i) for i in range(first, first + n)]
        return max(hit_status(reqs, tokens, meaningless, caps=False) for reqs in alternatives)

    @property
    def headline_style(self) -> str:
        if self._style is None:
            self._style = headline_style(original_words(self._title))
        return self._style

    # --- back to the original text -------------------------------------------------------

    @property
    def words(self) -> WordMap:
        """Where each scan word is in the document layout (built on first use)."""
        if self._map is None:
            layout = document_layout(self._title, self._text)
            aligned = self._aligned
            self._map = AlignedWords(layout, aligned) if aligned else ChunkWords(layout)
        return self._map

    def excerpt_span(self, first: int, end: int) -> tuple[int, int, int]:
        """``(field, start, end)``: character offsets in the field's text of words
        ``first..end-1``."""
        start, _ = self.words.span(first)
        _, stop = self.words.span(end - 1)
        if first < self.n_title:
            return TITLE, start, stop
        offset = len(self._title) + 3  # title, " \x00 "
        return TEXT, start - offset, stop - offset

    def field_text(self, field: int) -> str:
        return self._title if field == TITLE else self._text

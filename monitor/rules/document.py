"""One article as the matcher sees it: folded once, scanned once, everything else lazy.

The scan string is ``" title words \\x00 text words "`` (see :func:`fold_document`): the
break word keeps phrases from running from the headline into the body, and word *i* is the
*i*-th space-separated word, so a hit's word index is a count of spaces. Only documents with
a hit that needs more (a case check, a snippet) map words back to the original *chunks*
(whitespace-separated pieces: "missiles,", "Turkey's", "ballistic-missile").
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate, repeat
from operator import add, itemgetter
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
from monitor.rules.textnorm import (
    CHUNKS,
    FIELD_BREAK,
    clean_field,
    document_chunks,
    fold_chunk,
    fold_document,
)

TITLE, TEXT = 0, 1
FIELDS = ("title", "text")
SCOPES = {None: None, "title": TITLE, "text": TEXT}

# (field, first word index, end word index (exclusive)) in the scan string's numbering.
Span = tuple[int, int, int]
_second = itemgetter(1)
_SENTENCE_END = tuple(".!?:;")
_CLOSERS = "\"'\u201d\u2019)]\u00bb"
_OPENERS = tuple("\"'\u201c\u2018(\u00ab[\u2022-\u2013\u2014")


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
        "_chunks",
        "_folded",
        "_ends",
        "_by_pid",
        "_hits",
        "_style",
        "_keys",
        "_word_counts",
    )

    def __init__(self, doc: Document, automaton: Any, keys: list[str], word_counts: list[int]):
        self.doc = doc
        self._title, self._text = clean_field(doc.title), clean_field(doc.text)
        self.scan = scan = f" {fold_document(self._title, self._text)} "
        self._split = split = scan.find(FIELD_BREAK)
        self.n_title = scan.count(" ", 0, split) - 1
        found: list[tuple[int, int]] = list(automaton.iter(scan)) if automaton else []
        self.found = found
        self.pids = set(map(_second, found))
        self._chunks: list[str] | None = None
        self._folded: list[str] | None = None
        self._keys = keys
        self._word_counts = word_counts
        self._ends: list[int] | None = None
        self._by_pid: dict[int, list[int]] | None = None
        self._hits: dict[int, list[tuple[int, int, int, int, int]]] = {}
        self._style: str | None = None

    # --- where each term hit ---------------------------------------------------------------

    def has(self, term: SearchTerm, scope: int | None) -> bool:
        present = term.pids & self.pids
        if not present:
            return False
        if term.simple:
            if scope is None:
                return True
            # Hits come in text order and the title comes first: the first (last) hit of a
            # pattern says whether it occurs in the title (text) without locating words.
            by_pid = self._ends_by_pid()
            split = self._split
            if scope == TITLE:
                return any(by_pid[pid][0] < split for pid in present)
            return any(by_pid[pid][-1] > split for pid in present)
        return bool(self.spans(term, scope))

    def _ends_by_pid(self) -> dict[int, list[int]]:
        by_pid = self._by_pid
        if by_pid is None:
            by_pid = self._by_pid = {}
            for end, pid in self.found:
                by_pid.setdefault(pid, []).append(end)
        return by_pid

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
        by_pid = self._ends_by_pid()
        scan, split = self.scan, self._split
        hits = []
        for pid in present:
            reqs = term.reqs[pid]
            key_len = len(self._keys[pid])
            n_words = self._word_counts[pid]
            for end in by_pid[pid]:
                start = end - key_len + 2  # first character of the first word
                first = scan.count(" ", 0, start) - 1
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
        tokens = [self.original_word(i) for i in range(first, first + n)]
        meaningless = [
            style == "title" or self._sentence_initial(i) for i in range(first, first + n)
        ]
        return max(hit_status(reqs, tokens, meaningless, caps=False) for reqs in alternatives)

    @property
    def headline_style(self) -> str:
        if self._style is None:
            title = self.all_chunks[: self.chunk_of(self.n_title)]
            words = [w for chunk in title for w in CHUNKS.originals[chunk]]
            self._style = headline_style(words)
        return self._style

    def _sentence_initial(self, index: int) -> bool:
        """Does scan word ``index`` start a sentence, a quote, a list item or its field?"""
        chunk = self.chunk_of(index)
        if index and self.chunk_of(index - 1) == chunk:
            return False  # the second half of "ballistic-missile" or "U.S."
        chunks = self.all_chunks
        if chunk == 0 or chunks[chunk - 1] == FIELD_BREAK or chunks[chunk].startswith(_OPENERS):
            return True
        return chunks[chunk - 1].rstrip(_CLOSERS).endswith(_SENTENCE_END)

    # --- back to the original text -------------------------------------------------------
    # Scan word i is word i of the document's chunks (title, break, text) taken in order; the
    # map from words to chunks is only built for documents that need it.

    @property
    def all_chunks(self) -> list[str]:
        if self._chunks is None:
            self._chunks = document_chunks(self._title, self._text)
        return self._chunks

    def chunk_of(self, index: int) -> int:
        """The chunk (title, break and text chunks numbered together) of scan word ``index``."""
        ends = self._ends
        if ends is None:
            # Words per chunk = spaces in its fold + 1, or 0 for a chunk without words.
            folded = self._folded = list(map(fold_chunk, self.all_chunks))
            ends = self._ends = list(
                accumulate(map(add, map(str.count, folded, repeat(" ")), map(bool, folded)))
            )
        return bisect_right(ends, index)

    def original_word(self, index: int) -> str:
        """Scan word ``index`` as written (original case, possessive dropped)."""
        chunk = self.chunk_of(index)
        before = self._ends[chunk - 1] if chunk else 0  # type: ignore[index]
        return CHUNKS.originals[self.all_chunks[chunk]][index - before]

    def chunk_span(self, first: int, end: int) -> tuple[int, int, int]:
        """``(field, first chunk, last chunk)`` of scan words ``first..end-1``, numbered
        within the field's own chunks (see :meth:`chunks`)."""
        field = TITLE if first < self.n_title else TEXT
        offset = 0 if field == TITLE else self.chunk_of(self.n_title) + 1
        return field, self.chunk_of(first) - offset, self.chunk_of(end - 1) - offset

    def chunks(self, field: int) -> list[str]:
        """The field's whitespace-separated chunks as written."""
        brk = self.chunk_of(self.n_title)
        return self.all_chunks[:brk] if field == TITLE else self.all_chunks[brk + 1 :]

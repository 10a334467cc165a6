"""One article as the matcher sees it: folded once, scanned once, everything else lazy.

Title and text are split on whitespace into *chunks* ("missiles,", "Turkey's",
"ballistic-missile"); each chunk folds (cached) into zero or more words. The scan string is
``" title words \\n text words "``: the ``"\\n"`` word keeps phrases from running from the
headline into the body, and word *i* is the *i*-th space-separated word, so a hit's word
index is a count of spaces. Only documents with a hit that needs more (a case check, NEAR,
a snippet) build the map from words back to the original chunks.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate, chain
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
from monitor.rules.textnorm import CHUNKS, FIELD_BREAK, fold_chunks

TITLE, TEXT = 0, 1
FIELDS = ("title", "text")
SCOPES = {None: None, "title": TITLE, "text": TEXT}

# (field, first word index, end word index (exclusive)) in the scan string's numbering.
Span = tuple[int, int, int]
_second = itemgetter(1)
_SENTENCE_END = tuple(".!?:;")
_CLOSERS = "\"'\u201d\u2019)]\u00bb"
_OPENERS = tuple("\"'\u201c\u2018(\u00ab[\u2022-\u2013\u2014")


class FieldView:
    """The original words of one field and the chunk each came from (built on demand)."""

    __slots__ = ("chunks", "words", "_ends")

    def __init__(self, chunks: list[str]) -> None:
        self.chunks = chunks
        originals = list(map(CHUNKS.originals.__getitem__, chunks))
        self.words: list[str] = list(chain.from_iterable(originals))
        self._ends = list(accumulate(map(len, originals)))  # words up to each chunk's end

    def chunk_of(self, index: int) -> int:
        """The chunk that word ``index`` came from."""
        return bisect_right(self._ends, index)

    def sentence_initial(self, index: int) -> bool:
        """Does word ``index`` start a sentence, a quote or a list item?"""
        chunk = self.chunk_of(index)
        if index and self.chunk_of(index - 1) == chunk:
            return False  # the second half of "ballistic-missile" or "U.S."
        if chunk == 0 or self.chunks[chunk].startswith(_OPENERS):
            return True
        return self.chunks[chunk - 1].rstrip(_CLOSERS).endswith(_SENTENCE_END)


class DocState:
    """Per-document matching state. Create one per ``Matcher.match`` call."""

    __slots__ = (
        "doc",
        "scan",
        "found",
        "pids",
        "n_title",
        "_split",
        "_views",
        "_by_pid",
        "_hits",
        "_style",
        "_keys",
        "_word_counts",
    )

    def __init__(self, doc: Document, automaton: Any, keys: list[str], word_counts: list[int]):
        self.doc = doc
        # One split and one fold for both fields: the break chunk folds to the word "\n".
        folded = fold_chunks(f"{doc.title} {FIELD_BREAK} {doc.text}".split())
        self.scan = scan = f" {folded} "
        self._split = split = scan.find("\n")
        self.n_title = scan.count(" ", 0, split) - 1
        found: list[tuple[int, int]] = list(automaton.iter(scan)) if automaton else []
        self.found = found
        self.pids = set(map(_second, found))
        self._keys = keys
        self._word_counts = word_counts
        self._views: list[FieldView | None] = [None, None]
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
        view = self.view(field)
        local = first if field == TITLE else first - self.n_title - 1
        tokens = view.words[local : local + n]
        meaningless = [
            style == "title" or view.sentence_initial(i) for i in range(local, local + n)
        ]
        return max(hit_status(reqs, tokens, meaningless, caps=False) for reqs in alternatives)

    @property
    def headline_style(self) -> str:
        if self._style is None:
            self._style = headline_style(self.view(TITLE).words)
        return self._style

    # --- back to the original text -------------------------------------------------------

    def view(self, field: int) -> FieldView:
        view = self._views[field]
        if view is None:
            view = self._views[field] = FieldView(self.chunks(field))
        return view

    def chunk_span(self, first: int, end: int) -> tuple[int, int, int]:
        """``(field, first chunk, last chunk)`` holding scan words ``first..end-1``."""
        field = TITLE if first < self.n_title else TEXT
        offset = 0 if field == TITLE else self.n_title + 1
        view = self.view(field)
        return field, view.chunk_of(first - offset), view.chunk_of(end - 1 - offset)

    def chunks(self, field: int) -> list[str]:
        """The field's whitespace-separated chunks as written."""
        view = self._views[field]
        if view is not None:
            return view.chunks
        return (self.doc.title if field == TITLE else self.doc.text).split()

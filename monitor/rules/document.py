"""One article as the matcher sees it: folded once, scanned once, everything else lazy.

Title and text become one scan string ``" title words \\n text words "`` (the ``"\\n"`` word
keeps phrases from running from the headline into the body). Word *i* of that string is
word *i* of ``words`` (original spelling), so any hit maps back to the original text for case
checks and snippets without a per-word loop on the hot path.
"""

from __future__ import annotations

from itertools import accumulate
from operator import itemgetter
from typing import Any

from monitor.models import Document
from monitor.rules.automaton import SearchTerm
from monitor.rules.casing import (
    AMBIGUOUS,
    CONFIRMED,
    REJECTED,
    headline_style,
    hit_status,
)
from monitor.rules.casing import sentence_initial as _sentence_initial
from monitor.rules.textnorm import fold_words, split_words

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
        "_parts",
        "_words",
        "_by_pid",
        "_hits",
        "_offsets",
        "_meaningless",
        "_style",
        "_keys",
        "_word_counts",
    )

    def __init__(self, doc: Document, automaton: Any, keys: list[str], word_counts: list[int]):
        self.doc = doc
        title_parts = split_words(doc.title) if doc.title else [""]
        text_parts = split_words(doc.text) if doc.text else [""]
        title_words = title_parts[1::2]
        self._parts = (title_parts, text_parts)
        self.n_title = len(title_words)
        folded = fold_words(title_words)
        folded.append("\n")
        folded += fold_words(text_parts[1::2])
        self.scan = " " + " ".join(folded) + " "
        self._split = self.scan.find("\n")
        self.found: list[tuple[int, int]] = list(automaton.iter(self.scan)) if automaton else []
        self.pids = set(map(_second, self.found))
        self._keys = keys
        self._word_counts = word_counts
        self._words: list[str] | None = None
        self._by_pid: dict[int, list[int]] | None = None
        self._hits: dict[int, list[tuple[int, int, int, int, int]]] = {}
        self._offsets: list[list[int] | None] = [None, None]
        self._meaningless: dict[int, bool] = {}
        self._style: str | None = None

    # --- where each term hit ---------------------------------------------------------------

    def has(self, term: SearchTerm, scope: int | None) -> bool:
        if scope is None and term.simple:
            return not term.pids.isdisjoint(self.pids)
        return bool(self.spans(term, scope))

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
        by_pid = self._by_pid
        if by_pid is None:
            by_pid = self._by_pid = {}
            for end, pid in self.found:
                by_pid.setdefault(pid, []).append(end)
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

    def _case(
        self, alternatives: tuple[tuple[int, ...], ...], first: int, n: int, field: int
    ) -> int:
        """Best case status of the words ``first..first+n-1`` over the alias spellings."""
        style = self.headline_style if field == TITLE else "sentence"
        if style == "caps":
            return AMBIGUOUS
        tokens = self.words[first : first + n]
        meaningless = [style == "title" or self._initial(i) for i in range(first, first + n)]
        return max(hit_status(reqs, tokens, meaningless, caps=False) for reqs in alternatives)

    @property
    def words(self) -> list[str]:
        """Original words in scan numbering (title words, ``""``, text words)."""
        if self._words is None:
            title_parts, text_parts = self._parts
            self._words = [*title_parts[1::2], "", *text_parts[1::2]]
        return self._words

    @property
    def headline_style(self) -> str:
        if self._style is None:
            self._style = headline_style(self._parts[TITLE][1::2])
        return self._style

    def _initial(self, index: int) -> bool:
        cached = self._meaningless.get(index)
        if cached is None:
            field, local = self.local(index)
            separator = self._parts[field][2 * local]
            cached = self._meaningless[index] = _sentence_initial(separator, local)
        return cached

    # --- back to the original text -------------------------------------------------------

    def local(self, index: int) -> tuple[int, int]:
        """``(field, word index within that field)`` for a scan word index."""
        if index < self.n_title:
            return TITLE, index
        return TEXT, index - self.n_title - 1

    def char_span(self, first: int, end: int) -> tuple[int, int, int]:
        """``(field, start, end)`` character offsets of scan words ``first..end-1``."""
        field, local_first = self.local(first)
        offsets = self._offsets[field]
        if offsets is None:
            offsets = self._offsets[field] = [0, *accumulate(map(len, self._parts[field]))]
        local_last = local_first + (end - first) - 1
        # parts = [sep0, word0, sep1, word1, ...]: word k spans parts[2k+1].
        return field, offsets[2 * local_first + 1], offsets[2 * local_last + 2]

    def field_text(self, field: int) -> str:
        return self.doc.title if field == TITLE else self.doc.text

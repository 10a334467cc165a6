"""From scan word numbers back to the original text: where a word is and how it was written.

Coordinates are offsets in the document *layout* ``f"{title} \\x00 {text} "`` (see
:func:`monitor.rules.textnorm.document_layout`). Built only for documents that need it: a
case check on a capitalised alias, or a match to explain.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate, compress, count, repeat
from operator import add

from monitor.rules.textnorm import CHUNKS, FIELD_BREAK, fold_chunk

_SENTENCE_END = frozenset(".!?:;" + FIELD_BREAK)
_CLOSERS = frozenset("\"'\u201d\u2019)]\u00bb")
_OPENERS = frozenset("\"'\u201c\u2018(\u00ab[\u2022")
_CHUNK = re.compile(r"\S+")


def starts_sentence(layout: str, start: int) -> bool:
    """Does the word at ``start`` open a sentence, a quote, a list item or its field?"""
    if start == 0:
        return True
    before = layout[start - 1]
    if not before.isspace():
        return before in _OPENERS  # inside a chunk ("ballistic-missile", "U.S.") unless '"x'
    j = start - 2
    while j >= 0 and layout[j].isspace():
        j -= 1
    if j < 0:
        return True
    while j > 0 and layout[j] in _CLOSERS and not layout[j - 1].isspace():
        j -= 1  # 'said." Turkey': look through the closing quote
    return layout[j] in _SENTENCE_END or layout[j] in _OPENERS


class AlignedWords:
    """For fast-path documents: ``aligned`` is the layout with non-word characters blanked."""

    __slots__ = ("layout", "_parts", "_part_of", "_lengths")

    def __init__(self, layout: str, aligned: str) -> None:
        self.layout = layout
        self._parts = aligned.split(" ")  # words, and "" for each extra blank
        self._part_of = list(compress(count(), self._parts))  # word i is parts[_part_of[i]]
        self._lengths: list[int] | None = None

    def span(self, index: int) -> tuple[int, int]:
        part = self._part_of[index]
        if self._lengths is None:
            self._lengths = list(accumulate(map(len, self._parts), initial=0))
        start = self._lengths[part] + part  # the parts' lengths plus one blank between each
        return start, start + len(self._parts[part])

    def word(self, index: int) -> str:
        start, end = self.span(index)
        return self.layout[start:end]

    def initial(self, index: int) -> bool:
        return starts_sentence(self.layout, self.span(index)[0])


class ChunkWords:
    """For other documents: words are located by their whitespace-separated chunk."""

    __slots__ = ("layout", "_spans", "_chunks", "_ends")

    def __init__(self, layout: str) -> None:
        self.layout = layout
        self._spans = [m.span() for m in _CHUNK.finditer(layout)]
        self._chunks = [layout[a:b] for a, b in self._spans]
        folded = list(map(fold_chunk, self._chunks))
        # words per chunk = spaces in its fold + 1, or 0 for a chunk without words
        self._ends = list(
            accumulate(map(add, map(str.count, folded, repeat(" ")), map(bool, folded)))
        )

    def _chunk(self, index: int) -> int:
        return bisect_right(self._ends, index)

    def span(self, index: int) -> tuple[int, int]:
        return self._spans[self._chunk(index)]

    def word(self, index: int) -> str:
        chunk = self._chunk(index)
        before = self._ends[chunk - 1] if chunk else 0
        return CHUNKS.originals[self._chunks[chunk]][index - before]

    def initial(self, index: int) -> bool:
        chunk = self._chunk(index)
        if index and self._chunk(index - 1) == chunk:
            return False  # not the chunk's first word ("missile" in "ballistic-missile")
        return starts_sentence(self.layout, self._spans[chunk][0])


WordMap = AlignedWords | ChunkWords

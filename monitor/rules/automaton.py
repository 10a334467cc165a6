"""One Aho-Corasick automaton for every pattern of every rule.

Documents are scanned as ``" " + " ".join(folded words) + " "``. An exact pattern is stored
as ``" w1 w2 "`` and a prefix pattern as ``" w1 pre"``, so the surrounding spaces *are* the
word-boundary check: "nato" never fires inside "natops", and no hit needs a second look.
The automaton reports overlapping hits, so " nato " and " turkey " both fire in
" nato turkey ".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ahocorasick

from monitor.rules.casing import Requirements
from monitor.rules.entities import Variant


@dataclass(eq=False)  # identity: one object per distinct term
class SearchTerm:
    """A term as the matcher searches it (shared by every rule that uses the same term).

    ``reqs`` maps each pattern id to its alternative case requirements (None = any case);
    ``simple``
    terms have none at all, so their presence is just "one of my patterns fired".
    """

    id: int
    variants: tuple[Variant, ...]
    pids: frozenset[int] = frozenset()
    reqs: dict[int, tuple[Requirements, ...] | None] = field(default_factory=dict)
    simple: bool = True
    cost: float = 1.0


class PatternTable:
    """Assigns pattern ids to folded keys and terms to variant sets; builds the automaton."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.word_counts: list[int] = []
        self._pid: dict[str, int] = {}
        self.terms: list[SearchTerm] = []
        self._tid: dict[tuple[Variant, ...], SearchTerm] = {}

    def pattern(self, variant: Variant) -> int:
        key = " " + " ".join(variant.words) + ("" if variant.prefix else " ")
        pid = self._pid.get(key)
        if pid is None:
            pid = self._pid[key] = len(self.keys)
            self.keys.append(key)
            self.word_counts.append(len(variant.words))
        return pid

    def term(self, variants: tuple[Variant, ...]) -> SearchTerm:
        """The shared SearchTerm for this variant set (created on first use)."""
        found = self._tid.get(variants)
        if found is not None:
            return found
        reqs: dict[int, tuple[Requirements, ...] | None] = {}
        for variant in variants:
            pid = self.pattern(variant)
            known = reqs.get(pid, ())
            # One key, several spellings ("Interpol", "INTERPOL"): any one may be satisfied;
            # a spelling without case requirements makes the key case-free.
            if variant.reqs is None or known is None:
                reqs[pid] = None
            else:
                reqs[pid] = (*known, variant.reqs)
        term = SearchTerm(
            id=len(self.terms),
            variants=variants,
            pids=frozenset(reqs),
            reqs=reqs,
            simple=all(r is None for r in reqs.values()),
            cost=sum(_variant_cost(v) for v in variants),
        )
        self.terms.append(term)
        self._tid[variants] = term
        return term

    def build(self) -> ahocorasick.Automaton | None:
        if not self.keys:
            return None
        automaton = ahocorasick.Automaton()
        for pid, key in enumerate(self.keys):
            automaton.add_word(key, pid)
        automaton.make_automaton()
        return automaton


def _variant_cost(variant: Variant) -> float:
    """A rough guess at how often a variant fires: short single words and prefixes often,
    phrases rarely. Used to pick the term that triggers a rule's evaluation."""
    length = sum(len(w) for w in variant.words)
    cost = 8.0 / max(length, 3) * 0.2 ** (len(variant.words) - 1)
    return cost * (4.0 if variant.prefix else 1.0)

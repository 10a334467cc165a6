"""The compiled rule set: one automaton pass per document, Boolean logic only where it hit.

Filters a caller may rely on:

* ``rule.sources``: the document's source must be listed.
* ``rule.languages``: compared on the primary subtag ("en-GB" is "en"). A document whose
  language is unknown (None or empty) passes: feeds often omit it, and a missed alert costs
  more than a stray one.
* Disabled rules are compiled (so their errors are reported) but never matched.
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.models import Document, Hit, Rule, RuleMatch
from monitor.rules.automaton import PatternTable, SearchTerm
from monitor.rules.document import FIELDS, DocState
from monitor.rules.evaluate import CNode
from monitor.rules.explain import snippet


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    program: CNode
    trigger: list[tuple[float, frozenset[SearchTerm]]]  # cheapest first, at most two
    languages: frozenset[str] | None
    sources: frozenset[str] | None


class Matcher:
    """Every rule compiled together. Build with :func:`monitor.rules.compile_rules`."""

    def __init__(self, rules: tuple[Rule, ...], compiled: list[CompiledRule], table: PatternTable):
        self.rules = rules  # every rule given, in order (including disabled ones)
        self._compiled = [c for c in compiled if c.rule.enabled]
        self._automaton = table.build()
        self._keys = table.keys
        self._word_counts = table.word_counts
        # A rule is a candidate when a pattern of its cheapest necessary set fired and, if it
        # has a second necessary set, a pattern of that one too. For each waking pattern:
        # the rules it wakes outright, and second-set pattern -> rules it wakes with them,
        # so the common "second set absent" case is one small set intersection in C.
        outright: dict[int, set[int]] = {}
        paired: dict[int, dict[int, set[int]]] = {}
        for position, item in enumerate(self._compiled):
            also = set()
            if len(item.trigger) > 1:
                also = set().union(*(t.pids for t in item.trigger[1][1]))
            for term in item.trigger[0][1]:
                for pid in term.pids:
                    if not also:
                        outright.setdefault(pid, set()).add(position)
                    for other in also:
                        paired.setdefault(pid, {}).setdefault(other, set()).add(position)
        self._wake = {
            pid: (
                tuple(outright.get(pid, ())),
                frozenset(paired.get(pid, {})),
                {other: tuple(r) for other, r in paired.get(pid, {}).items()},
            )
            for pid in outright.keys() | paired.keys()
        }
        self._waking = frozenset(self._wake)
        # Filters are rare and cheap to apply afterwards; the Boolean test is the hot path.
        self._tests = [item.program.test for item in self._compiled]

    def match(self, doc: Document) -> list[RuleMatch]:
        """Every enabled rule that matches ``doc``, in rule order, with its evidence."""
        state = DocState(doc, self._automaton, self._keys, self._word_counts)
        pids = state.pids
        wake = self._wake
        candidates: set[int] = set()
        for pid in pids & self._waking:  # only patterns that wake something, at C speed
            rules, others, with_other = wake[pid]
            if rules:
                candidates.update(rules)
            for other in others & pids:
                candidates.update(with_other[other])
        if not candidates:
            return []
        tests = self._tests
        hit = [position for position in candidates if tests[position](state)]
        if not hit:
            return []
        hit.sort()
        language = _language(doc.language)
        matches = []
        for position in hit:
            item = self._compiled[position]
            if item.sources is not None and doc.source not in item.sources:
                continue
            if item.languages is not None and language and language not in item.languages:
                continue
            matches.append(RuleMatch(item.rule, _hits(item.program, state)))
        return matches

    def matches(self, doc: Document) -> bool:
        """Does any enabled rule match ``doc``?"""
        return bool(self.match(doc))


def _language(code: str | None) -> str:
    return (code or "").strip().lower().replace("_", "-").split("-")[0]


def _hits(program: CNode, state: DocState) -> tuple[Hit, ...]:
    evidence: list[tuple[str, tuple[int, int, int]]] = []
    program.evidence(state, evidence)
    hits: list[Hit] = []
    seen = set()
    for label, (_, first, end) in evidence:
        field, start, stop = state.excerpt_span(first, end)
        key = (label, field)
        if key in seen:
            continue
        seen.add(key)
        hits.append(Hit(label, FIELDS[field], snippet(state.field_text(field), start, stop)))
    return tuple(hits)

"""Compiled query nodes: Boolean logic and NEAR over one document's hits.

Field scopes are pushed down onto the terms and NEARs they enclose at compile time, so the
evaluator only ever asks "did term T hit (in field F)?".
"""

from __future__ import annotations

from monitor.rules.automaton import SearchTerm
from monitor.rules.document import DocState, Span


class CTerm:
    __slots__ = ("term", "label", "scope", "pids")

    def __init__(self, term: SearchTerm, label: str, scope: int | None) -> None:
        self.term = term
        self.label = label
        self.scope = scope
        self.pids = term.pids

    def test(self, st: DocState) -> bool:
        return st.has(self.term, self.scope)

    def present(self, st: DocState) -> bool:
        """Cheap necessary condition: one of the term's patterns fired somewhere."""
        return not self.pids.isdisjoint(st.pids)

    def spans(self, st: DocState) -> list[Span]:
        return st.spans(self.term, self.scope)

    def evidence(self, st: DocState, out: list[tuple[str, Span]]) -> None:
        seen_fields = set()
        for span in self.spans(st):
            if span[0] not in seen_fields:  # the first hit in each field is enough
                seen_fields.add(span[0])
                out.append((self.label, span))


class CSimpleTerm(CTerm):
    """A term with no case checks and no field scope: present means true."""

    __slots__ = ()

    def test(self, st: DocState) -> bool:
        return not self.pids.isdisjoint(st.pids)


class CAnd:
    """All children; simple terms are tested inline as set checks (the hot path)."""

    __slots__ = ("children", "simple", "others")

    def __init__(self, children: list[CNode]) -> None:
        self.children = children
        self.simple = [c.pids for c in children if type(c) is CSimpleTerm]  # type: ignore[union-attr]
        self.others = [c for c in children if type(c) is not CSimpleTerm]

    def test(self, st: DocState) -> bool:
        pids = st.pids
        for required in self.simple:
            if pids.isdisjoint(required):
                return False
        for child in self.others:  # noqa: SIM110 - a plain loop is faster than all(genexpr)
            if not child.test(st):
                return False
        return True

    def evidence(self, st: DocState, out: list[tuple[str, Span]]) -> None:
        for child in self.children:
            child.evidence(st, out)


class COr:
    __slots__ = ("children",)

    def __init__(self, children: list[CNode]) -> None:
        self.children = children

    def test(self, st: DocState) -> bool:
        for child in self.children:  # noqa: SIM110 - a plain loop is faster than any(genexpr)
            if child.test(st):
                return True
        return False

    def present(self, st: DocState) -> bool:
        return any(child.present(st) for child in self.children)  # type: ignore[union-attr]

    def spans(self, st: DocState) -> list[Span]:
        found: list[Span] = []
        for child in self.children:
            found += child.spans(st)  # type: ignore[union-attr]  # checked by the parser
        return found

    def evidence(self, st: DocState, out: list[tuple[str, Span]]) -> None:
        for child in self.children:
            if child.test(st):
                child.evidence(st, out)


class CNot:
    __slots__ = ("child",)

    def __init__(self, child: CNode) -> None:
        self.child = child

    def test(self, st: DocState) -> bool:
        return not self.child.test(st)

    def evidence(self, st: DocState, out: list[tuple[str, Span]]) -> None:
        return None  # an absent term is not evidence worth showing


class CNear:
    """At most ``distance`` words between a left and a right span, either order, same field."""

    __slots__ = ("left", "right", "distance", "scope")

    def __init__(self, left: CNode, right: CNode, distance: int, scope: int | None) -> None:
        self.left = left
        self.right = right
        self.distance = distance
        self.scope = scope

    def present(self, st: DocState) -> bool:
        return self.left.present(st) and self.right.present(st)  # type: ignore[union-attr]

    def _pairs(self, st: DocState, first_only: bool) -> list[tuple[Span, Span]]:
        if not self.present(st):  # skip word positions unless both sides occur at all
            return []
        lefts = self.left.spans(st)  # type: ignore[union-attr]
        if not lefts:
            return []
        rights = self.right.spans(st)  # type: ignore[union-attr]
        pairs = []
        limit = self.distance
        for a in lefts:
            if self.scope is not None and a[0] != self.scope:
                continue
            for b in rights:
                if a[0] != b[0]:
                    continue
                gap = b[1] - a[2] if b[1] >= a[2] else a[1] - b[2] if a[1] >= b[2] else -1
                if 0 <= gap <= limit:
                    pairs.append((a, b))
                    if first_only:
                        return pairs
        return pairs

    def test(self, st: DocState) -> bool:
        return bool(self._pairs(st, first_only=True))

    def spans(self, st: DocState) -> list[Span]:
        return [
            (a[0], min(a[1], b[1]), max(a[2], b[2])) for a, b in self._pairs(st, first_only=False)
        ]

    def evidence(self, st: DocState, out: list[tuple[str, Span]]) -> None:
        pairs = self._pairs(st, first_only=True)
        if pairs:
            a, b = pairs[0]
            out.append((self.label, (a[0], min(a[1], b[1]), max(a[2], b[2]))))

    @property
    def label(self) -> str:
        return f"{_label(self.left)} NEAR/{self.distance} {_label(self.right)}"


def _label(node: CNode) -> str:
    if isinstance(node, CTerm):
        return node.label
    if isinstance(node, COr):
        return "(" + " OR ".join(_label(c) for c in node.children) + ")"
    if isinstance(node, CNear):
        return node.label
    return "…"


CNode = CTerm | CSimpleTerm | CAnd | COr | CNot | CNear

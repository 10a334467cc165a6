"""The rule-query AST: what :func:`monitor.rules.parse_query` returns.

Positions are 1-based ``(line, column)`` inside the query text, kept for error messages.
"""

from __future__ import annotations

from dataclasses import dataclass

Pos = tuple[int, int]


@dataclass(frozen=True)
class Term:
    """A word, ``"exact phrase"`` or ``prefix*`` as written in the query.

    ``text`` is the term without quotes or the trailing ``*``; ``words`` are its folded word
    tokens (a hyphenated or dotted word like ``F-16`` is a phrase of two words).
    """

    text: str
    words: tuple[str, ...]
    phrase: bool = False
    prefix: bool = False
    pos: Pos = (1, 1)

    @property
    def label(self) -> str:
        """The term as a person wrote it, for explanations."""
        return self.text + ("*" if self.prefix else "")


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]
    pos: Pos = (1, 1)


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]
    pos: Pos = (1, 1)


@dataclass(frozen=True)
class Not:
    child: Node
    pos: Pos = (1, 1)


@dataclass(frozen=True)
class Near:
    """``left NEAR/distance right``: at most ``distance`` words between them, either order."""

    left: Node
    right: Node
    distance: int
    pos: Pos = (1, 1)


@dataclass(frozen=True)
class Field:
    """``title:(...)`` or ``text:(...)``: the child only counts in that part of the article."""

    field: str  # "title" | "text"
    child: Node
    pos: Pos = (1, 1)


Node = Term | And | Or | Not | Near | Field


def terms(node: Node) -> list[Term]:
    """Every term in the tree, left to right."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, And | Or):
        return [t for child in node.children for t in terms(child)]
    if isinstance(node, Near):
        return terms(node.left) + terms(node.right)
    return terms(node.child)

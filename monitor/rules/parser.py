"""Parse a rule query into the AST of :mod:`monitor.rules.nodes`.

Decisions a rule author may rely on:

* Operators are upper case only: ``AND``, ``OR``, ``NOT`` (``AND NOT`` reads as AND + NOT),
  ``NEAR/n``. Two terms side by side mean AND.
* ``and``, ``or``, ``not`` (any other capitalisation) and ``near/n`` are *errors*, not words:
  a query like ``turkey and nato`` almost always means the operator, and silently requiring the
  word "and" would hide the mistake. To search for such a word, quote it: ``"rock and roll"``.
* ``NEAR/n`` matches when at most *n* words stand between the two sides, in either order
  (``NEAR/0`` is not allowed; ``NEAR/1`` allows one word between). Its sides are terms,
  phrases, OR-groups of them, or other NEARs; a field scope goes around the whole NEAR.
* ``word*`` is a prefix wildcard: at least 3 letters before the ``*``; ``*`` anywhere else
  is an error. In a phrase only the last word may end in ``*`` (``"ballistic miss*"``).
* ``title:`` and ``text:`` scope a term or a parenthesised group; scopes do not nest.
* A query must name something that has to appear: a query that would match an article in
  which none of its terms occur (``NOT x``, ``a OR NOT b``) is an error, because it would
  alert on nearly every article.

Every problem raises :class:`monitor.errors.RuleError` whose single :class:`Problem` carries
the 1-based line and column inside the query and a message with a caret line under the spot.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from lark import Lark, Token, Transformer
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from monitor.errors import Problem, RuleError
from monitor.rules.grammar import GRAMMAR
from monitor.rules.nodes import And, Field, Near, Node, Not, Or, Pos, Term
from monitor.rules.textnorm import fold_text

MIN_PREFIX = 3
MAX_DEPTH = 60  # deeper nesting is not a real query, and would exhaust the recursion limit
MAX_QUERY = 20_000

_LOWER_OPERATOR = re.compile(r"(?i:and|or|not|near)")
_NEAR_WORD = re.compile(r"(?i:near)/\S*")
_FIELD_WORD = re.compile(r"([A-Za-z]+):(?!//)")

_TERMINALS = {
    "WORD": "a word",
    "PHRASE": 'a "phrase"',
    "LPAR": "`(`",
    "RPAR": "`)`",
    "FIELD": "a field scope",
    "NOT": "NOT",
    "OR": "OR",
    "AND": "AND",
    "NEAR": "NEAR/n",
    "$END": "the end of the query",
}


class QueryProblem(Exception):
    """Internal: one problem at a position inside the query."""

    def __init__(self, message: str, pos: Pos) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


def _pos(token: Token) -> Pos:
    return (token.line or 1, token.column or 1)


def _node_pos(node: Any) -> Pos:
    return node.pos if hasattr(node, "pos") else _pos(node)


def _depth(node: Node) -> int:
    return getattr(node, "_depth", 1)


def _with_depth(node: Node, *children: Node) -> Node:
    depth = 1 + max((_depth(c) for c in children), default=0)
    if depth > MAX_DEPTH:
        raise QueryProblem("query is nested too deeply", node.pos)
    object.__setattr__(node, "_depth", depth)
    return node


class _Builder(Transformer[Token, Node]):
    """Builds nodes while the LALR parser reduces (no tree recursion, so no depth limit)."""

    def term(self, children: list[Token]) -> Term:
        token = children[0]
        return _make_term(str(token), token.type == "PHRASE", _pos(token))

    def or_(self, children: list[Any]) -> Node:
        left, _, right = children
        parts = (*left.children, right) if isinstance(left, Or) else (left, right)
        return _with_depth(Or(parts, left.pos), *parts)

    def and_(self, children: list[Any]) -> Node:
        left, right = children[0], children[-1]
        parts = (*left.children, right) if isinstance(left, And) else (left, right)
        return _with_depth(And(parts, left.pos), *parts)

    def not_(self, children: list[Any]) -> Node:
        token, child = children
        return _with_depth(Not(child, _pos(token)), child)

    def near(self, children: list[Any]) -> Node:
        left, token, right = children
        distance = int(str(token).split("/", 1)[1])
        if distance < 1:
            raise QueryProblem("NEAR/n needs n of at least 1", _pos(token))
        for side in (left, right):
            _check_near_side(side)
        return _with_depth(Near(left, right, distance, _pos(token)), left, right)

    def field(self, children: list[Any]) -> Node:
        token, child = children
        if _contains_field(child):
            raise QueryProblem("field scopes cannot be nested", _node_pos(child))
        name = str(token)[:-1].lower()
        return _with_depth(Field(name, child, _pos(token)), child)

    def group(self, children: list[Any]) -> Node:
        return children[1]


def _make_term(raw: str, phrase: bool, pos: Pos) -> Term:
    text = raw[1:-1] if phrase else raw
    if phrase:
        if not text.strip():
            raise QueryProblem("empty phrase", pos)
    else:
        if raw in ("AND", "OR", "NOT") or re.fullmatch(r"NEAR/[0-9]+", raw):
            # The contextual lexer reads an operator as a word where no operator can stand.
            raise QueryProblem(f"{raw} needs a word, phrase or group on each side", pos)
        if raw == raw.upper() and raw.startswith("NEAR"):
            raise QueryProblem("NEAR needs a distance, like NEAR/5", pos)
        if _NEAR_WORD.fullmatch(raw):
            raise QueryProblem(
                f"`{raw}` is not an operator: write NEAR/n in capitals, "
                f'or put "{raw}" in quotes to search for it',
                pos,
            )
        if _LOWER_OPERATOR.fullmatch(raw):
            raise QueryProblem(
                f"`{raw}` is not an operator: write {raw.upper()} in capitals, "
                f'or put "{raw}" in quotes to search for the word',
                pos,
            )
        field = _FIELD_WORD.match(raw)
        if field and not raw[: field.end()].isdigit():
            raise QueryProblem(
                f"unknown field `{field.group(1)}:` (fields are title: and text:)", pos
            )
    prefix = text.rstrip().endswith("*")
    body = text.rstrip()[:-1] if prefix else text
    star = body.find("*")
    if star >= 0:
        column = pos[1] + star + (1 if phrase else 0)
        raise QueryProblem("a wildcard `*` may only end a word", (pos[0], column))
    words = tuple(fold_text(body))
    if not words:
        raise QueryProblem(f"`{raw}` has no letters or digits to match", pos)
    if prefix:
        if text.rstrip()[-2:-1].isspace() or not body or not body[-1:].strip():
            raise QueryProblem("a wildcard `*` must follow a word", pos)
        if len(words[-1]) < MIN_PREFIX:
            raise QueryProblem(f"a prefix needs at least {MIN_PREFIX} letters before `*`", pos)
    return Term(text=body.strip(), words=words, phrase=phrase, prefix=prefix, pos=pos)


def _contains_field(node: Node) -> bool:
    if isinstance(node, Field):
        return True
    if isinstance(node, And | Or):
        return any(_contains_field(c) for c in node.children)
    if isinstance(node, Near):
        return _contains_field(node.left) or _contains_field(node.right)
    if isinstance(node, Not):
        return _contains_field(node.child)
    return False


def _check_near_side(node: Node) -> None:
    if isinstance(node, Term | Near):
        return
    if isinstance(node, Or):
        for child in node.children:
            _check_near_side(child)
        return
    if isinstance(node, Field):
        raise QueryProblem(
            "put the field scope around the whole NEAR, like title:(a NEAR/5 b)", node.pos
        )
    raise QueryProblem(
        "NEAR needs words, phrases or an OR-group of them on each side (not AND or NOT)",
        node.pos,
    )


def needs_a_term(node: Node) -> bool:
    """Can ``node`` only be true when at least one of its terms occurs (outside any NOT)?

    Rules are woken by the terms that must occur, so a query without one is refused. This
    is deliberately stricter than logic: ``NOT NOT x`` is refused too (write ``x``).
    """
    if isinstance(node, Term | Near):
        return True
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(needs_a_term(c) for c in node.children)
    if isinstance(node, Or):
        return all(needs_a_term(c) for c in node.children)
    return needs_a_term(node.child)


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(GRAMMAR, parser="lalr", transformer=_Builder(), maybe_placeholders=False)


def caret_message(query: str, message: str, pos: Pos) -> str:
    """``message`` followed by the query line and a caret under column ``pos[1]``."""
    lines = query.split("\n")
    line_no = min(max(pos[0], 1), len(lines))
    text = lines[line_no - 1].replace("\t", " ")
    column = min(max(pos[1], 1), len(text) + 1)
    return f"{message}\n    {text}\n    {' ' * (column - 1)}^"


def _describe(token: Token) -> str:
    if token.type == "$END":
        return "end of query"
    return f"`{token}`"


def _unexpected(query: str, exc: UnexpectedInput) -> QueryProblem:
    if isinstance(exc, UnexpectedCharacters):
        pos = (exc.line, exc.column)
        offset = exc.pos_in_stream or 0
        char = query[offset] if offset < len(query) else ""
        if char in '"\u201c':
            return QueryProblem("unterminated phrase: missing closing quote", pos)
        return QueryProblem(f"unexpected character `{char}`", pos)
    assert isinstance(exc, UnexpectedToken)
    token = exc.token
    expected = set(exc.expected)
    if token.type == "$END":
        end_lines = query.rstrip().split("\n")
        pos = (len(end_lines), len(end_lines[-1]) + 1)
        if "RPAR" in expected:
            return QueryProblem("missing `)`", pos)
        if not query.strip():
            return QueryProblem("empty query", (1, 1))
        return QueryProblem("query ends where a word, phrase or `(` should follow", pos)
    pos = _pos(token)
    if token.type == "RPAR":
        if "RPAR" in expected or "$END" in expected:
            return QueryProblem("unexpected `)` without a matching `(`", pos)
        return QueryProblem("expected a word, phrase or group before `)`", pos)
    if token.type in ("AND", "OR", "NEAR"):
        return QueryProblem(f"{token} needs a word, phrase or group on each side", pos)
    if token.type == "FIELD" and "FIELD" not in expected:
        return QueryProblem("put the field scope around the whole NEAR side", pos)
    wanted = ", ".join(sorted(_TERMINALS.get(e, e) for e in expected))
    return QueryProblem(f"unexpected {_describe(token)}; expected {wanted}", pos)


def _parse(query: str) -> Node:
    if len(query) > MAX_QUERY:
        raise QueryProblem(f"query is longer than {MAX_QUERY} characters", (1, 1))
    try:
        tree = _parser().parse(query)
    except UnexpectedInput as exc:
        raise _unexpected(query, exc) from None
    except RecursionError:
        raise QueryProblem("query is nested too deeply", (1, 1)) from None
    except LarkError as exc:  # anything else from lark is still a bad query, not a crash
        raise QueryProblem(f"cannot parse query: {exc}", (1, 1)) from None
    node: Node = tree  # type: ignore[assignment]
    if not needs_a_term(node):
        raise QueryProblem(
            "the query needs at least one word that must appear "
            "(with only NOT it would match nearly every article)",
            node.pos,
        )
    return node


def parse_query(query: str, file: str | None = None, line: int | None = None) -> Node:
    """Parse ``query``; raise RuleError with one located Problem (caret in the message).

    The Problem's line and column are relative to the query (1-based) unless ``file`` and
    ``line`` are given, in which case its line is ``line + query_line - 1``.
    """
    try:
        return _parse(query)
    except QueryProblem as problem:
        raise RuleError([query_problem(query, problem, file, line)]) from None


def query_problem(query: str, problem: QueryProblem, file: str | None, line: int | None) -> Problem:
    message = caret_message(query, problem.message, problem.pos)
    q_line, q_col = problem.pos
    return Problem(file, (line or 1) + q_line - 1 if line else q_line, message, q_col)

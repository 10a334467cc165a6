"""Map a position inside a rule's query to a position in its YAML file.

``Rule.query_line`` is the line of the ``query:`` key. The query value starts on that line
(plain or quoted scalar) or on the following lines (``|`` or ``>`` block scalar); we read the
line back to find where, so errors point at the exact column a user sees in the editor.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from monitor.models import Rule

Locator = Callable[[int, int], tuple[int, int]]


def locator(rule: Rule, cache: dict[str, list[str] | None]) -> Locator:
    """A function ``(query_line, query_col) -> (file_line, file_col)`` for ``rule``."""
    start = rule.query_line or rule.line
    lines = _lines(rule.file, cache) if rule.file else None
    if start is None or not lines or start > len(lines) or "query:" not in lines[start - 1]:
        return lambda q_line, q_col: (start + q_line - 1 if start else q_line, q_col)
    text = lines[start - 1]
    after = text.index("query:") + len("query:")
    rest = text[after:]
    value_col = after + len(rest) - len(rest.lstrip()) + 1  # 1-based column of the value
    head = rest.strip()[:1]
    if head in ("|", ">"):
        return _block(lines, start, folded=head == ">")
    offset = value_col - 1 + (1 if head in ("'", '"') else 0)
    return lambda q_line, q_col: (
        (start, q_col + offset) if q_line == 1 else (start + q_line - 1, q_col)
    )


def _block(lines: list[str], start: int, folded: bool) -> Locator:
    body: list[tuple[int, int, str]] = []  # (file line, indent, stripped text)
    for number in range(start + 1, len(lines) + 1):
        line = lines[number - 1]
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        if body and indent < body[0][1]:
            break
        if not body and line.lstrip().startswith(("-", "#")) and indent == 0:
            break
        body.append((number, indent, line.strip()))
    if not body:
        return lambda q_line, q_col: (start, q_col)

    def literal(q_line: int, q_col: int) -> tuple[int, int]:
        number, indent, _ = body[min(q_line, len(body)) - 1]
        return number, indent + q_col

    def joined(q_line: int, q_col: int) -> tuple[int, int]:
        # ">" joins the block's lines with single spaces: walk them to find the column.
        remaining = q_col
        for number, indent, content in body:
            if remaining <= len(content) + 1:
                return number, indent + remaining
            remaining -= len(content) + 1
        number, indent, content = body[-1]
        return number, indent + len(content) + 1

    return joined if folded else literal


def _lines(file: str, cache: dict[str, list[str] | None]) -> list[str] | None:
    if file not in cache:
        try:
            cache[file] = Path(file).read_text(encoding="utf-8").split("\n")
        except (OSError, UnicodeDecodeError):
            cache[file] = None
    return cache[file]

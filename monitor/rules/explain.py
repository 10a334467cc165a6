"""Human-readable evidence: snippets around hits and the text of an explanation."""

from __future__ import annotations

from monitor.models import RuleMatch

SNIPPET_WIDTH = 60


def snippet(chunks: list[str], first: int, last: int, width: int = SNIPPET_WIDTH) -> str:
    """About ``width`` characters of original text around ``chunks[first..last]``.

    ``chunks`` are a field's whitespace-separated pieces as written, so the snippet is the
    original text with whitespace collapsed; ``…`` marks each side that was cut.
    """
    if len(chunks) <= width // 4 and sum(map(len, chunks)) + len(chunks) <= width * 3 // 2:
        # a headline or a short teaser: show it whole
        return " ".join(chunks)
    core = " ".join(chunks[first : last + 1])
    budget = max((width - len(core)) // 2, 15)
    left = first
    used = 0
    while left > 0 and used + len(chunks[left - 1]) + 1 <= budget:
        left -= 1
        used += len(chunks[left]) + 1
    right = last
    used = 0
    while right + 1 < len(chunks) and used + len(chunks[right + 1]) + 1 <= budget:
        right += 1
        used += len(chunks[right]) + 1
    body = " ".join(chunks[left : right + 1])
    return ("…" if left > 0 else "") + body + ("…" if right + 1 < len(chunks) else "")


def explain(match: RuleMatch) -> str:
    """One line per hit: ``"NATO" in text: "…intercepted by NATO defense systems…"``."""
    return "\n".join(f'"{hit.term}" in {hit.field}: "{hit.snippet}"' for hit in match.hits)

"""Human-readable evidence: snippets around hits and the text of an explanation."""

from __future__ import annotations

from monitor.models import RuleMatch

SNIPPET_WIDTH = 60


def snippet(text: str, start: int, end: int, width: int = SNIPPET_WIDTH) -> str:
    """About ``width`` characters of ``text`` around ``text[start:end]``, cut at spaces.

    Whitespace is collapsed; ``…`` marks each side that was cut. Short texts (a headline)
    are shown whole.
    """
    if len(text) <= width * 3 // 2:
        return " ".join(text.split())
    side = max((width - (end - start)) // 2, 15)
    left = max(start - side, 0)
    right = min(end + side, len(text))
    if left > 0:
        space = text.find(" ", left, start)
        left = space + 1 if space >= 0 else left
    if right < len(text):
        space = text.rfind(" ", end, right)
        right = space if space >= 0 else right
    body = " ".join(text[left:right].split())
    return ("…" if left > 0 else "") + body + ("…" if right < len(text) else "")


def explain(match: RuleMatch) -> str:
    """One line per hit: ``"NATO" in text: "…intercepted by NATO defense systems…"``."""
    return "\n".join(f'"{hit.term}" in {hit.field}: "{hit.snippet}"' for hit in match.hits)

"""Human-readable evidence: snippets around hits and the text of an explanation."""

from __future__ import annotations

import re

from monitor.models import RuleMatch

SNIPPET_WIDTH = 60
_SPACE = re.compile(r"\s+")


def snippet(text: str, start: int, end: int, width: int = SNIPPET_WIDTH) -> str:
    """About ``width`` characters of ``text`` around ``text[start:end]``, cut at spaces.

    Whitespace is collapsed; ``…`` marks each side that was cut.
    """
    if len(text) <= width * 3 // 2:  # a headline or short teaser: show it whole
        return _SPACE.sub(" ", text).strip()
    side = max((width - (end - start)) // 2, 15)
    left = max(start - side, 0)
    right = min(end + side, len(text))
    if left > 0:
        space = text.find(" ", left, start)
        left = space + 1 if space >= 0 else left
    if right < len(text):
        space = text.rfind(" ", end, right)
        right = space if space >= 0 else right
    body = _SPACE.sub(" ", text[left:right]).strip()
    return ("…" if left > 0 else "") + body + ("…" if right < len(text) else "")


def explain(match: RuleMatch) -> str:
    """One line per hit: ``"NATO" in text: "…intercepted by NATO defense systems…"``."""
    return "\n".join(f'"{hit.term}" in {hit.field}: "{hit.snippet}"' for hit in match.hits)

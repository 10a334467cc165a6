"""Case evidence: is a capitalised alias ("Turkey", "NATO") really meant where it was found?

Matching runs on folded (lower-case) text; this module decides afterwards, from the original
words, whether a hit of a case-sensitive alias counts:

* An alias word that starts with a capital (``Turkey``) needs a capital in the text, so
  "roast turkey" is not the country.
* An all-capitals alias word (``NATO``, ``WHO``, ``US``) needs capitals in the text; words of
  four letters or more may also be written with one capital ("Nato", as British papers do),
  shorter ones may not ("Who", "Us" are just words).
* Where capitals say nothing - the first word of a sentence, a Title Case headline, an ALL
  CAPS headline - a hit is only *ambiguous*. The rest of the article decides: an ambiguous hit
  counts when the same query term also has a confirmed hit, or when no occurrence of its
  aliases was rejected for its case (so "TURKEY RECIPES" + "roast the turkey" is no match,
  while "TURKEY INTERCEPTS MISSILE" + "Ankara said" is).
"""

from __future__ import annotations

import re

REJECTED, AMBIGUOUS, CONFIRMED = 0, 1, 2

CAP, UPPER = 1, 2  # per-word requirements of an alias
Requirements = tuple[int, ...]  # one entry per alias word; 0 = no requirement

_SMALL_WORDS = frozenset(
    str.split(
        "a an and as at but by de for from in into nor of off on onto or out over per the to up "
        "upon via vs with"
    )
)
# A separator containing one of these starts a new sentence (or quote, list item, paragraph).
_SENTENCE_START = re.compile(r"[.!?:;\"\u201c\u201d\u2018\u00ab\u00bb(\[\n\u2022|]")


def _core(token: str) -> str:
    """The token without a possessive: "NATO's" -> "NATO"."""
    return token[:-2] if token[-2:] in ("'s", "\u2019s", "'S", "\u2019S") else token


def requirements(words: list[str]) -> Requirements | None:
    """Per-word case requirements of an alias (its original-case word tokens), or None."""
    reqs = []
    for word in words:
        letters = [c for c in word if c.isalpha()]
        if len(letters) >= 2 and word.isupper():
            reqs.append(UPPER)
        elif letters and word[0].isupper():
            reqs.append(CAP)
        else:
            reqs.append(0)
    return tuple(reqs) if any(reqs) else None


def headline_style(words: list[str]) -> str:
    """``"caps"`` for an ALL CAPS headline, ``"title"`` for Title Case, else ``"sentence"``."""
    cased = [_core(w) for w in words if w.lower() != w.upper()]
    if not cased:
        return "sentence"
    if all(w.isupper() for w in cased):
        return "caps"
    significant = [w for w in cased if w.lower() not in _SMALL_WORDS]
    if len(significant) >= 2 and all(w[0].isupper() for w in significant):
        return "title"
    return "sentence"


def sentence_initial(separator: str, index: int) -> bool:
    """Is the word after ``separator`` (the ``index``-th word of its field) sentence-initial?"""
    return index == 0 or _SENTENCE_START.search(separator) is not None


def word_status(req: int, token: str, capitals_mean_nothing: bool) -> int:
    """Status of one original-case ``token`` against one alias-word requirement."""
    core = _core(token)
    if req == UPPER:
        plural_core = core[:-1] if len(core) > 2 and core.endswith("s") else core
        if core.isupper() or plural_core.isupper():
            return CONFIRMED
        if len(core) >= 4 and core[0].isupper():
            return AMBIGUOUS if capitals_mean_nothing else CONFIRMED
        return REJECTED
    if req == CAP:
        if not core[:1].isupper():
            return REJECTED
        if capitals_mean_nothing and not core.isupper():
            return AMBIGUOUS
        return CONFIRMED
    return CONFIRMED


def hit_status(reqs: Requirements, tokens: list[str], meaningless: list[bool], caps: bool) -> int:
    """Status of a whole alias hit: rejected if any word is, confirmed if any word is.

    ``meaningless[i]`` says capitals of ``tokens[i]`` carry no information (sentence start,
    Title Case headline); ``caps`` says the field is an ALL CAPS headline.
    """
    if caps:
        return AMBIGUOUS
    statuses = [
        word_status(req, tok, flag)
        for req, tok, flag in zip(reqs, tokens, meaningless, strict=False)
        if req
    ]
    if not statuses or REJECTED in statuses:
        return REJECTED if statuses else CONFIRMED
    return CONFIRMED if CONFIRMED in statuses else AMBIGUOUS

"""Text normalisation shared by rule terms and articles.

Both sides go through the same two steps, so whatever one side folds the other folds too:

1. :data:`WORD_RE` cuts text into word tokens. A token is a run of letters, digits,
   underscores and combining marks, plus a trailing possessive ``'s``/``’s`` (so "Turkey's" is
   one token). Everything else separates tokens: hyphens ("ballistic-missile" is two words),
   other apostrophes ("l'OTAN" is "l" + "OTAN"), dots ("U.S." is "U" + "S"), spaces.
2. :func:`fold_word` folds one token: NFKC, case folding, diacritics removed (Türkiye =
   Turkiye, ø -> o, ß -> ss), the possessive dropped, and a minimal English plural stemmer
   (missiles -> missile, defences -> defence, countries/country -> countri, boxes -> box).

The stemmer is deliberately small and symmetric rather than linguistically right: a word and
its plural fold to the same key, and the stem is never shown to anyone (snippets come from the
original text). Folded tokens never contain spaces and are never empty, so a document becomes
one string of folded tokens joined by single spaces, which is what the automaton scans.
"""

from __future__ import annotations

import re
import sys
import unicodedata


def _mark_ranges() -> str:
    """A character class body for every combining mark (Mn, Mc, Me) in the BMP.

    Python's ``\\w`` excludes combining marks, which would cut "हिंदी" or a decomposed "é" into
    pieces; words must keep their marks (folding strips the Latin ones later).
    """
    ranges: list[tuple[int, int]] = []
    for code in range(0x300, 0x10000):
        if unicodedata.category(chr(code)) in ("Mn", "Mc", "Me"):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )


_WORD_CHAR = rf"[\w{_mark_ranges()}]"
_APOSTROPHES = "'\u2019"
# One word token; the optional possessive keeps "Turkey's" a single token on both sides.
WORD = rf"{_WORD_CHAR}+(?:[{_APOSTROPHES}][sS](?!{_WORD_CHAR}))?"
WORD_RE = re.compile(WORD)

# Latin letters that NFD does not decompose into base + mark.
_SPECIAL = str.maketrans(
    {
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "ł": "l",
        "ħ": "h",
        "ı": "i",
        "ŧ": "t",
        "þ": "th",
        "æ": "ae",
        "œ": "oe",
        "ß": "ss",
        "ĸ": "k",
        "ŀ": "l",
    }
)
# Marks folded away: Latin/Greek/Cyrillic diacritics and Arabic vowel signs (optional in
# writing, so a vocalised and an unvocalised spelling must meet). Other scripts keep theirs.
_DIACRITICS_RE = re.compile("[\u0300-\u036f\u064b-\u065f\u0670]")
_NON_WORD_RE = re.compile(rf"(?:(?!{_WORD_CHAR}).)+", re.S)

# Words whose final "s" is not a plural, where stripping it would make a false friend
# (news = new, Hamas = Hama). Words of three letters or fewer are never stemmed.
NO_STEM = frozenset(
    str.split(
        "news always perhaps whereas towards afterwards besides sometimes species series means "
        "hamas texas christmas kansas arkansas lens bias atlas chaos mars thames athens vegas "
        "physics politics economics ethics mathematics"
    )
)
_VOWELS = frozenset("aeiouy")


def stem(word: str) -> str:
    """Minimal English plural stemmer, applied identically to rule terms and article words.

    Plural endings go (missiles -> missile, churches -> church, classes -> class, ICBMs ->
    icbm), and singular endings that a plural would change are rewritten the same way on both
    forms (country -> countri = countries, movie -> movi = movies, niche -> nich = niches).
    """
    n = len(word)
    if n > 3 and word[-1] == "s" and word not in NO_STEM:
        prev = word[-2]
        if word.endswith("sses") or word.endswith(("ches", "shes", "xes")):
            word = word[:-2]
        elif word.endswith("ies"):
            return word[:-3] + "i"
        elif prev not in "sui'":
            word = word[:-1]
        n = len(word)
    if n >= 3:
        if word[-1] == "y" and word[-2] not in _VOWELS:
            return word[:-1] + "i"
        if word.endswith("ie") or word.endswith(("che", "xe")):
            return word[:-1]
    return word


def fold_word(token: str) -> str:
    """Fold one word token (as :data:`WORD_RE` finds it) into its matching key.

    The result is non-empty and contains no spaces, so token positions survive joining.
    """
    if token.isascii():
        word = token.lower()
    else:
        word = unicodedata.normalize("NFKC", token).casefold()
        word = unicodedata.normalize("NFD", word)
        word = _DIACRITICS_RE.sub("", word).translate(_SPECIAL)
        word = unicodedata.normalize("NFC", word)
        word = word.replace("\u2019", "'")
        # NFKC can turn one token into several ("½" -> "1⁄2"); keep it one token.
        if _NON_WORD_RE.search(word.replace("'", "")):
            word = _NON_WORD_RE.sub("", word.replace("'s", "\x00")).replace("\x00", "'s")
    if word.endswith("'s"):
        word = word[:-2]
    return stem(word) if word else "_"


class _Originals(dict[str, tuple[str, ...]]):
    """Whitespace-separated chunk -> its word tokens as written."""

    def __missing__(self, chunk: str) -> tuple[str, ...]:
        found = self[chunk] = tuple(WORD_RE.findall(chunk))
        return found


class _ChunkCache(dict[str, str]):
    """Whitespace-separated chunk -> its folded words joined by spaces ("" if none).

    News vocabulary repeats, so after a few hundred articles nearly every chunk ("missiles,",
    "Turkey's", "ballistic-missile") is a dictionary hit and folding a document costs one
    ``str.split`` plus one C-level ``map``. ``originals`` keeps each chunk's word tokens as
    written, for the documents that need them (case checks, snippets).
    """

    limit = 400_000

    def __init__(self) -> None:
        super().__init__()
        self.originals = _Originals()

    def __missing__(self, chunk: str) -> str:
        if len(self) >= self.limit:
            self.clear()  # a crude bound on memory for a long-running daemon
            self.originals.clear()
            _preset()
        chunk = sys.intern(chunk)
        folded = self[chunk] = " ".join(map(fold_word, self.originals[chunk]))
        return folded


CHUNKS = _ChunkCache()
fold_chunk = CHUNKS.__getitem__
FIELD_BREAK = "\x00"  # a chunk that folds to the word "\n", separating title from text


def _preset() -> None:
    CHUNKS[FIELD_BREAK] = "\n"
    CHUNKS.originals[FIELD_BREAK] = ()


_preset()


def fold_chunks(chunks: list[str]) -> str:
    """The folded words of whitespace-separated ``chunks``, joined by single spaces."""
    return " ".join(filter(None, map(fold_chunk, chunks)))


def fold_text(text: str) -> list[str]:
    """The folded word tokens of ``text``: ``fold_text("Turkey's ballistic-missiles")`` is
    ``["turkey", "ballistic", "missile"]``."""
    return [fold_word(w) for w in WORD_RE.findall(text)]


def fold_words(tokens: list[str]) -> list[str]:
    """Fold word tokens as :func:`words` returns them."""
    return [fold_word(w) for w in tokens]


def words(text: str) -> list[str]:
    """The word tokens of ``text`` as written (original case, possessive kept)."""
    return WORD_RE.findall(text)

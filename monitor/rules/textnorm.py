"""Text normalisation shared by rule terms and articles.

Both sides are cut into words the same way and folded the same way:

* **Words.** A word is a run of letters, digits, ``_`` and combining marks. Everything else
  separates words: hyphens ("ballistic-missile" = "ballistic missile"), dots ("U.S." = "U S"),
  other punctuation, and apostrophes ("l'OTAN" = "l OTAN") - except that a possessive ``'s``
  or ``’s`` at the end of a word is dropped ("Turkey's" = "Turkey"). Unicode text is NFKC
  normalised first (full-width letters, ligatures).
* **Folding.** Case folding and diacritic folding (Türkiye = Turkiye, ø = o, ß = ss).
* **Plurals** are handled on the rule side: a rule word matches its inflections as produced
  by :func:`inflections` (missile ~ missiles, defence ~ defences, country ~ countries,
  church ~ churches), so article text needs no per-word stemming.

Article text has a fast path: a document that is ASCII once common typographic characters
(curly quotes, dashes, no-break spaces) are replaced needs no per-word Python work at all,
just ``translate``, ``replace``, ``lower`` and ``split``. Other documents fold chunk by chunk
(whitespace-separated pieces) through a cache. Both paths produce the same words.
"""

from __future__ import annotations

import string
import sys
import unicodedata
from itertools import product

FIELD_BREAK = "\x00"  # stands between title and text, as a chunk and as a scanned word

_KEEP = set(string.ascii_letters + string.digits + "_'" + FIELD_BREAK)
# ASCII: letters, digits, "_" and "'" stay; everything else (punctuation, any whitespace)
# becomes a space.
_ASCII_TABLE = "".join(chr(i) if chr(i) in _KEEP else " " for i in range(128))
_APOSTROPHES = frozenset("'\u2019\u2018\u02bc\u2032")
# Common non-ASCII characters of English news, replaced one for one so a document can take
# the ASCII fast path. Each must get the same treatment as in the per-chunk path.
_TYPOGRAPHY = (
    ("\u2019", "'"),
    ("\u2018", "'"),
    ("\u201c", " "),
    ("\u201d", " "),
    ("\u2014", " "),
    ("\u2013", " "),
    ("\u00a0", " "),
    ("\u2026", " "),
    ("\u00ab", " "),
    ("\u00bb", " "),
    ("\u2022", " "),
    ("\u00b7", " "),
    ("\u2009", " "),
    ("\u202f", " "),
)

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


def _is_folded_mark(char: str) -> bool:
    """Marks folded away: Latin/Greek/Cyrillic diacritics and Arabic vowel signs (optional in
    writing, so a vocalised and an unvocalised spelling must meet). Other scripts keep theirs."""
    code = ord(char)
    return 0x300 <= code <= 0x36F or 0x64B <= code <= 0x65F or code == 0x670


class _CharClass(dict[str, str]):
    """Character -> itself (word character), "'" (apostrophe) or " " (separator)."""

    def __missing__(self, char: str) -> str:
        if char.isascii():
            kind = _ASCII_TABLE[ord(char)]
        elif char in _APOSTROPHES:
            kind = "'"
        elif char.isalnum() or unicodedata.category(char)[0] == "M":
            kind = char
        else:
            kind = " "
        self[char] = kind
        return kind


_CHAR_CLASS = _CharClass()


def chunk_words(chunk: str) -> list[str]:
    """The words of one whitespace-free ``chunk`` as written (case kept, possessive dropped)."""
    if chunk.isascii():
        text = chunk.translate(_ASCII_TABLE)
    else:
        text = "".join(map(_CHAR_CLASS.__getitem__, unicodedata.normalize("NFKC", chunk)))
    if "'" in text:
        text = (text + " ").replace("'s ", " ").replace("'S ", " ").replace("'", " ")
    return text.split()


def words(text: str) -> list[str]:
    """The words of ``text`` as written: ``words("Turkey's ballistic-missile")`` is
    ``["Turkey", "ballistic", "missile"]``."""
    return [w for chunk in text.split() for w in chunk_words(chunk)]


def fold_word(word: str) -> str:
    """Fold one word (as :func:`words` returns it): case, NFKC and diacritics."""
    if word.isascii():
        return word.lower()
    folded = unicodedata.normalize("NFD", word.casefold())
    folded = "".join(c for c in folded if not _is_folded_mark(c)).translate(_SPECIAL)
    return unicodedata.normalize("NFC", folded) or "_"


def fold_text(text: str) -> list[str]:
    """The folded words of ``text``: ``fold_text("Türkiye's ballistic-missiles")`` is
    ``["turkiye", "ballistic", "missiles"]``."""
    return [fold_word(w) for w in words(text)]


# --- articles --------------------------------------------------------------------------------


class _Originals(dict[str, tuple[str, ...]]):
    """Chunk -> its words as written."""

    def __missing__(self, chunk: str) -> tuple[str, ...]:
        found = self[chunk] = tuple(chunk_words(chunk))
        return found


class _ChunkCache(dict[str, str]):
    """Chunk -> its folded words joined by spaces ("" if it has none).

    News vocabulary repeats, so after a few hundred articles nearly every chunk ("missiles,",
    "Turkey's", "ballistic-missile") is a dictionary hit. ``originals`` keeps each chunk's
    words as written, for documents that need them (case checks, snippets).
    """

    limit = 400_000

    def __init__(self) -> None:
        super().__init__()
        self.originals = _Originals()
        self._preset()

    def _preset(self) -> None:
        self[FIELD_BREAK] = FIELD_BREAK
        self.originals[FIELD_BREAK] = (FIELD_BREAK,)

    def __missing__(self, chunk: str) -> str:
        if len(self) >= self.limit:
            self.clear()  # a crude bound on memory for a long-running daemon
            self.originals.clear()
            self._preset()
        chunk = sys.intern(chunk)
        folded = self[chunk] = " ".join(map(fold_word, self.originals[chunk]))
        return folded


CHUNKS = _ChunkCache()
fold_chunk = CHUNKS.__getitem__


def fold_document(title: str, text: str) -> tuple[str, str | None]:
    """``(scan words, aligned)`` for a document.

    *Scan words* are the folded words of ``title``, :data:`FIELD_BREAK`, ``text``, joined by
    single spaces; word *i* is word *i* of :func:`document_layout` (whichever path made it).
    *Aligned* is, for documents that took the ASCII fast path, a string as long as the layout
    with every non-word character blanked, so word offsets in the original are C-level
    string work; None for other documents.
    """
    raw = document_layout(title, text)
    if not raw.isascii():
        for char, replacement in _TYPOGRAPHY:
            if char in raw:
                raw = raw.replace(char, replacement)
    if raw.isascii():
        aligned = raw.translate(_ASCII_TABLE)
        if "'" in aligned:  # the same length: blanks, not deletions
            aligned = aligned.replace("'s ", "   ").replace("'S ", "   ").replace("'", " ")
        return " ".join(aligned.lower().split()), aligned
    return " ".join(filter(None, map(fold_chunk, raw.split()))), None


def document_layout(title: str, text: str) -> str:
    """Title, break and text in one string: the coordinates of hits in the original."""
    return f"{title} {FIELD_BREAK} {text} "


def clean_field(value: str) -> str:
    """``value`` without :data:`FIELD_BREAK` characters (they may not occur in articles)."""
    return value.replace(FIELD_BREAK, " ") if FIELD_BREAK in value else value


# --- rule side: plurals ------------------------------------------------------------------------

# Words whose final "s" is not a plural, where pairing them with the word without it would
# make a false friend (news ~ new, Hamas ~ Hama). Words of three letters or fewer keep theirs.
NO_STEM = frozenset(
    str.split(
        "news always perhaps whereas towards afterwards besides sometimes species series means "
        "hamas texas christmas kansas arkansas lens bias atlas chaos mars thames athens vegas "
        "physics politics economics ethics mathematics"
    )
)
_VOWELS = frozenset("aeiouy")
MAX_VARIANTS = 64


def stem(word: str) -> str:
    """A minimal English plural stemmer: two words are inflections of each other when their
    stems are equal (missiles/missile, churches/church, classes/class, countries/country,
    movies/movie, embargoes/embargo, shoes/shoe, ICBMs/ICBM)."""
    n = len(word)
    if n > 3 and word[-1] == "s" and word not in NO_STEM:
        if word.endswith(("sses", "ches", "shes", "xes")) or (n > 4 and word.endswith("oes")):
            word = word[:-2]
        elif word.endswith("ies"):
            return word[:-3] + "i"
        elif word[-2] not in "sui":
            word = word[:-1]
        n = len(word)
    if n >= 3:
        if word[-1] == "y" and word[-2] not in _VOWELS:
            return word[:-1] + "i"
        if word.endswith(("ie", "che", "xe")) or (n >= 4 and word.endswith("oe")):
            return word[:-1]
    return word


def inflections(word: str) -> list[str]:
    """``word`` and its singular/plural forms: ``inflections("missile")`` is
    ``["missile", "missiles"]``; ``inflections("countries")`` is ``["countries", "country"]``.
    """
    base = stem(word)
    singulars = {word}
    if word.endswith("ies"):
        singulars |= {word[:-3] + "y", word[:-3] + "ie"}
    if word.endswith("es"):
        singulars.add(word[:-2])
    if word.endswith("s"):
        singulars.add(word[:-1])
    candidates = set(singulars)
    for single in singulars:
        candidates |= {single + "s", single + "es"}
        if single.endswith("y"):
            candidates.add(single[:-1] + "ies")
    found = [c for c in candidates if c and stem(c) == base]
    return sorted(found, key=lambda c: (c != word, len(c), c))


def phrase_inflections(words_: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Every combination of the words' inflections (the last words first when capped)."""
    options = [inflections(w) for w in words_]
    total = 1
    for index in range(len(options) - 1, -1, -1):
        if total * len(options[index]) > MAX_VARIANTS:
            options[index] = options[index][:1]  # keep the word as written
        total *= len(options[index])
    return list(product(*options))

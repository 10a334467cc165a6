"""Near-duplicate clustering: articles that carry the same text form one story.

How an article finds its story (``StoryIndex.assign``):

1. **Seen before** (same article id, e.g. updated in place): it stays in its story.
2. **Exact copy**: same normalised text (case, whitespace, punctuation ignored) -> that story.
3. **Near copy** (long texts only): MinHash (datasketch's affine32 permutations) over 5-word
   shingles, banded LSH-style (``BandIndex``), proposes candidates with a low Jaccard bar
   (~0.3); each is verified exactly on the stored shingle sets by *containment*:
   the smaller text must be ``threshold`` (0.8) contained in the larger one, and the shared
   part must be at least ``min_shared`` (0.4) of the larger one. Containment, not Jaccard:
   wire copy plus a local intro and closing paragraph is wholly contained in the longer copy
   though their Jaccard is low. The second bar stops a digest page (five briefs in one) from
   swallowing each brief and chaining unrelated briefs into one story.
4. Otherwise a **new story**.

Texts shorter than ``MIN_SHINGLES`` shingles (title-only entries, one-line teasers) join
only on an exact match of normalised title + text: a handful of words shared by two short
texts says nothing about them being the same story.

Signatures persist in the ``signatures`` table; ``StoryIndex.load`` rebuilds the in-memory
index from those created within the window (default 7 days), and entries older than the window
are forgotten as time passes. A stored MinHash of another length (NUM_PERM changed) is
recomputed from the stored shingle set on load; changing the shingling itself (words per
shingle, word hash) needs the old signatures recomputed, or they only match exactly.

One process assigns at a time (the process half holds the pass lock); two concurrent
StoryIndex instances would not see each other's new signatures until reloaded.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from datasketch import MinHash

from monitor.models import Article
from monitor.normalize import fingerprint_text
from monitor.store import Store, utcnow
from monitor.store.stories import NewSignature, SignatureRow

SHINGLE_WORDS = 5
MIN_SHINGLES = 25  # ~30 words: below this, exact match only
NUM_PERM = 48
# 24 bands of 2 rows. The weakest pair that can still join (smaller text 80% inside, shared
# part 40% of the larger) has Jaccard ~0.36: proposed 96% of the time (0.5: 99.9%). Two
# reports on the same topic (Jaccard ~0.02) are proposed 1% of the time and rejected by the
# exact containment check. More bands cost time and memory on every article for little
# recall.
LSH_BANDS = (24, 2)
MAX_CANDIDATES = 20  # verified per article, best estimated Jaccard first
MIN_SHARED = 0.4

_PERMUTATIONS = MinHash(num_perm=NUM_PERM, seed=1, scheme="affine32").permutations
_UNSPACED = re.compile(r"[\u0e00-\u0eff\u1000-\u109f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_MIX = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True)
class StoryAssignment:
    """Where ``assign`` put an article: its story, whether that story is new, the best
    containment found (1.0 for exact copies and re-assigned articles), and the article it
    duplicates (None for a new story or an article re-assigned to its own story)."""

    story_id: int
    is_new_story: bool
    containment: float
    duplicate_of: int | None


@dataclass(frozen=True)
class TextSignature:
    shingles: np.ndarray  # sorted unique uint32 shingle hashes
    minhash: np.ndarray | None  # None: too short for fuzzy matching
    fingerprint: str | None  # None: nothing to match on

    def persisted(self) -> NewSignature:
        return NewSignature(
            minhash=b"" if self.minhash is None else self.minhash.tobytes(),
            shingles=int(self.shingles.size),
            fingerprint=self.fingerprint,
            shingle_set=self.shingles.tobytes(),
        )


def tokens(text: str) -> list[str]:
    """Words of the normalised text; one token per character in scripts without spaces."""
    return _tokens(fingerprint_text(text))


def _tokens(normalised: str) -> list[str]:
    words = normalised.split()
    if normalised.isascii() or not _UNSPACED.search(normalised):
        return words
    out: list[str] = []
    for word in words:
        out.extend(word if _UNSPACED.search(word) else [word])
    return out


_word_hashes: dict[str, int] = {}


def _word_ids(words: list[str]) -> np.ndarray:
    """crc32 of each word, through a cache: news vocabulary repeats, and a dict lookup done
    by ``map`` in C is several times cheaper than encoding and hashing every word."""
    ids = list(map(_word_hashes.get, words))
    if None in ids:
        if len(_word_hashes) > 500_000:
            _word_hashes.clear()
        for position, word in enumerate(words):
            if ids[position] is None:
                ids[position] = _word_hashes[word] = zlib.crc32(word.encode())
    return np.array(ids, dtype=np.uint64)


def shingle_hashes(text: str, size: int = SHINGLE_WORDS) -> np.ndarray:
    """Sorted unique 32-bit hashes of the ``size``-word shingles of ``text`` (stable across
    processes: crc32 per word, mixed along the window with numpy)."""
    return _shingle_hashes(_tokens(fingerprint_text(text)), size)


def _shingle_hashes(words: list[str], size: int = SHINGLE_WORDS) -> np.ndarray:
    if not words:
        return np.empty(0, dtype=np.uint32)
    ids = _word_ids(words)
    span = max(1, len(words) - size + 1)
    mixed = ids[:span].copy()
    for offset in range(1, min(size, len(words))):
        mixed = (mixed * _MIX) ^ ids[offset : offset + span]
    mixed ^= mixed >> np.uint64(31)
    mixed *= _MIX
    return _sorted_unique((mixed >> np.uint64(32)).astype(np.uint32))


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    # np.unique takes ~50 us on 500 values here (hash-based in numpy 2); sorting is ~2 us.
    ordered = np.sort(values)
    keep = np.empty(ordered.size, dtype=bool)
    keep[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def containment(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(share of the smaller set inside the larger, shared part / larger set)."""
    if a.size == 0 or b.size == 0:
        return 0.0, 0.0
    common = np.intersect1d(a, b, assume_unique=True).size
    return common / min(a.size, b.size), common / max(a.size, b.size)


def signature(article: Article) -> TextSignature:
    """Shingles, MinHash and exact-match fingerprint of an article's text."""
    key = fingerprint_text(article.text)
    shingles = _shingle_hashes(_tokens(key))
    if shingles.size >= MIN_SHINGLES:
        # The headline is left out: a republished wire copy often gets a new one.
        return TextSignature(shingles, minhash_values(shingles), _digest("text", key))
    key = f"{fingerprint_text(article.title)}\n{key}"
    return TextSignature(shingles, None, _digest("short", key) if key.strip() else None)


def minhash_values(shingles: np.ndarray) -> np.ndarray:
    """MinHash values of a set of (already well-mixed) 32-bit shingle hashes, under
    datasketch's affine32 permutations h -> a*h + b mod 2^32. Same values as
    ``MinHash.update_batch`` minus its input pre-mix, which our hashes do not need; computed
    in one numpy expression instead of a Python call per shingle (0.08 -> 0.02 ms)."""
    a, b = _PERMUTATIONS
    return (shingles.reshape(-1, 1) * a + b).min(axis=0)


class BandIndex:
    """The LSH step of MinHash-LSH: articles whose MinHash agree on all rows of at least one
    band are candidates. Same banding as datasketch's ``MinHashLSH`` with explicit params,
    held in one dict of int keys: measured 1.9 KB per article against 7.2 KB for
    ``MinHashLSH`` (a set and a bytes key per band), and ~10x less time per insert + query,
    which matters for a 7-day window rebuilt at every start."""

    def __init__(self, bands: int, rows: int) -> None:
        self.bands, self.rows = bands, rows
        self._buckets: dict[int, int | list[int]] = {}

    def keys(self, hashvalues: np.ndarray) -> list[int]:
        rows = hashvalues[: self.bands * self.rows].astype(np.uint64).reshape(self.bands, -1)
        packed = rows[:, 0].copy()
        for column in range(1, self.rows):
            packed = (packed << np.uint64(32)) ^ (packed >> np.uint64(32)) ^ rows[:, column]
        # Band number in the high bits: equal rows in different bands are different keys.
        return [(band << 64) | value for band, value in enumerate(packed.tolist())]

    def insert(self, key: int, hashvalues: np.ndarray) -> None:
        for bucket in self.keys(hashvalues):
            members = self._buckets.get(bucket)
            if members is None:
                self._buckets[bucket] = key  # most buckets hold one article: no list
            elif isinstance(members, list):
                members.append(key)
            else:
                self._buckets[bucket] = [members, key]

    def remove(self, key: int, hashvalues: np.ndarray) -> None:
        for bucket in self.keys(hashvalues):
            members = self._buckets.get(bucket)
            if members == key:
                del self._buckets[bucket]
            elif isinstance(members, list) and key in members:
                members.remove(key)
                if len(members) == 1:
                    self._buckets[bucket] = members[0]

    def query(self, hashvalues: np.ndarray) -> set[int]:
        found: set[int] = set()
        for bucket in self.keys(hashvalues):
            members = self._buckets.get(bucket)
            if isinstance(members, list):
                found.update(members)
            elif members is not None:
                found.add(members)
        return found


def _digest(kind: str, text: str) -> str:
    return hashlib.blake2b(f"{kind}\n{text}".encode(), digest_size=16).hexdigest()


@dataclass
class _Entry:
    story_id: int
    created_at: datetime
    fingerprint: str | None
    minhash: np.ndarray | None


class StoryIndex:
    """Assigns articles to stories; the store is the truth, this is its in-memory index."""

    def __init__(
        self,
        store: Store,
        window: timedelta = timedelta(days=7),
        threshold: float = 0.8,
        min_shared: float = MIN_SHARED,
    ) -> None:
        self.store = store
        self.window = window
        self.threshold = threshold
        self.min_shared = min_shared
        self._lsh = BandIndex(*LSH_BANDS)
        self._entries: dict[int, _Entry] = {}
        self._by_fingerprint: dict[str, int] = {}  # fingerprint -> article id
        self._by_age: deque[tuple[datetime, int]] = deque()

    @classmethod
    def load(
        cls,
        store: Store,
        window: timedelta = timedelta(days=7),
        threshold: float = 0.8,
        now: datetime | None = None,
        min_shared: float = MIN_SHARED,
    ) -> StoryIndex:
        """An index over the signatures stored within ``window`` before ``now``."""
        index = cls(store, window, threshold, min_shared)
        rows = list(store.stories.signatures_since((now or utcnow()) - window))
        stale = [r.article_id for r in rows if r.minhash and len(r.minhash) != NUM_PERM * 4]
        recomputed = {
            article_id: minhash_values(np.frombuffer(blob, dtype=np.uint32))
            for article_id, blob in store.stories.shingle_sets(stale).items()
        }
        for row in rows:
            index._remember(row, recomputed.get(row.article_id))
        return index

    def __len__(self) -> int:
        return len(self._entries)

    def assign(self, article: Article, now: datetime | None = None) -> StoryAssignment:
        """Put a stored article (``article.id`` set) into its story, persist its signature,
        and create or extend the story in the store."""
        if article.id is None:
            raise ValueError("assign() needs a stored article (article.id is None)")
        now = now or utcnow()
        self._expire(now)
        sig = signature(article)
        stories = self.store.stories
        previous = stories.story_of(article.id)
        if previous is not None:
            stories.join_story(previous, article, sig.persisted(), now)
            self._forget(article.id)
            self._add(article.id, previous, sig, now)
            return StoryAssignment(previous, False, 1.0, None)
        story_id, score, duplicate_of = self._find(sig)
        if story_id is None:
            story_id = stories.start_story(article, sig.persisted(), now)
            self._add(article.id, story_id, sig, now)
            return StoryAssignment(story_id, True, score, None)
        stories.join_story(story_id, article, sig.persisted(), now)
        self._add(article.id, story_id, sig, now)
        return StoryAssignment(story_id, False, score, duplicate_of)

    # -- matching ---------------------------------------------------------------------------

    def _find(self, sig: TextSignature) -> tuple[int | None, float, int | None]:
        """(story, containment, article it duplicates), or (None, best score seen, None)."""
        if sig.fingerprint is not None and sig.fingerprint in self._by_fingerprint:
            other = self._by_fingerprint[sig.fingerprint]
            return self._entries[other].story_id, 1.0, other
        if sig.minhash is None:
            return None, 0.0, None
        candidates = self._candidates(sig.minhash)
        if not candidates:
            return None, 0.0, None
        stored = self.store.stories.shingle_sets(candidates)
        best: tuple[float, float, int] | None = None
        for other in candidates:
            if other not in stored:
                continue
            inside, shared = containment(sig.shingles, np.frombuffer(stored[other], np.uint32))
            if best is None or (inside, shared) > best[:2]:
                best = (inside, shared, other)
        if best is None:
            return None, 0.0, None
        inside, shared, other = best
        if inside >= self.threshold and shared >= self.min_shared:
            return self._entries[other].story_id, inside, other
        return None, inside, None

    def _candidates(self, hashvalues: np.ndarray) -> list[int]:
        """LSH candidates still in the window, best estimated Jaccard first."""
        found = [key for key in self._lsh.query(hashvalues) if key in self._entries]
        if len(found) > MAX_CANDIDATES:
            found.sort(key=lambda key: -float(np.mean(self._entries[key].minhash == hashvalues)))
            found = found[:MAX_CANDIDATES]
        return found

    # -- bookkeeping --------------------------------------------------------------------------

    def _add(self, article_id: int, story_id: int, sig: TextSignature, now: datetime) -> None:
        entry = _Entry(story_id, now, sig.fingerprint, sig.minhash)
        self._entries[article_id] = entry
        self._by_age.append((now, article_id))
        if sig.fingerprint is not None:
            self._by_fingerprint[sig.fingerprint] = article_id  # newest copy: expires last
        if sig.minhash is not None:
            self._lsh.insert(article_id, sig.minhash)

    def _remember(
        self,
        row: SignatureRow,
        recomputed: np.ndarray | None = None,
    ) -> None:
        """Load one stored signature (during ``load``)."""
        minhash = np.frombuffer(row.minhash, dtype=np.uint32).copy() if row.minhash else None
        if minhash is not None and minhash.size != NUM_PERM:
            minhash = recomputed
        self._entries[row.article_id] = _Entry(
            row.story_id, row.created_at, row.fingerprint, minhash
        )
        self._by_age.append((row.created_at, row.article_id))
        if row.fingerprint is not None:
            self._by_fingerprint[row.fingerprint] = row.article_id
        if minhash is not None:
            self._lsh.insert(row.article_id, minhash)

    def _forget(self, article_id: int) -> None:
        entry = self._entries.pop(article_id, None)
        if entry is None:
            return
        if (
            entry.fingerprint is not None
            and self._by_fingerprint.get(entry.fingerprint) == article_id
        ):
            del self._by_fingerprint[entry.fingerprint]
        if entry.minhash is not None:
            self._lsh.remove(article_id, entry.minhash)

    def _expire(self, now: datetime) -> None:
        """Forget signatures that fell out of the window (long-running processes)."""
        horizon = now - self.window
        while self._by_age and self._by_age[0][0] < horizon:
            created_at, article_id = self._by_age.popleft()
            entry = self._entries.get(article_id)
            if entry is not None and entry.created_at == created_at:
                self._forget(article_id)

"""Extraction quality on the corpus pages that come with expected text.

For each newspaper4k page with ``expected/NAME.text.txt`` we extract with
``monitor.extract.extract_article`` and compare bags of tokens (words; one token per character
for scripts written without spaces):

* recall    = expected tokens recovered / expected tokens  (body text we kept)
* precision = extracted tokens that are in the expected text / extracted tokens
* leak      = 1 - precision: extracted text that is not the article (chrome, or text the
  expected file leaves out, so it is an upper bound on chrome)

Also checks title, date (same day) and language against ``expected/NAME.metadata.json``.
Run: ``python bench/extraction.py [CORPUS_DIR] [--compare]``; prints a table and a summary
line (``--compare`` adds plain trafilatura, default and precision+fast, for reference).
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import trafilatura  # noqa: E402

from monitor.extract import Extracted, extract_article  # noqa: E402

Extractor = Callable[[bytes, str], Extracted]

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared/corpus"
# Scripts without spaces between words: count characters, not "words".
_UNSPACED = re.compile(r"[\u0e00-\u0eff\u1000-\u109f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def tokens(text: str) -> Counter[str]:
    out: list[str] = []
    for word in re.findall(r"\w+", text.casefold()):
        out.extend(word if _UNSPACED.search(word) else [word])
    return Counter(out)


@dataclass(frozen=True)
class PageScore:
    name: str
    recall: float
    precision: float
    title_ok: bool | None
    date_ok: bool | None
    language_ok: bool | None
    ms: float


def expected_pages(corpus: Path) -> list[tuple[str, Path, str, dict]]:
    """(name, html path, expected text, expected metadata) for pages with expected text."""
    base = corpus / "articles-html" / "newspaper4k"
    pages = []
    for expected in sorted((base / "expected").glob("*.text.txt")):
        name = expected.name.removesuffix(".text.txt")
        meta_path = base / "expected" / f"{name}.metadata.json"
        meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
        pages.append((name, base / f"{name}.html", expected.read_text(), meta))
    return pages


def trafilatura_as_is(**options: bool) -> Callable[[bytes, str], Extracted]:
    """Plain trafilatura (its own metadata), for comparison with ``extract_article``."""

    def extract(html: bytes, url: str) -> Extracted:
        doc = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, **options
        )
        if doc is None:
            return Extracted(title="", text="")
        date = datetime.fromisoformat(doc.date) if doc.date else None
        return Extracted(
            title=doc.title or "", text=doc.text or "", published=date, language=doc.language
        )

    return extract


def score_page(
    name: str, html: bytes, expected: str, meta: dict, extractor: Extractor = extract_article
) -> PageScore:
    url = meta.get("url") or meta.get("canonical_link") or f"https://example.org/{name}"
    start = time.perf_counter()
    got = extractor(html, url)
    ms = (time.perf_counter() - start) * 1000
    want, have = tokens(expected), tokens(got.text)
    common = sum((want & have).values())
    recall = common / max(1, sum(want.values()))
    precision = common / max(1, sum(have.values()))
    title_ok = date_ok = language_ok = None
    if meta.get("title"):
        title_ok = " ".join(tokens(meta["title"])) in " ".join(tokens(got.title)) or " ".join(
            tokens(got.title)
        ) in " ".join(tokens(meta["title"]))
    if meta.get("publish_date"):
        date_ok = (
            got.published is not None and str(got.published.date()) == meta["publish_date"][:10]
        )
    if meta.get("language") or meta.get("meta_lang"):
        language_ok = got.language == (meta.get("language") or meta.get("meta_lang"))
    return PageScore(name, recall, precision, title_ok, date_ok, language_ok, ms)


def measure(corpus: Path, extractor: Extractor = extract_article) -> list[PageScore]:
    return [
        score_page(name, path.read_bytes(), expected, meta, extractor)
        for name, path, expected, meta in expected_pages(corpus)
    ]


def _mark(value: bool | None) -> str:
    return "-" if value is None else ("yes" if value else "NO")


def summary(label: str, scores: list[PageScore]) -> str:
    n = len(scores)
    recall = sum(s.recall for s in scores) / n
    precision = sum(s.precision for s in scores) / n

    def share(attr: str) -> str:
        known = [getattr(s, attr) for s in scores if getattr(s, attr) is not None]
        return f"{sum(known)}/{len(known)}"

    return (
        f"{label}: pages={n} recall={recall:.3f} precision={precision:.3f} "
        f"leak={1 - precision:.3f} title={share('title_ok')} date={share('date_ok')} "
        f"language={share('language_ok')} ms_per_page={sum(s.ms for s in scores) / n:.1f}"
    )


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    corpus = Path(args[0]) if args else DEFAULT_CORPUS
    # Warm up: imports and the language model load once per process, not per page.
    warm = "<p>" + "The council met on Tuesday to discuss the budget for next year. " * 5 + "</p>"
    extract_article(f"<html><body>{warm}</body></html>", "https://example.org/")
    scores = measure(corpus)
    print(f"{'page':24} {'recall':>7} {'precis.':>7} {'leak':>6} title date lang {'ms':>6}")
    for s in scores:
        print(
            f"{s.name:24} {s.recall:7.3f} {s.precision:7.3f} {1 - s.precision:6.3f} "
            f"{_mark(s.title_ok):>5} {_mark(s.date_ok):>4} {_mark(s.language_ok):>4} {s.ms:6.1f}"
        )
    if "--compare" in sys.argv:
        for label, options in (
            ("trafilatura default", {}),
            ("trafilatura precision+fast", {"favor_precision": True, "fast": True}),
        ):
            print(summary(label, measure(corpus, trafilatura_as_is(**options))))
    print(summary("extraction", scores))


if __name__ == "__main__":
    main()

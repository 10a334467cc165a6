"""Extraction quality on the corpus pages that come with expected text.

For each newspaper4k page with ``expected/NAME.text.txt`` we extract with
``monitor.extract.extract_article`` and compare bags of tokens (words; one token per character
for scripts written without spaces):

* recall    = expected tokens recovered / expected tokens  (body text we kept)
* precision = extracted tokens that are in the expected text / extracted tokens
* leak      = 1 - precision: extracted text that is not the article (chrome, or text the
  expected file leaves out, so it is an upper bound on chrome)

Also checks title, date (same day) and language against ``expected/NAME.metadata.json``.
Run: ``python bench/extraction.py [CORPUS_DIR]``; prints a table and a summary line.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.extract import extract_article  # noqa: E402

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


def score_page(name: str, html: bytes, expected: str, meta: dict) -> PageScore:
    url = meta.get("url") or meta.get("canonical_link") or f"https://example.org/{name}"
    start = time.perf_counter()
    got = extract_article(html, url)
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


def measure(corpus: Path) -> list[PageScore]:
    return [
        score_page(name, path.read_bytes(), expected, meta)
        for name, path, expected, meta in expected_pages(corpus)
    ]


def _mark(value: bool | None) -> str:
    return "-" if value is None else ("yes" if value else "NO")


def main() -> None:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_CORPUS
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
    n = len(scores)
    recall = sum(s.recall for s in scores) / n
    precision = sum(s.precision for s in scores) / n

    def share(attr: str) -> str:
        known = [getattr(s, attr) for s in scores if getattr(s, attr) is not None]
        return f"{sum(known)}/{len(known)}"

    print(
        f"extraction: pages={n} recall={recall:.3f} precision={precision:.3f} "
        f"leak={1 - precision:.3f} title={share('title_ok')} date={share('date_ok')} "
        f"language={share('language_ok')} ms_per_page={sum(s.ms for s in scores) / n:.1f}"
    )


if __name__ == "__main__":
    main()

"""Rule-matching throughput: one automaton for all rules vs one regex per rule.

    /work/venv/bin/python bench/match.py [--quick] [--seed N]

Generates ~3.5 KB articles from a Zipf-distributed synthetic vocabulary with recurring
multi-word phrases, and rules whose terms (words, 1-3-word phrases, prefixes) are drawn from
the same vocabulary, so terms really hit. For 100, 1,000 and 10,000 rules it measures
``Matcher.match`` (articles/s, full evidence included) and a naive baseline in the same run:
one compiled regex per rule, scanned over every article, then the rule's Boolean logic.
The baseline runs on a subset of the articles when it is slow.

The last line is machine-readable:
``match: rules=10000 articles_per_s=N baseline_per_s=N speedup=N flatness=N``
(flatness = time per article at 10k rules / at 100 rules).
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from bisect import bisect
from itertools import accumulate
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.models import Document, Rule  # noqa: E402
from monitor.rules import And, Near, Node, Not, Or, Term, compile_rules, parse_query  # noqa: E402
from monitor.rules.document import DocState  # noqa: E402
from monitor.rules.nodes import terms  # noqa: E402

SYLLABLES = [c + v for c in "bcdfghjklmnprstvwz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]


class Corpus:
    """A synthetic language: Zipf word frequencies plus a pool of recurring phrases."""

    def __init__(self, rng: random.Random, vocab_size: int = 20_000, phrases: int = 4_000):
        self.rng = rng
        seen: set[str] = set()
        words: list[str] = []
        while len(words) < vocab_size:
            n = 1 + min(int(rng.expovariate(0.7)), 3) if len(words) > 200 else rng.randint(1, 2)
            word = "".join(rng.choice(SYLLABLES) for _ in range(n))
            if word not in seen and len(word) >= 2:
                seen.add(word)
                words.append(word)
        self.words = words
        self.word_cum = list(accumulate(1 / (r + 2.7) ** 1.07 for r in range(vocab_size)))
        self.phrases = [
            " ".join(rng.choice(words[100:8000]) for _ in range(rng.choice((2, 2, 3))))
            for _ in range(phrases)
        ]
        self.phrase_cum = list(accumulate(1 / (r + 5) for r in range(phrases)))

    def word(self) -> str:
        return self.words[bisect(self.word_cum, self.rng.random() * self.word_cum[-1])]

    def phrase(self) -> str:
        return self.phrases[bisect(self.phrase_cum, self.rng.random() * self.phrase_cum[-1])]

    def calibrate(self, sample: list[Document]) -> None:
        """Pick rule vocabulary by document frequency in a sample, as a desk would: words in
        0.1-2% of articles (no stopwords, no hapaxes), phrases in 0.1-1% of them."""
        df: dict[str, int] = {}
        for doc in sample:
            for word in set((doc.title + " " + doc.text).lower().replace(",", "").split()):
                df[word] = df.get(word, 0) + 1
        n = len(sample)
        self.rule_words = [w for w in self.words if 0.001 * n <= df.get(w, 0) <= 0.02 * n]
        lowered = [(d.title + " " + d.text).lower() for d in sample]
        self.rule_phrases = []
        for phrase in self.phrases:
            hits = sum(phrase in text for text in lowered)
            if 0.001 * n <= hits <= 0.01 * n:
                self.rule_phrases.append(phrase)

    def content_word(self) -> str:
        return self.rng.choice(self.rule_words)

    def rule_phrase(self) -> str:
        return self.rng.choice(self.rule_phrases)

    def sentence(self) -> str:
        parts = [
            self.phrase() if self.rng.random() < 0.06 else self.word()
            for _ in range(self.rng.randint(8, 24))
        ]
        if self.rng.random() < 0.4:
            parts[self.rng.randrange(1, len(parts))] += ","
        text = " ".join(parts)
        return text[0].upper() + text[1:] + "."

    def article(self, size: int = 3_500) -> Document:
        paragraphs, length, current = [], 0, []
        while length < size:
            sentence = self.sentence()
            current.append(sentence)
            length += len(sentence) + 1
            if len(current) >= self.rng.randint(3, 6):
                paragraphs.append(" ".join(current))
                current = []
        paragraphs.append(" ".join(current))
        title = self.sentence().rstrip(".")
        return Document(title=title, text="\n\n".join(p for p in paragraphs if p), source="bench")


def make_rule_query(corpus: Corpus) -> str:
    """A desk-style rule: mostly ANDs of two or three terms, some ORs, NOT, NEAR, title:."""
    rng = corpus.rng

    def term() -> str:
        roll = rng.random()
        if roll < 0.3:
            return f'"{corpus.rule_phrase()}"'
        if roll < 0.36:
            word = corpus.content_word()
            return (word[: max(4, len(word) - 2)] + "*") if len(word) > 5 else word
        return corpus.content_word()

    a, b, c = term(), term(), term()
    return rng.choice(
        [
            f'"{corpus.rule_phrase()}" AND {a}',
            f"{a} AND {b}",
            f"{a} {b}",
            f"{a} AND {b} AND {c}",
            f"({a} OR {b}) AND {c}",
            f"{a} AND {b} AND NOT {c}",
            f"{a} NEAR/5 {b}",
            f"title:({a}) AND {b}",
            f"{a} AND ({b} OR {c})",
        ]
    )


# --- the naive baseline: one compiled regex per rule --------------------------------------


class RegexRule:
    """One regex finds which of a rule's terms occur; Python then evaluates the Boolean.

    The query is parsed with our parser (parsing is not what is measured); NEAR is treated
    as AND and field scopes as "anywhere", which only flatters the baseline.
    """

    def __init__(self, query: str) -> None:
        self.tree = parse_query(query)
        self.terms = list(dict.fromkeys(t.label for t in terms(self.tree)))
        alternatives = []
        for index, label in enumerate(self.terms):
            words = label.rstrip("*").lower().split()
            body = r"\W+".join(re.escape(w) for w in words)
            suffix = r"\w*" if label.endswith("*") else "s?"
            alternatives.append(f"(?P<t{index}>{body}{suffix})")
        self.regex = re.compile(r"\b(?:" + "|".join(alternatives) + r")\b", re.I)

    def matches(self, text: str) -> bool:
        found = {self.terms[int(m.lastgroup[1:])] for m in self.regex.finditer(text)}
        return _evaluate(self.tree, found)


def _evaluate(node: Node, found: set[str]) -> bool:
    if isinstance(node, Term):
        return node.label in found
    if isinstance(node, And):
        return all(_evaluate(c, found) for c in node.children)
    if isinstance(node, Or):
        return any(_evaluate(c, found) for c in node.children)
    if isinstance(node, Not):
        return not _evaluate(node.child, found)
    if isinstance(node, Near):
        return _evaluate(node.left, found) and _evaluate(node.right, found)
    return _evaluate(node.child, found)


def run_matcher(matcher, docs: list[Document]) -> tuple[float, int]:
    start = time.process_time()
    matched = 0
    for doc in docs:
        matched += len(matcher.match(doc))
    return time.process_time() - start, matched


def run_baseline(rules: list[RegexRule], docs: list[Document]) -> float:
    start = time.process_time()
    for doc in docs:
        text = doc.title + "\n" + doc.text
        for rule in rules:
            rule.matches(text)
    return time.process_time() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer articles (< 2 minutes)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    n_articles = 3_000 if args.quick else 20_000
    baseline_budget = 6.0 if args.quick else 20.0  # seconds per rule count, at most

    corpus = Corpus(rng)
    t0 = time.process_time()
    warmup = [corpus.article() for _ in range(1000)]
    docs = [corpus.article() for _ in range(n_articles)]
    corpus.calibrate(docs[:1000])
    mean_size = sum(len(d.title) + len(d.text) for d in docs) / len(docs)
    print(
        f"generated {len(docs)} articles (mean {mean_size:,.0f} chars) "
        f"in {time.process_time() - t0:.1f}s"
    )
    queries = [make_rule_query(corpus) for _ in range(10_000)]

    print()
    print(
        f"{'rules':>6} {'compile s':>9} {'patterns':>8} {'hits/art':>8} {'match/art':>9} "
        f"{'art/s':>8} {'us/art':>7} {'baseline art/s':>14} {'speedup':>8}"
    )
    results = {}
    for count in (100, 1_000, 10_000):
        rules = [Rule(name=f"r{i}", query=q, notify=()) for i, q in enumerate(queries[:count])]
        t0 = time.process_time()
        matcher = compile_rules(rules, {})
        compile_s = time.process_time() - t0
        run_matcher(matcher, warmup)  # warm the word-folding cache, as a running service is
        elapsed, matched = run_matcher(matcher, docs)
        per_s = len(docs) / elapsed
        sample = docs[:200]
        hits = sum(
            len(DocState(d, matcher._automaton, matcher._keys, matcher._word_counts).found)
            for d in sample
        ) / len(sample)

        regex_rules = [RegexRule(q) for q in queries[:count]]
        probe = run_baseline(regex_rules, docs[:2])
        n_base = max(2, min(len(docs), int(baseline_budget / max(probe / 2, 1e-9))))
        base_elapsed = run_baseline(regex_rules, docs[:n_base])
        base_per_s = n_base / base_elapsed
        results[count] = (per_s, base_per_s)
        print(
            f"{count:>6} {compile_s:>9.2f} {len(matcher._keys):>8} {hits:>8.1f} "
            f"{matched / len(docs):>9.2f} {per_s:>8.0f} {1e6 / per_s:>7.1f} "
            f"{base_per_s:>14.1f} {per_s / base_per_s:>7.0f}x"
        )
        sys.stdout.flush()

    per_s, base_per_s = results[10_000]
    flatness = results[100][0] / per_s
    print()
    print(
        "hits/art = automaton hits (word-boundary pattern matches) per article; "
        "match/art = rules matched per article; baseline on a subset of the articles."
    )
    print(
        f"match: rules=10000 articles_per_s={per_s:.0f} baseline_per_s={base_per_s:.1f} "
        f"speedup={per_s / base_per_s:.0f} flatness={flatness:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

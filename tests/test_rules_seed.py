"""The seed example: a real NATO interception article matches the design's example rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import load_rule_files
from monitor.models import Document
from monitor.rules import compile_rules, explain

ROOT = Path(__file__).resolve().parents[1]
SEED = Path(__file__).resolve().parents[2] / "shared/examples/nato-intercept-article.txt"

RECIPE = Document(
    title="The Perfect Thanksgiving Turkey",
    text=(
        "Turkey is the star of the table. Brine the turkey overnight, then roast it at 180 "
        "degrees until the thighs reach 75. While the turkey rests, the kids can watch a "
        "documentary about NATO and a ballistic missile launch, or make gravy from the "
        "drippings. Carve the turkey at the table."
    ),
    source="food",
    language="en",
)


@pytest.fixture(scope="module")
def matcher():
    ruleset = load_rule_files([str(ROOT / "rules")])  # catalogue + example rules
    return compile_rules(ruleset.rules, ruleset.entities)


@pytest.fixture(scope="module")
def seed() -> Document:
    if not SEED.exists():
        pytest.skip(f"seed example not present at {SEED} (it lives outside the repository)")
    return Document(
        title="Turkey says NATO intercepted ballistic missile fired from Iran",
        text=SEED.read_text(encoding="utf-8"),
        source="world-news",
        language="en",
    )


def test_seed_article_matches_nato_turkey_missile(matcher, seed: Document) -> None:
    names = [m.rule.name for m in matcher.match(seed)]
    assert "nato-turkey-missile" in names
    match = next(m for m in matcher.match(seed) if m.rule.name == "nato-turkey-missile")
    terms = {(hit.term, hit.field) for hit in match.hits}
    assert {("NATO", "text"), ("Turkey", "text"), ("ballistic missile", "text")} <= terms
    text = explain(match)
    assert '"ballistic missile" in text: "' in text
    assert "ballistic missile launched from Iran" in text


def test_seed_body_alone_matches(matcher, seed: Document) -> None:
    body_only = Document(title="", text=seed.text)
    assert "nato-turkey-missile" in [m.rule.name for m in matcher.match(body_only)]


def test_thanksgiving_recipe_does_not_match(matcher) -> None:
    assert [m.rule.name for m in matcher.match(RECIPE)] == []

"""The compiled matcher: filters, evidence, explanations, and one automaton for all rules."""

from __future__ import annotations

import random
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.models import Document, Entity, Rule
from monitor.rules import compile_query, compile_rules, enabled_copy, explain, snippet
from monitor.rules.textnorm import CHUNKS, document_layout, fold_chunk, fold_document, inflections

ENTITIES = {
    "Turkey": Entity("Turkey", ("Türkiye", "Turkiye", "Turkish", "Ankara")),
    "NATO": Entity("NATO", ("North Atlantic Treaty Organization", "OTAN")),
}


def _rule(name: str, query: str, **options) -> Rule:
    return Rule(name=name, query=query, notify=("desk-email",), **options)


def _names(matcher, doc: Document) -> list[str]:
    return [m.rule.name for m in matcher.match(doc)]


def test_matches_come_in_rule_order_from_one_matcher() -> None:
    matcher = compile_rules(
        [_rule("b", "missile"), _rule("a", "NATO"), _rule("c", "drone")], ENTITIES
    )
    doc = Document("NATO update", "A missile and a drone.")
    assert _names(matcher, doc) == ["b", "a", "c"]
    assert [r.name for r in matcher.rules] == ["b", "a", "c"]


def test_sources_filter() -> None:
    matcher = compile_rules([_rule("r", "missile", sources=("wire",))], {})
    assert _names(matcher, Document("", "missile", source="wire")) == ["r"]
    assert _names(matcher, Document("", "missile", source="blog")) == []


def test_languages_filter_uses_the_primary_subtag_and_lets_unknown_through() -> None:
    matcher = compile_rules([_rule("r", "missile", languages=("en",))], {})
    assert _names(matcher, Document("", "missile", language="en-GB")) == ["r"]
    assert _names(matcher, Document("", "missile", language="de")) == []
    assert _names(matcher, Document("", "missile", language=None)) == ["r"]


def test_disabled_rules_compile_but_never_match() -> None:
    rule = _rule("off", "missile", enabled=False)
    matcher = compile_rules([rule], {})
    assert matcher.rules == (rule,)
    assert _names(matcher, Document("", "missile")) == []
    assert _names(compile_rules([enabled_copy(rule)], {}), Document("", "missile")) == ["off"]


def test_hits_name_term_field_and_original_snippet() -> None:
    text = (
        "In a statement on Wednesday, officials said that “Turkey’s air defences” were put on "
        "alert after a ballistic-missile launch was detected far to the east of the border."
    )
    matcher = compile_query('Turkey AND "ballistic missile"', ENTITIES)
    (match,) = matcher.match(Document("Turkey on alert", text))
    by_key = {(h.term, h.field): h.snippet for h in match.hits}
    assert by_key[("Turkey", "title")] == "Turkey on alert"
    assert "“Turkey’s air defences”" in by_key[("Turkey", "text")]
    assert "ballistic-missile launch" in by_key[("ballistic missile", "text")]
    assert by_key[("ballistic missile", "text")].startswith("…")
    assert explain(match).split("\n")[0] == '"Turkey" in title: "Turkey on alert"'


def test_negated_terms_are_not_evidence() -> None:
    (match,) = compile_query("missile AND NOT drill", {}).match(Document("", "A missile."))
    assert [h.term for h in match.hits] == ["missile"]


def test_near_evidence_covers_both_sides() -> None:
    matcher = compile_query("NATO NEAR/4 Turkey", ENTITIES)
    (match,) = matcher.match(Document("", "Officials said NATO jets flew over Turkish airspace."))
    (hit,) = match.hits
    assert hit.term == "NATO NEAR/4 Turkey"
    assert "NATO jets flew over Turkish" in hit.snippet


def test_snippet_cuts_at_spaces_and_marks_the_cut() -> None:
    text = "word " * 40 + "TARGET " + "word " * 40
    start = text.index("TARGET")
    cut = snippet(text, start, start + 6)
    assert cut.startswith("…word") and cut.endswith("word…")
    assert "TARGET" in cut and len(cut) <= 80


def test_alias_written_like_an_acronym_keeps_its_case_rule() -> None:
    catalogue = {"ballistic missile": Entity("ballistic missile", ("ICBM",))}
    matcher = compile_query("ICBM", catalogue)
    assert _names(matcher, Document("", "An ICBM was tested.")) == ["query"]
    assert _names(matcher, Document("", "The icbm folder.")) == []
    assert _names(compile_query("icbm", catalogue), Document("", "The icbm folder.")) == ["query"]


def test_plural_inflections() -> None:
    assert inflections("missile") == ["missile", "missiles"]
    assert set(inflections("country")) >= {"country", "countries"}
    assert set(inflections("church")) >= {"church", "churches"}
    assert inflections("news") == ["news"]


# --- all rules at once behave like each rule alone ----------------------------------------

VOCAB = ["alpha", "bravo", "charlie", "delta", "echo", "fox", "golf", "hotel", "india", "kilo"]


def _random_query(rng: random.Random) -> str:
    def term() -> str:
        roll = rng.random()
        if roll < 0.25:
            return f'"{rng.choice(VOCAB)} {rng.choice(VOCAB)}"'
        if roll < 0.35:
            return rng.choice(VOCAB)[:3] + "*"
        if roll < 0.45:
            return rng.choice(["NATO", "Turkey"])
        return rng.choice(VOCAB)

    a, b, c = term(), term(), term()
    return rng.choice(
        [
            a,
            f"{a} AND {b}",
            f"{a} OR {b}",
            f"({a} OR {b}) AND {c}",
            f"{a} AND NOT {b}",
            f"{a} NEAR/2 {b}",
            f"title:({a}) AND {b}",
            f"{a} AND {b} AND {c}",
        ]
    )


def test_one_automaton_for_many_rules_agrees_with_each_rule_alone() -> None:
    rng = random.Random(3)
    rules = [_rule(f"r{i}", _random_query(rng)) for i in range(150)]
    together = compile_rules(rules, ENTITIES)
    alone = [(r.name, compile_rules([r], ENTITIES)) for r in rules]
    words = [*VOCAB, "NATO", "Turkey", "turkey", "Ankara", "nato"]
    total = 0
    for _ in range(120):
        title = " ".join(rng.choice(words) for _ in range(rng.randint(0, 5)))
        text = " ".join(rng.choice(words) + rng.choice(["", "", ",", "."]) for _ in range(30))
        doc = Document(title, text)
        expected = [name for name, matcher in alone if matcher.match(doc)]
        assert _names(together, doc) == expected
        total += len(expected)
    assert total > 100  # the comparison really exercised matches


# --- both folding paths cut the same words -------------------------------------------------

_TEXT = st.text(
    alphabet=st.sampled_from(list("aZé'’s -.,“”—\n\t\u00a0_0İßﬁ½\u0301НАТО")), max_size=40
)


@settings(max_examples=300, deadline=None)
@given(_TEXT, _TEXT)
def test_fast_and_chunk_paths_agree(title: str, text: str) -> None:
    scan, aligned = fold_document(title, text)
    chunks = document_layout(title, text).split()
    assert scan == " ".join(filter(None, map(fold_chunk, chunks)))
    if aligned is not None:
        assert len(aligned) == len(document_layout(title, text))
        originals = [w for c in chunks for w in CHUNKS.originals[c]]
        assert aligned.split() == originals


def test_ascii_and_typographic_versions_of_a_text_match_alike() -> None:
    matcher = compile_query('Turkey AND "air defence"', ENTITIES)
    plain = Document("", "Officials said Turkey's air-defence units were on alert.")
    curly = replace(plain, text=plain.text.replace("'", "’").replace("-", "–"))
    accented = replace(plain, text=plain.text.replace("Officials", "Officiäls"))
    assert _names(matcher, plain) == _names(matcher, curly) == _names(matcher, accented)
    assert _names(matcher, plain) == ["query"]

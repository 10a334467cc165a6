"""Query parsing: the syntax, located errors with a caret, and every bad rule at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.config import load_rule_files
from monitor.errors import RuleError
from monitor.models import Rule
from monitor.rules import And, Field, Near, Not, Or, Term, compile_query, compile_rules, parse_query


def _problem(query: str):
    with pytest.raises(RuleError) as info:
        parse_query(query)
    (problem,) = info.value.problems
    return problem


# --- the syntax --------------------------------------------------------------------------


def test_and_binds_tighter_than_or_and_adjacent_terms_mean_and() -> None:
    tree = parse_query("a b OR c")
    assert isinstance(tree, Or)
    first, second = tree.children
    assert isinstance(first, And) and [t.text for t in first.children] == ["a", "b"]
    assert isinstance(second, Term) and second.text == "c"


def test_and_not_is_and_of_a_negation() -> None:
    tree = parse_query("missile AND NOT test")
    assert isinstance(tree, And)
    assert isinstance(tree.children[1], Not)
    assert tree.children[1].child == Term("test", ("test",), pos=(1, 17))


def test_phrase_prefix_near_and_field_scopes() -> None:
    tree = parse_query('title:("ballistic missile" NEAR/5 launch*) text:Iran')
    assert isinstance(tree, And)
    title, text = tree.children
    assert isinstance(title, Field) and title.field == "title"
    near = title.child
    assert isinstance(near, Near) and near.distance == 5
    assert near.left == Term("ballistic missile", ("ballistic", "missile"), True, False, (1, 8))
    assert isinstance(near.right, Term) and near.right.prefix and near.right.words == ("launch",)
    assert isinstance(text, Field) and text.field == "text" and text.child.text == "Iran"


def test_hyphenated_word_is_a_phrase_of_its_parts() -> None:
    term = parse_query("F-16")
    assert isinstance(term, Term) and term.words == ("f", "16")


def test_operators_inside_quotes_are_words() -> None:
    term = parse_query('"rock AND roll"')
    assert isinstance(term, Term) and term.words == ("rock", "and", "roll")


# --- errors: position, caret, message ----------------------------------------------------


def test_error_points_at_the_column_with_a_caret() -> None:
    problem = _problem("NATO AND ) Turkey")
    assert (problem.line, problem.column) == (1, 10)
    assert problem.message.startswith("expected a word, phrase or group before `)`")
    lines = problem.message.split("\n")
    assert lines[1].strip() == "NATO AND ) Turkey"
    assert lines[2].index("^") == lines[1].index(")")


def test_error_on_a_later_line_of_a_multiline_query() -> None:
    problem = _problem('NATO AND\n  Turkey AND "ballistic')
    assert (problem.line, problem.column) == (2, 14)
    assert "missing closing quote" in problem.message
    assert problem.message.split("\n")[1].strip() == 'Turkey AND "ballistic'


@pytest.mark.parametrize(
    ("query", "column", "words"),
    [
        ("NATO AND", 9, "should follow"),
        ("(NATO OR Turkey", 16, "missing `)`"),
        ("NATO OR", 8, "should follow"),
        ("OR NATO", 1, "on each side"),
        ("", 1, "empty query"),
        ("()", 2, "before `)`"),
        ('""', 1, "empty phrase"),
        ("NATO and Turkey", 6, "in capitals"),
        ("NATO or Turkey", 6, "in capitals"),
        ("missile near/3 Iran", 9, "NEAR/n in capitals"),
        ("missile NEAR Iran", 9, "needs a distance"),
        ("missile NEAR/0 Iran", 9, "at least 1"),
        ("mi*", 1, "at least 3 letters"),
        ("mis*ile", 4, "may only end a word"),
        ("body:(NATO)", 1, "unknown field"),
        ("title:(title:NATO)", 8, "cannot be nested"),
        ("title:NATO NEAR/3 Turkey", 1, "around the whole NEAR"),
        ("(NATO AND Turkey) NEAR/3 missile", 2, "on each side"),
        ("NOT NATO", 1, "at least one word"),
        ("NATO OR NOT Turkey", 1, "at least one word"),
        ("NOT NOT 0", 1, "at least one word"),  # found by hypothesis: a crash once
        ("---", 1, "no letters or digits"),
    ],
)
def test_bad_queries_are_located_and_explained(query: str, column: int, words: str) -> None:
    problem = _problem(query)
    assert problem.line == 1
    assert problem.column == column
    assert words in problem.message


def test_deep_nesting_is_a_rule_error_not_a_crash() -> None:
    problem = _problem("a AND (" * 200 + "b" + ")" * 200)
    assert "nested too deeply" in problem.message
    assert isinstance(parse_query("(" * 300 + "x" + ")" * 300), Term)  # groups alone are fine


def test_compile_query_raises_rule_error_for_a_bad_query() -> None:
    with pytest.raises(RuleError):
        compile_query("NATO AND", {})


# --- every bad rule at once, located in its file -----------------------------------------

RULES = """\
rules:
  - name: good
    query: NATO AND Turkey
    notify: [desk-email]
  - name: unbalanced
    query: NATO AND ) Turkey
    notify: [desk-email]
  - name: quoted
    notify: [desk-chat]
    query: "missile near/3 Iran"
  - name: block
    notify: [desk-chat]
    query: |
      NATO AND
      Turkey AND ("ballistic missile"
  - name: disabled-but-bad
    enabled: false
    query: NOT x
"""


def test_check_reports_every_bad_rule_at_once_with_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(RULES, encoding="utf-8")
    lines = RULES.split("\n")
    ruleset = load_rule_files([str(path)])
    with pytest.raises(RuleError) as info:
        compile_rules(ruleset.rules, ruleset.entities)
    problems = info.value.problems
    assert [p.message.split(":")[0] for p in problems] == [
        "rule `unbalanced`",
        "rule `quoted`",
        "rule `block`",
        "rule `disabled-but-bad`",
    ]
    assert all(p.file == str(path) for p in problems)
    unbalanced, quoted, block, disabled = problems
    assert (unbalanced.line, unbalanced.column) == (6, lines[5].index(")") + 1)
    assert (quoted.line, quoted.column) == (10, lines[9].index("near") + 1)
    assert block.line == 15  # the block's second line, where the `(` is never closed
    assert block.column == len(lines[14]) + 1
    assert disabled.line == 18
    rendered = str(info.value)
    assert f"{path}:6:{unbalanced.column}: rule `unbalanced`" in rendered
    assert "^" in rendered


def test_rule_error_without_a_file_uses_query_coordinates() -> None:
    with pytest.raises(RuleError) as info:
        compile_rules([Rule("adhoc", "NATO AND )", ())], {})
    (problem,) = info.value.problems
    assert (problem.file, problem.line, problem.column) == (None, 1, 10)


# --- robustness ----------------------------------------------------------------------------

_PIECES = list("abcXYZ \"()*:/-_'’“”\n\t") + ["AND ", "OR ", "NOT ", "NEAR/", "3", "title:"]
_QUERYISH = st.lists(st.sampled_from(_PIECES), max_size=30).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=80), _QUERYISH))
def test_parse_query_raises_nothing_but_rule_error(query: str) -> None:
    try:
        tree = parse_query(query)
    except RuleError as exc:
        assert exc.problems and exc.problems[0].line is not None
        return
    assert isinstance(tree, Term | And | Or | Not | Near | Field)
    compile_query(query, {})  # whatever parses also compiles

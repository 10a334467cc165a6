"""The rule-matching table (tests/data/match_cases.yaml) against the shipped catalogue."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from monitor.config import load_rule_files
from monitor.errors import RuleError
from monitor.models import Document, Entity
from monitor.rules import compile_query, explain

ROOT = Path(__file__).resolve().parents[1]
CASES = yaml.safe_load((ROOT / "tests/data/match_cases.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def catalogue() -> dict[str, Entity]:
    return load_rule_files([str(ROOT / "rules/entities")]).entities


def _with_extra(catalogue: dict[str, Entity], extra: dict[str, Any] | None) -> dict[str, Entity]:
    """The catalogue extended the way a later rule file extends it (aliases merged)."""
    entities = dict(catalogue)
    for name, entry in (extra or {}).items():
        aliases = entry if isinstance(entry, list) else entry.get("aliases", [])
        case = None if isinstance(entry, list) else entry.get("case_sensitive")
        previous = entities.get(name)
        merged = tuple(dict.fromkeys([*(previous.aliases if previous else ()), *aliases]))
        entities[name] = Entity(name, merged, case if case is not None else None)
    return entities


def test_table_is_big_enough_and_well_formed() -> None:
    assert len(CASES) >= 80
    for case in CASES:
        assert set(case) <= {"query", "text", "title", "expected", "why", "entities", "error"}
        assert case.get("why"), case
        assert ("expected" in case) != bool(case.get("error")), case


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['query']}" for i, c in enumerate(CASES)])
def test_match_case(case: dict[str, Any], catalogue: dict[str, Entity]) -> None:
    entities = _with_extra(catalogue, case.get("entities"))
    if case.get("error"):
        with pytest.raises(RuleError):
            compile_query(case["query"], entities)
        return
    matcher = compile_query(case["query"], entities)
    doc = Document(title=case.get("title", ""), text=case.get("text", ""))
    matches = matcher.match(doc)
    assert bool(matches) is case["expected"], f"{case['why']}\n{[explain(m) for m in matches]}"
    for match in matches:
        assert match.hits, "a match always says which terms hit"

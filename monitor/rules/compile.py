"""Compile rules into one :class:`Matcher`: parse, expand entities, build one automaton.

Each rule also gets a *trigger*: up to two sets of terms such that the rule can only be true
when a term of each set hit (the parser guarantees one set exists). Only the patterns of the
cheapest set wake the rule, and the second set must be present too before the rule is
evaluated, so a document wakes up few rules however many there are.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

from monitor.errors import Problem, RuleError
from monitor.models import Entity, Rule
from monitor.rules.automaton import PatternTable, SearchTerm
from monitor.rules.document import SCOPES
from monitor.rules.entities import EntityIndex
from monitor.rules.evaluate import CAnd, CNear, CNode, CNot, COr, CSimpleTerm, CTerm
from monitor.rules.location import locator
from monitor.rules.matcher import CompiledRule, Matcher
from monitor.rules.nodes import And, Field, Near, Node, Not, Or, Term
from monitor.rules.parser import QueryProblem, _parse, caret_message


def compile_rules(rules: Iterable[Rule], entities: Mapping[str, Entity]) -> Matcher:
    """Compile every rule (disabled ones too, so ``check`` sees their errors).

    Raises RuleError listing every bad rule at once; each Problem is located at the rule's
    file, the query's line and the column inside the file (the column inside the query when
    the file cannot be read back).
    """
    index = EntityIndex(entities)
    table = PatternTable()
    compiled: list[CompiledRule] = []
    problems: list[Problem] = []
    files: dict[str, list[str] | None] = {}
    all_rules = tuple(rules)
    for rule in all_rules:
        try:
            node = _parse(rule.query)
        except QueryProblem as problem:
            problems.append(_problem(rule, problem, files))
            continue
        program = _compile(node, None, index, table)
        trigger = sorted(_necessary(program), key=_by_cost)[:2]
        assert trigger  # the parser rejects queries that need no term at all
        compiled.append(
            CompiledRule(
                rule=rule,
                program=program,
                trigger=trigger,
                languages=(
                    frozenset(_language(code) for code in rule.languages)
                    if rule.languages is not None
                    else None
                ),
                sources=frozenset(rule.sources) if rule.sources is not None else None,
            )
        )
    if problems:
        raise RuleError(problems)
    return Matcher(all_rules, compiled, table)


def compile_query(query: str, entities: Mapping[str, Entity], name: str = "query") -> Matcher:
    """A Matcher for one ad-hoc query (``test-rule``/``backtest`` on a raw query string).

    Errors are located inside the query (file None, line/column of the query)."""
    return compile_rules([Rule(name=name, query=query, notify=())], entities)


def enabled_copy(rule: Rule) -> Rule:
    """``rule`` with ``enabled=True``: for testing a disabled rule on purpose."""
    return dataclasses.replace(rule, enabled=True)


def _language(code: str) -> str:
    return code.strip().lower().replace("_", "-").split("-")[0]


def _problem(rule: Rule, problem: QueryProblem, files: dict[str, list[str] | None]) -> Problem:
    line, column = locator(rule, files)(*problem.pos)
    message = f"rule `{rule.name}`: " + caret_message(rule.query, problem.message, problem.pos)
    return Problem(rule.file, line, message, column)


def _compile(node: Node, scope: int | None, index: EntityIndex, table: PatternTable) -> CNode:
    if isinstance(node, Term):
        term = table.term(index.variants(node))
        kind = CSimpleTerm if term.simple and scope is None else CTerm
        return kind(term, node.label, scope)
    if isinstance(node, And):
        return CAnd([_compile(c, scope, index, table) for c in node.children])
    if isinstance(node, Or):
        return COr([_compile(c, scope, index, table) for c in node.children])
    if isinstance(node, Not):
        return CNot(_compile(node.child, scope, index, table))
    if isinstance(node, Near):
        left = _compile(node.left, scope, index, table)
        right = _compile(node.right, scope, index, table)
        return CNear(left, right, node.distance, scope)
    assert isinstance(node, Field)
    return _compile(node.child, SCOPES[node.field], index, table)


Necessary = tuple[float, frozenset[SearchTerm]]


def _necessary(node: CNode) -> list[Necessary]:
    """Sets of terms, each with a guessed cost, such that ``node`` can only be true when at
    least one term of *every* set hit. Empty when no term has to hit (NOT)."""
    if isinstance(node, CTerm):
        return [(node.term.cost, frozenset([node.term]))]
    if isinstance(node, CNot):
        return []
    if isinstance(node, CNear):
        return _necessary(node.left) + _necessary(node.right)
    if isinstance(node, CAnd):
        return [option for child in node.children for option in _necessary(child)]
    assert isinstance(node, COr)
    best = [min(_necessary(c), key=_by_cost, default=None) for c in node.children]
    if any(b is None for b in best):
        return []
    terms = frozenset().union(*(b[1] for b in best if b))
    return [(sum(t.cost for t in terms), terms)]


def _by_cost(option: Necessary) -> float:
    return option[0]

"""The rule language: parser -> AST, entity expansion, one compiled matcher, explanations.

Typical use::

    from monitor.rules import compile_rules, explain
    matcher = compile_rules(ruleset.rules, ruleset.entities)   # RuleError lists every bad rule
    for match in matcher.match(Document(title, text, source, language)):
        print(match.rule.name)
        print(explain(match))

Module map: ``grammar``/``parser`` (query -> :mod:`nodes`), ``textnorm`` (folding shared by
rules and articles), ``entities`` + ``casing`` (aliases and case evidence), ``automaton``
(one Aho-Corasick pass), ``compile`` -> ``matcher`` (+ ``document``, ``evaluate``),
``explain`` (snippets and text).
"""

from monitor.rules.compile import compile_query, compile_rules, enabled_copy
from monitor.rules.explain import explain, snippet
from monitor.rules.matcher import Matcher
from monitor.rules.nodes import And, Field, Near, Node, Not, Or, Term
from monitor.rules.parser import parse_query
from monitor.rules.textnorm import fold_text

__all__ = [
    "And",
    "Field",
    "Matcher",
    "Near",
    "Node",
    "Not",
    "Or",
    "Term",
    "compile_query",
    "compile_rules",
    "enabled_copy",
    "explain",
    "fold_text",
    "parse_query",
    "snippet",
]

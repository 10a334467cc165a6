"""`newsradar test-rule`: does a query (or a configured rule) match this article, and why?"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from monitor.config import RuleSet, load_config, load_rule_files
from monitor.errors import ConfigError
from monitor.models import Document, Rule
from monitor.rules import Matcher, compile_query, compile_rules, explain
from monitor.starter import catalogue_dir


@dataclass(frozen=True)
class Outcome:
    matched: bool
    text: str


def _ruleset(config_path: str) -> RuleSet:
    """The configured rules and entities; the shipped catalogue when there is no config."""
    if Path(config_path).exists():
        return load_rule_files(load_config(config_path).rule_paths)
    return load_rule_files([str(catalogue_dir())])


def matcher_for(query: str, ruleset: RuleSet) -> Matcher:
    """A configured rule when ``query`` names one, else the query itself as an ad-hoc rule."""
    for rule in ruleset.rules:
        if rule.name == query:
            # Test the rule's query as written, whatever its enabled/sources settings say.
            adhoc = Rule(
                name=rule.name,
                query=rule.query,
                notify=(),
                file=rule.file,
                line=rule.line,
                query_line=rule.query_line,
            )
            return compile_rules([adhoc], ruleset.entities)
    return compile_query(query, ruleset.entities)


def _document(url: str | None, file: str | None, text: str | None, title: str) -> Document:
    if text is not None:
        return Document(title=title, text=text)
    if file is not None:
        raw = Path(file).read_bytes()
        if raw.lstrip()[:512].lower().startswith((b"<!doctype html", b"<html")):
            from monitor.extract import extract_article

            extracted = extract_article(raw, Path(file).resolve().as_uri())
            return Document(title=title or extracted.title, text=extracted.text)
        return Document(title=title, text=raw.decode("utf-8", errors="replace"))
    assert url is not None
    from monitor.collect import fetch_article

    extracted = fetch_article(url)
    return Document(title=title or extracted.title, text=extracted.text)


def try_rule(
    config_path: str,
    query: str,
    url: str | None = None,
    file: str | None = None,
    text: str | None = None,
    title: str = "",
) -> Outcome:
    ruleset = _ruleset(config_path)
    matcher = matcher_for(query, ruleset)
    document = _document(url, file, text, title)
    matches = matcher.match(document)
    if not matches:
        return Outcome(False, "no match")
    return Outcome(True, "\n".join(f"match: {m.rule.name}\n{explain(m)}" for m in matches))


__all__ = ["ConfigError", "Outcome", "matcher_for", "try_rule"]

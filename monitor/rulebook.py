"""The active rules: rule files read, references checked, queries compiled into one matcher.

Loading is all-or-nothing: any problem raises a ConfigError listing every problem, so a daemon
can keep its previous rule book when an edit is broken.
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.config import Config, RuleSet, check_rule_references, load_rule_files
from monitor.errors import ConfigError, Problem
from monitor.rules import Matcher, compile_rules


@dataclass(frozen=True)
class RuleBook:
    ruleset: RuleSet
    matcher: Matcher

    @property
    def files(self) -> tuple[str, ...]:
        return self.ruleset.files


def load_rulebook(config: Config) -> RuleBook:
    """Read and compile every rule the config points at; raise ConfigError with all problems."""
    ruleset = load_rule_files(config.rule_paths)
    problems: list[Problem] = check_rule_references(config, ruleset)
    try:
        matcher = compile_rules(ruleset.rules, ruleset.entities)
    except ConfigError as exc:
        problems += exc.problems
        matcher = None
    if problems or matcher is None:
        raise ConfigError(problems)
    return RuleBook(ruleset=ruleset, matcher=matcher)

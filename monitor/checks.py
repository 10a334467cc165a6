"""`newsradar check`: every problem in config, sources, channels and rules, without sending."""

from __future__ import annotations

from dataclasses import dataclass, field

from monitor.config import Config, load_config
from monitor.errors import ConfigError, Problem


@dataclass
class CheckResult:
    problems: list[Problem] = field(default_factory=list)
    summary: str = ""

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def _channel_problems(config: Config) -> list[Problem]:
    from monitor.notify import validate_channel

    problems = []
    for name, url in config.channels.items():
        error = validate_channel(url)
        if error:
            problems.append(Problem(config.path, None, f"notify.{name}: {error}"))
    return problems


def _spider_problems(config: Config) -> list[Problem]:
    from spiders.registry import spider_names

    known = spider_names()
    return [
        Problem(
            config.path,
            source.line,
            f"source `{source.name}`: no spider named `{source.spider}` in spiders/ "
            f"(known: {', '.join(sorted(known)) or 'none'})",
        )
        for source in config.sources
        if source.kind == "spider" and source.spider not in known
    ]


def check_all(config_path: str) -> CheckResult:
    """Validate everything ``newsradar once``/``run`` would use; send nothing."""
    from monitor.rulebook import load_rulebook

    result = CheckResult()
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        result.problems += exc.problems
        return result
    result.problems += config.warnings
    result.problems += _channel_problems(config)
    result.problems += _spider_problems(config)
    try:
        rulebook = load_rulebook(config)
    except ConfigError as exc:
        result.problems += exc.problems
        return result
    rules = rulebook.ruleset.rules
    result.summary = (
        f"ok: {len(config.sources)} sources, {len(rules)} rules "
        f"({sum(r.enabled for r in rules)} enabled), {len(config.channels)} channels, "
        f"{len(rulebook.ruleset.entities)} entities in {len(rulebook.files)} rule files"
    )
    return result

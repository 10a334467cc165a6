"""Hot reload for the daemon: notice edits to the config and rule files, apply what is valid.

Polling mtimes once a second is portable (no inotify limits, works on bind mounts and network
file systems) and costs a few ``stat`` calls. An edit is all-or-nothing: a config or rule edit
that does not load is reported problem by problem (``file:line: message``) and the previous
config and rules stay active.

Everything is reloaded live except what names a resource the daemon holds open: the database
(it holds the lock on it) and the metrics address. While the config on disk changes those, or
is invalid, collection pauses: the child collector reads the config file itself, so it must
never run with a config the daemon did not accept.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from monitor.config import Config, load_config, rule_files
from monitor.errors import ConfigError
from monitor.rulebook import RuleBook, load_rulebook

log = logging.getLogger("newsradar.reload")

Fingerprint = tuple[tuple[str, int, int], ...]

# Keys that only take effect on restart, and why.
RESTART_KEYS = {
    "database": "the daemon holds the lock on the database it started with",
    "daemon.metrics_port": "the metrics server is bound at start",
    "daemon.metrics_host": "the metrics server is bound at start",
}


@dataclass(frozen=True)
class Active:
    """The config and rules the daemon works with; replaced whole, never mutated."""

    config: Config
    rulebook: RuleBook


def fingerprint(paths: Iterable[str | Path]) -> Fingerprint:
    """(path, mtime_ns, size) of each path; a missing path counts as (-1, -1)."""
    result = []
    for path in paths:
        try:
            st = Path(path).stat()
            result.append((str(path), st.st_mtime_ns, st.st_size))
        except OSError:
            result.append((str(path), -1, -1))
    return tuple(sorted(result))


def watched_rule_paths(config: Config) -> list[str]:
    """Rule files plus their folders (a folder's mtime changes when a file is added/removed)."""
    paths = list(config.rule_paths)
    # A rules path that vanished: its (-1, -1) entry already marks the change.
    with contextlib.suppress(ConfigError):
        paths += [str(p) for p in rule_files(config.rule_paths)]
    for p in list(paths):
        if Path(p).is_dir():
            paths += [str(d) for d in Path(p).rglob("*") if d.is_dir()]
    return sorted(set(paths))


def restart_needed(old: Config, new: Config) -> list[str]:
    """Changed settings that a live reload cannot apply, as ``key (why)``."""
    changed = []
    if old.database != new.database:
        changed.append("database")
    for key in ("metrics_port", "metrics_host"):
        if getattr(old.model.daemon, key) != getattr(new.model.daemon, key):
            changed.append(f"daemon.{key}")
    return [f"{key} ({RESTART_KEYS[key]})" for key in changed]


def log_problems(what: str, exc: ConfigError) -> None:
    log.error("%s rejected, keeping the previous version:", what)
    for problem in exc.problems:
        log.error("%s", problem)


class Reloader:
    """Call :meth:`poll` about once a second; it returns a new :class:`Active` when one loads.

    ``collect_blocked`` says why collection must pause (None when the file on disk is the
    active config).
    """

    settle_s = 0.2  # an editor may write a file in several steps: wait until it holds still

    def __init__(self, config_path: str, active: Active) -> None:
        self.config_path = config_path
        self.active = active
        self.collect_blocked: str | None = None
        self.rejected = 0  # edits that did not load (for metrics)
        self._config_fp = fingerprint([config_path])
        self._rules_fp = fingerprint(watched_rule_paths(active.config))

    def _settled(self, paths: list[str], seen: Fingerprint) -> Fingerprint:
        for _ in range(10):
            time.sleep(self.settle_s)
            now = fingerprint(paths)
            if now == seen:
                break
            seen = now
        return seen

    def poll(self) -> Active | None:
        config_fp = fingerprint([self.config_path])
        rules_fp = fingerprint(watched_rule_paths(self.active.config))
        if config_fp == self._config_fp and rules_fp == self._rules_fp:
            return None
        config_changed = config_fp != self._config_fp
        self._config_fp = self._settled([self.config_path], config_fp)
        config = self.active.config
        if config_changed:
            try:
                config = load_config(self.config_path)
            except ConfigError as exc:
                self.rejected += 1
                self.collect_blocked = "the config file on disk is invalid"
                log_problems(f"config edit ({self.config_path})", exc)
                log.error("collection is paused until the config is fixed")
                self._rules_fp = fingerprint(watched_rule_paths(self.active.config))
                return None
            needs_restart = restart_needed(self.active.config, config)
            if needs_restart:
                self.collect_blocked = "the config on disk needs a restart"
                log.error(
                    "config edit changes %s: restart `newsradar run` to apply it; "
                    "until then collection is paused and the running config stays",
                    ", ".join(needs_restart),
                )
                self._rules_fp = fingerprint(watched_rule_paths(self.active.config))
                return None
        self._rules_fp = self._settled(
            watched_rule_paths(config), fingerprint(watched_rule_paths(config))
        )
        try:
            rulebook = load_rulebook(config)
        except ConfigError as exc:
            self.rejected += 1
            if config_changed:
                self.collect_blocked = "the config on disk does not fit the rules"
            log_problems("rule edit" if not config_changed else "config/rule edit", exc)
            return None
        old = self.active
        self.active = Active(config, rulebook)
        self.collect_blocked = None
        log.info(
            "reloaded: %d rules from %d files%s",
            len(rulebook.ruleset.rules),
            len(rulebook.files),
            f"; config {self.config_path}" if config_changed else "",
        )
        if config_changed:
            describe_changes(old.config, config)
        return self.active


def describe_changes(old: Config, new: Config) -> None:
    before = {s.name: s for s in old.sources}
    after = {s.name: s for s in new.sources}
    added = sorted(after.keys() - before.keys())
    removed = sorted(before.keys() - after.keys())
    changed = sorted(n for n in after.keys() & before.keys() if after[n] != before[n])
    if added:
        log.info("sources added: %s", ", ".join(added))
    if removed:
        log.info("sources removed: %s", ", ".join(removed))
    if changed:
        log.info("sources changed: %s", ", ".join(changed))
    if old.channels.keys() != new.channels.keys() or old.ops != new.ops:
        log.info(
            "channels now: %s (ops: %s)",
            ", ".join(sorted(new.channels)) or "-",
            ", ".join(new.ops) or "-",
        )

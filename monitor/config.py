"""Load and validate newsradar.yaml and the rule files it points at.

Validation happens here, at the boundary (pydantic, unknown keys forbidden); everything past
this module works with plain frozen dataclasses (:class:`Config`, :class:`Source`,
:class:`monitor.models.Rule`). Every problem is located as ``file:line`` and all of them are
reported at once.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from monitor.errors import ConfigError, Problem
from monitor.flow import ChannelOptions, parse_digest, parse_quiet_hours, parse_throttle, zone
from monitor.models import Entity, Rule
from monitor.schedule import parse_duration, parse_every, parse_jitter
from monitor.yamlfile import KeyPath, YamlDoc, load_yaml

CONFIG_ENV = "NEWSRADAR_CONFIG"
DEFAULT_CONFIG = "newsradar.yaml"

_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _checked_by(parse: Callable[[str], object]) -> AfterValidator:
    """Validate a string with the parser that reads it later, so errors surface at load."""

    def check(value: str) -> str:
        parse(value)
        return value

    return AfterValidator(check)


Every = Annotated[
    str,
    _checked_by(parse_every),
    Field(description="Poll interval (30s, 10m, 1h, 1d) or a cron expression"),
]
Duration = Annotated[
    str, _checked_by(parse_duration), Field(description="A duration: 30s, 10m, 1h, 1d, 1w")
]
Jitter = Annotated[
    str,
    _checked_by(lambda v: parse_jitter(v, 60)),
    Field(description="Random delay added to each poll: 10% or 30s"),
]
TimeZone = Annotated[
    str, _checked_by(zone), Field(description="An IANA timezone such as UTC or Europe/Berlin")
]


class DefaultsModel(_Strict):
    every: Every = "10m"
    full_text: Literal["auto", "always", "never"] = "auto"
    jitter: Jitter = "10%"
    stale_after: Duration | None = Field(
        None, description="Report a source as stale when it has no new items for this long"
    )
    failures_before_alert: int = Field(3, ge=1)


class SourceModel(_Strict):
    name: Annotated[str, Field(pattern=_NAME)]
    feed: str | None = Field(None, description="URL of an RSS, Atom or JSON feed")
    sitemap: str | None = Field(None, description="URL of a (news) sitemap or sitemap index")
    spider: str | None = Field(None, description="Name of a spider in spiders/")
    url: str | None = Field(None, description="Start URL handed to a `spider:` source")
    every: Every | None = None
    full_text: Literal["auto", "always", "never"] | None = None
    enabled: bool = True
    language: str | None = Field(None, description="ISO 639-1 code, when the source lacks one")
    max_items: int = Field(200, ge=1, description="At most this many entries per poll")
    stale_after: Duration | None = None

    @field_validator("feed", "sitemap", "url")
    @classmethod
    def _http_only(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> SourceModel:
        kinds = [k for k in ("feed", "sitemap", "spider") if getattr(self, k)]
        if len(kinds) != 1:
            raise ValueError("a source needs exactly one of `feed`, `sitemap` or `spider`")
        return self


class FetchModel(_Strict):
    user_agent: str = "newsradar/0.1 (+https://github.com/newsradar/newsradar)"
    timeout: Duration = "20s"
    max_bytes: int = Field(10_000_000, ge=1024, description="Cap on any response body")
    obey_robots: bool = True
    concurrency_per_host: int = Field(2, ge=1)
    delay: Duration = Field("0s", description="Delay between requests to one host")
    crawl_timeout: Duration = Field("10m", description="Hard limit for one collect pass")
    extract_workers: int | None = Field(
        None,
        ge=1,
        description="Processes extracting article pages once a pass has more than 16 (default:"
        " one per core; 1 extracts in the collect process itself)",
    )


class DeliveryModel(_Strict):
    timeout: Duration = "20s"
    backoff: Duration = Field("30s", description="First retry delay; doubles each attempt")
    max_backoff: Duration = "1h"
    give_up_after: Duration = Field("3d", description="Mark undeliverable alerts dead after this")


class StoriesModel(_Strict):
    window: Duration = Field("7d", description="How far back a new article can join a story")
    threshold: float = Field(0.8, gt=0, le=1, description="Containment that makes a duplicate")


class DaemonModel(_Strict):
    """`newsradar run` only: the local metrics endpoint and the daemon's own timers."""

    metrics_port: int | None = Field(
        None, ge=0, le=65535, description="Serve /healthz and /metrics here (off when unset)"
    )
    metrics_host: str = Field("127.0.0.1", description="Address to bind; keep it local")
    delivery_every: Duration = Field("15s", description="How often due outbox rows are retried")
    health_every: Duration = Field("1m", description="How often sources are checked for staleness")


Severity = Literal["low", "normal", "high", "critical"]
QuietHours = Annotated[
    str,
    _checked_by(parse_quiet_hours),
    Field(description="Daily quiet period HH:MM-HH:MM (may wrap midnight): 22:00-07:00"),
]
Throttle = Annotated[
    str,
    _checked_by(parse_throttle),
    Field(
        description="At most N alerts per window go out at once, per channel (5/h, 20/d, "
        "3/30m); the rest of the window's alerts are sent as one digest at its end"
    ),
]
Digest = Annotated[
    str,
    _checked_by(parse_digest),
    Field(
        description="Send this rule's alerts as one message per period: hourly, daily 08:00, "
        "daily 08:00,17:00, weekly mon 08:00 (optionally followed by a timezone)"
    ),
]


class ChannelModel(_Strict):
    """A channel written as a mapping: its apprise URL plus delivery options."""

    url: str = Field(description="apprise URL; ${VAR} reads the environment")
    quiet_hours: QuietHours | None = None
    timezone: TimeZone | None = Field(None, description="For quiet_hours; default: top-level")
    bypass_severity: Severity | None = Field(
        "critical", description="Alerts of this severity or above ignore quiet hours (null: none)"
    )


# A channel is a plain apprise URL (the usual form) or a ChannelModel mapping. The tags keep
# pydantic from reporting a bad mapping twice (once per union member).
_CHANNEL_TAGS = ("url", "options")
ChannelValue = Annotated[
    Annotated[str, Tag("url")] | Annotated[ChannelModel, Tag("options")],
    Discriminator(lambda value: "options" if isinstance(value, dict | ChannelModel) else "url"),
]


class ConfigModel(_Strict):
    database: str = "newsradar.db"
    rules: str | list[str] = "rules/"
    notify: dict[Annotated[str, Field(pattern=_NAME)], ChannelValue] = Field(default_factory=dict)
    timezone: TimeZone = "UTC"  # for digest times, throttle windows and quiet hours
    ops: list[str] | str | None = Field(None, description="Channel(s) for source-health notices")
    defaults: DefaultsModel = Field(default_factory=DefaultsModel)
    fetch: FetchModel = Field(default_factory=FetchModel)
    delivery: DeliveryModel = Field(default_factory=DeliveryModel)
    stories: StoriesModel = Field(default_factory=StoriesModel)
    daemon: DaemonModel = Field(default_factory=DaemonModel)
    sources: list[SourceModel] = Field(default_factory=list)


class EntityModel(_Strict):
    aliases: list[str] = Field(default_factory=list)
    case_sensitive: bool | None = None


class RuleModel(_Strict):
    name: Annotated[str, Field(pattern=_NAME)]
    query: Annotated[str, Field(min_length=1)]
    notify: list[str] = Field(default_factory=list)
    sources: list[str] | None = None
    languages: list[str] | None = None
    severity: Severity = "normal"
    enabled: bool = True
    throttle: Throttle | None = None
    digest: Digest | None = None

    @field_validator("notify", "sources", "languages", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _throttle_or_digest(self) -> RuleModel:
        if self.throttle is not None and self.digest is not None:
            raise ValueError("use either `throttle` or `digest` (a digest holds every alert)")
        return self


class RuleFileModel(_Strict):
    rules: list[RuleModel] = Field(default_factory=list)
    entities: dict[str, EntityModel | list[str]] = Field(default_factory=dict)


# --- plain data used past the boundary -------------------------------------------------------


@dataclass(frozen=True)
class Source:
    name: str
    kind: str  # "feed" | "sitemap" | "spider"
    url: str | None  # feed/sitemap URL, or a spider's start URL
    spider: str | None
    every: str
    full_text: str
    enabled: bool
    language: str | None
    max_items: int
    stale_after: str | None
    line: int | None = None


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    entities: dict[str, Entity]
    files: tuple[str, ...]


@dataclass(frozen=True)
class Config:
    path: str
    database: str
    rule_paths: tuple[str, ...]
    channels: dict[str, str]  # name -> apprise URL, secrets substituted
    ops: tuple[str, ...]
    sources: tuple[Source, ...]
    model: ConfigModel
    warnings: tuple[Problem, ...] = field(default=())
    # name -> quiet hours etc. (monitor.flow); every channel has an entry, defaults change nothing
    channel_options: dict[str, ChannelOptions] = field(default_factory=dict)

    @property
    def base_dir(self) -> Path:
        return Path(self.path).resolve().parent


# --- ${VAR} substitution ---------------------------------------------------------------------

_VAR = re.compile(r"\$\{([^}]*)\}")


def substitute(value: str, path: str, line: int | None, problems: list[Problem]) -> str:
    """Replace ``${VAR}``, ``${VAR:-default}`` and ``${file:/path}`` in one string."""

    def replace(match: re.Match[str]) -> str:
        expr = match.group(1)
        if expr.startswith("file:"):
            secret_path = Path(expr[5:]).expanduser()
            try:
                return secret_path.read_text(encoding="utf-8").strip()
            except OSError as exc:
                problems.append(
                    Problem(path, line, f"cannot read secret file {secret_path}: {exc.strerror}")
                )
                return ""
        name, sep, default = expr.partition(":-")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            problems.append(Problem(path, line, f"bad variable reference ${{{expr}}}"))
            return ""
        if name in os.environ:
            return os.environ[name]
        if sep:
            return default
        problems.append(Problem(path, line, f"environment variable {name} is not set"))
        return ""

    return _VAR.sub(replace, value)


def _substitute_tree(data: Any, doc: YamlDoc, loc: KeyPath, problems: list[Problem]) -> Any:
    if isinstance(data, str):
        return substitute(data, doc.path, doc.line_of(loc), problems)
    if isinstance(data, dict):
        return {k: _substitute_tree(v, doc, (*loc, k), problems) for k, v in data.items()}
    if isinstance(data, list):
        return [_substitute_tree(v, doc, (*loc, i), problems) for i, v in enumerate(data)]
    return data


def _validation_problems(exc: ValidationError, doc: YamlDoc) -> list[Problem]:
    problems = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        if len(loc) > 2 and loc[0] == "notify" and loc[2] in _CHANNEL_TAGS:
            loc = loc[:2] + loc[3:]  # the union tag is not a key in the file
        # pydantic adds union-member names ("str", "EntityModel") to the loc; drop non-keys.
        where = ".".join(str(part) for part in loc) or "(top level)"
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = f"unknown key `{loc[-1]}`"
            where = ".".join(str(part) for part in loc[:-1]) or "(top level)"
        elif message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        problems.append(Problem(doc.path, doc.line_of(loc), f"{where}: {message}"))
    return problems


def _validate(model: type[BaseModel], data: Any, doc: YamlDoc) -> tuple[Any, list[Problem]]:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return None, [Problem(doc.path, 1, "expected a mapping of keys at the top level")]
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, _validation_problems(exc, doc)


# --- inline secrets --------------------------------------------------------------------------

_SECRET_PARAMS = re.compile(
    r"[?&](pass|password|token|apikey|api_key|key|secret|webhook)=(?!\$\{)[^&]+", re.I
)


def inline_secret_warnings(raw_url: str, path: str, line: int | None, name: str) -> list[Problem]:
    """Warn when a channel URL carries a password or token written inline (not ``${VAR}``)."""
    found = []
    userinfo = re.match(r"^[a-z0-9+.-]+://([^@/?#]*)@", raw_url, re.I)
    if userinfo and ":" in userinfo.group(1):
        password = userinfo.group(1).split(":", 1)[1]
        if password and not password.startswith("${"):
            found.append("a password")
    if _SECRET_PARAMS.search(raw_url):
        found.append("a token")
    return [
        Problem(
            path,
            line,
            f"notify.{name}: {' and '.join(found)} written inline; use ${{VAR}} or "
            "${file:/path/outside/repo} so it stays out of the file",
            severity="warning",
        )
        for _ in found[:1]
    ]


# --- loading ---------------------------------------------------------------------------------


def find_config_path(explicit: str | None = None) -> str:
    return explicit or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG


def load_config(path: str | None = None) -> Config:
    """Load, substitute and validate ``newsradar.yaml``; raise ConfigError with every problem."""
    path = find_config_path(path)
    if not Path(path).exists():
        raise ConfigError(
            [Problem(path, None, "config file not found (run `newsradar init` to create one)")]
        )
    doc = load_yaml(path)
    problems: list[Problem] = []
    data = _substitute_tree(doc.data, doc, (), problems)
    model, validation = _validate(ConfigModel, data, doc)
    problems += validation
    if model is None:
        raise ConfigError(problems)
    base = Path(path).resolve().parent
    warnings: list[Problem] = []
    raw_notify = (doc.data or {}).get("notify") or {}
    for name, raw in raw_notify.items():
        raw_url = raw.get("url") if isinstance(raw, dict) else raw
        if isinstance(raw_url, str):
            warnings += inline_secret_warnings(raw_url, path, doc.line_of(("notify", name)), name)
    seen: set[str] = set()
    sources = []
    for index, src in enumerate(model.sources):
        line = doc.line_of(("sources", index))
        if src.name in seen:
            problems.append(Problem(path, line, f"sources: duplicate source name `{src.name}`"))
        seen.add(src.name)
        kind = "feed" if src.feed else "sitemap" if src.sitemap else "spider"
        sources.append(
            Source(
                name=src.name,
                kind=kind,
                url=src.feed or src.sitemap or src.url,
                spider=src.spider,
                every=src.every or model.defaults.every,
                full_text=src.full_text or model.defaults.full_text,
                enabled=src.enabled,
                language=src.language,
                max_items=src.max_items,
                stale_after=src.stale_after or model.defaults.stale_after,
                line=line,
            )
        )
    ops = (model.ops,) if isinstance(model.ops, str) else tuple(model.ops or ())
    for channel in ops:
        if channel not in model.notify:
            problems.append(
                Problem(path, doc.line_of(("ops",)), f"ops: unknown channel `{channel}`")
            )
    if problems:
        raise ConfigError(problems)
    rule_paths = [model.rules] if isinstance(model.rules, str) else list(model.rules)
    return Config(
        path=str(path),
        database=str((base / model.database).resolve()),
        rule_paths=tuple(str((base / p).resolve()) for p in rule_paths),
        channels={n: c if isinstance(c, str) else c.url for n, c in model.notify.items()},
        ops=ops,
        sources=tuple(sources),
        model=model,
        warnings=tuple(warnings),
        channel_options={n: _channel_options(c, model.timezone) for n, c in model.notify.items()},
    )


def _channel_options(channel: str | ChannelModel, timezone: str) -> ChannelOptions:
    if isinstance(channel, str):
        return ChannelOptions(timezone=timezone)
    return ChannelOptions(
        quiet_hours=parse_quiet_hours(channel.quiet_hours) if channel.quiet_hours else None,
        timezone=channel.timezone or timezone,
        bypass_severity=channel.bypass_severity,
    )


def rule_files(paths: tuple[str, ...] | list[str]) -> list[Path]:
    """Every ``*.yaml``/``*.yml`` under the given files and folders, in a stable order."""
    files: list[Path] = []
    for entry in paths:
        p = Path(entry)
        if p.is_dir():
            found = [f for f in p.rglob("*") if f.suffix in (".yaml", ".yml") and f.is_file()]
            # Catalogue folders (`entities/`) load first, so the user's own files extend or
            # override catalogue entries whatever their names sort as.
            files += sorted(found, key=lambda f: ("entities" not in f.relative_to(p).parts, f))
        elif p.exists():
            files.append(p)
        else:
            raise ConfigError([Problem(str(p), None, "rules path does not exist")])
    return files


def load_rule_files(paths: tuple[str, ...] | list[str]) -> RuleSet:
    """Read every rule file: rules and entities, all validated, every problem reported.

    Query syntax is checked by the rule engine (``monitor.rules``), not here.
    """
    problems: list[Problem] = []
    rules: list[Rule] = []
    entities: dict[str, Entity] = {}
    names: dict[str, str] = {}
    files = rule_files(paths)
    for file in files:
        try:
            doc = load_yaml(file)
        except ConfigError as exc:
            problems += exc.problems
            continue
        model, validation = _validate(RuleFileModel, doc.data, doc)
        problems += validation
        if model is None:
            continue
        for index, r in enumerate(model.rules):
            line = doc.line_of(("rules", index))
            if r.name in names:
                problems.append(
                    Problem(
                        doc.path, line, f"rule `{r.name}` is already defined in {names[r.name]}"
                    )
                )
                continue
            names[r.name] = f"{doc.path}:{line}"
            rules.append(
                Rule(
                    name=r.name,
                    query=r.query,
                    notify=tuple(r.notify),
                    sources=tuple(r.sources) if r.sources is not None else None,
                    languages=tuple(r.languages) if r.languages is not None else None,
                    severity=r.severity,
                    enabled=r.enabled,
                    file=doc.path,
                    line=line,
                    query_line=doc.line_of(("rules", index, "query")),
                    throttle=r.throttle,
                    digest=r.digest,
                )
            )
        for ename, entry in model.entities.items():
            aliases = entry if isinstance(entry, list) else entry.aliases
            case = None if isinstance(entry, list) else entry.case_sensitive
            # Later files extend or override earlier ones: users' files sort after the catalogue.
            previous = entities.get(ename)
            merged = tuple(dict.fromkeys([*(previous.aliases if previous else ()), *aliases]))
            entities[ename] = Entity(
                name=ename,
                aliases=merged,
                case_sensitive=case
                if case is not None
                else (previous.case_sensitive if previous else None),
                file=doc.path,
                line=doc.line_of(("entities", ename)),
            )
    if problems:
        raise ConfigError(problems)
    return RuleSet(rules=tuple(rules), entities=entities, files=tuple(str(f) for f in files))


def check_rule_references(config: Config, ruleset: RuleSet) -> list[Problem]:
    """Rules may only name channels and sources that the config defines."""
    problems = []
    source_names = {s.name for s in config.sources}
    for rule in ruleset.rules:
        for channel in rule.notify:
            if channel not in config.channels:
                problems.append(
                    Problem(
                        rule.file, rule.line, f"rule `{rule.name}`: unknown channel `{channel}`"
                    )
                )
        for source in rule.sources or ():
            if source not in source_names:
                problems.append(
                    Problem(rule.file, rule.line, f"rule `{rule.name}`: unknown source `{source}`")
                )
    return problems


def json_schemas() -> dict[str, Any]:
    """JSON Schemas for newsradar.yaml and rule files (for editors' YAML support)."""
    return {
        "newsradar.yaml": ConfigModel.model_json_schema(),
        "rules": RuleFileModel.model_json_schema(),
    }

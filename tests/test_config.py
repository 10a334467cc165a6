"""Config and rule-file validation: every problem located at file:line, nothing silent."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import load_config, load_rule_files
from monitor.errors import ConfigError


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(excinfo: pytest.ExceptionInfo[ConfigError]) -> list[str]:
    return [str(p) for p in excinfo.value.problems]


def test_minimal_config_gets_defaults_and_relative_paths(tmp_path: Path) -> None:
    config_file = write(
        tmp_path / "conf" / "newsradar.yaml",
        "sources:\n  - name: world\n    feed: https://example.org/rss.xml\n",
    )
    config = load_config(str(config_file))
    assert config.database == str((tmp_path / "conf" / "newsradar.db").resolve())
    assert config.rule_paths == (str((tmp_path / "conf" / "rules").resolve()),)
    (source,) = config.sources
    assert (source.kind, source.url, source.every, source.full_text) == (
        "feed",
        "https://example.org/rss.xml",
        "10m",
        "auto",
    )


def test_unknown_key_is_an_error_with_its_line(tmp_path: Path) -> None:
    config_file = write(
        tmp_path / "newsradar.yaml",
        "database: x.db\nsources:\n  - name: world\n    feed: https://example.org/rss.xml\n"
        "    evrey: 5m\n",
    )
    with pytest.raises(ConfigError) as excinfo:
        load_config(str(config_file))
    assert problems_of(excinfo) == [f"{config_file}:5: sources.0: unknown key `evrey`"]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    config_file = write(
        tmp_path / "newsradar.yaml",
        "databse: x.db\n"
        "defaults:\n  every: soon\n"
        "sources:\n  - name: a\n    feed: ftp://example.org/rss.xml\n"
        "  - name: b\n    feed: https://example.org/b\n    sitemap: https://example.org/s.xml\n",
    )
    with pytest.raises(ConfigError) as excinfo:
        load_config(str(config_file))
    text = "\n".join(problems_of(excinfo))
    assert f"{config_file}:1: (top level): unknown key `databse`" in text
    assert f"{config_file}:3: defaults.every:" in text and "soon" in text
    assert f"{config_file}:6: sources.0.feed: must be an http:// or https:// URL" in text
    assert f"{config_file}:7: sources.1: a source needs exactly one of" in text


def test_environment_variables_are_substituted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESK_TOKEN", "s3cret")
    secret = write(tmp_path / "outside" / "smtp-password", "pa55\n")
    config_file = write(
        tmp_path / "newsradar.yaml",
        "notify:\n"
        "  chat: json://127.0.0.1:9/${DESK_TOKEN}\n"
        f"  mail: mailto://u:${{file:{secret}}}@127.0.0.1:25\n"
        "  ntfy: ntfy://127.0.0.1/${NTFY_TOPIC:-alerts}\n",
    )
    config = load_config(str(config_file))
    assert config.channels == {
        "chat": "json://127.0.0.1:9/s3cret",
        "mail": "mailto://u:pa55@127.0.0.1:25",
        "ntfy": "ntfy://127.0.0.1/alerts",
    }
    assert config.warnings == ()


def test_missing_environment_variable_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SMTP_PASSWORD", raising=False)
    config_file = write(
        tmp_path / "newsradar.yaml", "notify:\n  mail: mailtos://u:${SMTP_PASSWORD}@example.org\n"
    )
    with pytest.raises(ConfigError) as excinfo:
        load_config(str(config_file))
    assert problems_of(excinfo) == [
        f"{config_file}:2: environment variable SMTP_PASSWORD is not set"
    ]


def test_inline_secret_gives_a_warning(tmp_path: Path) -> None:
    config_file = write(
        tmp_path / "newsradar.yaml",
        "notify:\n  mail: mailtos://alerts:hunter2@smtp.example.org\n"
        "  hook: json://example.org/hook?token=abc\n  ok: json://example.org/${TOKEN:-x}\n",
    )
    config = load_config(str(config_file))
    warnings = [str(w) for w in config.warnings]
    assert len(warnings) == 2
    assert warnings[0].startswith(
        f"{config_file}:2: warning: notify.mail: a password written inline"
    )
    assert "hunter2" not in "\n".join(warnings)


def test_yaml_syntax_error_is_located(tmp_path: Path) -> None:
    config_file = write(tmp_path / "newsradar.yaml", "sources:\n  - name: a\n   feed: [oops\n")
    with pytest.raises(ConfigError) as excinfo:
        load_config(str(config_file))
    (problem,) = excinfo.value.problems
    assert problem.file == str(config_file) and problem.line is not None
    assert "YAML syntax error" in problem.message


def test_bad_rule_file_is_located(tmp_path: Path) -> None:
    rules = write(
        tmp_path / "rules" / "a.yaml",
        "rules:\n  - name: ok\n    query: NATO\n  - name: bad\n    query: x\n    notfy: [a]\n",
    )
    with pytest.raises(ConfigError) as excinfo:
        load_rule_files([str(tmp_path / "rules")])
    assert problems_of(excinfo) == [f"{rules}:6: rules.1: unknown key `notfy`"]


def test_rule_files_merge_entities_and_refuse_duplicate_rules(tmp_path: Path) -> None:
    write(tmp_path / "rules" / "a.yaml", "entities:\n  Turkey:\n    aliases: [Türkiye]\n")
    write(
        tmp_path / "rules" / "b.yaml",
        "entities:\n  Turkey: [Ankara]\nrules:\n  - name: r\n    query: Turkey\n    notify: desk\n",
    )
    ruleset = load_rule_files([str(tmp_path / "rules")])
    assert ruleset.entities["Turkey"].aliases == ("Türkiye", "Ankara")
    assert ruleset.rules[0].notify == ("desk",)
    assert ruleset.rules[0].query_line == 5
    write(tmp_path / "rules" / "c.yaml", "rules:\n  - name: r\n    query: other\n")
    with pytest.raises(ConfigError, match="rule `r` is already defined"):
        load_rule_files([str(tmp_path / "rules")])


def test_user_entity_files_override_the_catalogue_whatever_their_names(tmp_path: Path) -> None:
    write(tmp_path / "rules" / "entities" / "catalogue.yaml",
          "entities:\n  Turkey:\n    aliases: [Türkiye]\n    case_sensitive: true\n")  # fmt: skip
    write(tmp_path / "rules" / "aaa.yaml", "entities:\n  Turkey:\n    case_sensitive: false\n")
    ruleset = load_rule_files([str(tmp_path / "rules")])
    assert ruleset.entities["Turkey"].case_sensitive is False
    assert ruleset.entities["Turkey"].aliases == ("Türkiye",)


def test_durations_are_checked_when_the_config_loads(tmp_path: Path) -> None:
    config_file = write(
        tmp_path / "newsradar.yaml",
        "fetch:\n  timeout: soon\ndelivery:\n  give_up_after: '*/5 * * * *'\n"
        "timezone: Mars/Olympus\n",
    )
    with pytest.raises(ConfigError) as excinfo:
        load_config(str(config_file))
    text = "\n".join(problems_of(excinfo))
    assert f"{config_file}:2: fetch.timeout: `soon` is not a duration" in text
    assert f"{config_file}:4: delivery.give_up_after:" in text  # a cron line is no duration
    assert f"{config_file}:5: timezone:" in text

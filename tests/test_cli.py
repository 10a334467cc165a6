"""The CLI contract: commands, exit codes and output shapes (DESIGN §3)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import main


def invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_init_writes_a_starter_that_checks_clean(tmp_path: Path) -> None:
    result = invoke("init", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "newsradar.yaml").is_file()
    assert (tmp_path / "rules" / "alerts.yaml").is_file()
    assert any((tmp_path / "rules" / "entities").glob("*.yaml"))
    again = invoke("init", str(tmp_path))
    assert again.exit_code == 1 and "use --force" in again.output

    checked = invoke("-c", str(tmp_path / "newsradar.yaml"), "check", env={"SMTP_PASSWORD": "x"})
    assert checked.exit_code == 0, checked.output
    assert checked.output.startswith("ok: 1 sources, 2 rules")


def test_check_without_the_secret_names_the_variable(tmp_path: Path) -> None:
    invoke("init", str(tmp_path))
    result = CliRunner().invoke(
        main, ["-c", str(tmp_path / "newsradar.yaml"), "check"], env={"SMTP_PASSWORD": None}
    )
    assert result.exit_code == 1
    assert (
        f"{tmp_path / 'newsradar.yaml'}:15: environment variable SMTP_PASSWORD is not set"
        in result.output
    )


def test_check_reports_every_bad_rule_with_file_and_line(tmp_path: Path) -> None:
    invoke("init", str(tmp_path))
    rules = tmp_path / "rules" / "alerts.yaml"
    rules.write_text(
        "rules:\n"
        "  - name: one\n    query: NATO AND (Turkey\n    notify: [desk-email]\n"
        "  - name: two\n    query: missile\n    notify: [nowhere]\n"
        "  - name: three\n    query: '\"unclosed phrase'\n    notify: [desk-chat]\n",
        encoding="utf-8",
    )
    result = invoke("-c", str(tmp_path / "newsradar.yaml"), "check", env={"SMTP_PASSWORD": "x"})
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith(str(rules))]
    assert any(line.startswith(f"{rules}:3:") for line in lines), result.output
    assert f"{rules}:5: rule `two`: unknown channel `nowhere`" in result.output
    assert any(line.startswith(f"{rules}:9:") for line in lines), result.output


def test_check_rejects_a_malformed_channel_url(tmp_path: Path) -> None:
    config = tmp_path / "newsradar.yaml"
    config.write_text("notify:\n  bad: notaservice://x\nrules: []\n", encoding="utf-8")
    result = invoke("-c", str(config), "check")
    assert result.exit_code == 1
    assert "notify.bad:" in result.output


def test_missing_config_is_one_clear_line(tmp_path: Path) -> None:
    result = invoke("-c", str(tmp_path / "nope.yaml"), "once")
    assert result.exit_code == 1
    assert (
        result.output.strip()
        == f"{tmp_path / 'nope.yaml'}: config file not found (run `newsradar init` to create one)"
    )


def test_schema_is_json_schema_for_config_and_rules() -> None:
    result = invoke("schema")
    schemas = json.loads(result.output)
    config_schema, rules_schema = schemas["newsradar.yaml"], schemas["rules"]
    assert config_schema["additionalProperties"] is False
    assert {"database", "rules", "notify", "defaults", "sources"} <= set(
        config_schema["properties"]
    )
    assert "rules" in rules_schema["properties"] and "entities" in rules_schema["properties"]


@pytest.mark.parametrize("args", [["--help"], ["once", "--help"], ["test-rule", "--help"]])
def test_console_script_runs(args: list[str]) -> None:
    script = Path(sys.executable).parent / "newsradar"
    done = subprocess.run([str(script), *args], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "Usage:" in done.stdout


def test_a_file_that_is_not_a_database_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "newsradar.db").write_text("this is not SQLite " * 100)
    config = tmp_path / "newsradar.yaml"
    config.write_text("database: newsradar.db\nrules: []\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["-c", str(config), "alerts"])
    assert result.exit_code == 1
    assert result.output.strip() == "error: file is not a database"


def test_alert_lines_show_outlets_digest_and_last_error() -> None:
    from monitor.inspect import format_alert

    row = {
        "id": 7, "status": "pending", "rule": "nato", "channel": "desk", "story_id": 3,
        "story_outlets": ["a", "b"], "attempts": 2, "sent_at": None,
        "next_attempt_at": "2026-11-25T10:00:00+00:00", "title": "NATO: headline",
        "digest_key": "nato|desk|2026-11-25T11:00", "last_error": "desk (json://…): error=500",
    }  # fmt: skip
    assert format_alert(row).splitlines() == [
        "#7 [pending] nato -> desk  story 3 (2 outlets)  attempts 2  "
        "next 2026-11-25T10:00:00+00:00",
        "    NATO: headline",
        "    in digest nato|desk|2026-11-25T11:00",
        "    last error: desk (json://…): error=500",
    ]

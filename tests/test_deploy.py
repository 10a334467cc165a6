"""deploy/: the systemd units, the crontab line, the Dockerfile and the example config.

The units are checked by `systemd-analyze verify` when it is installed, and parsed in every
case, so a typo in a hardening key (which systemd would ignore with a warning) fails here.
"""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from monitor.config import load_config
from monitor.schedule import parse_every

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
REPO = DEPLOY.parent
UNITS = ["newsradar.service", "newsradar-once.service", "newsradar-once.timer"]
NEWSRADAR = "/opt/newsradar/bin/newsradar"

HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "DynamicUser": "yes",
    "StateDirectory": "newsradar",
}


def read_unit(name: str) -> dict[str, dict[str, list[str]]]:
    """A unit file as {section: {key: [values]}} (systemd allows repeated keys)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for number, raw in enumerate((DEPLOY / name).read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            assert line.endswith("]"), f"{name}:{number}: bad section header"
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"{name}:{number}: key outside a section"
        key, sep, value = line.partition("=")
        assert sep and re.fullmatch(r"[A-Za-z]+", key), f"{name}:{number}: not key=value"
        current.setdefault(key, []).append(value)
    return sections


def one(unit: dict[str, dict[str, list[str]]], section: str, key: str) -> str:
    values = unit[section][key]
    assert len(values) == 1, f"{key} set {len(values)} times"
    return values[0]


@pytest.mark.parametrize("name", UNITS)
def test_unit_parses_as_ini(name: str) -> None:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((DEPLOY / name).read_text())
    assert parser.sections()[0] == "Unit"
    assert parser.has_option("Unit", "Description")


def test_daemon_unit_is_hardened_and_stops_gracefully() -> None:
    unit = read_unit("newsradar.service")
    service = unit["Service"]
    for key, value in HARDENING.items():
        assert one(unit, "Service", key) == value, key
    assert one(unit, "Service", "Restart") == "on-failure"
    assert one(unit, "Service", "KillSignal") == "SIGTERM"
    # The daemon promises to stop within 10 s; systemd must wait at least that long.
    assert int(one(unit, "Service", "TimeoutStopSec").rstrip("s")) >= 10
    assert one(unit, "Service", "EnvironmentFile").lstrip("-").startswith("/etc/newsradar/")
    assert "User" not in service or service["User"] != ["root"]
    command = shlex.split(one(unit, "Service", "ExecStart"))
    assert command[0] == NEWSRADAR and command[-1] == "run"
    assert one(unit, "Install", "WantedBy") == "multi-user.target"


def test_timer_runs_the_oneshot_cron_mode() -> None:
    service = read_unit("newsradar-once.service")
    assert one(service, "Service", "Type") == "oneshot"
    assert shlex.split(one(service, "Service", "ExecStart"))[-1] == "once"
    for key, value in HARDENING.items():
        assert one(service, "Service", key) == value, key
    timer = read_unit("newsradar-once.timer")
    assert "OnUnitActiveSec" in timer["Timer"] or "OnCalendar" in timer["Timer"]
    assert one(timer, "Install", "WantedBy") == "timers.target"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    # verify insists that ExecStart binaries exist: stand in an executable for the venv's.
    stub = tmp_path / "newsradar"
    stub.write_text("#!/bin/sh\nexit 0\n")
    stub.chmod(0o755)
    for name in UNITS:
        text = (DEPLOY / name).read_text().replace(NEWSRADAR, str(stub))
        (tmp_path / name).write_text(text)
    result = subprocess.run(
        ["systemd-analyze", "verify", *[str(tmp_path / n) for n in UNITS]],
        capture_output=True,
        text=True,
        timeout=60,
    )
    # Unknown keys are only warnings ("Unknown key ..., ignoring") with exit 0: fail on any
    # line that names one of our units.
    ours = [line for line in result.stderr.splitlines() if any(n in line for n in UNITS)]
    assert result.returncode == 0 and not ours, result.stderr


def test_crontab_line_has_five_time_fields_and_runs_once() -> None:
    lines = [
        line
        for line in (DEPLOY / "newsradar.crontab").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert len(lines) == 1
    fields = lines[0].split(None, 5)
    assert len(fields) == 6, "five time fields and a command"
    parse_every(" ".join(fields[:5]))  # a valid cron expression
    command = fields[5]
    assert f"{NEWSRADAR} " in command and re.search(r"\bonce\b", command)
    assert "flock -n" in command  # overlapping passes are skipped, not stacked


def test_dockerfile_runs_as_non_root_with_database_on_a_volume() -> None:
    instructions: list[tuple[str, str]] = []
    for raw in re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text()).splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            instructions.append((word.upper(), rest.strip()))
    words = [w for w, _ in instructions]
    assert instructions[0] == ("FROM", "python:3.11-slim")
    users = [rest for word, rest in instructions if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    # Nothing runs as root after the last USER.
    assert words.index("USER") < words.index("CMD")
    volumes = " ".join(rest for word, rest in instructions if word == "VOLUME")
    database = load_example_config().database
    assert str(Path(database).parent) in volumes
    runs = " ".join(rest for word, rest in instructions if word == "RUN")
    assert "pip install ." in runs
    copies = [rest.split() for word, rest in instructions if word == "COPY"]
    # The entity catalogue ships where the example config (and the runtime) look for it.
    assert ["rules/", "/usr/share/newsradar/rules/"] in copies
    for source, _ in (c for c in copies if len(c) == 2):
        assert (REPO / source).exists(), f"COPY {source}: not in the repository"
    assert ("STOPSIGNAL", "SIGTERM") in instructions


def load_example_config():  # noqa: ANN201 - monitor.config.Config
    env = {
        "SMTP_USER": "alerts",
        "SMTP_PASSWORD": "s3cret",
        "SMTP_HOST": "smtp.example.org",
        "NTFY_TOPIC": "desk",
        "NTFY_OPS_TOPIC": "ops",
    }
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        mp.delenv("NEWSRADAR_METRICS_HOST", raising=False)
        return load_config(str(DEPLOY / "newsradar.example.yaml"))


def test_example_config_is_valid_and_keeps_secrets_out() -> None:
    config = load_example_config()
    assert not config.warnings, [str(w) for w in config.warnings]  # no inline secrets
    assert config.ops and all(channel in config.channels for channel in config.ops)
    assert config.model.daemon.metrics_host == "127.0.0.1"
    assert "/usr/share/newsradar/rules/entities" in config.rule_paths
    raw = (DEPLOY / "newsradar.example.yaml").read_text()
    for url in re.findall(r'"([a-z]+s?://[^"]+)"', raw):
        assert "${" in url, f"{url}: secrets must come from ${{VAR}}"

"""Shared pytest fixtures: real local servers (HTTP, SMTP, webhooks) on 127.0.0.1 only."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
EXAMPLES = REPO.parent / "shared" / "examples"


def newsradar_cmd(*args: str) -> list[str]:
    """The CLI as a subprocess command line (same interpreter as the tests)."""
    return [sys.executable, "-m", "monitor.cli", *args]


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS} (it sits beside the repository)")
    return CORPUS


# --- local notification servers (tests/servers.py): smtp_sink, webhook, ntfy_stub ------------
# tests/ goes on sys.path so `servers` imports the same way under every pytest import mode.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from servers import ntfy_stub, smtp_sink, webhook  # noqa: E402, F401 - registers the fixtures

# --- local web sites for the collect tests (tests/sites.py): local_site, hanging_url, make_config
from sites import hanging_url, local_site, make_config  # noqa: E402, F401 - registers the fixtures

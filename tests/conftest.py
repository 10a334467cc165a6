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

"""`newsradar init`: a starter config and rules folder, with the shipped entity catalogue."""

from __future__ import annotations

import shutil
from pathlib import Path

from monitor.errors import MonitorError

STARTER = Path(__file__).parent / "starter_files"


def catalogue_dir() -> Path:
    """The shipped entity catalogue (top-level ``rules/entities`` of the source tree)."""
    candidates = [
        Path(__file__).resolve().parents[1] / "rules" / "entities",
        Path("/usr/share/newsradar/rules/entities"),
    ]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise MonitorError("the entity catalogue (rules/entities) is not installed")


def write_starter(directory: Path, force: bool = False) -> list[Path]:
    """Write newsradar.yaml, rules/alerts.yaml and rules/entities/ into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    targets = {
        STARTER / "newsradar.yaml": directory / "newsradar.yaml",
        STARTER / "rules" / "alerts.yaml": directory / "rules" / "alerts.yaml",
    }
    existing = [t for t in targets.values() if t.exists()]
    if existing and not force:
        raise MonitorError(f"{existing[0]} exists; use --force to overwrite")
    written = []
    for source, target in targets.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        written.append(target)
    entities = directory / "rules" / "entities"
    shutil.copytree(
        catalogue_dir(),
        entities,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns("*.py", "__pycache__"),
    )
    written.append(entities)
    return written

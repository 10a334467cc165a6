"""Safe YAML loading that remembers where every value came from.

Validation errors must point at ``file:line``; PyYAML's ``safe_load`` forgets positions, so we
compose the node tree ourselves and keep a map from key path to line number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from monitor.errors import ConfigError, Problem

KeyPath = tuple[str | int, ...]


@dataclass
class YamlDoc:
    """A parsed YAML file: ``data`` plus the 1-based line of every key path in it."""

    path: str
    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)

    def line_of(self, loc: KeyPath) -> int | None:
        """Line of the longest prefix of ``loc`` that we know (pydantic locs can be deeper)."""
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get((), 1)


def _walk(node: yaml.Node, loc: KeyPath, lines: dict[KeyPath, int]) -> None:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            _walk(value_node, (*loc, key), lines)
            # A key's own line beats its value's (a block value starts on the next line).
            lines[(*loc, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*loc, index), lines)


def load_yaml(path: str | Path) -> YamlDoc:
    """Read ``path`` with the safe loader; a syntax error becomes a located ConfigError."""
    path = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([Problem(path, None, f"cannot read file: {exc.strerror}")]) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError([Problem(path, None, "file is not UTF-8 text")]) from exc
    return parse_yaml(text, path)


def parse_yaml(text: str, path: str) -> YamlDoc:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        message = f"YAML syntax error: {exc.problem or exc.context}"
        raise ConfigError([Problem(path, line, message, column)]) from exc
    except yaml.YAMLError as exc:
        raise ConfigError([Problem(path, None, f"YAML error: {exc}")]) from exc
    lines: dict[KeyPath, int] = {}
    if node is not None:
        _walk(node, (), lines)
    return YamlDoc(path=path, data=data, lines=lines)

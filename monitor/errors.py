"""Errors newsradar raises, grouped by cause.

Third-party exceptions are translated where they enter (``raise FetchError(...) from exc``),
so callers only ever catch these.
"""

from __future__ import annotations


class MonitorError(Exception):
    """Base of every error newsradar raises on purpose."""


class ConfigError(MonitorError):
    """A problem in newsradar.yaml or a rule file, located at ``file:line``.

    ``problems`` holds every problem found, so ``newsradar check`` can report them all at once.
    """

    def __init__(self, problems: list[Problem] | str) -> None:
        if isinstance(problems, str):
            problems = [Problem(None, None, problems)]
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class RuleError(ConfigError):
    """A rule query that does not parse, or names something unknown."""


class FetchError(MonitorError):
    """A source could not be fetched or parsed."""


class NotifyError(MonitorError):
    """A notification could not be delivered."""


class LockError(MonitorError):
    """Another newsradar process is already working on this database."""


class Problem:
    """One located problem: prints as ``file:line: message`` (or ``file:line:col:``)."""

    __slots__ = ("file", "line", "message", "column", "severity")

    def __init__(
        self,
        file: str | None,
        line: int | None,
        message: str,
        column: int | None = None,
        severity: str = "error",
    ) -> None:
        self.file = file
        self.line = line
        self.message = message
        self.column = column
        self.severity = severity

    def __str__(self) -> str:
        where = self.file or "<config>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{where}: {prefix}{self.message}"

    def __repr__(self) -> str:
        return f"Problem({str(self)!r})"

"""Parsing `every:` values: a duration (30s, 10m, 1h, 2d) or a five-field cron expression."""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")


@dataclass(frozen=True)
class Every:
    seconds: float | None = None  # an interval
    cron: str | None = None  # or a cron expression


def parse_duration(value: str) -> float:
    """Seconds in ``30s``/``10m``/``1h``/``2d``/``1w``; ValueError otherwise."""
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(f"`{value}` is not a duration like 30s, 10m, 1h or 1d")
    seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if seconds <= 0:
        raise ValueError(f"`{value}` must be longer than zero")
    return seconds


def parse_every(value: str) -> Every:
    """A duration or a cron expression (five fields); ValueError with a clear message."""
    value = str(value).strip()
    if _DURATION.match(value):
        return Every(seconds=parse_duration(value))
    if len(value.split()) == 5:
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(value)
        except ValueError as exc:
            raise ValueError(f"`{value}` is not a valid cron expression: {exc}") from exc
        return Every(cron=value)
    raise ValueError(f"`{value}` is neither a duration (30s, 10m, 1h) nor a cron expression")


def parse_jitter(value: str, interval: float | None) -> float:
    """Jitter in seconds: ``10%`` of the interval, or a duration."""
    value = str(value).strip()
    if value.endswith("%"):
        return (interval or 0) * float(value[:-1]) / 100
    return parse_duration(value) if value not in ("0", "") else 0.0

"""Alert flow control: when an outbox row is delivered, and with which other rows.

Three per-rule / per-channel policies sit between "a rule matched" and "a message is sent":

- ``throttle: 5/h`` (rule): at most 5 alerts per window go out immediately, per rule x channel;
  the rest of that window's alerts are queued as one digest, due at the window's end.
  Windows are fixed and clock-aligned: they tile each day from local midnight (in the config's
  ``timezone:``), so ``5/h`` means "per clock hour" and ``20/d`` "per calendar day".
- ``digest: daily 08:00`` (rule): every alert is held and sent in one message at the next
  scheduled time (``hourly``, ``hourly :30``, ``daily 08:00``, ``daily 08:00,17:00``,
  ``weekly mon 08:00``; an IANA timezone may follow, else the config's ``timezone:``).
- ``quiet_hours: 22:00-07:00`` (channel): a due row below the channel's ``bypass_severity`` is
  postponed to the end of the quiet period, without counting a delivery attempt.

Nothing here changes what is queued: a digested alert is still its own outbox row (the
rule x story x channel UNIQUE key stays the dedupe). Rows of one digest share a
``digest_key`` and a due time, and the drain sends them as one message, marked sent (or
failed) together. The key is derived from rule, channel and due time, so the same digest is
named the same way by every process and every pass.

This module is policy only: no SQL, no sending. ``monitor.process`` asks :func:`route` where a
new alert goes; ``monitor.notify`` asks :func:`group_messages` and
:meth:`ChannelOptions.quiet_until` what to send now.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:  # config.py imports this module to validate: keep it free of the store
    from monitor.models import Rule
    from monitor.store.outbox import AlertRow

SEVERITIES = ("low", "normal", "high", "critical")  # ascending; rules and channels use these
DEFAULT_TIMEZONE = "UTC"
MAX_DIGEST_ITEMS = 50  # alerts per digest message; a bigger digest is sent in parts
MAX_HITS_PER_ITEM = 1  # a digest lists each story compactly: its first matched term only

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_THROTTLE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)?\s*([smhdw])\s*$")
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAYS = {n: i for i, name in enumerate(_DAY_NAMES) for n in (name, name[:3])}
DAY = timedelta(days=1)


# --- parsing (used by monitor.config to validate, and here at run time) ----------------------


def zone(name: str) -> ZoneInfo:
    """The IANA timezone ``name``; ValueError with a clear message otherwise."""
    try:
        return _zone(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown timezone `{name}` (use an IANA name like Europe/Berlin)"
        ) from exc


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _clock(text: str, what: str) -> time:
    match = _CLOCK.match(text.strip())
    if not match:
        raise ValueError(f"`{text}` is not a {what} time like 08:00")
    return time(int(match.group(1)), int(match.group(2)))


@dataclass(frozen=True)
class Throttle:
    """At most ``limit`` immediate alerts per ``window`` (per rule x channel)."""

    limit: int
    window: timedelta

    def window_of(self, moment: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The UTC ``[start, end)`` of the window holding ``moment``.

        Windows tile the local day from midnight (a window that does not divide the day is cut
        short at midnight), computed on real elapsed time so DST changes don't skew them.
        """
        local = moment.astimezone(tz)
        midnight = datetime.combine(local.date(), time(0), tzinfo=tz).astimezone(UTC)
        next_midnight = datetime.combine(local.date() + DAY, time(0), tzinfo=tz).astimezone(UTC)
        index = (moment - midnight) // self.window
        start = midnight + index * self.window
        return start, min(start + self.window, next_midnight)


@lru_cache(maxsize=256)
def parse_throttle(value: str) -> Throttle:
    """``N/WINDOW``: ``5/h``, ``20/d``, ``3/30m``, ``10/2h``; ValueError otherwise."""
    match = _THROTTLE.match(str(value))
    if not match:
        raise ValueError(
            f"`{value}` is not a throttle like 5/h, 20/d or 3/30m "
            "(at most N immediate alerts per window; the rest go into one digest)"
        )
    limit = int(match.group(1))
    window = timedelta(seconds=int(match.group(2) or 1) * _UNITS[match.group(3)])
    if limit < 1:
        raise ValueError(f"throttle `{value}`: allow at least 1 alert per window")
    if not timedelta(minutes=1) <= window <= DAY:
        raise ValueError(
            f"throttle `{value}`: the window must be between 1m and 1d "
            "(for longer periods use `digest: weekly ...`)"
        )
    return Throttle(limit, window)


@dataclass(frozen=True)
class DigestSchedule:
    """When a digest goes out: ``hourly`` at ``minute``, or daily/weekly at ``times``."""

    kind: str  # "hourly" | "daily" | "weekly"
    times: tuple[time, ...] = ()
    minute: int = 0  # hourly only
    weekday: int | None = None  # weekly only, Monday = 0
    timezone: str | None = None  # None: the config's timezone

    def next_after(self, moment: datetime, default_timezone: str = DEFAULT_TIMEZONE) -> datetime:
        """The first scheduled time strictly after ``moment``, in UTC."""
        tz = zone(self.timezone or default_timezone)
        local = moment.astimezone(tz)
        if self.kind == "hourly":
            hour = local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)
            for extra in range(3):
                candidate = hour + timedelta(hours=extra, minutes=self.minute)
                if candidate > moment:
                    return candidate
        for days in range(9):  # a week and a DST day of slack
            day: date = local.date() + timedelta(days=days)
            if self.weekday is not None and day.weekday() != self.weekday:
                continue
            for clock in self.times:
                candidate = datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)
                if candidate > moment:
                    return candidate
        raise AssertionError(f"no digest time after {moment} for {self}")  # pragma: no cover


@lru_cache(maxsize=256)
def parse_digest(value: str) -> DigestSchedule:
    """``hourly``, ``hourly :30``, ``daily 08:00``, ``daily 08:00,17:00``, ``weekly mon 08:00``,
    each optionally followed by an IANA timezone (``daily 08:00 Europe/Berlin``)."""
    usage = (
        f"`{value}` is not a digest schedule like `hourly`, `daily 08:00`, "
        "`daily 08:00,17:00` or `weekly mon 08:00` (optionally followed by a timezone)"
    )
    tokens = str(value).split()
    if not tokens:
        raise ValueError(usage)
    timezone = None
    if len(tokens) > 1 and ("/" in tokens[-1] or tokens[-1].upper() == "UTC"):
        timezone = tokens.pop()
        zone(timezone)
    kind, rest = tokens[0].lower(), tokens[1:]
    if kind == "hourly":
        if not rest:
            return DigestSchedule("hourly", timezone=timezone)
        minute = re.fullmatch(r":([0-5]\d)", "".join(rest))
        if minute is None:
            raise ValueError(f"{usage}; `hourly :MM` sends at minute MM of every hour")
        return DigestSchedule("hourly", minute=int(minute.group(1)), timezone=timezone)
    weekday = None
    if kind == "weekly":
        if not rest or rest[0].lower() not in _WEEKDAYS:
            raise ValueError(f"{usage}; `weekly` needs a day: mon, tue, … sun")
        weekday, rest = _WEEKDAYS[rest[0].lower()], rest[1:]
    elif kind != "daily":
        raise ValueError(usage)
    if not rest:
        raise ValueError(f"{usage}; `{kind}` needs a time such as 08:00")
    times = tuple(sorted({_clock(t, "digest") for t in "".join(rest).split(",") if t}))
    if not times:
        raise ValueError(usage)
    return DigestSchedule(kind, times=times, weekday=weekday, timezone=timezone)


@dataclass(frozen=True)
class QuietHours:
    """A daily quiet period ``start``-``end`` in local time; it may wrap midnight."""

    start: time
    end: time

    def until(self, moment: datetime, tz: ZoneInfo) -> datetime | None:
        """The end of the quiet period holding ``moment`` (UTC), or None when not quiet."""
        local = moment.astimezone(tz)
        now = local.time().replace(tzinfo=None)
        if self.start < self.end:
            quiet = self.start <= now < self.end
        else:  # wraps midnight: 22:00-07:00
            quiet = now >= self.start or now < self.end
        if not quiet:
            return None
        for days in range(3):
            candidate = datetime.combine(local.date() + timedelta(days=days), self.end, tzinfo=tz)
            if candidate.astimezone(UTC) > moment:
                return candidate.astimezone(UTC)
        raise AssertionError("unreachable")  # pragma: no cover


@lru_cache(maxsize=64)
def parse_quiet_hours(value: str) -> QuietHours:
    """``HH:MM-HH:MM`` (``22:00-07:00`` wraps midnight); ValueError otherwise."""
    parts = str(value).split("-")
    if len(parts) != 2:
        raise ValueError(f"`{value}` is not a quiet period like 22:00-07:00")
    start, end = (_clock(p, "quiet-hours") for p in parts)
    if start == end:
        raise ValueError(f"quiet hours `{value}` start and end at the same time")
    return QuietHours(start, end)


def severity_rank(severity: str) -> int:
    """Position in :data:`SEVERITIES`; unknown values rank as ``normal``."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else 1


# --- channels --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelOptions:
    """Delivery options of one channel beyond its URL. The defaults change nothing."""

    quiet_hours: QuietHours | None = None
    timezone: str = DEFAULT_TIMEZONE
    bypass_severity: str | None = "critical"  # None: nothing bypasses quiet hours

    def quiet_until(self, severity: str, now: datetime) -> datetime | None:
        """When a message of ``severity`` may go out if not ``now`` (UTC), or None: send now."""
        if self.quiet_hours is None:
            return None
        if self.bypass_severity is not None and severity_rank(severity) >= severity_rank(
            self.bypass_severity
        ):
            return None
        return self.quiet_hours.until(now, zone(self.timezone))


# --- routing a new alert ---------------------------------------------------------------------


@dataclass(frozen=True)
class Routing:
    """Where a new outbox row goes: due at ``due_at``, alone or as part of ``digest_key``."""

    due_at: datetime
    digest_key: str | None = None  # None: an immediate alert (today's behaviour)


def _key(kind: str, rule: str, channel: str, due: datetime) -> str:
    return f"{kind}:{rule}:{channel}:{due.astimezone(UTC).isoformat(timespec='seconds')}"


def route(
    rule: Rule,
    channel: str,
    now: datetime,
    count_immediate: Callable[[str, str, datetime], int],
    timezone: str = DEFAULT_TIMEZONE,
) -> Routing:
    """Decide how the alert for ``rule`` to ``channel`` matched at ``now`` is delivered.

    ``count_immediate(rule, channel, start)`` counts the immediate rows of that rule x channel
    queued since ``start`` (``Outbox.count_immediate``); only throttled rules call it. A rule
    with neither option is immediate, as before flow control existed.
    """
    if rule.digest:
        due = parse_digest(rule.digest).next_after(now, timezone)
        return Routing(due, _key("digest", rule.name, channel, due))
    if rule.throttle:
        throttle = parse_throttle(rule.throttle)
        start, end = throttle.window_of(now, zone(timezone))
        if count_immediate(rule.name, channel, start) >= throttle.limit:
            return Routing(end, _key("throttle", rule.name, channel, end))
    return Routing(now)


# --- composing messages at delivery time -----------------------------------------------------


@dataclass(frozen=True)
class Message:
    """One message to one channel: a single alert, or (part of) a digest of several."""

    rows: tuple[AlertRow, ...]
    title: str
    body: str
    severity: str
    digest_key: str | None = None
    part: tuple[int, int] = (1, 1)

    @property
    def ids(self) -> list[int]:
        return [row.id for row in self.rows]


def group_messages(rows: Sequence[AlertRow]) -> list[Message]:
    """``rows`` (of one channel) as messages, in order of each message's first row.

    Rows sharing a ``digest_key`` become one digest (in parts of :data:`MAX_DIGEST_ITEMS`);
    every other row is its own message with its frozen title and body.
    """
    groups: dict[str | int, list[AlertRow]] = {}
    for row in rows:
        groups.setdefault(row.digest_key or row.id, []).append(row)
    messages: list[Message] = []
    for key, members in groups.items():
        if not isinstance(key, str):
            (row,) = members
            messages.append(Message((row,), row.title, row.body, row.severity))
            continue
        members.sort(key=lambda r: r.id)
        chunks = [
            members[i : i + MAX_DIGEST_ITEMS] for i in range(0, len(members), MAX_DIGEST_ITEMS)
        ]
        for number, chunk in enumerate(chunks, 1):
            messages.append(render_digest(key, chunk, (number, len(chunks))))
    return messages


def render_digest(
    digest_key: str, rows: Sequence[AlertRow], part: tuple[int, int] = (1, 1)
) -> Message:
    """One digest message listing each alert compactly: headline, source and time, link, and
    its first matched term. Alert text was sanitised when it was rendered, so it is reused."""
    severity = max((r.severity for r in rows), key=severity_rank)
    rules = list(dict.fromkeys(r.rule for r in rows))
    count = len(rows)
    prefix = f"[{severity}] " if severity != "normal" else ""
    suffix = f" (part {part[0]}/{part[1]})" if part[1] > 1 else ""
    title = (
        f"{prefix}newsradar digest: {', '.join(rules)} — {count} "
        f"{'story' if count == 1 else 'stories'}{suffix}"
    )
    first, last = min(r.created_at for r in rows), max(r.created_at for r in rows)
    lines = [
        f"Rule: {', '.join(rules)}",
        f"Matched: {_when(first)} – {_when(last)}",
        "",
    ]
    for number, row in enumerate(rows, 1):
        lines += _digest_item(number, row)
    return Message(tuple(rows), title, "\n".join(lines) + "\n", severity, digest_key, part)


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


_ITEM_FIELDS = ("Headline", "Source", "Published", "Link")


def _digest_item(number: int, row: AlertRow) -> list[str]:
    """A few lines for one alert, picked from its rendered body (monitor.alert_text)."""
    fields: dict[str, str] = {}
    hits: list[str] = []
    for line in row.body.splitlines():
        name, sep, value = line.partition(": ")
        if sep and name in _ITEM_FIELDS and name not in fields:
            fields[name] = value.strip()
        elif line.startswith("- ") and len(hits) < MAX_HITS_PER_ITEM:
            hits.append(line)
    if "Headline" not in fields:  # not an alert_text body: show its start as it is
        body = [line for line in row.body.splitlines() if line.strip()][:3]
        return [f"{number}. {row.title}", *(f"   {line}" for line in body), ""]
    item = [f"{number}. {fields['Headline']}"]
    meta = ", ".join(fields[k] for k in ("Source", "Published") if fields.get(k))
    if meta:
        item.append(f"   {meta}")
    if fields.get("Link") and fields["Link"] != "(none)":
        item.append(f"   {fields['Link']}")
    item += [f"   {hit}" for hit in hits]
    return [*item, ""]

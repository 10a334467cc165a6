"""The outbox drain: send due alerts through apprise and record every outcome in the outbox.

Delivery state lives in the store, never in memory: apprise ``notify()`` never raises and
retries nothing by default, so each row's result (sent / failed + redacted reason + next
attempt / dead) is written as soon as it is known. A process killed mid-pass loses nothing:
claimed rows come back when their lease expires (at-least-once).

How one pass bounds its time (DESIGN §7, "one slow channel never stalls others"):

- every channel is sent from its own worker thread (a small pool), so channels run side by
  side; the database is written from the calling thread only (sqlite connections are not
  shared between threads);
- each message has a deadline: apprise's per-service ``service_timeout`` (it stops waiting and
  reports TIMEOUT), backed by socket connect/read timeouts (``cto``/``rto``) injected into URLs
  that don't set their own, so abandoned sends also end;
- a channel is paused for the rest of a pass after a failure that took a whole timeout, or
  after two failures in a row: the rows behind are deferred to the same retry time without
  counting an attempt (a down server costs one or two attempts per pass, not one per alert).
  One quick failure alone doesn't pause it, so a message the service rejects (a poison row)
  can't hold up the rows behind it. A channel that is slow but working stops starting sends
  after its budget; those rows stay due for the next pass.

Flow control (:mod:`monitor.flow`): rows sharing a ``digest_key`` are sent as one message and
change state together (sent, failed, deferred or released as a whole); a channel in its quiet
hours holds back rows below its bypass severity until the quiet period ends (no attempt
counted).

Secrets: an apprise URL is only ever shown as ``url(privacy=True)``; errors and apprise's own
log records are scrubbed of every secret-looking part of the configured URLs.
"""

from __future__ import annotations

import logging
import queue
import random
import re
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

import apprise

from monitor.flow import ChannelOptions, Message, group_messages
from monitor.redact import SCRUBBER, hidden_parts, obvious_secrets, redact, short_label
from monitor.schedule import parse_duration
from monitor.store import Store, utcnow
from monitor.store.outbox import AlertRow, Outbox

if TYPE_CHECKING:
    from monitor.config import DeliveryModel

log = logging.getLogger("newsradar.notify")

JITTER = 0.1  # up to +10 % on each retry delay, so rows that failed together spread out
DEFAULT_THROTTLE = 1.0  # see deliver_due(throttle=...)
BUDGET_PER_TIMEOUT = 3  # a channel may spend 3 x delivery.timeout per pass starting sends
FAILURES_BEFORE_PAUSE = 2  # consecutive quick failures that pause a channel for the pass
SLOW = 0.9  # a failure that took this share of the timeout means the channel is hanging
# Channels sent side by side. apprise runs each send in its own shared pool (cpu + 4 threads,
# at least 5) and counts time queued there against the deadline: stay below its size.
MAX_WORKERS = 4
_GRACE = 0.5  # seconds on top of a service deadline for apprise's own bookkeeping

_SEVERITY_TYPE = {
    "low": apprise.NotifyType.INFO,
    "normal": apprise.NotifyType.INFO,
    "high": apprise.NotifyType.WARNING,
    "critical": apprise.NotifyType.FAILURE,
}


@dataclass
class DeliveryReport:
    """What one drain did. ``skipped`` rows were not attempted and stay pending."""

    sent: int = 0
    failed: int = 0  # attempted, failed, will be retried
    dead: int = 0  # given up (past delivery.give_up_after); visible in `newsradar alerts`
    skipped: int = 0  # channel missing/invalid/already failing this pass, budget or stop
    errors: dict[str, str] = field(default_factory=dict)  # channel -> last redacted error
    digests: int = 0  # digest messages sent (their rows count in ``sent``)
    quiet: int = 0  # rows held back until their channel's quiet hours end (stay pending)


@dataclass(frozen=True)
class Timings:
    """``delivery:`` from the config, in seconds."""

    timeout: float
    backoff: float
    max_backoff: float
    give_up_after: float

    @classmethod
    def from_model(cls, delivery: DeliveryModel) -> Timings:
        return cls(
            timeout=parse_duration(delivery.timeout),
            backoff=parse_duration(delivery.backoff),
            max_backoff=parse_duration(delivery.max_backoff),
            give_up_after=parse_duration(delivery.give_up_after),
        )


def retry_delay(timings: Timings, failed_before: int, rng: random.Random | None = None) -> float:
    """Seconds until the next attempt after a failure: the backoff doubles with each earlier
    failure, is capped at ``max_backoff``, plus up to :data:`JITTER` of itself."""
    delay = min(timings.backoff * 2 ** min(failed_before, 40), timings.max_backoff)
    return delay * (1 + (rng or random).uniform(0, JITTER))


def validate_channel(url: str) -> str | None:
    """Why ``url`` is not a usable apprise URL, or None. Sends nothing."""
    if not url or not url.strip():
        return "empty notification URL"
    SCRUBBER.add(obvious_secrets(url))
    try:
        plugin = apprise.Apprise.instantiate(url)
    except Exception as exc:
        return f"apprise cannot load `{redact(url)}`: {SCRUBBER.scrub(str(exc))}"
    if plugin is None:
        return (
            f"`{redact(url)}` is not a valid apprise URL (unknown service, or a required "
            "part is missing or malformed; see https://appriseit.com/services/)"
        )
    SCRUBBER.add(hidden_parts(url, str(plugin.url(privacy=True))))
    return None


# --- one channel ------------------------------------------------------------------------------

_TIMEOUT_PARAM = {
    "cto": re.compile(r"[?&]cto=", re.IGNORECASE),
    "rto": re.compile(r"[?&]rto=", re.IGNORECASE),
}


@dataclass(frozen=True)
class _Attempt:
    ok: bool
    error: str | None = None


class Channel:
    """One configured channel, ready to send: its apprise object and its redacted name.

    ``timeout`` bounds one message (socket timeouts + apprise's service deadline);
    ``throttle`` caps apprise's pause between two messages to the service (None: apprise's own).
    """

    def __init__(
        self, name: str, url: str, timeout: float, throttle: float | None = DEFAULT_THROTTLE
    ) -> None:
        self.name = name
        self.timeout = timeout
        self.error: str | None = None
        self.gap = 0.0
        SCRUBBER.add(obvious_secrets(url))
        self.redacted = redact(url)
        SCRUBBER.add(hidden_parts(url, self.redacted))
        self.label = f"{name} ({short_label(self.redacted)})"
        self.apprise: apprise.Apprise | None = None
        try:
            probe = apprise.Apprise.instantiate(url)
        except Exception:
            probe = None
        if probe is None:
            self.error = f"channel `{name}`: `{self.redacted}` is not a valid apprise URL"
            return
        rate = float(getattr(probe, "request_rate_per_sec", 0) or 0)
        self.gap = rate if throttle is None else min(rate, throttle)
        # apprise's own throttle sleeps inside the send, so it counts against the deadline.
        asset = apprise.AppriseAsset(service_timeout=timeout + self.gap + _GRACE)
        plugin = apprise.Apprise.instantiate(url, asset=asset)
        if plugin is None:  # pragma: no cover - it loaded a moment ago
            self.error = f"channel `{name}`: `{self.redacted}` could not be loaded"
            return
        plugin.request_rate_per_sec = self.gap
        # Sockets time out too, so a send apprise stopped waiting for also ends.
        if not _TIMEOUT_PARAM["cto"].search(url):
            plugin.socket_connect_timeout = timeout
        if not _TIMEOUT_PARAM["rto"].search(url):
            plugin.socket_read_timeout = timeout
        self.apprise = apprise.Apprise(asset=asset)
        self.apprise.add(plugin)

    def send(self, row: AlertRow) -> _Attempt:
        """One attempt at one alert row; see :meth:`send_message`."""
        return self.send_message(row.title, row.body, row.severity)

    def send_message(self, title: str, body: str, severity: str) -> _Attempt:
        """One attempt: apprise's per-service result decides; never raises."""
        assert self.apprise is not None
        try:
            result = self.apprise.notify(
                body=body,
                title=title,
                body_format=apprise.NotifyFormat.TEXT,
                notify_type=_SEVERITY_TYPE.get(severity, apprise.NotifyType.INFO),
            )
            with result:  # releases any disk-backed log capture
                if result.status == apprise.AppriseResultStatus.SUCCESS:
                    return _Attempt(True)
                return _Attempt(False, self._error(_describe(result)))
        except Exception as exc:  # apprise promises not to raise; a plugin bug must not stop us
            return _Attempt(False, self._error(f"{type(exc).__name__}: {exc}"))

    def _error(self, reason: str) -> str:
        return SCRUBBER.scrub(f"{self.label}: {reason}")[:1000]


def _describe(result: apprise.AppriseResult) -> str:
    """The failed services' status and their warning/error log lines, deduplicated."""
    parts = []
    for service in result:
        if service:
            continue
        messages: list[str] = []
        for entry in service.logs():
            if entry.level in ("WARNING", "ERROR", "CRITICAL") and entry.message not in messages:
                messages.append(entry.message)
        reason = "; ".join(messages[-3:]) or "no reason given"
        parts.append(f"{service.status.name.lower()}: {reason}")
    if not parts:
        calls = [e.message for e in result.call_logs() if e.level in ("WARNING", "ERROR")]
        parts.append(f"{result.status.name.lower()}: {'; '.join(calls[-3:]) or 'no details'}")
    return " | ".join(parts)


# --- the drain --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Outcome:
    message: Message  # one alert row, or every row of one digest message
    kind: Literal["sent", "failed", "deferred", "released"]
    error: str | None = None


@dataclass(frozen=True)
class _Done:
    channel: str


def _send_channel(
    channel: Channel,
    messages: list[Message],
    budget: float,
    stop: threading.Event | None,
    out: queue.Queue[_Outcome | _Done],
) -> None:
    """Worker: send ``messages`` in order; report each outcome to the writer thread."""
    deadline = time.monotonic() + budget
    paused: str | None = None  # the error that paused this channel for the pass
    failures = 0
    try:
        for message in messages:
            if paused is not None:
                out.put(_Outcome(message, "deferred", paused))
                continue
            if (stop is not None and stop.is_set()) or time.monotonic() >= deadline:
                out.put(_Outcome(message, "released"))
                continue
            started = time.monotonic()
            attempt = channel.send_message(message.title, message.body, message.severity)
            if attempt.ok:
                failures = 0
                out.put(_Outcome(message, "sent"))
                continue
            failures += 1
            error = attempt.error or f"{channel.label}: failed"
            out.put(_Outcome(message, "failed", error))
            # (apprise's throttle pause is part of the send, but not a sign of a hanging server)
            hanging = time.monotonic() - started - channel.gap >= SLOW * channel.timeout
            if hanging or failures >= FAILURES_BEFORE_PAUSE:
                paused = error
    finally:
        out.put(_Done(channel.name))


class _Writer:
    """Records outcomes in the outbox, on the calling thread."""

    def __init__(
        self, outbox: Outbox, timings: Timings, report: DeliveryReport, now: datetime | None
    ) -> None:
        self.outbox, self.timings, self.report = outbox, timings, report
        self.fixed_now = now
        self.retry_at: dict[str, datetime] = {}  # channel -> when its failed row is retried
        self.released = 0  # rows handed back still due (budget spent or stop)

    def now(self) -> datetime:
        return self.fixed_now or utcnow()

    def past_horizon(self, row: AlertRow, now: datetime) -> bool:
        # Counted from when the row became due: a digest held for days is not born old.
        since = row.due_at or row.created_at
        return now - since >= timedelta(seconds=self.timings.give_up_after)

    def record(self, outcome: _Outcome) -> None:
        """Apply one message's outcome to all of its rows at once."""
        message, now = outcome.message, self.now()
        rows, first = message.rows, message.rows[0]
        if outcome.kind == "sent":
            self.outbox.mark_sent(message.ids, now)
            self.report.sent += len(rows)
            if message.digest_key:
                self.report.digests += 1
                log.info(
                    "digest of %d alerts (%s) sent to %s", len(rows), first.rule, first.channel
                )
            else:
                log.info("alert %d (%s) sent to %s", first.id, first.rule, first.channel)
        elif outcome.kind == "failed":
            error = outcome.error or "failed"
            attempts = max(row.attempts for row in rows)
            retry_at = now + timedelta(seconds=retry_delay(self.timings, attempts))
            dead = self.past_horizon(first, now)
            # One retry time for the whole message, so its rows come due (and go out) together.
            self.outbox.mark_failed(message.ids, error, retry_at, dead=dead)
            self.retry_at[first.channel] = retry_at
            self.report.errors[first.channel] = error
            self._count_failure(message, error, dead, retry_at)
        elif outcome.kind == "deferred":
            reason = f"not attempted, channel failed earlier in this pass: {outcome.error}"
            self.defer(rows, reason, self.retry_at.get(first.channel))
        else:
            self.outbox.release(message.ids)
            self.released += len(rows)
            self.report.skipped += len(rows)

    def defer(
        self, rows: Sequence[AlertRow], reason: str, retry_at: datetime | None = None
    ) -> None:
        now = self.now()
        retry_at = retry_at or now + timedelta(seconds=retry_delay(self.timings, 0))
        dead = [row for row in rows if self.past_horizon(row, now)]
        alive = [row for row in rows if not self.past_horizon(row, now)]
        if alive:
            self.outbox.defer([row.id for row in alive], reason, retry_at)
            self.report.skipped += len(alive)
        if dead:
            self.outbox.defer([row.id for row in dead], reason, retry_at, dead=True)
            self.report.dead += len(dead)
            for row in dead:
                log.error("alert %d (%s) to %s given up: %s", row.id, row.rule, row.channel, reason)

    def hold(self, message: Message, until: datetime) -> None:
        """Quiet hours: postpone the whole message, no attempt counted, never given up for it."""
        first = message.rows[0]
        reason = f"quiet hours on channel `{first.channel}` until {until.isoformat()}"
        self.outbox.defer(message.ids, reason, until)
        self.report.quiet += len(message.rows)
        log.info("%d alert(s) (%s) held: %s", len(message.rows), first.rule, reason)

    def _count_failure(self, message: Message, error: str, dead: bool, retry_at: datetime) -> None:
        row, count = message.rows[0], len(message.rows)
        what = f"digest of {count} alerts" if message.digest_key else f"alert {row.id}"
        if dead:
            self.report.dead += count
            log.error(
                "%s (%s) to %s given up after %d attempts: %s",
                what, row.rule, row.channel, row.attempts + 1, error,
            )  # fmt: skip
        else:
            self.report.failed += count
            log.warning(
                "%s (%s) to %s failed (attempt %d), retry at %s: %s",
                what, row.rule, row.channel, row.attempts + 1,
                retry_at.isoformat(timespec="seconds"), error,
            )  # fmt: skip


def deliver_due(
    store: Store,
    channels: Mapping[str, str],
    delivery: DeliveryModel,
    now: datetime | None = None,
    stop: threading.Event | None = None,
    *,
    throttle: float | None = DEFAULT_THROTTLE,
    channel_budget: float | None = None,
    batch: int = 100,
    channel_options: Mapping[str, ChannelOptions] | None = None,
) -> DeliveryReport:
    """Send every outbox row that is due, record each outcome, and report the counts.

    ``channels`` maps channel names to apprise URLs (secrets substituted). ``now`` fixes the
    clock (tests, backfills). Setting ``stop`` ends the pass early: unsent rows are released
    untouched. ``throttle`` caps apprise's pause between two messages to one service (apprise
    waits 5.5 s for services that declare no rate of their own, email and ntfy included; those
    that declare a faster rate keep it); None keeps apprise's values. ``channel_budget`` is how
    long one channel may keep starting sends in this pass (default 3 x ``delivery.timeout``).
    ``channel_options`` (``Config.channel_options``) adds quiet hours per channel; without it
    no channel is ever quiet. Digest rows are always sent as one message per digest.
    """
    timings = Timings.from_model(delivery)
    budget = channel_budget if channel_budget is not None else BUDGET_PER_TIMEOUT * timings.timeout
    report = DeliveryReport()
    writer = _Writer(store.outbox, timings, report, now)
    built: dict[str, Channel] = {}
    while not (stop is not None and stop.is_set()):
        rows = store.outbox.claim_due(writer.now(), limit=batch)
        if not rows:
            break
        released_before = writer.released
        _drain_batch(
            rows, channels, built, writer, timings, throttle, budget, stop, channel_options or {}
        )
        # Released rows are still due: claiming again now would loop on them.
        if len(rows) < batch or writer.released > released_before:
            break
    if report.sent or report.failed or report.dead:
        log.info(
            "delivery: %d sent, %d failed, %d given up, %d skipped",
            report.sent, report.failed, report.dead, report.skipped,
        )  # fmt: skip
    return report


def _drain_batch(
    rows: list[AlertRow],
    channels: Mapping[str, str],
    built: dict[str, Channel],
    writer: _Writer,
    timings: Timings,
    throttle: float | None,
    budget: float,
    stop: threading.Event | None,
    channel_options: Mapping[str, ChannelOptions],
) -> None:
    by_channel: dict[str, list[AlertRow]] = {}
    for row in rows:
        by_channel.setdefault(row.channel, []).append(row)

    work: list[tuple[Channel, list[Message]]] = []
    for name, channel_rows in by_channel.items():
        url = channels.get(name)
        if url is None:
            reason = f"channel `{name}` is not configured under `notify:` (kept pending)"
            writer.defer(channel_rows, reason)
            writer.report.errors[name] = reason
            continue
        if name not in built:
            built[name] = Channel(name, url, timings.timeout, throttle)
        channel = built[name]
        if channel.error:
            writer.defer(channel_rows, channel.error)
            writer.report.errors[name] = channel.error
            continue
        messages = group_messages(channel_rows)
        options = channel_options.get(name)
        if options is not None and options.quiet_hours is not None:
            now, due = writer.now(), []
            for message in messages:
                until = options.quiet_until(message.severity, now)
                if until is None:
                    due.append(message)
                else:
                    writer.hold(message, until)
            messages = due
        if messages:
            work.append((channel, messages))
    if not work:
        return

    outcomes: queue.Queue[_Outcome | _Done] = queue.Queue()
    recorded: set[int] = set()
    try:
        with ThreadPoolExecutor(
            max_workers=min(MAX_WORKERS, len(work)), thread_name_prefix="newsradar-notify"
        ) as pool:
            for channel, messages in work:
                pool.submit(_send_channel, channel, messages, budget, stop, outcomes)
            running = len(work)
            while running:
                item = outcomes.get()
                if isinstance(item, _Done):
                    running -= 1
                    continue
                writer.record(item)  # as soon as it is known: a kill now loses at most one
                recorded.update(item.message.ids)
    finally:
        # Anything a crashed worker never reported goes back untouched, due again.
        for _, messages in work:
            for message in messages:
                unreported = [i for i in message.ids if i not in recorded]
                if unreported:
                    writer.outbox.release(unreported)

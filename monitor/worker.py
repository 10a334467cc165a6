"""The daemon's worker: the one thread of the daemon that touches the store.

Scheduler jobs only *ask* (a source is due, delivery is due, a health check is due); this
thread does the work in order: one child collect for every source that is due, then the
process half at once (cluster, match, enqueue), then source health, then delivery. A slow
collect delays the next cycle instead of stacking up crawls.

Why one thread: while the child collect writes articles, nothing else in the daemon writes
(a second writer makes SQLite's deferred read-then-write transactions fail with "database is
locked" at once, busy timeout or not). Delivery gets a time slice per turn, so a backlog on a
slow channel delays collection by seconds, not minutes; the rest goes out on later turns.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from monitor.collect import CollectReport
from monitor.health import check_source_health
from monitor.metrics import Metrics, SourceSnapshot
from monitor.notify import deliver_due
from monitor.pipeline import due_sources
from monitor.process import process_pending
from monitor.reload import Active
from monitor.store import Store

log = logging.getLogger("newsradar.worker")

BATCH_WINDOW_S = 0.3  # sources that fall due within this window share one child collect
IDLE_WAKE_S = 1.0  # heartbeat: how stale /healthz lets the worker look when idle
# Delivery stops starting new sends after this long per turn (a send in flight finishes).
DELIVERY_SLICE_S = 10.0


class _StopOrDeadline(threading.Event):
    """Set when the daemon stops or the slice is over: deliver_due's ``stop`` releases the
    rows it did not get to, untouched, for the next turn."""

    def __init__(self, stop: threading.Event, seconds: float) -> None:
        super().__init__()
        self._stop = stop
        self._deadline = time.monotonic() + seconds

    def expired(self) -> bool:
        return time.monotonic() >= self._deadline

    def is_set(self) -> bool:
        return self._stop.is_set() or self.expired()


class CollectFn(Protocol):
    """How the worker collects (``monitor.child.collect_stoppable``; a stand-in in tests)."""

    def __call__(
        self,
        config_path: str,
        source_names: list[str],
        timeout: float | None,
        stop: threading.Event,
    ) -> CollectReport: ...


@dataclass
class Status:
    """What /healthz reports about the worker (read from other threads; plain values only)."""

    phase: str = "starting"
    busy_since: float | None = None  # monotonic; None while idle
    last_work_at: float | None = None  # unix time the last piece of work ended
    cycles: int = 0


class Worker(threading.Thread):
    def __init__(
        self,
        database: str,
        active: Callable[[], Active],
        collect: CollectFn,
        metrics: Metrics,
        stop: threading.Event,
        collect_blocked: Callable[[], str | None] = lambda: None,
    ) -> None:
        super().__init__(name="worker", daemon=True)
        self.database = database
        self.active = active
        self.collect = collect
        self.metrics = metrics
        self.stop_event = stop
        self.collect_blocked = collect_blocked
        self.status = Status()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._due: set[str] = set()
        self._deliver = False
        self._health = False
        self._blocked_logged: str | None = None

    # --- asked by scheduler jobs (any thread) ----------------------------------------------

    def mark_due(self, source: str) -> None:
        with self._lock:
            self._due.add(source)
        self._wake.set()

    def request_delivery(self) -> None:
        with self._lock:
            self._deliver = True
        self._wake.set()

    def request_health(self) -> None:
        with self._lock:
            self._health = True
        self._wake.set()

    def wake(self) -> None:
        self._wake.set()

    # --- the loop --------------------------------------------------------------------------

    def run(self) -> None:
        store = Store.open(self.database)
        try:
            # Whatever a previous run left behind (articles stored but not processed, alerts
            # queued but not sent) goes out before anything new is fetched.
            self._guarded("startup", self._process, store)
            while not self.stop_event.is_set():
                self._wake.wait(IDLE_WAKE_S)
                self._wake.clear()
                if self.stop_event.is_set():
                    break
                with self._lock:
                    has_due = bool(self._due)
                if has_due:
                    self.stop_event.wait(BATCH_WINDOW_S)  # let near-simultaneous dues join
                with self._lock:
                    due, self._due = self._due, set()
                    deliver, self._deliver = self._deliver, False
                    health, self._health = self._health, False
                if due:
                    self._guarded("cycle", self._cycle, store, due)
                elif health:
                    self._guarded("health", self._check_health, store)
                elif deliver:
                    self._guarded("delivery", self._deliver_due, store)
        finally:
            self.status.phase = "stopped"
            store.close()

    def _guarded(self, phase: str, work: Callable[..., None], *args: object) -> None:
        """Run one piece of work; a bug or a locked database is logged, never fatal."""
        self.status.phase, self.status.busy_since = phase, time.monotonic()
        try:
            work(*args)
        except Exception:
            log.exception("%s failed; the worker carries on", phase)
            self.stop_event.wait(1.0)  # no hot loop on a persistent error
        finally:
            self.status.phase, self.status.busy_since = "idle", None
            self.status.last_work_at = time.time()
            self.status.cycles += 1
            self.metrics.last_cycle.set(self.status.last_work_at)

    def _cycle(self, store: Store, due: set[str]) -> None:
        active = self.active()
        blocked = self.collect_blocked()
        if blocked:
            if blocked != self._blocked_logged:  # once per cause, not every 2 s
                log.error("not collecting %s: %s", ", ".join(sorted(due)), blocked)
            self._blocked_logged = blocked
        else:
            self._blocked_logged = None
            sources = [s.name for s in due_sources(active.config, store) if s.name in due]
            if sources:
                self._collect(active, sources)
        if self.stop_event.is_set():
            return  # what was stored is processed on the next start
        self._process(store)

    def _collect(self, active: Active, sources: list[str]) -> None:
        self.status.phase = "collect"
        started = time.monotonic()
        # timeout None: the child's own limit (fetch.crawl_timeout + shutdown grace).
        report = self.collect(active.config.path, sources, None, self.stop_event)
        elapsed = time.monotonic() - started
        self.metrics.collect_duration.observe(elapsed)
        if self.stop_event.is_set():
            outcome = "stopped"
        elif report.timed_out:
            outcome = "timeout"
        else:
            outcome = "error" if report.error else "ok"
        self.metrics.collect_cycles.labels(outcome).inc()
        for result in report.sources:
            if result.error:
                self.metrics.source_errors.labels(result.name).inc()
            if result.new or result.changed:
                self.metrics.articles.labels(result.name).inc(result.new + result.changed)
        log.info(
            "collected %d source(s) in %.1fs: %d new, %d failed",
            len(sources), elapsed, report.new, len(report.failed),
        )  # fmt: skip

    def _process(self, store: Store) -> None:
        active = self.active()
        self.status.phase = "process"
        started = time.monotonic()
        processed = process_pending(store, active.config, active.rulebook, stop=self.stop_event)
        self.metrics.process_duration.observe(time.monotonic() - started)
        self.metrics.matches.inc(processed.matches)
        self.metrics.alerts_queued.inc(processed.alerts_queued)
        self._check_health(store)

    def _check_health(self, store: Store) -> None:
        self.status.phase = "health"
        check_source_health(store, self.active().config)
        self._deliver_due(store)

    def _deliver_due(self, store: Store) -> None:
        self.status.phase = "deliver"
        config = self.active().config
        slice_ = _StopOrDeadline(self.stop_event, DELIVERY_SLICE_S)
        report = deliver_due(
            store,
            config.channels,
            config.model.delivery,
            stop=slice_,
            channel_options=config.channel_options,  # quiet hours and the like
        )
        self.metrics.alerts_sent.inc(report.sent)
        self.metrics.alerts_failed.inc(report.failed)
        self.metrics.alerts_dead.inc(report.dead)
        if slice_.expired():
            self.request_delivery()  # a backlog: carry on after the next due sources
        self._snapshot(store)

    def _snapshot(self, store: Store) -> None:
        """Refresh the gauges the metrics thread serves (it never reads the store itself)."""
        self.metrics.set_outbox(store.outbox.counts())
        configured = {s.name for s in self.active().config.sources}
        self.metrics.set_sources(
            tuple(
                SourceSnapshot(
                    name=state.name,
                    last_success=state.last_success.timestamp() if state.last_success else None,
                    consecutive_failures=state.consecutive_failures,
                    healthy=state.health == "ok",
                )
                for state in store.sources.all()
                if state.name in configured
            )
        )
        self.metrics.rules.set(len(self.active().rulebook.ruleset.rules))

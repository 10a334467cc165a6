"""`newsradar run`: the daemon. APScheduler decides *when*, the worker does the work.

Life cycle: load config and rules (errors are fatal only at start), take the database lock
for the daemon's whole life, serve /metrics, start the worker thread, then run a
``BlockingScheduler`` in the main thread with

- one job per source on its own ``every:`` (interval with jitter, or a cron expression);
  the job only marks the source due, the worker batches due sources into one child collect;
- a delivery job (retries due outbox rows), a health job (staleness grows with time alone),
  and a watcher job that hot-reloads the config and rule files.

SIGTERM/SIGINT: the handler writes one byte to a pipe (the only async-signal-safe thing to
do); a stopper thread reads it, stops the scheduler and the worker, and the worker terminates
the child collect. Everything the store holds is transactional, so stopping at any point
leaves nothing half-written; a restart picks up where this run stopped.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from datetime import datetime
from typing import Any

from apscheduler.schedulers.base import STATE_RUNNING
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor.child import collect_stoppable
from monitor.config import Config, Source, load_config
from monitor.lock import ProcessLock
from monitor.metrics import Metrics, MetricsServer
from monitor.reload import Active, Reloader
from monitor.rulebook import load_rulebook
from monitor.schedule import parse_duration, parse_every, parse_jitter
from monitor.store import Store
from monitor.store.sources import SourceState
from monitor.worker import Worker

log = logging.getLogger("newsradar.daemon")

STOP_BUDGET_S = 8.0  # of the 10 s promised for SIGTERM; systemd's TimeoutStopSec is 15
WATCH_EVERY_S = 1.0


def run_daemon(config_path: str, metrics_port: int | None = None) -> int:
    """Run until SIGTERM/SIGINT; return the exit code (0 after a clean stop).

    Raises ConfigError (bad config or rules at start) and LockError (another process holds
    the database) for the CLI to report.
    """
    if logging.getLogger().level > logging.DEBUG:
        # APScheduler logs every job run at INFO: noise at -v, useful at -vv.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    config = load_config(config_path)
    for warning in config.warnings:
        log.warning("%s", warning)
    active = Active(config, load_rulebook(config))
    with ProcessLock(config.database):
        return Daemon(config_path, active, metrics_port).run()


# --- triggers ---------------------------------------------------------------------------------


def source_trigger(source: Source, config: Config) -> BaseTrigger:
    every = parse_every(source.every)
    jitter = parse_jitter(config.model.defaults.jitter, every.seconds)
    if every.cron:
        # The config's `timezone:` (default UTC), like digests and quiet hours: "0 8 * * *"
        # means 08:00 there, whatever the host's clock is set to.
        trigger: BaseTrigger = CronTrigger.from_crontab(every.cron, timezone=config.model.timezone)
        trigger.jitter = jitter or None  # from_crontab takes no jitter argument
        return trigger
    return IntervalTrigger(seconds=every.seconds or 0, jitter=jitter or None)


def first_run(trigger: BaseTrigger, state: SourceState, now: datetime) -> datetime:
    """Poll at once when the source is overdue (never polled, or a run was missed while the
    daemon was down); otherwise keep the rhythm of the last poll, so restarts don't re-poll."""
    if state.last_attempt is None:
        return now
    last = state.last_attempt.astimezone(now.tzinfo)
    if isinstance(trigger, IntervalTrigger):
        return max(now, last + trigger.interval)
    nxt = trigger.get_next_fire_time(None, last)
    return now if nxt is None or nxt <= now else nxt


def _schedule_key(source: Source, config: Config) -> tuple[str, str, str, bool]:
    """What a source's job depends on: when it changes on reload, the job is rescheduled."""
    return (source.every, config.model.defaults.jitter, config.model.timezone, source.enabled)


# --- the daemon -------------------------------------------------------------------------------


class Daemon:
    def __init__(self, config_path: str, active: Active, metrics_port: int | None) -> None:
        self.config_path = config_path
        self.reloader = Reloader(config_path, active)
        self.database = active.config.database
        self.stop = threading.Event()
        self.metrics = Metrics()
        self.metrics.rules.set(len(active.rulebook.ruleset.rules))
        self.worker = Worker(
            self.database,
            active=lambda: self.reloader.active,
            collect=collect_stoppable,
            metrics=self.metrics,
            stop=self.stop,
            collect_blocked=lambda: self.reloader.collect_blocked,
        )
        self.scheduler = BlockingScheduler(
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60}
        )
        daemon_model = active.config.model.daemon
        port = metrics_port if metrics_port is not None else daemon_model.metrics_port
        self.server = (
            MetricsServer(self.metrics, self.health, daemon_model.metrics_host, port)
            if port is not None
            else None
        )
        self._scheduled: dict[str, tuple[str, str, str, bool]] = {}
        self._signal_r, self._signal_w = os.pipe()
        self._signalled_at: float | None = None

    # --- life cycle ----------------------------------------------------------------------

    def run(self) -> int:
        config = self.reloader.active.config
        if self.server is not None:
            self.server.start()
            host, port = self.server.address
            log.warning("metrics on http://%s:%d/metrics and /healthz", host, port)
        self._install_signal_handlers()
        self._schedule_sources(config, initial=True)
        self._schedule_timers(config)
        self.scheduler.add_job(
            self._watch, IntervalTrigger(seconds=WATCH_EVERY_S), id="watch", name="reload watcher"
        )
        self.worker.start()
        log.warning(
            "newsradar run: %d sources, %d rules, database %s (pid %d)",
            len([s for s in config.sources if s.enabled]),
            len(self.reloader.active.rulebook.ruleset.rules),
            self.database,
            os.getpid(),
        )
        try:
            if not self.stop.is_set():
                self.scheduler.start()
        finally:
            self._finish()
        return 0

    def _finish(self) -> None:
        self.stop.set()
        self.worker.wake()
        if self.scheduler.state == STATE_RUNNING:
            self.scheduler.shutdown(wait=False)
        started = self._signalled_at or time.monotonic()
        self.worker.join(max(0.5, STOP_BUDGET_S - (time.monotonic() - started)))
        if self.worker.is_alive():
            # Everything it writes is transactional or idempotent: the next start resumes.
            log.warning("worker still busy (%s); exiting without it", self.worker.status.phase)
        if self.server is not None:
            self.server.stop()
        log.warning("newsradar run stopped")

    def _install_signal_handlers(self) -> None:
        def on_signal(signum: int, frame: Any) -> None:
            os.write(self._signal_w, bytes([signum]))

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        threading.Thread(target=self._stopper, name="stopper", daemon=True).start()

    def _stopper(self) -> None:
        signum = os.read(self._signal_r, 1)[0]
        self._signalled_at = time.monotonic()
        log.warning("%s received: stopping", signal.Signals(signum).name)
        self.stop.set()
        self.worker.wake()
        if self.scheduler.state == STATE_RUNNING:
            self.scheduler.shutdown(wait=False)
        # No "second signal kills at once": supervisors (timeout, some process managers) send
        # SIGTERM to the process and to its group, and the stop is bounded anyway.
        while True:
            signum = os.read(self._signal_r, 1)[0]
            log.info("%s received: already stopping", signal.Signals(signum).name)

    def health(self) -> tuple[bool, dict[str, Any]]:
        """Liveness for /healthz: the worker runs and is not stuck in one piece of work.

        Every piece is bounded (a collect by crawl_timeout + grace, then the child is killed;
        delivery by its time slice + one send), so far past that the worker hangs.
        Unhealthy *sources* do not fail it: they are reported to the ops channel instead.
        """
        status = self.worker.status
        config = self.reloader.active.config
        busy_for = time.monotonic() - status.busy_since if status.busy_since else 0.0
        limit = parse_duration(config.model.fetch.crawl_timeout) + 300
        ok = self.worker.is_alive() and busy_for < limit and not self.stop.is_set()
        return ok, {
            "phase": status.phase,
            "busy_seconds": round(busy_for, 1),
            "last_work_at": status.last_work_at,
            "cycles": status.cycles,
            "collect_paused": self.reloader.collect_blocked,
            "rules": len(self.reloader.active.rulebook.ruleset.rules),
        }

    # --- jobs ----------------------------------------------------------------------------

    def _watch(self) -> None:
        if self.stop.is_set():
            # A signal that arrived before the scheduler was running: stop it now.
            self.scheduler.shutdown(wait=False)
            return
        old = self.reloader.active
        rejected = self.reloader.rejected
        new = self.reloader.poll()
        if self.reloader.rejected > rejected:
            self.metrics.reload_errors.inc(self.reloader.rejected - rejected)
        self.metrics.config_valid.set(0 if self.reloader.collect_blocked else 1)
        if new is None:
            return
        self.metrics.rules.set(len(new.rulebook.ruleset.rules))
        if new.config is not old.config:
            self._schedule_sources(new.config)
            self._schedule_timers(new.config)

    def _schedule_sources(self, config: Config, initial: bool = False) -> None:
        """Add, reschedule or remove one job per source so the jobs match ``config``."""
        now = datetime.now().astimezone()
        wanted = {s.name: s for s in config.sources if s.enabled}
        for name in set(self._scheduled) - set(wanted):
            self.scheduler.remove_job(f"source:{name}")
            del self._scheduled[name]
        store = Store.open(self.database) if initial else None
        try:
            for name, source in wanted.items():
                key = _schedule_key(source, config)
                if self._scheduled.get(name) == key:
                    continue
                trigger = source_trigger(source, config)
                if name in self._scheduled:
                    self.scheduler.reschedule_job(f"source:{name}", trigger=trigger)
                else:
                    state = store.sources.get(name) if store else SourceState(name)
                    self.scheduler.add_job(
                        self.worker.mark_due,
                        trigger,
                        args=[name],
                        id=f"source:{name}",
                        name=f"poll {name}",
                        next_run_time=first_run(trigger, state, now),
                        misfire_grace_time=_grace(source),
                    )
                self._scheduled[name] = key
        finally:
            if store is not None:
                store.close()

    def _schedule_timers(self, config: Config) -> None:
        daemon = config.model.daemon
        for job_id, every, func in (
            ("delivery", daemon.delivery_every, self.worker.request_delivery),
            ("health", daemon.health_every, self.worker.request_health),
        ):
            trigger = IntervalTrigger(seconds=parse_duration(every))
            if self.scheduler.get_job(job_id):
                self.scheduler.reschedule_job(job_id, trigger=trigger)
            else:
                self.scheduler.add_job(func, trigger, id=job_id, name=job_id)


def _grace(source: Source) -> int:
    """A poll late by up to one period still runs (coalesced); later ones are skipped."""
    seconds = parse_every(source.every).seconds
    return int(max(30, seconds or 0)) if seconds else 300

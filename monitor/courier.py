"""The daemon's courier: the thread that drains the alert outbox.

Separate from the worker so that collection keeps its rhythm while a slow or failing channel
works through a backlog (a delivery pass may take up to 3 x ``delivery.timeout`` per channel),
and so that a fresh alert goes out the moment the worker has queued it. It has its own store
connection; outbox leases (``claim_due``) keep two senders from ever sending one row twice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from monitor.metrics import Metrics
from monitor.notify import deliver_due
from monitor.reload import Active
from monitor.store import Store

log = logging.getLogger("newsradar.courier")

IDLE_WAKE_S = 1.0


class Courier(threading.Thread):
    def __init__(
        self,
        database: str,
        active: Callable[[], Active],
        metrics: Metrics,
        stop: threading.Event,
    ) -> None:
        super().__init__(name="courier", daemon=True)
        self.database = database
        self.active = active
        self.metrics = metrics
        self.stop_event = stop
        self.busy_since: float | None = None  # monotonic, while a pass runs
        self._wake = threading.Event()

    def wake(self) -> None:
        """Deliver now (new alerts were queued, or the retry timer fired)."""
        self._wake.set()

    def run(self) -> None:
        store = Store.open(self.database)
        try:
            self._wake.set()  # alerts left queued by a previous run go out first
            while not self.stop_event.is_set():
                if not self._wake.wait(IDLE_WAKE_S):
                    continue
                self._wake.clear()
                if self.stop_event.is_set():
                    break
                self.busy_since = time.monotonic()
                try:
                    self._deliver(store)
                except Exception:
                    log.exception("delivery pass failed; retrying on the next wake-up")
                    self.stop_event.wait(1.0)
                finally:
                    self.busy_since = None
        finally:
            store.close()

    def _deliver(self, store: Store) -> None:
        config = self.active().config
        report = deliver_due(store, config.channels, config.model.delivery, stop=self.stop_event)
        self.metrics.alerts_sent.inc(report.sent)
        self.metrics.alerts_failed.inc(report.failed)
        self.metrics.alerts_dead.inc(report.dead)
        self.metrics.set_outbox(store.outbox.counts())

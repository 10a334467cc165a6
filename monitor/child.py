"""A child collect the daemon can stop: :class:`monitor.collect.CollectChild` plus a stop event.

The daemon must stop within 10 s of SIGTERM; a crawl can take minutes. When ``stop`` is set
the child gets SIGTERM (it records its unfinished sources and prints its report) and SIGKILL
``STOP_GRACE_S`` later. The store is transactional, so a killed child leaves no half-written row.
"""

from __future__ import annotations

import logging
import threading

from monitor.collect import CollectChild, CollectReport
from monitor.errors import ConfigError

log = logging.getLogger("newsradar.child")

STOP_GRACE_S = 4.0  # SIGTERM -> SIGKILL; leaves room in the 10 s stop budget
POLL_S = 0.1


def collect_stoppable(
    config_path: str, source_names: list[str], timeout: float | None, stop: threading.Event
) -> CollectReport:
    """Collect ``source_names`` in one child process; return early (child stopped) on ``stop``.

    ``timeout`` is the hard deadline (None: the config's crawl_timeout plus grace). Never
    raises for a config the child cannot load: that is a failed pass, reported like one.
    """
    try:
        child = CollectChild(config_path, source_names, timeout)
    except ConfigError as exc:
        # The file changed under us between the daemon's check and this start.
        log.error("collect not started: %s", exc)
        return CollectReport(error=str(exc))
    if not child.sources:
        return CollectReport()
    finished = threading.Event()

    def guard() -> None:
        while not finished.wait(POLL_S):
            if stop.is_set():
                log.warning(
                    "stopping the collect child (pid %s)", child.process and child.process.pid
                )
                child.stop(grace=STOP_GRACE_S)
                return

    child.start()
    guard_thread = threading.Thread(target=guard, name="collect-guard", daemon=True)
    guard_thread.start()
    try:
        return child.wait()
    finally:
        finished.set()
        guard_thread.join()

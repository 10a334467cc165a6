"""Article extraction on every core: a process pool that a crawl starts once it has enough pages.

Scrapy runs callbacks on one thread, and ``extract_article`` (trafilatura, ~10 ms of CPU per
page) is most of a page's cost, so one collector extracts ~90 pages/s on one core. Once a crawl
has queued more than :data:`THRESHOLD` article pages, :func:`expect_pages` starts a
``ProcessPoolExecutor`` of ``fetch.extract_workers`` workers (default ``os.cpu_count()``; 1
means no pool) in the "spawn" context (the Scrapy process has threads, so no fork), and
:func:`extract` hands pages to it from the async page callbacks. Small crawls never pay the
workers' start-up (~1 s: a Python with lxml, trafilatura and the language model each).

While the workers start, pages are extracted inline, as they are when there is no pool; a page
goes to the pool only once every worker has answered a warm-up call. A worker that dies
(``BrokenProcessPool``) turns the pool off for the rest of the crawl and its page is extracted
inline. The results are the same either way: the same function on the same bytes.
``monitor.collect`` calls :func:`shutdown` when the crawl ends (its child leaves with
``os._exit``, so atexit is only a second line), and workers leave on their own if their parent
dies.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from monitor.extract import Extracted, extract_article

logger = logging.getLogger(__name__)

# Article pages a crawl must have queued before the workers are worth their start-up.
THRESHOLD = 16
# How long shutdown() waits for a worker to finish its page before terminating it.
JOIN_TIMEOUT_S = 2.0
_WARM_HTML = (
    "<html><body><article><p>"
    + "The council met on Tuesday to discuss the budget for next year. " * 5
    + "</p></article></body></html>"
)


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:  # orphaned (parent killed): nobody will read our results
            os._exit(0)


def _worker_init(parent: int) -> None:
    # The collect child's process group gets SIGTERM/SIGINT on a stop: the child then ends its
    # crawl and shutdown() ends the workers; killed with it, they would only break the pool.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _warm() -> int:
    """Run once per worker before it gets pages: imports, lxml and the language model."""
    extract_article(_WARM_HTML, "https://example.org/")
    return os.getpid()


class ExtractionPool:
    """The pool of one crawl. Not thread-safe: used from the reactor thread only."""

    def __init__(self, workers: int | None = None, threshold: int = THRESHOLD) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.threshold = threshold
        self.expected = 0  # article pages queued in this crawl
        self.pooled = 0  # pages extracted by a worker
        self.inline = 0  # pages extracted in this process
        self.broken = False
        self.started_at: float | None = None
        self.ready_after: float | None = None  # seconds from start until every worker answered
        self._executor: ProcessPoolExecutor | None = None
        self._ready = threading.Event()

    @property
    def running(self) -> bool:
        return self._executor is not None

    @property
    def ready(self) -> bool:
        return self._executor is not None and self._ready.is_set()

    def expect(self, pages: int = 1) -> None:
        """``pages`` more article pages were queued; start the workers past the threshold."""
        self.expected += pages
        if (
            self.expected > self.threshold
            and self._executor is None
            and not self.broken
            and self.workers > 1  # one core: a worker would only add copying
        ):
            self.start()

    def start(self) -> None:
        self.started_at = time.monotonic()
        executor = ProcessPoolExecutor(
            self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_worker_init,
            initargs=(os.getpid(),),
        )
        self._executor = executor
        # One warm-up call per worker: each submit while none is idle spawns another worker.
        warm = [executor.submit(_warm) for _ in range(self.workers)]
        left = [len(warm)]
        lock = threading.Lock()

        def warmed(future: Future[int]) -> None:  # runs in the executor's thread
            if future.cancelled() or future.exception() is not None:
                return  # broken or shut down: stay not ready, pages stay inline
            with lock:
                left[0] -= 1
                if left[0] == 0 and self.started_at is not None:
                    self.ready_after = time.monotonic() - self.started_at
                    self._ready.set()

        for future in warm:
            future.add_done_callback(warmed)
        atexit.register(self.shutdown)
        logger.debug("extraction pool: starting %d workers", self.workers)

    async def extract(self, body: bytes | str, url: str) -> Extracted:
        """``extract_article(body, url)``, in a worker when the pool is ready."""
        executor = self._executor
        if executor is None or not self._ready.is_set():
            self.inline += 1
            return extract_article(body, url)
        try:
            asyncio.get_running_loop()
            future = executor.submit(extract_article, body, url)
            result = await asyncio.wrap_future(future)
        except (BrokenProcessPool, RuntimeError) as exc:
            # RuntimeError: no asyncio loop here, or the pool was shut down under us.
            if isinstance(exc, BrokenProcessPool):
                self._broke(exc)
            self.inline += 1
            return extract_article(body, url)
        self.pooled += 1
        return result

    def _broke(self, exc: BaseException) -> None:
        if not self.broken:
            logger.warning("extraction pool failed (%s); extracting in this process", exc)
        self.broken = True
        self.shutdown()

    def shutdown(self) -> None:
        """Stop the workers: queued pages are cancelled, a busy worker gets JOIN_TIMEOUT_S."""
        executor, self._executor = self._executor, None
        self._ready.clear()
        if executor is None:
            return
        atexit.unregister(self.shutdown)
        processes = list((getattr(executor, "_processes", None) or {}).values())
        executor.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + JOIN_TIMEOUT_S
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()  # a page that takes this long is not worth the wait
        logger.info(
            "extraction pool: %d pages in %d workers (ready after %s), %d inline",
            self.pooled,
            self.workers,
            "-" if self.ready_after is None else f"{self.ready_after:.2f}s",
            self.inline,
        )


_pool = ExtractionPool()


def pool() -> ExtractionPool:
    """The pool of this process's crawl."""
    return _pool


def expect_pages(pages: int = 1) -> None:
    _pool.expect(pages)


async def extract(body: bytes | str, url: str) -> Extracted:
    return await _pool.extract(body, url)


def configure(workers: int | None = None) -> None:
    """Set up this crawl's pool: ``workers`` processes (None: one per core, 1: no pool)."""
    global _pool
    _pool.shutdown()
    _pool = ExtractionPool(workers)


def shutdown() -> ExtractionPool:
    """End this crawl's pool (the next crawl counts its pages afresh); the finished pool."""
    global _pool
    finished, _pool = _pool, ExtractionPool()
    finished.shutdown()
    return finished

"""The collect half: poll sources through Scrapy, store their articles, report per source.

Two ways in, one crawl:

- :func:`collect` runs the given (or all enabled) sources in ONE ``CrawlerProcess`` in this
  process — all feeds in one crawler, all sitemaps in another, one per site spider. A process
  can do this once (Twisted's reactor does not restart), so it is what the child runs.
- :func:`collect_in_child` / :class:`CollectChild` run ``python -m monitor.collect`` as a child
  process with a hard timeout (killed if it hangs) and read its report. ``newsradar once`` and
  the daemon both collect this way, so a crash, leak or hang in Scrapy stays in the child.

Child protocol: ``python -m monitor.collect --config PATH [--source NAME ...]
[--time-limit SECONDS] [--log-level LEVEL] [--ignore-backoff]`` writes logs to stderr and
exactly one line to stdout, the JSON of :meth:`CollectReport.to_dict`; exit 0 whenever the pass
ran (failed sources are in the report and the store), 2 for a config or usage error. SIGTERM or
SIGINT stop it within ~3 s: unfinished sources are recorded as failed ("shutdown") and the
report (``"stopped": true``) is still printed. Each source's state row is written by the child;
a parent that has to kill it marks the sources the child did not record.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.config import Config, Source, load_config
from monitor.errors import ConfigError, FetchError
from monitor.logs import json_logging_requested, setup_logging
from monitor.schedule import parse_duration
from monitor.store import Store
from spiders.outcome import SourceOutcome, SourceReport, record_outcome
from spiders.settings import stop_grace

if TYPE_CHECKING:
    from monitor.extract import Extracted

__all__ = [
    "CollectChild",
    "CollectReport",
    "SourceReport",
    "collect",
    "collect_in_child",
    "fetch_article",
    "select_sources",
]

logger = logging.getLogger(__name__)

EXIT_USAGE = 2
# The child's start-up and report on top of its crawl's limit and shutdown grace.
CHILD_MARGIN_S = 5.0
# After SIGTERM/SIGINT, how long in-flight downloads may finish before the crawl is cut
# (the daemon must stop within 10 s; CollectChild.stop kills after 5 s).
SHUTDOWN_GRACE_S = 3.0


@dataclass(frozen=True)
class CollectReport:
    """What a collect pass did. ``error`` is set when the pass itself failed (child killed)."""

    sources: tuple[SourceReport, ...] = ()
    duration: float = 0.0
    timed_out: bool = False
    stopped: bool = False  # ended early on SIGTERM/SIGINT (or CollectChild.stop)
    error: str | None = None

    def source(self, name: str) -> SourceReport | None:
        return next((s for s in self.sources if s.name == name), None)

    @property
    def new(self) -> int:
        return sum(s.new for s in self.sources)

    @property
    def failed(self) -> list[SourceReport]:
        return [s for s in self.sources if s.error]

    def to_dict(self) -> dict[str, Any]:
        return {
            "sources": [s.to_dict() for s in self.sources],
            "duration": self.duration,
            "timed_out": self.timed_out,
            "stopped": self.stopped,
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CollectReport:
        return cls(
            sources=tuple(SourceReport.from_dict(s) for s in data.get("sources", [])),
            duration=float(data.get("duration") or 0.0),
            timed_out=bool(data.get("timed_out")),
            stopped=bool(data.get("stopped")),
            error=data.get("error"),
        )


def select_sources(config: Config, names: Iterable[str] | None = None) -> list[Source]:
    """Sources by name (ConfigError naming the unknown ones), or all enabled sources."""
    if names is None:
        return [s for s in config.sources if s.enabled]
    by_name = {s.name: s for s in config.sources}
    wanted = list(dict.fromkeys(names))
    unknown = [n for n in wanted if n not in by_name]
    if unknown:
        raise ConfigError(f"{config.path}: unknown source(s): {', '.join(unknown)}")
    return [by_name[n] for n in wanted]


# --- in this process -------------------------------------------------------------------------


def collect(
    config: Config,
    sources: Sequence[Source] | None = None,
    *,
    respect_backoff: bool = True,
    log_level: str = "WARNING",
    time_limit: float | None = None,
) -> CollectReport:
    """Poll ``sources`` (default: all enabled) in one crawl; store articles and source states.

    Sources in backoff (after a 429/503) are skipped and reported as such. The crawl stops
    after ``time_limit`` seconds (default ``fetch.crawl_timeout``); sources it did not finish
    are recorded as failed. Callable once per process (ReactorNotRestartable): use
    :func:`collect_in_child` everywhere else.
    """
    started = time.monotonic()
    chosen = list(sources) if sources is not None else select_sources(config)
    store = Store.open(config.database)
    try:
        now = datetime.now(UTC)
        skipped: list[SourceReport] = []
        run: list[Source] = []
        for source in chosen:
            until = store.sources.get(source.name).backoff_until
            if respect_backoff and until is not None and until > now:
                skipped.append(
                    SourceReport(
                        name=source.name,
                        kind=source.kind,
                        skipped=f"backoff until {until.isoformat()}",
                        backoff_until=until.isoformat(),
                    )
                )
            else:
                run.append(source)
        outcomes = {s.name: SourceOutcome(s.name, s.kind) for s in run}
        limit = time_limit or parse_duration(config.model.fetch.crawl_timeout)
        reasons = _crawl(config, run, store, outcomes, log_level, limit) if run else []
        stop_reason = next((r for r in reasons if r != "finished"), "finished")
        for outcome in outcomes.values():
            if not outcome.recorded:  # the reactor was stopped under the crawl
                record_outcome(store, outcome, stop_reason)
    finally:
        store.close()
    results = {r.name: r for r in skipped}
    results.update((name, outcome.report()) for name, outcome in outcomes.items())
    return CollectReport(
        sources=tuple(results[s.name] for s in chosen),
        duration=round(time.monotonic() - started, 3),
        timed_out=any(r in ("closespider_timeout", "crawl_timeout") for r in reasons),
        stopped="shutdown" in reasons,
    )


def _crawl(
    config: Config,
    sources: list[Source],
    store: Store,
    outcomes: dict[str, SourceOutcome],
    log_level: str,
    time_limit: float,
) -> list[str]:
    """Run the crawl to its end or its hard limit; the close reason of every crawler."""
    # Scrapy is imported here, not at module level: the child installs the reactor first.
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    from spiders import extraction_pool
    from spiders.registry import spider_for
    from spiders.settings import scrapy_settings

    groups: dict[type, list[Source]] = {}
    for source in sources:
        try:
            groups.setdefault(spider_for(source), []).append(source)
        except FetchError as exc:
            outcomes[source.name].begin()
            outcomes[source.name].fail(str(exc))
    if not groups:
        return []
    reasons: list[str] = []
    settings = scrapy_settings(config, log_level, time_limit)
    # Our handler, not Scrapy's: the child's lines look like the parent's (text or JSON) and
    # third-party chatter follows the same policy (warnings only, unless -vv).
    settings["LOG_INSTALL_ROOT_HANDLER"] = False
    verbosity = {"DEBUG": 2, "INFO": 1}.get(log_level.upper(), 0)
    setup_logging(verbosity, as_json=json_logging_requested())
    for log_handler in logging.getLogger().handlers:  # Scrapy resets the root's level
        log_handler.setLevel(log_level.upper())
    extraction_pool.configure(config.model.fetch.extract_workers)
    process = CrawlerProcess(settings)
    for spider_cls, group in groups.items():
        crawler = process.create_crawler(spider_cls)
        crawler.signals.connect(
            lambda spider, reason: reasons.append(reason), signal=signals.spider_closed, weak=False
        )
        deferred = process.crawl(crawler, sources=group, store=store, outcomes=outcomes)
        deferred.addErrback(_crawler_failed, group, outcomes)

    from twisted.internet import reactor as installed

    reactor: Any = installed  # a module-level singleton that type checkers cannot describe

    def crash(reason: str) -> None:
        # Scrapy's own stop waits for in-flight downloads (up to DOWNLOAD_TIMEOUT each).
        # crash() ends the loop without the shutdown triggers that would wait too; collect()
        # records the outcomes afterwards.
        if reason not in reasons:
            reasons.append(reason)
        with contextlib.suppress(Exception):
            reactor.crash()

    def time_is_up() -> None:
        logger.error("collect exceeded its time limit; stopping the crawl")
        crash("crawl_timeout")

    def shut_down() -> None:
        if "shutdown" in reasons:  # a second signal: do not wait any longer
            crash("shutdown")
            return
        logger.warning("stopping the collect on request; unfinished sources are recorded")
        reasons.append("shutdown")
        process.stop()  # spiders close with reason "shutdown" once their downloads end...
        reactor.callLater(SHUTDOWN_GRACE_S, crash, "shutdown")  # ...or not: stop anyway

    def on_signal(signum: int, frame: Any) -> None:
        reactor.callFromThread(shut_down)  # signal-safe: wakes the reactor

    timer = reactor.callLater(time_limit + stop_grace(time_limit), time_is_up)
    previous = {}
    if threading.current_thread() is threading.main_thread():  # signals reach it only
        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        process.start(install_signal_handlers=False)
    finally:
        extraction_pool.shutdown()  # the crawl is over: its extraction workers too
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if timer.active():
        timer.cancel()
    return reasons


def _crawler_failed(failure: Any, group: list[Source], outcomes: dict[str, SourceOutcome]) -> None:
    logger.error("crawler for %s failed: %s", [s.name for s in group], failure.getTraceback())
    for source in group:
        outcomes[source.name].fail(f"crawl failed: {failure.getErrorMessage()}")


# --- in a child process ----------------------------------------------------------------------


class CollectChild:
    """One ``python -m monitor.collect`` child: start it, wait for its report, or stop it.

    ``timeout`` is the hard deadline: the child is told to finish its crawl early enough to
    report within it, and is killed (its whole process group) when it does not. Default:
    ``fetch.crawl_timeout`` for the crawl plus the shutdown grace and start-up margin.
    ``stop()`` may be called from another thread (a daemon shutting down): SIGTERM lets the
    child record its sources and print its report; SIGKILL follows after ``grace`` seconds.
    """

    def __init__(
        self,
        config_path: str | Path,
        source_names: Iterable[str] | None = None,
        timeout: float | None = None,
        *,
        log_level: str | None = None,
        respect_backoff: bool = True,
    ) -> None:
        self.config_path = str(config_path)
        self.config = load_config(self.config_path)
        self.sources = select_sources(self.config, source_names)
        if timeout is None:
            self.time_limit = parse_duration(self.config.model.fetch.crawl_timeout)
            self.timeout = self.time_limit + stop_grace(self.time_limit) + CHILD_MARGIN_S
        else:
            self.timeout = float(timeout)
            slack = stop_grace(self.timeout) + min(CHILD_MARGIN_S, self.timeout / 4)
            self.time_limit = max(1.0, self.timeout - slack)
        self.log_level = log_level or parent_log_level()
        self.respect_backoff = respect_backoff
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at: datetime | None = None
        self._started = time.monotonic()
        self._kill_at: float | None = None

    def command(self) -> list[str]:
        cmd = [sys.executable, "-m", "monitor.collect", "--config", self.config_path]
        for source in self.sources:
            cmd += ["--source", source.name]
        cmd += ["--time-limit", f"{self.time_limit:g}", "--log-level", self.log_level]
        if not self.respect_backoff:
            cmd.append("--ignore-backoff")
        return cmd

    def start(self) -> CollectChild:
        root = str(Path(__file__).resolve().parents[1])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        # Whole seconds: the store keeps timestamps to the second (see _record_unfinished).
        self.started_at = datetime.now(UTC).replace(microsecond=0)
        self._started = time.monotonic()
        self.process = subprocess.Popen(
            self.command(),
            stdout=subprocess.PIPE,
            stderr=None,  # the child's log goes where ours goes (journal, terminal, pytest)
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # its own process group: killed as a whole, no tty signals
        )
        return self

    def wait(self, stop: threading.Event | None = None) -> CollectReport:
        """The child's report. Past the deadline the child is killed and its sources failed;
        when ``stop`` is set (a daemon shutting down) the child is stopped as by :meth:`stop`."""
        if self.process is None:
            self.start()
        assert self.process is not None
        deadline = self._started + self.timeout
        while True:
            limit = min(deadline, self._kill_at or deadline)
            # Short steps: stop() may be called from another thread at any time.
            step = min(max(0.0, limit - time.monotonic()), 0.2)
            try:
                out, _ = self.process.communicate(timeout=step)
                break
            except subprocess.TimeoutExpired:
                now = time.monotonic()
                if now >= deadline or (self._kill_at is not None and now >= self._kill_at):
                    self._kill()
                    self.process.communicate()
                    if now >= deadline:
                        message = f"collect timed out after {self.timeout:g}s and was killed"
                        return self._died(message, True)
                    return self._died("collect was stopped and killed", False, stopped=True)
                if stop is not None and stop.is_set():
                    self.stop()
            except KeyboardInterrupt:
                self.stop()  # the child records what it has; we are leaving anyway
                raise
        report = _parse_report(out)
        if report is not None:
            return report
        return self._died(f"collect process exited with {self.process.returncode}", False)

    def stop(self, grace: float = 5.0) -> None:
        """Ask the child to stop (SIGTERM: it records its sources and reports); the thread in
        :meth:`wait` kills it if it is still running ``grace`` seconds later. Thread-safe."""
        if self.process is None or self.process.poll() is not None or self._kill_at is not None:
            return
        self._kill_at = time.monotonic() + grace
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)

    def _kill(self) -> None:
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)

    def _died(self, message: str, timed_out: bool, stopped: bool = False) -> CollectReport:
        logger.error("%s", message)
        reports = _record_unfinished(self.config, self.sources, self.started_at, message)
        return CollectReport(
            sources=tuple(reports),
            duration=round(time.monotonic() - self._started, 3),
            timed_out=timed_out,
            stopped=stopped,
            error=message,
        )


def parent_log_level() -> str:
    """The child logs at the level this process logs at (``-v``: INFO, ``-vv``: DEBUG)."""
    level = logging.getLogger().getEffectiveLevel()
    return "DEBUG" if level <= logging.DEBUG else "INFO" if level <= logging.INFO else "WARNING"


def collect_in_child(
    config_path: str | Path,
    source_names: Iterable[str] | None = None,
    timeout: float | None = None,
    *,
    log_level: str | None = None,
    respect_backoff: bool = True,
    stop: threading.Event | None = None,
) -> CollectReport:
    """Collect ``source_names`` (default: all enabled) in a child process; never hangs.

    ``timeout``: the hard deadline in seconds (see :class:`CollectChild`). Raises ConfigError
    for a bad config or an unknown source name; everything else — a failed source, a child that
    was killed or died — is in the report and the store. Setting ``stop`` stops the child
    gracefully (its sources are recorded as failed, "stopped").
    """
    child = CollectChild(
        config_path, source_names, timeout, log_level=log_level, respect_backoff=respect_backoff
    )
    if not child.sources:
        return CollectReport()
    return child.start().wait(stop)


def _parse_report(out: bytes) -> CollectReport | None:
    for line in reversed(out.decode("utf-8", "replace").splitlines()):
        if line.startswith("{"):
            try:
                return CollectReport.from_dict(json.loads(line))
            except (ValueError, TypeError, AttributeError):
                return None
    return None


def _record_unfinished(
    config: Config, sources: list[Source], since: datetime | None, message: str
) -> list[SourceReport]:
    """After a killed child: fail every source it did not get to record, report them all."""
    reports = []
    store = Store.open(config.database)
    try:
        now = datetime.now(UTC)
        for source in sources:
            state = store.sources.get(source.name)
            recorded = (
                since is not None
                and state.last_attempt is not None
                and (state.last_attempt >= since)
            )
            in_backoff = state.backoff_until is not None and state.backoff_until > now
            if recorded:
                failed = state.last_error_at is not None and state.last_error_at >= since  # type: ignore[operator]
                error = state.last_error if failed else None
            elif in_backoff:
                reports.append(
                    SourceReport(source.name, source.kind, skipped="backoff (child killed)")
                )
                continue
            else:
                store.sources.record_failure(source.name, message)
                error = message
            reports.append(SourceReport(source.name, source.kind, error=error))
    finally:
        store.close()
    return reports


# --- one page, without a crawl ----------------------------------------------------------------


def fetch_article(url: str, config: Config | None = None) -> Extracted:
    """Fetch one article page and extract it (``newsradar test-rule --url``).

    Not a crawl (no reactor, so callable any number of times), but the same rules: http(s)
    only, the fetch timeout and body cap, the user agent, and no redirect from a public host
    into internal address space. Raises :class:`FetchError`.
    """
    import urllib.error
    import urllib.request
    from urllib.parse import urlsplit

    from monitor.config import FetchModel
    from monitor.extract import extract_article
    from spiders.safety import host_is_internal

    fetch = config.model.fetch if config is not None else FetchModel.model_validate({})
    start_host = urlsplit(url).hostname or ""
    internal_ok = bool(start_host) and host_is_internal(start_host)

    def allowed(target: str) -> None:
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(f"refused {target}: only http and https are fetched")
        if not internal_ok and host_is_internal(parts.hostname):
            raise FetchError(f"refused {target}: internal address reached from a public URL")

    class Redirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
            allowed(newurl)
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    allowed(url)
    opener = urllib.request.build_opener(Redirects())
    request = urllib.request.Request(url, headers={"User-Agent": fetch.user_agent})
    try:
        with opener.open(request, timeout=parse_duration(fetch.timeout)) as response:
            body = response.read(fetch.max_bytes + 1)
            final_url = response.geturl()
            content_type = response.headers.get("Content-Type", "")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise FetchError(f"could not fetch {url}: {exc}") from exc
    if len(body) > fetch.max_bytes:
        raise FetchError(f"refused {url}: larger than {fetch.max_bytes} bytes")
    if content_type and "html" not in content_type.lower():
        raise FetchError(f"not an HTML page ({content_type}): {url}")
    return extract_article(body, final_url)


# --- the child's entry point -----------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m monitor.collect",
        description="Collect sources once and print the report as one JSON line.",
    )
    parser.add_argument("--config", required=True, help="path of newsradar.yaml")
    parser.add_argument("--source", action="append", help="source name (repeatable; default all)")
    parser.add_argument("--time-limit", type=float, help="seconds (default fetch.crawl_timeout)")
    parser.add_argument("--log-level", default="WARNING")
    parser.add_argument("--ignore-backoff", action="store_true")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
        sources = select_sources(config, args.source)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    report = collect(
        config,
        sources,
        respect_backoff=not args.ignore_backoff,
        log_level=args.log_level.upper(),
        time_limit=args.time_limit,
    )
    sys.stdout.write(json.dumps(report.to_dict()) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    code = main()
    # Everything is stored and reported. Leave without waiting for threads a stopped reactor
    # may have left behind (its DNS pool): a child must never hang on its way out.
    logging.shutdown()
    sys.stdout.flush()
    os._exit(code)

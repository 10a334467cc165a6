"""Prometheus `/metrics` and a `/healthz` probe for the daemon, on a local port.

The HTTP thread never touches the database: the daemon's worker pushes numbers in
(:meth:`Metrics.observe_*`) and per-source state as a snapshot, which a custom collector turns
into gauges at scrape time. A registry per daemon (not the global one) keeps tests and
embedding clean.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger("newsradar.metrics")


@dataclass(frozen=True)
class SourceSnapshot:
    name: str
    last_success: float | None  # unix seconds
    consecutive_failures: int
    healthy: bool


class _SourceCollector(Collector):
    """Per-source gauges from the latest snapshot (sources come and go with config reloads)."""

    def __init__(self) -> None:
        self.snapshot: tuple[SourceSnapshot, ...] = ()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        snapshot = self.snapshot  # one reference read: the worker swaps it whole
        last = GaugeMetricFamily(
            "newsradar_source_last_success_timestamp_seconds",
            "Unix time of the last successful poll of each source",
            labels=["source"],
        )
        failures = GaugeMetricFamily(
            "newsradar_source_consecutive_failures",
            "Failed polls in a row for each source",
            labels=["source"],
        )
        healthy = GaugeMetricFamily(
            "newsradar_source_healthy", "1 when the source is healthy, else 0", labels=["source"]
        )
        for s in snapshot:
            if s.last_success is not None:
                last.add_metric([s.name], s.last_success)
            failures.add_metric([s.name], s.consecutive_failures)
            healthy.add_metric([s.name], 1 if s.healthy else 0)
        yield last
        yield failures
        yield healthy


class Metrics:
    """Everything the daemon exports. Counters only go up; gauges are set by the worker."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        ProcessCollector(registry=r)  # RSS, CPU, open fds: the leak watch
        PlatformCollector(registry=r)
        self.articles = Counter(
            "newsradar_articles_collected", "New or changed articles stored", ["source"], registry=r
        )
        self.source_errors = Counter(
            "newsradar_source_errors", "Failed polls", ["source"], registry=r
        )
        self.matches = Counter("newsradar_matches", "Rule matches found", registry=r)
        self.alerts_queued = Counter(
            "newsradar_alerts_queued", "Alerts put in the outbox", registry=r
        )
        self.alerts_sent = Counter("newsradar_alerts_sent", "Alerts delivered", registry=r)
        self.alerts_failed = Counter(
            "newsradar_alerts_failed", "Delivery attempts that failed (will retry)", registry=r
        )
        self.alerts_dead = Counter(
            "newsradar_alerts_dead", "Alerts given up on after the retry horizon", registry=r
        )
        self.outbox = Gauge(
            "newsradar_alerts", "Alerts in the outbox by status", ["status"], registry=r
        )
        self.collect_duration = Histogram(
            "newsradar_collect_duration_seconds",
            "Wall time of one child collect (all due sources)",
            buckets=(1, 2, 5, 10, 30, 60, 120, 300, 600, float("inf")),
            registry=r,
        )
        self.collect_cycles = Counter(
            "newsradar_collect_cycles", "Child collects by outcome", ["outcome"], registry=r
        )
        self.process_duration = Histogram(
            "newsradar_process_duration_seconds", "Wall time of one processing pass", registry=r
        )
        self.rules = Gauge("newsradar_rules_loaded", "Rules active now", registry=r)
        self.reload_errors = Counter(
            "newsradar_reload_errors", "Rule or config edits rejected (old ones kept)", registry=r
        )
        self.config_valid = Gauge(
            "newsradar_config_valid", "0 while the config file on disk is invalid", registry=r
        )
        self.config_valid.set(1)
        self.last_cycle = Gauge(
            "newsradar_last_cycle_timestamp_seconds",
            "Unix time the worker last finished work",
            registry=r,
        )
        self._sources = _SourceCollector()
        r.register(self._sources)

    def set_sources(self, snapshot: tuple[SourceSnapshot, ...]) -> None:
        self._sources.snapshot = snapshot

    def set_outbox(self, counts: dict[str, int]) -> None:
        for status in ("pending", "sent", "dead"):
            self.outbox.labels(status).set(counts.get(status, 0))

    def render(self) -> bytes:
        return generate_latest(self.registry)


class MetricsServer:
    """`/metrics` (Prometheus text) and `/healthz` (JSON; 200 healthy, 503 not) in a thread."""

    def __init__(
        self,
        metrics: Metrics,
        health: Callable[[], tuple[bool, dict[str, Any]]],
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        handler = _handler(metrics, health)
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="metrics", daemon=True)

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.httpd.server_address[:2]
        return str(host), int(port)

    def start(self) -> MetricsServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _handler(
    metrics: Metrics, health: Callable[[], tuple[bool, dict[str, Any]]]
) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                self._send(200, CONTENT_TYPE_LATEST, metrics.render())
            elif path == "/healthz":
                ok, detail = health()
                body = json.dumps({"status": "ok" if ok else "unhealthy", **detail}).encode()
                self._send(200 if ok else 503, "application/json", body)
            else:
                self._send(
                    404, "text/plain; charset=utf-8", b"not found: try /metrics or /healthz\n"
                )

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            log.debug("%s %s", self.address_string(), format % args)

    return Handler

"""`newsradar run` as a real subprocess against local servers, every source on `every: 2s`.

Each test starts the daemon on its own database with a local feed (LocalSite: ETag and 304)
and a local webhook (apprise ``json://``) for alerts (``/hook``) and ops notices (``/ops``).
"""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
import yaml
from conftest import REPO, newsradar_cmd
from servers import WebhookReceiver

NEW_ARTICLE_DEADLINE_S = 7.0  # the source's interval (2 s) + 5 s
STOP_DEADLINE_S = 10.0

# Distinct wording per article, so story clustering never folds two of them into one story.
_VOCABULARY = """harbour council budget railway festival drought vaccine election glacier orchestra
satellite copper fishery parliament museum tariff wildfire bridge protest telescope"""
WORDS = _VOCABULARY.split()


def article_text(n: int) -> str:
    picked = [WORDS[(n * 7 + i * 3) % len(WORDS)] for i in range(12)]
    return f"Report {n}: a missile was shown near the {' '.join(picked)} site number {n}."


def rss(items: list[int]) -> bytes:
    entries = "".join(
        f"<item><title>Missile story {n}</title><link>http://example.test/a{n}</link>"
        f"<guid>a{n}</guid><description>{escape(article_text(n) * 3)}</description></item>"
        for n in items
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Local</title>'
        f"<link>http://example.test/</link>{entries}</channel></rss>"
    ).encode()


class Feed:
    """One RSS feed on its own local server; tests change its items, status and speed.

    Answers ``If-None-Match`` with 304 when the items did not change, like a real feed.
    """

    def __init__(self) -> None:
        self.items: list[int] = []
        self.status = 200
        self.retry_after: str | None = None  # sent with a non-200 status
        self.delay = 0.0
        self.entered: list[float] = []  # when each request reached the handler
        self.headers: list[dict[str, str]] = []  # request headers, lower-case names
        feed = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                feed.entered.append(time.monotonic())
                feed.headers.append({k.lower(): v for k, v in self.headers.items()})
                if feed.delay:
                    time.sleep(feed.delay)
                if feed.status != 200:
                    self._send(feed.status, b"unavailable", retry_after=feed.retry_after)
                    return
                body = rss(feed.items)
                etag = f'"{hashlib.sha1(body).hexdigest()}"'
                fresh = self.headers.get("If-None-Match") == etag
                self._send(304 if fresh else 200, b"" if fresh else body, etag)

            def _send(
                self,
                status: int,
                body: bytes,
                etag: str | None = None,
                retry_after: str | None = None,
            ) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/rss+xml")
                    if etag:
                        self.send_header("ETag", etag)
                    if retry_after:
                        self.send_header("Retry-After", retry_after)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the client went away (a killed collect)
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/feed.xml"

    def publish(self, *items: int) -> None:
        self.items = [*items, *self.items]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class DaemonProcess:
    def __init__(self, config: Path, log: Path, *args: str) -> None:
        self.config, self.log_path, self.args = config, log, args
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> DaemonProcess:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                newsradar_cmd("-c", str(self.config), "-v", "run", *self.args),
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
                cwd=self.config.parent,
                env=env,
            )
        assert wait_until(lambda: "newsradar run:" in self.log() or self.proc.poll() is not None)
        assert self.proc.poll() is None, self.log()
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def terminate(self) -> tuple[int, float]:
        """SIGTERM; (exit code, seconds it took)."""
        assert self.proc is not None
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=STOP_DEADLINE_S + 5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        return code, time.monotonic() - started

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def wait_until(predicate: Callable[[], Any], timeout: float = 15.0, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())


def query(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


class Setup:
    """A daemon's world: feed, webhook, config, rules and the daemons started on it."""

    def __init__(self, tmp: Path, feed: Feed | None, hook: WebhookReceiver) -> None:
        self.tmp, self.hook = tmp, hook
        self.feed: Feed = feed  # type: ignore[assignment] # None: config-only tests
        self.feed_url = feed.url if feed else "http://127.0.0.1:9/feed.xml"
        self.db = tmp / "newsradar.db"
        self.rules = tmp / "rules" / "alerts.yaml"
        self.daemons: list[DaemonProcess] = []

    def write_config(self, **overrides: Any) -> Path:
        (self.tmp / "rules").mkdir(exist_ok=True)
        if not self.rules.exists():
            self.write_rules("missile")
        data: dict[str, Any] = {
            "database": "newsradar.db",
            "rules": "rules/",
            "notify": {
                "hook": self.hook.apprise_url("/hook"),
                "ops": self.hook.apprise_url("/ops"),
            },
            "ops": "ops",
            "defaults": {"every": "2s", "jitter": "0", "failures_before_alert": 2},
            # robots.txt off: one request per poll keeps the cycles short.
            "fetch": {"timeout": "5s", "crawl_timeout": "30s", "obey_robots": False},
            "delivery": {"timeout": "5s", "backoff": "1s", "max_backoff": "2s"},
            "daemon": {"delivery_every": "1s", "health_every": "1s"},
            "sources": [{"name": "local", "feed": self.feed_url, "full_text": "never"}],
            **overrides,
        }
        path = self.tmp / "newsradar.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path

    def write_rules(self, query_text: str) -> None:
        self.rules.parent.mkdir(exist_ok=True)
        rule = {"name": "missiles", "query": query_text, "notify": ["hook"]}
        self.rules.write_text(yaml.safe_dump({"rules": [rule]}, sort_keys=False))

    def daemon(self, *args: str) -> DaemonProcess:
        config = self.tmp / "newsradar.yaml"
        if not config.exists():
            self.write_config()
        daemon = DaemonProcess(config, self.tmp / "daemon.log", *args)
        self.daemons.append(daemon)
        return daemon.start()

    def alerts(self) -> list[str]:
        """Titles of alert messages the webhook accepted, in arrival order."""
        return [r.json()["title"] for r in self.hook.accepted if r.path == "/hook"]

    def ops(self) -> list[str]:
        return [r.json()["title"] for r in self.hook.accepted if r.path == "/ops"]


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    feed = Feed()
    hook = WebhookReceiver().start()
    world = Setup(tmp_path, feed, hook)
    try:
        yield world
    finally:
        for daemon in world.daemons:
            daemon.kill()
        hook.stop()
        feed.close()


def test_new_article_alert_arrives_within_interval_plus_five_seconds(setup: Setup) -> None:
    setup.feed.publish(1)
    setup.daemon("--metrics-port", "0")
    assert wait_until(lambda: setup.alerts() == ["missiles: Missile story 1"]), setup.alerts()

    setup.feed.publish(2)
    published = time.monotonic()
    assert wait_until(lambda: len(setup.alerts()) == 2, timeout=NEW_ARTICLE_DEADLINE_S + 3)
    arrived = time.monotonic() - published
    assert setup.alerts()[1].endswith("Missile story 2")
    assert arrived <= NEW_ARTICLE_DEADLINE_S, f"alert took {arrived:.1f}s"


def test_not_modified_feed_changes_nothing(setup: Setup) -> None:
    setup.feed.publish(1)
    setup.daemon()
    assert wait_until(lambda: len(setup.alerts()) == 1)
    before = query(setup.db, "SELECT count(*), max(updated_at) FROM articles")
    polls = len(setup.feed.headers)
    # Three more polls, all conditional and answered 304.
    assert wait_until(lambda: len(setup.feed.headers) >= polls + 3, timeout=12)
    conditional = setup.feed.headers[polls:]
    assert all(h.get("if-none-match") for h in conditional), conditional
    assert query(setup.db, "SELECT count(*), max(updated_at) FROM articles") == before
    state = query(setup.db, "SELECT consecutive_failures, last_error FROM sources")
    assert state == [(0, None)]
    assert len(setup.alerts()) == 1


def test_429_with_retry_after_is_respected(setup: Setup) -> None:
    setup.feed.status, setup.feed.retry_after = 429, "6"
    setup.feed.publish(1)
    setup.daemon()
    assert wait_until(lambda: len(setup.feed.entered) >= 1)
    time.sleep(4)  # two more `every: 2s` ticks: the source is backing off, nothing is fetched
    assert len(setup.feed.entered) == 1
    setup.feed.status = 200
    assert wait_until(lambda: len(setup.alerts()) == 1, timeout=10)
    first, second = setup.feed.entered[:2]
    assert second - first >= 5.5, f"polled again after {second - first:.1f}s"


def test_rule_edit_applies_without_restart_and_broken_edit_keeps_old_rules(setup: Setup) -> None:
    setup.write_rules("nothing_matches_this_word")
    setup.feed.publish(1)
    daemon = setup.daemon()
    assert wait_until(lambda: query(setup.db, "SELECT count(*) FROM articles") == [(1,)])

    # A broken edit: reported as file:line, the old rules keep working.
    broken = "rules:\n  - name: missiles\n    query: missile AND (\n    notify: [hook]\n"
    setup.rules.write_text(broken)
    assert wait_until(lambda: "rule edit rejected" in daemon.log(), timeout=5), daemon.log()
    assert f"{setup.rules}:3" in daemon.log()
    setup.feed.publish(2)
    assert wait_until(lambda: query(setup.db, "SELECT count(*) FROM articles") == [(2,)])
    time.sleep(1.0)  # processing happened right after the collect; give delivery a moment
    assert setup.alerts() == []

    # A valid edit applies at once; the next new article alerts.
    setup.write_rules("missile")
    assert wait_until(lambda: "reloaded: 1 rules" in daemon.log(), timeout=5), daemon.log()
    setup.feed.publish(3)
    assert wait_until(lambda: setup.alerts() == ["missiles: Missile story 3"], timeout=10)
    assert daemon.proc is not None and daemon.proc.poll() is None


def test_sigterm_during_a_collect_exits_zero_within_ten_seconds(setup: Setup) -> None:
    setup.feed.publish(1)
    setup.feed.delay = 30.0  # the child hangs in its fetch
    daemon = setup.daemon()
    assert wait_until(lambda: setup.feed.entered, timeout=10)
    code, took = daemon.terminate()
    assert code == 0, daemon.log()
    assert took < STOP_DEADLINE_S, f"stop took {took:.1f}s"
    assert "stopping the collect child" in daemon.log()
    # Nothing half-written: the database opens and passes its integrity check.
    assert query(setup.db, "PRAGMA integrity_check") == [("ok",)]


def test_kill9_mid_cycle_then_restart_loses_no_alert_and_sends_none_twice(setup: Setup) -> None:
    setup.feed.publish(1)
    first = setup.daemon()
    assert wait_until(lambda: len(setup.alerts()) == 1)

    # Alert 2 is queued but its channel is down: it waits in the outbox.
    setup.hook.default_status = 503
    setup.feed.publish(2)
    assert wait_until(
        lambda: any("story 2" in r.json()["title"] for r in setup.hook.requests), timeout=10
    )
    # Article 3 appears while the feed is slow: kill -9 while the child is fetching it.
    setup.feed.delay = 3.0
    setup.feed.publish(3)
    entered = len(setup.feed.entered)
    assert wait_until(lambda: len(setup.feed.entered) > entered, timeout=10)
    first.kill()

    setup.hook.default_status = 200
    setup.feed.delay = 0.0
    second = setup.daemon()
    assert wait_until(lambda: len(setup.alerts()) >= 3, timeout=15), setup.alerts()
    time.sleep(4.0)  # two more cycles: nothing may be sent again
    counts = Counter(setup.alerts())
    assert counts == {f"missiles: Missile story {n}": 1 for n in (1, 2, 3)}, counts
    code, _ = second.terminate()
    assert code == 0


def test_failing_source_raises_one_ops_alert_and_one_recovered_notice(setup: Setup) -> None:
    setup.feed.status = 404
    daemon = setup.daemon()
    assert wait_until(lambda: len(setup.ops()) >= 1, timeout=15), daemon.log()
    # Keep failing for a few more polls: still one notice.
    failures = query(setup.db, "SELECT consecutive_failures FROM sources")[0][0]
    assert wait_until(
        lambda: query(setup.db, "SELECT consecutive_failures FROM sources")[0][0] >= failures + 2,
        timeout=10,
    )
    assert setup.ops() == ["newsradar: source local is failing"]

    setup.feed.status = 200
    assert wait_until(lambda: len(setup.ops()) >= 2, timeout=10)
    time.sleep(2.5)  # more successful polls: no further notices
    assert setup.ops() == [
        "newsradar: source local is failing",
        "newsradar: source local recovered",
    ]
    assert query(setup.db, "SELECT health, health_notified FROM sources") == [("ok", None)]


def test_second_daemon_on_the_same_database_is_refused(setup: Setup) -> None:
    setup.daemon()
    result = subprocess.run(
        newsradar_cmd("-c", str(setup.tmp / "newsradar.yaml"), "run"),
        capture_output=True,
        text=True,
        timeout=30,
        cwd=setup.tmp,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert result.returncode != 0
    assert "another newsradar process" in result.stderr
    assert str(setup.db) in result.stderr


def test_healthz_and_metrics_report_the_daemon(setup: Setup) -> None:
    setup.feed.publish(1)
    daemon = setup.daemon("--metrics-port", "0")
    assert wait_until(lambda: "metrics on http://" in daemon.log())
    base = daemon.log().split("metrics on ", 1)[1].split("/metrics", 1)[0]
    assert base.startswith("http://127.0.0.1:")
    assert wait_until(lambda: len(setup.alerts()) == 1)
    with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
        assert response.status == 200
        assert b'"status": "ok"' in response.read()

    def metrics() -> str:
        with urllib.request.urlopen(f"{base}/metrics", timeout=5) as response:
            return response.read().decode()

    assert wait_until(lambda: "newsradar_alerts_sent_total 1.0" in metrics(), timeout=5)
    text = metrics()
    for name in (
        'newsradar_articles_collected_total{source="local"} 1.0',
        "newsradar_matches_total 1.0",
        'newsradar_alerts{status="pending"} 0.0',
        'newsradar_source_last_success_timestamp_seconds{source="local"}',
        "newsradar_collect_duration_seconds_count",
        "newsradar_rules_loaded 1.0",
        "process_resident_memory_bytes",
    ):
        assert name in text, name


# --- the parts, without a subprocess ----------------------------------------------------------


def test_first_poll_is_immediate_when_overdue_and_keeps_the_rhythm_otherwise() -> None:
    from datetime import UTC, datetime, timedelta

    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    from monitor.scheduler import first_run
    from monitor.store.sources import SourceState

    now = datetime(2026, 11, 2, 12, 0, 30, tzinfo=UTC)
    every_10m = IntervalTrigger(minutes=10)
    assert first_run(every_10m, SourceState("s"), now) == now  # never polled
    recent = SourceState("s", last_attempt=now - timedelta(minutes=4))
    assert first_run(every_10m, recent, now) == now + timedelta(minutes=6)  # no re-poll
    old = SourceState("s", last_attempt=now - timedelta(hours=3))
    assert first_run(every_10m, old, now) == now
    hourly = CronTrigger.from_crontab("0 * * * *", timezone=UTC)
    missed = SourceState("s", last_attempt=now - timedelta(minutes=65))
    assert first_run(hourly, missed, now) == now  # the 12:00 run was missed
    done = SourceState("s", last_attempt=now - timedelta(seconds=20))  # polled at 12:00:10
    assert first_run(hourly, done, now) == datetime(2026, 11, 2, 13, 0, tzinfo=UTC)


def test_reloader_applies_valid_edits_and_pauses_collection_on_bad_ones(tmp_path: Path) -> None:
    from monitor.config import load_config
    from monitor.reload import Active, Reloader
    from monitor.rulebook import load_rulebook

    world = Setup(tmp_path, None, WebhookReceiver())
    feed_url = world.feed_url
    path = world.write_config()
    config = load_config(str(path))
    reloader = Reloader(str(path), Active(config, load_rulebook(config)))
    reloader.settle_s = 0.01
    assert reloader.poll() is None  # nothing changed

    world.write_rules("missile OR rocket")
    assert reloader.poll() is not None
    assert reloader.active.rulebook.ruleset.rules[0].query == "missile OR rocket"

    path.write_text(path.read_text() + "typo_key: 1\n")
    assert reloader.poll() is None
    assert reloader.collect_blocked == "the config file on disk is invalid"
    assert reloader.active.config is config  # the running config stays

    world.write_config(database="elsewhere.db")
    assert reloader.poll() is None
    assert reloader.collect_blocked == "the config on disk needs a restart"

    sources = [{"name": "other", "feed": feed_url, "every": "5m"}]
    world.write_config(sources=sources)
    new = reloader.poll()
    assert new is not None and reloader.collect_blocked is None
    assert [s.name for s in new.config.sources] == ["other"]


def test_config_reload_adds_reschedules_and_removes_source_jobs(tmp_path: Path) -> None:
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    from monitor.config import load_config
    from monitor.reload import Active
    from monitor.rulebook import load_rulebook
    from monitor.scheduler import Daemon

    world = Setup(tmp_path, None, WebhookReceiver())
    url = world.feed_url
    sources = [{"name": "a", "feed": url, "every": "5m"}, {"name": "b", "feed": url}]
    config = load_config(str(world.write_config(sources=sources)))
    daemon = Daemon(config.path, Active(config, load_rulebook(config)), metrics_port=None)
    daemon._schedule_sources(config, initial=True)

    def jobs() -> dict[str, object]:
        return {j.id: j.trigger for j in daemon.scheduler.get_jobs() if j.id.startswith("source:")}

    assert isinstance(jobs()["source:a"], IntervalTrigger)
    assert jobs()["source:a"].interval.total_seconds() == 300  # type: ignore[attr-defined]
    assert jobs()["source:b"].interval.total_seconds() == 2  # type: ignore[attr-defined]

    sources = [{"name": "a", "feed": url, "every": "*/15 * * * *"}, {"name": "c", "feed": url}]
    daemon._schedule_sources(load_config(str(world.write_config(sources=sources))))
    assert sorted(jobs()) == ["source:a", "source:c"]
    assert isinstance(jobs()["source:a"], CronTrigger)

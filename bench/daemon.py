"""Memory of `newsradar run` over many cycles against a local site of 200 feeds.

Serves N feeds (default 200, 20 items each, ETag/304; each on its own loopback address, so
each is its own host) and a webhook from this process, runs the daemon as a real subprocess
with every source on ``every: 1s`` (a cycle takes longer than that, so cycles run back to
back: no hidden switch, the ordinary scheduler),
and after every cycle publishes a new article on a few feeds (about a third of them match a
rule and are delivered to the webhook). The daemon's RSS is read from /proc after warm-up and
at the end. One cycle = one child collect of all due sources + processing + delivery, counted
by the daemon's own ``newsradar_collect_cycles_total``.

Run: ``python bench/daemon.py [--cycles 500] [--feeds 200] [--warmup 25]``. Prints a table of
RSS samples, then the summary line
``daemon: cycles=N rss_start_mb=N rss_end_mb=N growth_pct=N cycle_s=N``.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
ITEMS_PER_FEED = 20
NEW_PER_CYCLE = 6  # feeds that get a new article after each cycle

_VOCABULARY = """harbour council budget railway festival drought vaccine election glacier orchestra
satellite copper fishery parliament museum tariff wildfire bridge protest telescope reactor
senate embassy airport refinery pipeline customs border census treaty court ministry"""
WORDS = _VOCABULARY.split()


def article(feed: int, n: int) -> str:
    words = [WORDS[(feed * 31 + n * 7 + i * 5) % len(WORDS)] for i in range(40)]
    topic = "missile" if n % 3 == 0 else "weather"
    return f"Feed {feed} item {n} about the {topic}: " + " ".join(words) + f" ({feed}-{n})."


class Site:
    """The feeds and the webhook, served from one threaded HTTP server."""

    def __init__(self, feeds: int) -> None:
        self.lock = threading.Lock()
        self.items = {f: list(range(ITEMS_PER_FEED)) for f in range(feeds)}
        self.bodies: dict[int, tuple[bytes, str]] = {}
        self.next_item = ITEMS_PER_FEED
        self.fetches = self.not_modified = self.alerts = 0
        for f in range(feeds):
            self._render(f)
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                match = re.fullmatch(r"/feed/(\d+)\.xml", self.path)
                if not match or int(match.group(1)) not in site.bodies:
                    self._reply(404, b"")
                    return
                with site.lock:
                    body, etag = site.bodies[int(match.group(1))]
                    site.fetches += 1
                    fresh = self.headers.get("If-None-Match") == etag
                    site.not_modified += fresh
                self._reply(304 if fresh else 200, b"" if fresh else body, etag)

            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with site.lock:
                    site.alerts += 1
                self._reply(200, b"{}")

            def _reply(self, status: int, body: bytes, etag: str | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/rss+xml")
                if etag:
                    self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if status != 304:
                    self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        # One loopback address per feed: each feed is its own host, as on the real web, so
        # per-host politeness (AutoThrottle, per-host concurrency) does not serialise them.
        self.servers = []
        for f in range(feeds):
            server = ThreadingHTTPServer((self.host(f), 0), Handler)
            server.daemon_threads = True
            self.servers.append(server)
            threading.Thread(target=server.serve_forever, args=(0.5,), daemon=True).start()
        self.hook_port = self.servers[0].server_address[1]

    @staticmethod
    def host(feed: int) -> str:
        return f"127.0.{1 + feed // 250}.{1 + feed % 250}"

    def feed_url(self, feed: int) -> str:
        return f"http://{self.host(feed)}:{self.servers[feed].server_address[1]}/feed/{feed}.xml"

    def close(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()

    def _render(self, feed: int) -> None:
        entries = "".join(
            f"<item><title>Feed {feed} story {n}</title>"
            f"<link>http://news{feed}.example/a/{n}</link><guid>f{feed}-{n}</guid>"
            f"<description>{article(feed, n) * 3}</description></item>"
            for n in reversed(self.items[feed][-ITEMS_PER_FEED:])
        )
        body = (
            '<?xml version="1.0"?><rss version="2.0"><channel>'
            f"<title>Feed {feed}</title><link>http://news{feed}.example/</link>"
            f"{entries}</channel></rss>"
        ).encode()
        self.bodies[feed] = (body, f'"{feed}-{len(self.items[feed])}-{self.items[feed][-1]}"')

    def publish(self, cycle: int, feeds: int) -> None:
        """A new article on ``feeds`` feeds, rotating through all of them."""
        with self.lock:
            for k in range(feeds):
                feed = (cycle * feeds + k) % len(self.items)
                self.items[feed].append(self.next_item)
                self.items[feed] = self.items[feed][-ITEMS_PER_FEED:]
                self.next_item += 1
                self._render(feed)


def write_config(directory: Path, site: Site, feeds: int) -> Path:
    (directory / "rules").mkdir()
    rules = {"rules": [{"name": "missiles", "query": "missile*", "notify": ["hook"]}]}
    (directory / "rules" / "alerts.yaml").write_text(yaml.safe_dump(rules))
    config = {
        "database": "bench.db",
        "rules": "rules/",
        "notify": {"hook": f"json://{site.host(0)}:{site.hook_port}/hook"},
        "defaults": {"every": "1s", "jitter": "0"},
        "fetch": {"obey_robots": False, "crawl_timeout": "60s", "concurrency_per_host": 8},
        "daemon": {"metrics_port": 0, "delivery_every": "5s"},
        "sources": [
            {
                "name": f"feed{f}",
                "feed": site.feed_url(f),
                "full_text": "never",
            }
            for f in range(feeds)
        ],
    }
    path = directory / "newsradar.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def cycles_done(metrics_url: str) -> int:
    with urllib.request.urlopen(metrics_url, timeout=5) as response:
        text = response.read().decode()
    return int(
        sum(
            float(m)
            for m in re.findall(r"^newsradar_collect_cycles_total\{[^}]*\} (\S+)$", text, re.M)
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=500)
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=25, help="cycles before the first RSS")
    parser.add_argument(
        "--new-per-cycle", type=int, default=NEW_PER_CYCLE, help="feeds with a new article"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()

    site = Site(args.feeds)
    work = Path(tempfile.mkdtemp(prefix="newsradar-bench-"))
    config = write_config(work, site, args.feeds)
    log_path = work / "daemon.log"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "monitor.cli", "-c", str(config), "run"],
            stdout=log,
            stderr=log,
            cwd=work,
            env=env,
        )
    try:
        metrics_url = None
        for _ in range(200):
            found = re.search(r"metrics on (http://\S+/metrics)", log_path.read_text())
            if found:
                metrics_url = found.group(1)
                break
            if proc.poll() is not None:
                break
            time.sleep(0.1)
        if metrics_url is None:
            print(log_path.read_text(), file=sys.stderr)
            return 1

        print(
            f"{'cycle':>6} {'rss_mb':>8} {'elapsed_s':>10} {'fetches':>8} {'304s':>7} {'alerts':>7}"
        )
        started = time.monotonic()
        seen = 0
        rss_start = None
        warm_at = started
        samples: list[tuple[int, float]] = []
        while seen < args.cycles:
            if proc.poll() is not None:
                print(log_path.read_text()[-3000:], file=sys.stderr)
                return 1
            done = cycles_done(metrics_url)
            if done > seen:
                for cycle in range(seen, done):
                    site.publish(cycle, args.new_per_cycle)
                seen = done
                rss = rss_mb(proc.pid)
                if rss_start is None and seen >= args.warmup:
                    rss_start, warm_at = rss, time.monotonic()
                    warm_cycles = seen
                if seen % 25 == 0 or seen >= args.cycles:
                    samples.append((seen, rss))
                    print(
                        f"{seen:>6} {rss:>8.1f} {time.monotonic() - started:>10.0f} "
                        f"{site.fetches:>8} {site.not_modified:>7} {site.alerts:>7}",
                        flush=True,
                    )
            time.sleep(0.2)
        rss_end = rss_mb(proc.pid)
        elapsed = time.monotonic() - warm_at
        assert rss_start is not None
        cycle_s = elapsed / max(1, seen - warm_cycles)
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=20)
        growth = (rss_end - rss_start) / rss_start * 100
        print(f"daemon exit code after SIGTERM: {code}; log: {log_path}")
        print(
            f"daemon: cycles={seen} rss_start_mb={rss_start:.1f} rss_end_mb={rss_end:.1f} "
            f"growth_pct={growth:.1f} cycle_s={cycle_s:.2f}"
        )
        return 0
    finally:
        if proc.poll() is None:
            proc.kill()
        site.close()
        if not args.keep:
            for path in sorted(work.rglob("*"), reverse=True):
                if path.is_file() and path.name != "daemon.log":
                    path.unlink()


if __name__ == "__main__":
    sys.exit(main())

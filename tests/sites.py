"""Local web sites for the collect tests: feeds, sitemaps and pages served on 127.0.0.1.

``LocalSite`` is a threading HTTP server with programmable routes (body, status, headers,
ETag/Last-Modified answered with 304 on a matching conditional request) and directories, and
a log of every request with its headers. ``hanging_url`` accepts connections and never
answers. ``make_config`` writes a newsradar.yaml for a list of sources.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

__all__ = ["LocalSite", "Route", "hanging_url", "local_site", "make_config", "write_config"]

_TYPES = {
    ".xml": "application/xml",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".rdf": "application/rdf+xml",
    ".json": "application/feed+json",
    ".html": "text/html; charset=utf-8",
    ".gz": "application/gzip",
    ".txt": "text/plain",
}


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class SeenRequest:
    path: str
    headers: dict[str, str]  # lower-case names


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        site = self.server.site
        headers = {k.lower(): v for k, v in self.headers.items()}
        site._log(SeenRequest(self.path, headers))
        route = site.route_for(self.path)
        if route is None:
            self._send(404, {"Content-Type": "text/plain"}, b"not found")
            return
        extra = dict(route.headers)
        if route.etag:
            extra["ETag"] = route.etag
        if route.last_modified:
            extra["Last-Modified"] = route.last_modified
        fresh = (route.etag and headers.get("if-none-match") == route.etag) or (
            route.last_modified and headers.get("if-modified-since") == route.last_modified
        )
        if fresh and route.status == 200:
            self._send(304, extra, b"")
            return
        self._send(route.status, {"Content-Type": route.content_type, **extra}, route.body)

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status != 304:
                self.wfile.write(body)
        except OSError:
            pass

    def log_message(self, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: LocalSite


class LocalSite:
    """An HTTP server on ``host`` (any 127.x address) with routes and a request log.

    Each loopback address is its own host to Scrapy (its own download slot), so sources on
    different LocalSites are fetched in parallel as on the real web.
    """

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.routes: dict[str, Route] = {}
        self.requests: list[SeenRequest] = []
        self._lock = threading.Lock()
        self._server = _Server((host, 0), _Handler)
        self._server.site = self
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        self.add("/robots.txt", b"User-agent: *\nDisallow: /private/\n", "text/plain")

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def add(self, path: str, body: bytes | str, content_type: str | None = None, **kw: Any) -> str:
        """Serve ``body`` at ``path``; returns its URL."""
        data = body.encode() if isinstance(body, str) else body
        if content_type is None:
            content_type = _TYPES.get(Path(path).suffix, "application/octet-stream")
        self.routes[path] = Route(data, content_type=content_type, **kw)
        return self.url(path)

    def add_file(self, path: str, file: Path, content_type: str | None = None, **kw: Any) -> str:
        return self.add(path, file.read_bytes(), content_type, **kw)

    def add_dir(self, prefix: str, directory: Path) -> None:
        """Serve every file under ``directory`` at ``prefix/relative/path``."""
        for file in sorted(directory.rglob("*")):
            if file.is_file():
                self.add_file(f"{prefix.rstrip('/')}/{file.relative_to(directory)}", file)

    def route_for(self, raw_path: str) -> Route | None:
        return self.routes.get(raw_path.split("?", 1)[0])

    def _log(self, request: SeenRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def requests_for(self, path: str) -> list[SeenRequest]:
        with self._lock:
            return [r for r in self.requests if r.path.split("?", 1)[0] == path]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def write_config(
    directory: Path,
    sources: list[dict[str, Any]],
    fetch: dict[str, Any] | None = None,
    **extra: Any,
) -> Path:
    """A newsradar.yaml in ``directory`` with a local database and the given sources."""
    (directory / "rules").mkdir(exist_ok=True)
    data: dict[str, Any] = {
        "database": "newsradar.db",
        "rules": "rules/",
        "fetch": {"timeout": "5s", "crawl_timeout": "60s", **(fetch or {})},
        "sources": sources,
        **extra,
    }
    path = directory / "newsradar.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def local_site() -> Iterator[Callable[..., LocalSite]]:
    """A factory of local sites: ``local_site()`` on 127.0.0.1, ``local_site("127.0.0.2")``."""
    sites: list[LocalSite] = []

    def make(host: str = "127.0.0.1") -> LocalSite:
        site = LocalSite(host)
        sites.append(site)
        return site

    yield make
    for site in sites:
        site.close()


@pytest.fixture
def hanging_url() -> Iterator[str]:
    """A URL whose server accepts the connection and never answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.9", 0))
    sock.listen(16)
    yield f"http://127.0.0.9:{sock.getsockname()[1]}/feed.xml"
    sock.close()


@pytest.fixture
def make_config(tmp_path: Path) -> Callable[..., Path]:
    """``make_config(sources, fetch=None, **extra)`` writes tmp_path/newsradar.yaml."""

    def make(sources: list[dict[str, Any]], fetch: dict[str, Any] | None = None, **extra: Any):
        return write_config(tmp_path, sources, fetch, **extra)

    return make

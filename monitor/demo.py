"""`newsradar demo`: a whole pass, offline, against sample feeds served on 127.0.0.1.

Three outlets (RSS, Atom, JSON Feed) carry a NATO/Türkiye missile story twice, a turkey recipe
and a port strike. The demo delivers to a local SMTP sink and prints what arrived: one email
per story and rule, none for the recipe, none for the syndicated copy, none on a second pass.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from monitor.config import load_config
from monitor.pipeline import run_once
from monitor.report import format_pass
from monitor.starter import catalogue_dir

DEMO_FILES = Path(__file__).parent / "demo_files"
FEEDS = {"world-desk": "world.xml", "wire-agency": "agency.atom", "local-paper": "local.json"}


class _DemoHandler(BaseHTTPRequestHandler):
    """Serves demo_files/ with ``{BASE}`` replaced by the server's own address."""

    base = ""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        name = self.path.split("?")[0].lstrip("/")
        path = DEMO_FILES / name
        if name == "robots.txt":
            self._send(200, b"User-agent: *\nAllow: /\n", "text/plain")
        elif name and path.is_file() and path.parent == DEMO_FILES:
            body = path.read_text(encoding="utf-8").replace("{BASE}", self.base).encode()
            kind = {
                "xml": "application/rss+xml",
                "atom": "application/atom+xml",
                "json": "application/feed+json",
            }.get(path.suffix[1:], "text/plain")
            self._send(200, body, kind)
        else:
            self._send(404, b"not found", "text/plain")

    def _send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:  # keep the demo output clean
        pass


@contextmanager
def serve_demo_feeds() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _DemoHandler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    _DemoHandler.base = base
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()


def write_demo_config(directory: Path, base: str, smtp_port: int) -> Path:
    sources = "\n".join(
        f"  - name: {name}\n    feed: {base}/{file}\n    full_text: never"
        for name, file in FEEDS.items()
    )
    config = directory / "newsradar.yaml"
    config.write_text(
        f"""# Written by `newsradar demo`.
database: newsradar.db
rules:
  - {DEMO_FILES / "alerts.yaml"}
  - {catalogue_dir()}
notify:
  demo-email: "mailto://127.0.0.1:{smtp_port}?from=radar@example.org&to=desk@example.org&mode=insecure"
sources:
{sources}
""",
        encoding="utf-8",
    )
    return config


def run_demo(directory: str | None, echo: Callable[[str], None]) -> None:
    from monitor.demo_servers import SmtpSink

    with tempfile.TemporaryDirectory(prefix="newsradar-demo-") as scratch:
        workdir = Path(directory or scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        with serve_demo_feeds() as base, SmtpSink() as sink:
            config = load_config(str(write_demo_config(workdir, base, sink.port)))
            echo(f"demo: serving 3 sample feeds at {base}, SMTP sink on 127.0.0.1:{sink.port}")
            echo("\n== first pass ==")
            echo(format_pass(run_once(config)))
            for number, message in enumerate(sink.messages, 1):
                echo(f"\n== email {number}: {message['subject']} ==\n{message['body'].strip()}")
            first = len(sink.messages)
            echo("\n== second pass (nothing new: no alert is sent twice) ==")
            echo(format_pass(run_once(config)))
            kept = f"files kept in {workdir}" if directory else "use --dir DIR to keep the files"
            echo(
                f"\ndemo: {first} alert(s) delivered on the first pass, "
                f"{len(sink.messages) - first} on the second; {kept}"
            )

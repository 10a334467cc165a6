"""Real local servers for tests: an SMTP sink, a webhook receiver, an ntfy stub.

Plain importable helpers (context managers) plus pytest fixtures that ``conftest.py``
registers. Everything listens on 127.0.0.1 on a free port. The SMTP sink is the one
`newsradar demo` uses (:mod:`monitor.demo_servers`).
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

import pytest

from monitor.demo_servers import ReceivedMail, SmtpSink

__all__ = [
    "HttpReceiver",
    "NtfyStub",
    "ReceivedMail",
    "ReceivedRequest",
    "SmtpSink",
    "WebhookReceiver",
    "ntfy_stub",
    "smtp_sink",
    "webhook",
]


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int  # what the receiver answered

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        receiver = self.server.receiver
        status, reply = receiver._next_answer()
        if receiver.delay:
            receiver._stopping.wait(receiver.delay)  # a slow server; stop() cuts the wait
        receiver._record(
            ReceivedRequest(
                method=self.command,
                path=self.path,
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
                status=status,
            )
        )
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)
        except OSError:  # the client gave up waiting (a timeout test): nothing to answer
            pass

    do_GET = do_POST = do_PUT = _handle  # http.server dispatches on these names

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    receiver: HttpReceiver


class HttpReceiver:
    """An HTTP server that records every request and answers with programmable statuses.

    ``respond_with(500, 500)`` makes the next two requests fail; afterwards (and by default)
    it answers ``default_status``. ``delay`` seconds are waited before each answer.
    """

    default_status = 200

    def __init__(self, host: str = "127.0.0.1", delay: float = 0.0) -> None:
        self.host = host
        self.port = 0
        self.delay = delay
        self._answers: deque[int] = deque()
        self._requests: list[ReceivedRequest] = []
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- life cycle ----------------------------------------------------------------------

    def start(self) -> Self:
        server = _Server((self.host, 0), _Handler)
        server.receiver = self
        self.port = int(server.server_address[1])
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- behaviour -----------------------------------------------------------------------

    def respond_with(self, *statuses: int) -> None:
        """Answer the next requests with ``statuses``, in order."""
        with self._cond:
            self._answers.extend(statuses)

    def _next_answer(self) -> tuple[int, bytes]:
        with self._cond:
            status = self._answers.popleft() if self._answers else self.default_status
        return status, self.reply_body(status)

    def reply_body(self, status: int) -> bytes:
        return b"{}" if status < 400 else b'{"error": "stub failure"}'

    # --- what arrived ---------------------------------------------------------------------

    def _record(self, request: ReceivedRequest) -> None:
        with self._cond:
            self._requests.append(request)
            self._cond.notify_all()

    @property
    def requests(self) -> list[ReceivedRequest]:
        with self._cond:
            return list(self._requests)

    @property
    def accepted(self) -> list[ReceivedRequest]:
        """Requests answered with a 2xx: what the service actually took."""
        return [r for r in self.requests if r.accepted]

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedRequest]:
        """All requests, once at least ``count`` arrived (or whatever came within ``timeout``)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self._requests) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            return list(self._requests)

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"


class WebhookReceiver(HttpReceiver):
    """Receives apprise's ``json://`` posts.

    Each is ``{"version", "title", "message", "attachments", "type"}``.
    """

    def apprise_url(self, path: str = "/hook") -> str:
        return f"json://{self.host}:{self.port}{path}"

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The JSON payloads the webhook accepted."""
        return [r.json() for r in self.accepted]


class NtfyStub(HttpReceiver):
    """Stands in for an ntfy server: apprise (private mode, chosen for an IP host with a
    topic) POSTs JSON ``{"topic","title","message"}`` to the server root."""

    def apprise_url(self, topic: str = "newsradar") -> str:
        return f"ntfy://{self.host}:{self.port}/{topic}"

    def reply_body(self, status: int) -> bytes:
        if status >= 400:
            return json.dumps({"code": status, "error": "stub failure"}).encode()
        return json.dumps({"id": "stub", "time": int(time.time()), "event": "message"}).encode()

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The published messages: ``{"topic", "title", "message", ...}``."""
        return [r.json() for r in self.accepted]


# --- fixtures (registered in conftest.py) ----------------------------------------------------


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """An SMTP server on 127.0.0.1 keeping every message (``.messages``, ``.wait_for(n)``)."""
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    """A webhook receiver; ``respond_with(500)`` makes the next request fail."""
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture
def ntfy_stub() -> Iterator[NtfyStub]:
    """An ntfy server stub collecting published messages."""
    with NtfyStub() as stub:
        yield stub

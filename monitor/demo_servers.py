"""Local servers for `newsradar demo` and the tests: an SMTP sink that keeps what it receives.

aiosmtpd is imported lazily, so the service itself never needs it; only the demo and the
tests start a sink. The sink listens on 127.0.0.1 only, accepts any sender, recipient and
login (AUTH without TLS, so apprise URLs with a user and password work against it), and keeps
each message parsed.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from types import TracebackType
from typing import Any
from urllib.parse import quote


@dataclass(frozen=True)
class ReceivedMail:
    """One message as the sink received it; also readable as ``mail["subject"]``."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    subject: str
    body: str  # the text/plain part (or the HTML part if there is no plain one), decoded
    content_type: str
    raw: bytes
    login: str | None = None  # the AUTH user name, when the client logged in

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)


def _body_of(message: EmailMessage) -> tuple[str, str]:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return "", message.get_content_type()
    # SMTP carries CRLF line ends; callers compare with the text that was sent.
    return str(part.get_content()).replace("\r\n", "\n"), part.get_content_type()


def free_port(host: str = "127.0.0.1") -> int:
    """A port that was free a moment ago (aiosmtpd needs a number before it starts)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw = bytes(envelope.original_content or envelope.content)
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        body, content_type = _body_of(message)
        login = session.auth_data  # what _accept_any_login returned: the user name
        self.sink._received(
            ReceivedMail(
                mail_from=str(envelope.mail_from),
                rcpt_tos=tuple(envelope.rcpt_tos),
                subject=str(message.get("subject", "")),
                body=body,
                content_type=content_type,
                raw=raw,
                login=login.decode() if isinstance(login, bytes) else login,
            )
        )
        return "250 Message accepted for delivery"


def _accept_any_login(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> Any:
    from aiosmtpd.smtp import AuthResult, LoginPassword

    login = auth_data.login if isinstance(auth_data, LoginPassword) else None
    return AuthResult(success=True, auth_data=login)


class SmtpSink:
    """An SMTP server on 127.0.0.1 that accepts everything and keeps the messages.

    Use as a context manager (or ``start()``/``stop()``)::

        with SmtpSink() as sink:
            url = sink.apprise_url()     # mailto://127.0.0.1:PORT?...&mode=insecure
            ...
            sink.wait_for(1)             # the messages, once at least one arrived
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self._messages: list[ReceivedMail] = []
        self._lock = threading.Condition()
        self._controller: Any = None

    # --- life cycle ----------------------------------------------------------------------

    def start(self) -> SmtpSink:
        from aiosmtpd.controller import Controller

        attempts = 5 if self.port == 0 else 1
        for attempt in range(attempts):
            port = self.port or free_port(self.host)
            controller = Controller(
                _Handler(self),
                hostname=self.host,
                port=port,
                auth_require_tls=False,  # a local sink: let URLs with user:password log in
                authenticator=_accept_any_login,
                ready_timeout=5.0,
            )
            try:
                controller.start()
            except Exception:
                if attempt == attempts - 1:
                    raise
                continue  # somebody took the free port in between: pick another
            self._controller, self.port = controller, port
            return self
        raise RuntimeError("unreachable")

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- what arrived ---------------------------------------------------------------------

    def _received(self, mail: ReceivedMail) -> None:
        with self._lock:
            self._messages.append(mail)
            self._lock.notify_all()

    @property
    def messages(self) -> list[ReceivedMail]:
        """A snapshot of every message received so far, in arrival order."""
        with self._lock:
            return list(self._messages)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedMail]:
        """The messages once at least ``count`` arrived (or whatever came within ``timeout``)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self._messages) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._lock.wait(remaining)
            return list(self._messages)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()

    def apprise_url(
        self,
        to: str = "desk@example.org",
        sender: str = "radar@example.org",
        user: str | None = None,
        password: str | None = None,
    ) -> str:
        """The apprise URL that delivers to this sink (plain SMTP, no TLS)."""
        login = ""
        if user:
            login = quote(user, safe="")
            if password:
                login += ":" + quote(password, safe="")
            login += "@"
        return (
            f"mailto://{login}{self.host}:{self.port}"
            f"?from={quote(sender, safe='@')}&to={quote(to, safe='@')}&mode=insecure"
        )

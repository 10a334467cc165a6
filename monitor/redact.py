"""Secrets out of sight: apprise URLs shown redacted, and log records scrubbed of secrets.

An apprise URL is only ever shown as ``url(privacy=True)`` plus our own masking of query
values with secret-looking names (apprise leaves custom headers such as ``+X-Api-Key`` in
clear). ``SCRUBBER`` is a logging filter on apprise's logger that removes every secret-looking
part of the configured URLs from its records; ``mask_url_passwords`` masks ``user:pass@`` in
any text (our own log handler uses it).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from urllib.parse import unquote

import apprise

_SCHEME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]*)://")
_USERINFO_PASSWORD = re.compile(r"^[^/?#@]*?:([^/?#@]+)@")
URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@]*:)([^@/\s]+)(@)", re.IGNORECASE)
_TOKEN_SPLIT = re.compile(r"[/:@?&=#,;+\s]+")
_SECRET_KEYS = re.compile(r"pass|secret|token|key|authori[sz]|sig|hook|pw|cookie", re.IGNORECASE)
_QUERY_PAIR = re.compile(r"[?&]([^=&#]+)=([^&#]*)")
_QUERY_PAIR_FULL = re.compile(r"([?&])([^=&#]+)=([^&#]*)")
_PLAIN_WORD = re.compile(r"[a-z]+")
_MIN_SECRET = 4  # shorter tokens are ports, "to", "yes": scrubbing them would mangle text


def redact(url: str) -> str:
    """``url`` as apprise shows it with ``privacy=True`` (passwords and tokens masked).

    A URL apprise cannot load is reduced to its scheme: its parts can't be told apart.
    """
    try:
        plugin = apprise.Apprise.instantiate(url)
        if plugin is not None:
            return mask_secret_params(str(plugin.url(privacy=True)))
    except Exception:  # a plugin bug must not turn into a leak of the raw URL
        pass
    match = _SCHEME.match(url or "")
    return f"{match.group(1).lower()}://…" if match else "(not a URL)"


def mask_secret_params(url: str) -> str:
    """apprise shows custom headers (``json://host?+X-Api-Key=...``) in clear even with
    ``privacy=True``: mask every query value whose key names a secret."""

    def mask(match: re.Match[str]) -> str:
        key = match.group(2)
        return (
            match.group(0)
            if not _SECRET_KEYS.search(unquote(key))
            else f"{match.group(1)}{key}=****"
        )

    return _QUERY_PAIR_FULL.sub(mask, url)


def short_label(redacted: str) -> str:
    """Drop apprise's default query parameters: noise in an error line."""
    return redacted.split("?", 1)[0]


def obvious_secrets(url: str) -> set[str]:
    """Secrets visible before apprise parses anything: a userinfo password, secret-named
    query values."""
    rest = _SCHEME.sub("", url or "", count=1)
    found = set()
    match = _USERINFO_PASSWORD.match(rest)
    if match:
        found.add(match.group(1))
    for key, value in _QUERY_PAIR.findall(rest):
        if _SECRET_KEYS.search(key) and value:
            found.add(value)
    return {s for v in found for s in (v, unquote(v)) if len(s) >= 3}


def hidden_parts(url: str, redacted: str) -> set[str]:
    """Parts of ``url`` that apprise's privacy form hides: the secrets it knows of.

    Query keys and plain-word values of ordinary keys (``mode=insecure``) are hidden only
    because apprise normalises them; scrubbing those words from every log line helps nobody.
    """
    shown = unquote(redacted)
    rest = _SCHEME.sub("", url or "", count=1)
    ordinary = set()
    for key, value in _QUERY_PAIR.findall(rest):
        ordinary.add(unquote(key))
        if not _SECRET_KEYS.search(key) and _PLAIN_WORD.fullmatch(unquote(value)):
            ordinary.add(unquote(value))
    tokens = _TOKEN_SPLIT.split(unquote(rest))
    return {t for t in tokens if len(t) >= _MIN_SECRET and t not in shown and t not in ordinary}


class Scrubber(logging.Filter):
    """Masks known secrets in every record of apprise's logger (which our handlers show).

    apprise masks passwords itself, but not every plugin token in every message; this is the
    second line of defence. Registered once, on the ``apprise`` logger.
    """

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._secrets: tuple[str, ...] = ()

    def add(self, secrets: Iterable[str]) -> None:
        with self._lock:
            merged = set(self._secrets) | {s for s in secrets if s}
            self._secrets = tuple(sorted(merged, key=len, reverse=True))  # longest first

    def scrub(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, "****")
        return URL_PASSWORD.sub(r"\1****\3", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = self.scrub(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


SCRUBBER = Scrubber()
logging.getLogger(apprise.LOGGER_NAME).addFilter(SCRUBBER)


def mask_url_passwords(text: str) -> str:
    """``scheme://user:****@host`` for every URL with a password in ``text``."""
    return URL_PASSWORD.sub(r"\1****\3", text)

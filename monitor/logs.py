"""Logging to stderr: readable text by default, JSON lines with --log-json.

Secrets never reach a log: apprise URLs are only ever logged in their redacted form, and this
filter masks anything that still looks like a password in a URL.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime

from monitor.redact import mask_url_passwords


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_url_passwords(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class QuietThirdParty(logging.Filter):
    """Drops other libraries' records below WARNING."""

    NOISY = ("scrapy", "twisted", "apprise", "trafilatura", "filelock", "mail.log", "py.warnings")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            return True
        return not any(record.name == n or record.name.startswith(f"{n}.") for n in self.NOISY)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


# Child processes (the collect crawl) log the way their parent does.
LOG_FORMAT_ENV = "NEWSRADAR_LOG_FORMAT"


def json_logging_requested() -> bool:
    return os.environ.get(LOG_FORMAT_ENV) == "json"


def setup_logging(verbose: int = 0, as_json: bool = False) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(
        JsonFormatter()
        if as_json
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    if as_json:
        os.environ[LOG_FORMAT_ENV] = "json"
    if verbose < 2:
        # Third-party chatter stays at warning unless -vv. A filter on our handler, not logger
        # levels: Scrapy resets its loggers' levels when a crawl starts.
        handler.addFilter(QuietThirdParty())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)

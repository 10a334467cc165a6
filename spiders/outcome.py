"""What one source did during a collect pass, and how that is recorded in the store.

A :class:`SourceOutcome` is filled in while the crawl runs (spiders count pages and failures,
the pipeline counts stored items); :func:`record_outcome` writes it to the source's state row
once; :meth:`SourceOutcome.report` is the plain, JSON-able summary the pass returns.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from monitor.store import Store

logger = logging.getLogger(__name__)

MAX_WARNINGS = 10


@dataclass(frozen=True)
class SourceReport:
    """One source's result in a collect report. A failed source is data, not an exception."""

    name: str
    kind: str
    items: int = 0  # articles stored or seen again this pass
    new: int = 0
    changed: int = 0  # stored before, content updated in place
    not_modified: bool = False  # the server answered 304
    error: str | None = None
    warnings: tuple[str, ...] = ()
    duration: float = 0.0
    skipped: str | None = None  # not polled this pass, and why (e.g. backoff)
    backoff_until: str | None = None  # ISO-8601 UTC

    @property
    def ok(self) -> bool:
        return self.error is None and self.skipped is None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["warnings"] = list(self.warnings)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SourceReport:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["warnings"] = tuple(known.get("warnings") or ())
        return cls(**known)


@dataclass
class SourceOutcome:
    name: str
    kind: str
    items: int = 0
    new: int = 0
    changed: int = 0
    not_modified: bool = False
    error: str | None = None
    backoff_until: datetime | None = None
    warnings: list[str] = field(default_factory=list)
    etag: str | None = None
    last_modified: str | None = None
    pages: int = 0  # article pages requested
    page_failures: int = 0
    store_failures: int = 0
    pending: int = 0  # requests sent whose callback/errback has not run yet
    started: float | None = None
    last_activity: float | None = None
    skipped: str | None = None
    recorded: bool = False

    def begin(self) -> None:
        self.started = self.last_activity = time.monotonic()

    def touch(self) -> None:
        self.last_activity = time.monotonic()

    def fail(self, message: str, backoff_until: datetime | None = None) -> None:
        """The source failed; the first error is the one that explains it."""
        if self.error is None:
            self.error = message[:1000]
            logger.warning("source %s failed: %s", self.name, self.error)
        if backoff_until is not None:
            self.backoff_until = backoff_until

    def warn(self, message: str) -> None:
        if message not in self.warnings and len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(message[:500])

    def page_failed(self, message: str) -> None:
        self.page_failures += 1
        self.warn(message)

    def count(self, status: str) -> None:
        """One item went through the pipeline with this SaveResult status."""
        self.items += 1
        if status == "new":
            self.new += 1
        elif status == "changed":
            self.changed += 1

    def settle(self, stop_reason: str = "finished") -> None:
        """Decide the verdict once the crawl is over."""
        if self.skipped or self.error:
            return
        if self.pending > 0 and stop_reason != "finished":
            self.fail(f"collect stopped before the source finished ({stop_reason})")
        elif self.started is None:
            self.fail(f"the source was never started ({stop_reason})")
        elif self.pages and self.page_failures >= self.pages and self.items == 0:
            self.fail(f"all {self.pages} article pages failed: {self.warnings[0]}")
        elif self.store_failures and self.items == 0:
            self.fail(f"no item could be stored: {self.warnings[0]}")

    @property
    def duration(self) -> float:
        if self.started is None or self.last_activity is None:
            return 0.0
        return round(self.last_activity - self.started, 3)

    def report(self) -> SourceReport:
        return SourceReport(
            name=self.name,
            kind=self.kind,
            items=self.items,
            new=self.new,
            changed=self.changed,
            not_modified=self.not_modified,
            error=self.error,
            warnings=tuple(self.warnings),
            duration=self.duration,
            skipped=self.skipped,
            backoff_until=self.backoff_until.isoformat() if self.backoff_until else None,
        )


def record_outcome(store: Store, outcome: SourceOutcome, stop_reason: str = "finished") -> None:
    """Write the source's state row once (success with validators, or failure with backoff)."""
    if outcome.recorded or outcome.skipped:
        return
    outcome.settle(stop_reason)
    if outcome.error is not None:
        store.sources.record_failure(outcome.name, outcome.error, outcome.backoff_until)
    else:
        # A poll that lost something (an item not stored, a page not fetched) keeps no
        # validators: a 304 next time would hide what is missing for good. Without them the
        # next poll reads the whole document again; what was stored is skipped as known.
        complete = not (outcome.store_failures or outcome.page_failures)
        store.sources.record_success(
            outcome.name,
            items=outcome.items,
            new_items=outcome.new,
            etag=outcome.etag if complete else None,
            last_modified=outcome.last_modified if complete else None,
            not_modified=outcome.not_modified,
        )
    outcome.recorded = True

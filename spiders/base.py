"""The base of every newsradar spider: one crawl serves many sources, each kept apart.

Every request carries its source's name in ``meta["source"]`` and goes out through
:meth:`SourceSpider.request`, which attaches an errback (crawl failures are silent without one,
STACK.md) and wraps callback and errback so that an exception in either becomes that source's
error or warning — never the end of the crawl for the other sources.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar

import scrapy
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import (
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure

from monitor.config import Source
from monitor.errors import FetchError
from monitor.normalize import canonical_url
from monitor.store import Store
from spiders import extraction_pool
from spiders.outcome import SourceOutcome

logger = logging.getLogger(__name__)

# Backoff after 429/503 without a usable Retry-After: 5 min doubling per failure, at most 6 h.
BACKOFF_BASE = timedelta(minutes=5)
BACKOFF_MAX = timedelta(hours=6)
RETRY_AFTER_MAX = timedelta(days=1)


def describe_failure(failure: Failure) -> str:
    """One line saying why a request failed, with its URL."""
    exc = failure.value
    request = getattr(failure, "request", None)
    url = request.url if request is not None else ""
    if isinstance(exc, HttpError):
        return f"HTTP {exc.response.status} from {exc.response.url}"
    if isinstance(exc, IgnoreRequest):
        return str(exc) or f"request ignored: {url}"
    if isinstance(exc, DownloadTimeoutError | TimeoutError | TCPTimedOutError):
        return f"timed out fetching {url}"
    if isinstance(exc, CannotResolveHostError | DNSLookupError):
        return f"DNS lookup failed for {url}"
    if isinstance(exc, DownloadConnectionRefusedError | ConnectionRefusedError):
        return f"connection refused: {url}"
    if isinstance(exc, DownloadCancelledError):  # Scrapy cancels bodies over DOWNLOAD_MAXSIZE
        return f"download cancelled (larger than the size cap?): {url}"
    if isinstance(exc, ResponseDataLossError):
        return f"truncated response: {url}"
    text = str(exc).strip() or type(exc).__name__
    return f"{type(exc).__name__}: {text[:300]} ({url})"


def retry_after(value: bytes | str | None, failures: int, now: datetime | None = None) -> datetime:
    """When to poll again after a 429/503: Retry-After (seconds or HTTP date), else backoff."""
    now = now or datetime.now(UTC)
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    delay: timedelta | None = None
    if text and text.strip().isdigit():
        delay = timedelta(seconds=int(text.strip()))
    elif text:
        try:
            when = parsedate_to_datetime(text.strip())
            delay = when.astimezone(UTC) - now if when.tzinfo else when.replace(tzinfo=UTC) - now
        except (TypeError, ValueError, IndexError):
            delay = None
    if delay is None or delay.total_seconds() < 0:
        delay = min(BACKOFF_BASE * (2 ** min(failures, 10)), BACKOFF_MAX)
    return now + min(delay, RETRY_AFTER_MAX)


def header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1").strip() if value else None


class SourceSpider(scrapy.Spider):
    """Base for the feed, sitemap and site spiders. Subclasses implement :meth:`first_requests`.

    Constructed by ``monitor.collect`` with the sources it serves, the open store and the shared
    outcomes (``{source name: SourceOutcome}``) that the pipeline and the report read.
    """

    kind: ClassVar[str] = "spider"
    # Status codes the first request of a source handles itself (conditional GET, backoff).
    primary_statuses: ClassVar[tuple[int, ...]] = (304, 429, 503)

    def __init__(
        self,
        sources: Sequence[Source] = (),
        store: Store | None = None,
        outcomes: dict[str, SourceOutcome] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sources: dict[str, Source] = {s.name: s for s in sources}
        self.store: Store = store  # type: ignore[assignment]
        self.outcomes = outcomes if outcomes is not None else {}
        for source in sources:
            self.outcomes.setdefault(source.name, SourceOutcome(source.name, source.kind))
        # Read by AddressGuard: internal hosts are allowed only when the configured URL is one.
        self.configured_urls: dict[str, str] = {}
        for source in sources:
            url = self.start_url(source)
            if url:
                self.configured_urls[source.name] = url

    # --- what subclasses provide ---------------------------------------------------------

    def start_url(self, source: Source) -> str | None:
        return source.url

    def first_requests(self, source: Source) -> Iterable[scrapy.Request]:
        raise NotImplementedError

    def extracts_pages(self) -> bool:
        """Do article pages go through the extraction pool (which counts them to start)?"""
        return True

    # --- the machinery -------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        # `async def start` rather than start_requests(): STACK.md (2.19 crawled nothing).
        for source in self.sources.values():
            outcome = self.outcomes[source.name]
            outcome.begin()
            try:
                requests = list(self.first_requests(source))
            except Exception as exc:  # one broken source must not stop the others
                outcome.fail(_message(exc))
                continue
            for request in requests:
                yield request

    def outcome(self, source: str) -> SourceOutcome:
        return self.outcomes[source]

    def request(
        self,
        source: str,
        url: str,
        callback: Callable[..., Any],
        *,
        primary: bool = False,
        errback: Callable[[Failure], Any] | None = None,
        meta: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        statuses: Sequence[int] = (),
        priority: int = 0,
    ) -> scrapy.Request:
        """A request for ``source``: tracked, errback attached, exceptions contained.

        ``primary`` marks the source's own URL (feed, sitemap, listing): its failure is the
        source's error. Other requests (article pages, child sitemaps) only add warnings.
        """
        request = scrapy.Request(
            url,
            callback=self._guarded(callback, source, primary),
            errback=self._guarded(errback or self.request_failed, source, primary),
            meta={"source": source, "primary": primary, "handle_httpstatus_list": list(statuses),
                  **(meta or {})},
            headers=headers,
            # Each source dedupes its own URLs; the global dupefilter would drop a request
            # without calling its errback, and two sources may share a URL on purpose.
            dont_filter=True,
            priority=priority,
        )  # fmt: skip
        self.outcomes[source].pending += 1  # after construction: a bad URL raises above
        return request

    def page_request(
        self, source: str, url: str, callback: Callable[..., Any], **kwargs: Any
    ) -> scrapy.Request | None:
        """A counted request for an article page; None (and a warning) for a URL Scrapy
        refuses, so one odd link costs its article, not the source."""
        try:
            request = self.request(source, url, callback, **kwargs)
        except ValueError as exc:
            self.outcomes[source].warn(f"cannot fetch {url}: {exc}")
            return None
        self.outcomes[source].pages += 1
        if self.extracts_pages():
            extraction_pool.expect_pages(1)  # enough of them start the extraction workers
        return request

    def _guarded(
        self, func: Callable[..., Any], source: str, primary: bool
    ) -> Callable[..., AsyncIterator[Any]]:
        async def run(result: Response | Failure, **kwargs: Any) -> AsyncIterator[Any]:
            outcome = self.outcomes[source]
            try:
                output = func(result, **kwargs)
                if output is None:
                    return
                if hasattr(output, "__aiter__"):
                    async for value in output:
                        yield value
                else:
                    for value in output:
                        yield value
            except Exception as exc:
                where = getattr(result, "url", None) or getattr(
                    getattr(result, "request", None), "url", ""
                )
                logger.debug("source %s: error handling %s", source, where, exc_info=True)
                if primary:
                    outcome.fail(_message(exc))
                else:
                    outcome.page_failed(f"{where}: {_message(exc)}")
            finally:
                outcome.pending -= 1
                outcome.touch()

        run.__name__ = getattr(func, "__name__", "callback")
        return run

    def request_failed(self, failure: Failure) -> None:
        """Default errback: the source's error for its own URL, a warning for pages."""
        request = failure.request  # type: ignore[attr-defined]
        outcome = self.outcomes[request.meta["source"]]
        if request.meta.get("primary"):
            outcome.fail(describe_failure(failure))
        else:
            outcome.page_failed(describe_failure(failure))

    # --- helpers shared by the spiders ------------------------------------------------------

    def conditional_headers(self, source: str) -> dict[str, str]:
        """If-None-Match / If-Modified-Since from the last successful poll (DESIGN §1)."""
        state = self.store.sources.get(source)
        headers = {}
        if state.etag:
            headers["If-None-Match"] = state.etag
        if state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        return headers

    def handled_status(self, response: Response) -> bool:
        """Deal with 304/429/503 on a source's own URL; True when there is nothing to parse."""
        outcome = self.outcomes[response.meta["source"]]
        if response.status == 304:
            outcome.not_modified = True
            return True
        if response.status in (429, 503):
            failures = self.store.sources.get(outcome.name).consecutive_failures
            until = retry_after(response.headers.get("Retry-After"), failures)
            outcome.fail(
                f"HTTP {response.status} from {response.url}; backing off until "
                f"{until.isoformat(timespec='seconds')}",
                backoff_until=until,
            )
            return True
        if response.status >= 300:
            outcome.fail(f"HTTP {response.status} from {response.url}")
            return True
        outcome.etag = header(response, "ETag")
        outcome.last_modified = header(response, "Last-Modified")
        return False

    def known_urls(self, links: Iterable[str]) -> set[str]:
        """The links (as given) whose canonical URL is already stored."""
        by_canonical: dict[str, list[str]] = {}
        for link in links:
            by_canonical.setdefault(canonical_url(link), []).append(link)
        known = self.store.articles.known_urls(list(by_canonical))
        return {link for url in known for link in by_canonical[url]}


def _message(exc: BaseException) -> str:
    if isinstance(exc, FetchError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"[:500]

"""Scrapy settings for a collect pass, every default that matters written out on purpose.

``scrapy_settings(config)`` is the only way settings are built: the values that users may tune
come from ``newsradar.yaml`` (``fetch:``), the rest are fixed here with the reason next to them
(DESIGN §7, STACK.md "Scrapy").
"""

from __future__ import annotations

import re
from typing import Any

from monitor.config import Config
from monitor.schedule import parse_duration

# How long a crawl may keep going after its time limit asked it to stop, before the reactor is
# stopped under it (in-flight downloads get this long to finish or fail).
STOP_GRACE_S = 15.0


def _seconds_or_zero(value: str) -> float:
    # parse_duration refuses zero, and "0s" is the default delay.
    if re.fullmatch(r"\s*0+(\.0*)?\s*[smhdw]?\s*", value):
        return 0.0
    return parse_duration(value)


def stop_grace(time_limit: float) -> float:
    return min(STOP_GRACE_S, max(1.0, time_limit / 4))


def scrapy_settings(
    config: Config, log_level: str = "WARNING", time_limit: float | None = None
) -> dict[str, Any]:
    """The settings dict for ``CrawlerProcess``; polite, bounded and http(s)-only.

    ``time_limit`` (seconds) overrides ``fetch.crawl_timeout`` as the pass's limit.
    """
    fetch = config.model.fetch
    timeout = parse_duration(fetch.timeout)
    delay = _seconds_or_zero(fetch.delay)
    return {
        "BOT_NAME": "newsradar",
        # Site spiders are found by name in our package only (spiders.registry).
        "SPIDER_MODULES": ["spiders"],
        "NEWSPIDER_MODULE": "spiders",
        # --- identity and politeness -------------------------------------------------------
        # An identifying agent with a contact URL: publishers can see who polls them.
        "USER_AGENT": fetch.user_agent,
        # Default False in Scrapy; we ask first (config can turn it off for an intranet).
        "ROBOTSTXT_OBEY": fetch.obey_robots,
        # Per-host politeness: Scrapy's default is 8 parallel requests per domain.
        "CONCURRENT_REQUESTS_PER_DOMAIN": fetch.concurrency_per_host,
        # Many hosts per crawl: a global ceiling well above the per-host one.
        "CONCURRENT_REQUESTS": max(32, fetch.concurrency_per_host * 4),
        "DOWNLOAD_DELAY": delay,
        # AutoThrottle backs off from slow hosts. A new crawler per cycle restarts it at its
        # start delay; Scrapy's 5 s made a robots.txt + one feed take 5.5 s (STACK.md).
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": max(1.0, delay),
        "AUTOTHROTTLE_MAX_DELAY": max(30.0, delay),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(fetch.concurrency_per_host),
        # Spread requests across hosts instead of draining one host's queue first.
        "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.DownloaderAwarePriorityQueue",
        # --- bounds: time, size, memory -----------------------------------------------------
        # Scrapy's defaults are 180 s and 60 s: one dead host would hold a pass for minutes.
        "DOWNLOAD_TIMEOUT": timeout,
        "DNS_TIMEOUT": min(timeout, 10.0),
        # Default 1 GiB. The cap also bounds decompressed (gzip/deflate/br) bodies.
        "DOWNLOAD_MAXSIZE": fetch.max_bytes,
        "DOWNLOAD_WARNSIZE": fetch.max_bytes // 2,
        # A truncated body is a failed fetch, not a short article.
        "DOWNLOAD_FAIL_ON_DATALOSS": True,
        # Default 0 = unlimited. A leak or a hostile page ends this crawl, not the machine.
        "MEMUSAGE_ENABLED": True,
        "MEMUSAGE_LIMIT_MB": 1024,
        "MEMUSAGE_WARNING_MB": 512,
        # The limit of one pass: spiders close (unfinished sources recorded as failed);
        # collect.py stops the reactor stop_grace() later if downloads still hang on.
        "CLOSESPIDER_TIMEOUT": time_limit or parse_duration(fetch.crawl_timeout),
        # --- what may be fetched -----------------------------------------------------------
        # http(s) only: Scrapy also enables file://, ftp://, s3:// and data: handlers.
        "DOWNLOAD_HANDLERS": {"file": None, "ftp": None, "s3": None, "data": None},
        "DOWNLOADER_MIDDLEWARES": {
            # Before robots.txt (100): a refused request must not even trigger a robots fetch.
            # Redirected requests pass through here again, so redirects are checked too.
            "spiders.safety.AddressGuard": 40,
        },
        "REDIRECT_ENABLED": True,
        "REDIRECT_MAX_TIMES": 5,  # default 20
        "METAREFRESH_ENABLED": True,  # meta-refresh targets go through AddressGuard as well
        # --- retries ------------------------------------------------------------------------
        # One retry for transient errors. 429 and 503 are *not* retried on the spot: they are
        # answered with a per-source backoff (Retry-After) recorded in the store.
        "RETRY_ENABLED": True,
        "RETRY_TIMES": 1,
        "RETRY_HTTP_CODES": [500, 502, 504, 522, 524, 408],
        # A source that stays down is data (its state row, the report, one WARNING line from
        # spiders.outcome), not an ERROR per request.
        "RETRY_GIVE_UP_LOG_LEVEL": "INFO",
        # --- state we do not want --------------------------------------------------------------
        # Feeds and article pages need no session; cookies only leak tracking between sources.
        "COOKIES_ENABLED": False,
        # Conditional GET is done per source (ETag/Last-Modified in the store); the HTTP cache
        # either serves stale data or rebuilds 200s from disk (STACK.md).
        "HTTPCACHE_ENABLED": False,
        # Both open control ports into the process (telnet; 2.19's HTTP code-execution server).
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        # --- plumbing -------------------------------------------------------------------------
        "ITEM_PIPELINES": {"spiders.pipelines.StorePipeline": 300},
        # The default since 2.13, written out because the child process depends on it.
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "DNSCACHE_ENABLED": True,  # AddressGuard's lookups are the ones connections then use
        "REACTOR_THREADPOOL_MAXSIZE": 10,  # DNS lookups run in this pool
        # Logs go to stderr; stdout carries the child's JSON report only.
        "LOG_LEVEL": log_level,
        "LOG_INSTALL_ROOT_HANDLER": True,
        "LOG_STDOUT": False,
        "LOGSTATS_INTERVAL": 0,
        "STATS_DUMP": log_level == "DEBUG",
    }

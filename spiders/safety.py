"""What may be fetched and what may be parsed (DESIGN §7).

- :func:`refuse_unsafe_xml` runs before feedparser or lxml sees a body: entity declarations
  (billion laughs, quadratic blow-up, XXE) and external DTDs are refused, not parsed.
- :func:`refuse_oversized` caps a body again after decompression done outside Scrapy.
- :class:`AddressGuard`, a downloader middleware: http(s) only, and no request into private,
  loopback, link-local or cloud-metadata space unless the source's configured URL is there.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached

from monitor.errors import FetchError

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler


class UnsafeContent(FetchError):
    """A body refused before parsing (entity declarations, external DTD, too large)."""


# --- bodies ----------------------------------------------------------------------------------

_COMMENT = re.compile(r"<!--.*?-->", re.S)
_PI = re.compile(r"<\?.*?\?>", re.S)
# The root element: "<" followed by a name start (ASCII or any non-ASCII byte).
_ROOT = re.compile(r"<[A-Za-z_:\x80-\xff]")
_DOCTYPE = re.compile(r"<!DOCTYPE\b([^\[>]*)(\[?)", re.I)
# Old RSS 0.91 feeds name Netscape's/UserLand's DTD; no parser we use fetches it.
_HARMLESS_DTD = re.compile(r"rss-?0\.91|RSS 0\.91", re.I)


def _ascii_view(body: bytes) -> str:
    """The body with its ASCII markup readable whatever the encoding.

    UTF-16/32 interleave NUL bytes with ASCII characters; without them ``<!DOCTYPE`` shows.
    Latin-1 maps every byte to one character, so ASCII-compatible encodings read as they are.
    """
    if b"\x00" in body[:4096]:
        body = body.replace(b"\x00", b"")
    return body.decode("latin-1")


def refuse_unsafe_xml(body: bytes) -> None:
    """Raise :class:`UnsafeContent` for XML that declares entities or uses a DTD.

    Only the prolog (before the root element) can hold a DTD, so text inside the document —
    an HTML page quoted in CDATA, say — is not looked at.
    """
    text = _PI.sub("", _COMMENT.sub("", _ascii_view(body)))
    root = _ROOT.search(text)
    prolog = text[: root.start()] if root else text
    if re.search(r"<!ENTITY", prolog, re.I):
        raise UnsafeContent("refused: the XML declares entities (<!DOCTYPE ... <!ENTITY)")
    doctype = _DOCTYPE.search(prolog)
    if doctype is None:
        return
    external, subset = doctype.group(1), doctype.group(2)
    if subset:
        raise UnsafeContent("refused: the XML has an internal DTD subset (<!DOCTYPE ... [)")
    if re.search(r"\b(SYSTEM|PUBLIC)\b", external, re.I) and not _HARMLESS_DTD.search(external):
        raise UnsafeContent("refused: the XML references an external DTD")


def refuse_oversized(body: bytes, max_bytes: int) -> None:
    if len(body) > max_bytes:
        raise UnsafeContent(f"refused: body of {len(body)} bytes exceeds the {max_bytes} cap")


# --- addresses -------------------------------------------------------------------------------

_INTERNAL_NAMES = {"localhost", "metadata", "metadata.google.internal", "instance-data"}


def internal_ip(address: str) -> bool | None:
    """True for non-global IPs (private, loopback, link-local incl. 169.254.169.254, CGNAT,
    reserved, multicast); False for global ones; None when ``address`` is not an IP literal."""
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global


def internal_name(host: str) -> bool:
    host = host.lower().rstrip(".")
    return host in _INTERNAL_NAMES or host.endswith(".localhost")


def host_is_internal(host: str) -> bool:
    """Blocking check of a host name or IP (for code outside the reactor): any address
    it resolves to is internal. An unresolvable name counts as internal (fail closed)."""
    literal = internal_ip(host)
    if literal is not None:
        return literal
    if internal_name(host):
        return True
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return True
    return any(internal_ip(str(info[4][0])) for info in infos)


class AddressGuard:
    """Downloader middleware refusing non-http(s) URLs and unexpected internal addresses.

    A source may reach loopback/private hosts only when its configured URL names such a host
    (an intranet feed, the tests). Anything else there — a redirect, a meta refresh, a feed
    entry linking to ``http://169.254.169.254/`` — is refused with ``IgnoreRequest``, which
    reaches the request's errback and so the source's report. Host names are resolved through
    the reactor's (Scrapy's caching) resolver, the same answer the connection then uses.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._internal: dict[str, bool] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuard:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        parts = urlparse_cached(request)
        if parts.scheme not in ("http", "https"):
            raise IgnoreRequest(f"refused {request.url}: only http and https are fetched")
        host = parts.hostname
        if not host:
            raise IgnoreRequest(f"refused {request.url}: no host")
        if not await self.is_internal(host):
            return
        if await self._internal_allowed(request, host):
            return
        raise IgnoreRequest(
            f"refused {request.url}: {host} is a private/loopback/link-local address and the "
            "source's configured URL is not"
        )

    async def _internal_allowed(self, request: Request, host: str) -> bool:
        configured: dict[str, str] = getattr(self.crawler.spider, "configured_urls", {})
        source = request.meta.get("source")
        if source is not None:
            url = configured.get(source)
            start = urlsplit(url).hostname if url else None
            return bool(start) and await self.is_internal(start)  # type: ignore[arg-type]
        # A request of the crawl itself (robots.txt): allowed for hosts a source names.
        for url in configured.values():
            start = urlsplit(url).hostname
            if start and start.lower() == host.lower() and await self.is_internal(start):
                return True
        return False

    async def is_internal(self, host: str) -> bool:
        if host not in self._internal:
            self._internal[host] = await self._lookup(host)
        return self._internal[host]

    async def _lookup(self, host: str) -> bool:
        literal = internal_ip(host)
        if literal is not None:
            return literal
        if internal_name(host):
            return True
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet import reactor

        resolver: Any = reactor  # the installed reactor; its type is not describable statically
        try:
            address: Any = await maybe_deferred_to_future(resolver.resolve(host))
        except Exception as exc:  # fail closed: no answer we checked, no connection
            raise IgnoreRequest(f"DNS lookup failed for {host}: {exc}") from exc
        return bool(internal_ip(str(address)))

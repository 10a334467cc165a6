"""Safety before parsing and before fetching (DESIGN §7): hostile XML, schemes, addresses."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest

from monitor.collect import fetch_article
from monitor.config import load_config
from monitor.errors import FetchError
from spiders.safety import AddressGuard, UnsafeContent, refuse_unsafe_xml
from spiders.settings import scrapy_settings

SITE = Path(__file__).parent / "data" / "site"
BOMB = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n]>\n<rss>&lol2;</rss>'
)


@pytest.mark.parametrize(
    "body",
    [
        BOMB.encode(),
        BOMB.encode("utf-16"),  # NUL bytes between the characters must not hide it
        BOMB.encode("utf-32-le"),
        BOMB.replace("DOCTYPE", "doctype").encode(),
        b'<?xml version="1.0"?><!-- <a> --><!DOCTYPE rss [<!ENTITY x "y">]><rss/>',
        b'<!DOCTYPE rss SYSTEM "file:///etc/passwd"><rss/>',
        b'<!DOCTYPE rss [ ]><rss version="2.0"/>',
    ],
    ids=["utf8", "utf16", "utf32", "lowercase", "behind-comment", "external", "empty-subset"],
)
def test_xml_with_a_dtd_or_entities_is_refused(body: bytes) -> None:
    with pytest.raises(UnsafeContent, match="refused"):
        refuse_unsafe_xml(body)


@pytest.mark.parametrize(
    "body",
    [
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>',
        b'<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        b'"http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"/>',
        # A page quoted inside an entry is content, not this document's DTD.
        b'<rss><channel><item><description><![CDATA[<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML'
        b' 1.0//EN" "x.dtd"><p>hi</p>]]></description></item></channel></rss>',
    ],
    ids=["plain", "rss091-netscape-dtd", "doctype-in-cdata"],
)
def test_ordinary_feeds_pass_the_check(body: bytes) -> None:
    refuse_unsafe_xml(body)


def guard_for(configured: dict[str, str]) -> AddressGuard:
    crawler = SimpleNamespace(spider=SimpleNamespace(configured_urls=configured))
    return AddressGuard(crawler)  # type: ignore[arg-type]


def check(guard: AddressGuard, url: str, source: str | None = "src") -> None:
    meta = {"source": source} if source else {}
    asyncio.run(guard.process_request(Request(url, meta=meta)))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/admin",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://10.0.0.5/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",  # carrier-grade NAT
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[fd00:ec2::254]/",
        "http://localhost:9000/",
        "http://metadata.google.internal/computeMetadata/v1/",
    ],
)
def test_a_public_source_cannot_reach_internal_addresses(url: str) -> None:
    guard = guard_for({"src": "http://93.184.216.34/feed.xml"})
    with pytest.raises(IgnoreRequest, match="private/loopback/link-local"):
        check(guard, url)


def test_a_public_source_reaches_public_addresses() -> None:
    check(guard_for({"src": "http://93.184.216.34/feed.xml"}), "http://93.184.216.35/page")


def test_a_source_configured_on_an_internal_host_may_stay_internal() -> None:
    guard = guard_for({"src": "http://127.0.0.1:8000/feed.xml", "pub": "http://93.184.216.34/"})
    check(guard, "http://127.0.0.1:9000/article.html")
    check(guard, "http://10.1.2.3/intranet.html")
    check(guard, "http://127.0.0.1:8000/robots.txt", source=None)  # the crawl's own request
    with pytest.raises(IgnoreRequest):
        check(guard, "http://127.0.0.1:9000/x", source="pub")
    with pytest.raises(IgnoreRequest):
        check(guard, "http://10.9.9.9/robots.txt", source=None)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "data:,hello"])
def test_only_http_and_https_are_fetched(url: str) -> None:
    guard = guard_for({"src": "http://127.0.0.1/feed.xml"})
    with pytest.raises(IgnoreRequest, match="only http and https"):
        check(guard, url)


def test_settings_spell_out_the_safe_defaults(make_config) -> None:
    config = load_config(str(make_config([], fetch={"timeout": "7s", "max_bytes": 2048})))
    settings = scrapy_settings(config)
    assert settings["DOWNLOAD_TIMEOUT"] == 7.0 and settings["DNS_TIMEOUT"] == 7.0
    assert settings["DOWNLOAD_MAXSIZE"] == 2048
    assert settings["DOWNLOAD_HANDLERS"] == {"file": None, "ftp": None, "s3": None, "data": None}
    assert settings["ROBOTSTXT_OBEY"] is True
    assert (
        settings["TELNETCONSOLE_ENABLED"] is False and settings["REMOTE_CONTROL_ENABLED"] is False
    )
    assert settings["COOKIES_ENABLED"] is False and settings["HTTPCACHE_ENABLED"] is False
    assert settings["AUTOTHROTTLE_ENABLED"] is True and settings["AUTOTHROTTLE_START_DELAY"] == 1.0
    assert settings["MEMUSAGE_LIMIT_MB"] > 0
    assert 429 not in settings["RETRY_HTTP_CODES"] and 503 not in settings["RETRY_HTTP_CODES"]


def test_fetch_article_gets_one_page_under_the_same_rules(local_site) -> None:
    site = local_site("127.0.0.60")
    site.add("/article.html", (SITE / "press" / "rail-tender.html").read_bytes())
    site.add("/to-file", "", status=302, headers={"Location": "file:///etc/passwd"})
    site.add("/feed.xml", "<rss/>", "application/rss+xml")
    page = fetch_article(site.url("/article.html"))
    assert page.title == "Rail tender opens" and "coastal rail line" in page.text
    with pytest.raises(FetchError):
        fetch_article(site.url("/to-file"))
    with pytest.raises(FetchError, match="not an HTML page"):
        fetch_article(site.url("/feed.xml"))
    with pytest.raises(FetchError, match="only http and https"):
        fetch_article("file:///etc/passwd")

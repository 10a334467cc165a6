"""Normalisation: canonical URLs, honoured page canonicals, dates, text and fingerprints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from monitor.normalize import (
    canonical_url,
    clean_text,
    content_hash,
    honoured_canonical,
    to_article,
    to_utc,
)
from spiders.items import ArticleItem


@pytest.mark.parametrize(
    ("given", "expected", "why"),
    [
        (
            "https://www.example.com/world/story?utm_source=rss&utm_medium=feed&utm_campaign=x",
            "https://www.example.com/world/story",
            "utm_* parameters",
        ),
        (
            "https://www.example.com/story?fbclid=IwAR0abc&gclid=xyz&mc_cid=1&mc_eid=2&_ga=3"
            "&igshid=4&ocid=5&cmpid=6&msclkid=7",
            "https://www.example.com/story",
            "click ids and mail-campaign ids",
        ),
        (
            "https://www.example.com/article.php?id=42&utm_source=x&page=2",
            "https://www.example.com/article.php?id=42&page=2",
            "content parameters stay, sorted",
        ),
        ("https://www.example.com/story#comments", "https://www.example.com/story", "fragment"),
        ("HTTPS://WWW.EXAMPLE.COM/Story", "https://www.example.com/Story", "host case, not path"),
        ("https://www.example.com:443/story", "https://www.example.com/story", "default port"),
        ("http://127.0.0.1:8080/a?b=2&a=1", "http://127.0.0.1:8080/a?a=1&b=2", "other ports stay"),
        ("  https://www.example.com/caf%c3%a9 ", "https://www.example.com/caf%C3%A9", "encoding"),
        (
            "https://www.example.com/2024/01/story/amp/",
            "https://www.example.com/2024/01/story/",
            "/amp/",
        ),
        (
            "https://www.example.com/amp/2024/story",
            "https://www.example.com/2024/story",
            "/amp/ prefix",
        ),
        (
            "https://www.example.com/story.amp.html",
            "https://www.example.com/story.html",
            ".amp.html",
        ),
        ("https://www.example.com/story?amp=1", "https://www.example.com/story", "?amp=1"),
        ("https://www.example.com/story?amp", "https://www.example.com/story", "?amp"),
        ("https://amp.example.com/story", "https://www.example.com/story", "amp. subdomain"),
        (
            "https://www-example-com.cdn.ampproject.org/c/s/www.example.com/story/amp/",
            "https://www.example.com/story/",
            "AMP cache",
        ),
        (
            "https://www.google.com/amp/s/www.example.com/story.amp.html",
            "https://www.example.com/story.html",
            "Google AMP viewer",
        ),
        ("https://www.example.com/ampere/volt", "https://www.example.com/ampere/volt", "not AMP"),
        ("https://example.com", "https://example.com/", "empty path"),
        ("mailto:desk@example.com", "mailto:desk@example.com", "not http: left alone"),
        ("http://[::1]:8080/a?utm_source=x", "http://[::1]:8080/a", "IPv6 literal"),
        ("http://example.com:bad/a", "http://example.com:bad/a", "broken port: left alone"),
    ],
)
def test_canonical_url(given: str, expected: str, why: str) -> None:
    assert canonical_url(given) == expected, why


def test_tracking_variants_of_one_page_share_one_canonical_url() -> None:
    variants = [
        "https://www.example.com/world/story",
        "https://WWW.example.com/world/story?utm_source=twitter#top",
        "https://www.example.com/world/story?fbclid=abc",
        "https://amp.example.com/world/story?amp=1&utm_medium=social",
        "https://www.example.com/world/story/amp",
    ]
    assert {canonical_url(url) for url in variants} == {"https://www.example.com/world/story"}


@pytest.mark.parametrize(
    ("link", "canonical", "expected"),
    [
        ("https://www.example.com/a?x=1", "https://www.example.com/a", "https://www.example.com/a"),
        ("https://m.example.com/a", "https://www.example.com/a", "https://www.example.com/a"),
        ("https://amp.example.com/a", "/a", "https://amp.example.com/a"),
        (
            "https://news.example.co.uk/a",
            "https://www.example.co.uk/a",
            "https://www.example.co.uk/a",
        ),
        # syndication: a canonical on another site does not take over the copy's identity
        (
            "https://www.local.example/wire/a",
            "https://www.agency.example/a",
            "https://www.local.example/wire/a",
        ),
        # a canonical pointing at the front page is a CMS mistake, not the article
        (
            "https://www.example.com/2024/story",
            "https://www.example.com/",
            "https://www.example.com/2024/story",
        ),
        ("https://www.example.com/a", "javascript:alert(1)", "https://www.example.com/a"),
        ("https://www.example.com/a", None, "https://www.example.com/a"),
    ],
)
def test_page_canonical_is_honoured_on_the_same_site_only(
    link: str, canonical: str | None, expected: str
) -> None:
    assert honoured_canonical(link, canonical) == expected


def test_to_article_uses_the_page_canonical_and_keeps_the_link() -> None:
    item = ArticleItem(
        source="gazette",
        link="https://amp.example.com/local/story/amp/?utm_source=rss",
        canonical="https://www.example.com/local/story/",
        title="  Council  approves budget ",
        text="The council approved the budget.\n\n\n\nMore  text here.",
        published=datetime(2024, 3, 14, 9, 30, tzinfo=timezone(timedelta(hours=1))),
        language="en-GB",
    )

    article = to_article(item)

    assert article.url == "https://www.example.com/local/story/"
    assert article.link == item.link
    assert article.title == "Council approves budget"
    assert article.text == "The council approved the budget.\n\nMore text here."
    assert article.published == datetime(2024, 3, 14, 8, 30, tzinfo=UTC)
    assert article.language == "en"


def test_language_is_detected_when_the_item_has_none() -> None:
    item = ArticleItem(
        source="s",
        link="https://example.com/a",
        title="Regierung beschließt Haushalt",
        text="Der Bundestag hat am Donnerstag nach langer Debatte den Haushalt für das kommende "
        "Jahr beschlossen. Die Opposition kritisierte die Pläne scharf.",
    )
    assert to_article(item).language == "de"


def test_whitespace_only_edits_keep_the_content_hash() -> None:
    assert content_hash("Title", "One  two.\n\nThree") == content_hash(" Title", "One two.\nThree ")
    assert content_hash("Title", "One two.") != content_hash("Title", "One three.")


def test_clean_text_and_to_utc() -> None:
    assert clean_text("a\u00a0\u00a0b\x00\u200b\n\n\n\nc") == "a b\n\nc"
    assert to_utc(datetime(2024, 1, 1, 12)) == datetime(2024, 1, 1, 12, tzinfo=UTC)
    assert to_utc(None) is None

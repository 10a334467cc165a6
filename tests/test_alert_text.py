"""Alert text (DESIGN §6, §7): what an alert says, and that nothing from a feed is markup."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from monitor.alert_text import MAX_HITS, MAX_SNIPPET, plain, render_alert, safe_link
from monitor.models import Article, Hit, Rule
from monitor.store.stories import Story

RULE = Rule(name="nato-turkey-missile", query="NATO AND Turkey", notify=("desk",))
PUBLISHED = datetime(2026, 11, 25, 14, 3, tzinfo=UTC)


def article(**overrides: object) -> Article:
    values: dict[str, object] = {
        "source": "world-news",
        "url": "https://example.org/world/nato-turkey",
        "link": "https://example.org/world/nato-turkey?utm_source=rss",
        "title": "NATO and Turkey discuss ballistic missile shield",
        "text": "Body.",
        "published": PUBLISHED,
    }
    values.update(overrides)
    return Article(**values)  # type: ignore[arg-type]


def story(*outlets: str) -> Story:
    return Story(1, "t", 1, PUBLISHED, PUBLISHED, len(outlets), tuple(outlets))


HITS = [
    Hit("NATO", "title", "NATO and Turkey discuss"),
    Hit("Turkey", "text", "…officials in Ankara said Turkey would…"),
]

# Anything a mail client or an HTML-rendering chat client could act on.
MARKUP = re.compile(r"<\s*/?\s*[a-z!?]|on[a-z]+\s*=|javascript:|&lt;|&#", re.IGNORECASE)
HOSTILE = [
    '<script>alert("x")</script>Missile test',
    '<img src=x onerror="alert(1)">Missile test',
    "&lt;script&gt;alert(1)&lt;/script&gt;Missile test",
    "&amp;lt;iframe src=//evil.example&amp;gt;&amp;lt;/iframe&amp;gt;Missile test",
    "<iframe src='https://evil.example'></iframe>Missile <b onmouseover=steal()>test</b>",
    '<a href="javascript:alert(1)">Missile test</a>',
    "<<script>script>alert(1)<</script>/script>Missile test",
    "<svg/onload=alert(1)>Missile test",
    "Missile\x00 test\x1b[2J\r\nBcc: victim@example.org",
    "Missile \u202etset\u202c test",
    '<img src=x onerror="alert(1)"',
]


def test_alert_names_rule_headline_source_time_link_and_terms() -> None:
    title, body = render_alert(RULE, article(), HITS, story("world-news"))
    assert title == "nato-turkey-missile: NATO and Turkey discuss ballistic missile shield"
    assert "Rule: nato-turkey-missile" in body
    assert "Headline: NATO and Turkey discuss ballistic missile shield" in body
    assert "Source: world-news" in body
    assert "Published: 2026-11-25 14:03 UTC" in body
    # The canonical URL: tracking parameters from the feed's link are not passed on.
    assert "Link: https://example.org/world/nato-turkey\n" in body
    assert "- NATO (title): NATO and Turkey discuss" in body
    assert "- Turkey (text): …officials in Ankara said Turkey would…" in body
    assert "carried by" not in body  # one outlet only


def test_story_on_several_outlets_says_so() -> None:
    _, body = render_alert(RULE, article(), HITS, story("world-news", "wire", "local-paper"))
    assert "Story: carried by 3 outlets (world-news, wire, local-paper)" in body


def test_published_time_is_utc_and_unknown_when_missing() -> None:
    from datetime import timedelta, timezone

    local = PUBLISHED.astimezone(timezone(timedelta(hours=3)))
    assert (
        "Published: 2026-11-25 14:03 UTC"
        in render_alert(RULE, article(published=local), HITS, None)[1]
    )
    assert "Published: unknown" in render_alert(RULE, article(published=None), HITS, None)[1]


def test_severity_other_than_normal_is_in_the_title() -> None:
    rule = Rule(name="r", query="x", notify=(), severity="critical")
    assert render_alert(rule, article(), HITS, None)[0].startswith("[critical] r: ")


@pytest.mark.parametrize("hostile", HOSTILE)
def test_no_markup_or_control_characters_from_a_feed_reach_the_alert(hostile: str) -> None:
    hostile_article = article(title=hostile, source="world<b>news</b>")
    hits = [Hit("missile", "text", hostile), Hit("test", "title", hostile)]
    title, body = render_alert(RULE, hostile_article, hits, story("a<script>x</script>", "b"))
    for text in (title, body):
        assert not MARKUP.search(text), text
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", text)
    assert "\n" not in title and "\r" not in title  # no header injection via the subject
    assert not any(line.startswith("Bcc:") for line in body.splitlines())


def test_plain_keeps_ordinary_text() -> None:
    assert plain("Profits < 5% & costs > 3% at AT&amp;T") == "Profits < 5% & costs > 3% at AT&T"
    assert plain("  Türkiye\n\tand   NATO ") == "Türkiye and NATO"


@pytest.mark.parametrize(
    "link",
    ["javascript:alert(1)", "data:text/html,<script>x</script>", "file:///etc/passwd",
     "https://example.org/a b", "https://example.org/x\r\nBcc: y", ""],
)  # fmt: skip
def test_only_http_links_are_shown(link: str) -> None:
    assert safe_link(link) is None
    body = render_alert(RULE, article(link=link, url="ftp://example.org/x"), HITS, None)[1]
    assert "Link: (none)" in body


def test_link_characters_that_could_break_out_are_quoted() -> None:
    assert safe_link('https://example.org/a?q="<b>"') == "https://example.org/a?q=%22%3Cb%3E%22"


def test_hits_and_snippets_are_capped() -> None:
    hits = [Hit(f"term{i}", "text", "word " * 200) for i in range(12)]
    _, body = render_alert(RULE, article(), hits, None)
    hit_lines = [line for line in body.splitlines() if line.startswith("- ")]
    assert len(hit_lines) == MAX_HITS + 1
    assert hit_lines[-1] == f"- … and {12 - MAX_HITS} more"
    assert all(len(line) < MAX_SNIPPET + 40 for line in hit_lines)
    assert len(body) < 2000


def test_duplicate_hits_are_listed_once() -> None:
    _, body = render_alert(RULE, article(), [HITS[0], HITS[0], HITS[1]], None)
    assert body.count("- NATO (title)") == 1

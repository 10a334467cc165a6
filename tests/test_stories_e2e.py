"""Stories, not articles: syndicated copies across feeds and sitemaps alert once per rule."""

from __future__ import annotations

from pathlib import Path

import yaml
from feedgen import Entry, article_page, atom, json_feed, news_sitemap, rss, story
from servers import WebhookReceiver

from monitor.config import load_config
from monitor.pipeline import run_once
from monitor.store import Store

RULES = {
    "rules": [
        {
            "name": "nato-turkey-missile",
            "query": 'NATO AND Turkey AND "ballistic missile"',
            "notify": ["hook"],
        },
        {"name": "malatya", "query": "Malatya", "notify": ["hook"]},
    ]
}
ENTITIES = {"entities": {"Turkey": {"aliases": ["Türkiye", "Turkiye", "Turkish", "Ankara"]}}}
LOCAL_INTRO = (
    "Readers in our region have asked what the interception means for flights from the local "
    "airport. The airport authority said on Wednesday that all departures were running on time."
)
NAV_CHROME = (
    "<li><a href='/x'>NATO chiefs meet in Ankara over Turkey ballistic missile shield</a></li>"
    "<li><a href='/y'>Turkish lira slides</a></li>"
)


def setup(tmp_path: Path, sources: list[dict], hook: WebhookReceiver) -> Path:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "alerts.yaml").write_text(yaml.safe_dump(RULES), encoding="utf-8")
    (rules / "entities.yaml").write_text(yaml.safe_dump(ENTITIES), encoding="utf-8")
    config = {
        "database": "newsradar.db",
        "rules": "rules/",
        "notify": {"hook": hook.apprise_url()},
        "fetch": {"timeout": "5s", "crawl_timeout": "90s"},
        "sources": sources,
    }
    path = tmp_path / "newsradar.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def test_syndicated_copies_across_feed_kinds_alert_once_per_rule(
    tmp_path: Path, local_site, webhook: WebhookReceiver
) -> None:
    wire = story("nato-wire")
    desk, agency, paper, portal = (local_site(f"127.0.0.{n}") for n in (1, 2, 3, 4))

    # 1. RSS: the full wire copy.
    desk.add(
        "/rss.xml",
        rss(
            [
                Entry(
                    "NATO intercepts Iranian missile over Türkiye",
                    desk.url("/world/nato.html"),
                    wire,
                    guid="d-1",
                )
            ]
        ),
    )
    # 2. Atom with teasers and tracking parameters: full text comes from the page, which
    #    adds a local intro and has navigation that mentions other watched terms.
    agency.add(
        "/world/missile.html",
        article_page(
            "Missile shot down over Turkey, alliance says",
            f"{LOCAL_INTRO}\n\n{wire}",
            chrome=NAV_CHROME,
        ),
    )
    agency.add(
        "/atom.xml",
        atom(
            [
                Entry(
                    "Missile shot down over Turkey, alliance says",
                    agency.url("/world/missile.html?utm_source=atom&fbclid=x"),
                    wire,
                    guid="urn:a:1",
                    teaser_only=True,
                )
            ]
        ),
    )
    # 3. JSON Feed: the wire copy under a new headline, without its closing paragraph.
    trimmed = wire.rsplit("\n\n", 1)[0]
    paper.add(
        "/feed.json",
        json_feed(
            [Entry("Alliance downs Iranian missile", paper.url("/news/1"), trimmed, guid="p-1")]
        ),
    )
    # 4. News sitemap: the wire copy on a page, plus a different story about the same event.
    portal.add("/wire.html", article_page("Türkiye: NATO intercepts missile", wire))
    portal.add(
        "/malatya.html",
        article_page("Malatya residents describe night of fear", story("nato-other-report")),
    )
    portal.add(
        "/sitemap.xml",
        news_sitemap(
            [
                Entry("Türkiye: NATO intercepts missile", portal.url("/wire.html"), wire),
                Entry("Malatya residents describe night of fear", portal.url("/malatya.html"), ""),
            ]
        ),
    )
    config = setup(
        tmp_path,
        [
            {"name": "desk", "feed": desk.url("/rss.xml"), "full_text": "never"},
            {"name": "agency", "feed": agency.url("/atom.xml")},
            {"name": "paper", "feed": paper.url("/feed.json"), "full_text": "never"},
            {"name": "portal", "sitemap": portal.url("/sitemap.xml")},
        ],
        webhook,
    )

    report = run_once(load_config(str(config)))
    assert {s.name: s.error for s in report.collect.sources} == dict.fromkeys(
        ("desk", "agency", "paper", "portal")
    )

    store = Store.open(load_config(str(config)).database)
    try:
        articles = store.articles.listing()
        assert len(articles) == 5
        wire_story = {a["story_id"] for a in articles if "Malatya" not in a["title"]}
        assert len(wire_story) == 1, articles  # four outlets, one story
        (story_id,) = wire_story
        assert store.stories.get(story_id).article_count == 4
        assert set(store.stories.get(story_id).outlets) == {"desk", "agency", "paper", "portal"}
        agency_row = next(a for a in articles if a["source"] == "agency")
        assert agency_row["url"] == agency.url("/world/missile.html")  # trackers stripped
        alerts = store.outbox.listing()
    finally:
        store.close()

    # The wire story alerts once; the other report on the same event is its own story and
    # alerts for both rules it matches (it names NATO, Türkiye, a ballistic missile, Malatya).
    by_rule = sorted((a["rule"], a["story_id"] == story_id) for a in alerts)
    assert by_rule == [
        ("malatya", False),
        ("nato-turkey-missile", False),
        ("nato-turkey-missile", True),
    ]
    assert len(webhook.wait_for(3)) == 3


def test_updates_in_place_and_regenerated_guids_do_not_realert(
    tmp_path: Path, local_site, webhook: WebhookReceiver
) -> None:
    site = local_site()
    wire = story("nato-wire")
    site.add(
        "/rss.xml", rss([Entry("NATO intercepts missile", site.url("/a.html"), wire, guid="1")])
    )
    config = setup(
        tmp_path, [{"name": "desk", "feed": site.url("/rss.xml"), "full_text": "never"}], webhook
    )
    run_once(load_config(str(config)))
    assert len(webhook.wait_for(1)) == 1

    # Updated in place (a corrected paragraph, a new headline) and re-issued with a new GUID.
    updated = wire.replace("more than two percent", "nearly three percent") + (
        "\n\nThis article has been updated with the latest oil prices."
    )
    site.add(
        "/rss.xml",
        rss(
            [
                Entry(
                    "UPDATED: NATO intercepts Iranian missile",
                    site.url("/a.html?utm_campaign=update"),
                    updated,
                    guid="new-guid",
                )
            ]
        ),
    )
    report = run_once(load_config(str(config)))
    assert report.process.articles == 1  # the change was seen and processed...
    assert report.process.new_stories == 0 and report.process.alerts_queued == 0  # ...quietly
    assert len(webhook.messages) == 1


def test_page_chrome_mentioning_watched_terms_does_not_alert(
    tmp_path: Path, local_site, webhook: WebhookReceiver
) -> None:
    site = local_site()
    body = (
        story("recipe")
        .replace("NATO generals", "army cooks")
        .replace("ballistic missile", "rocket")
    )
    site.add(
        "/food/turkey.html", article_page("Roast turkey, the easy way", body, chrome=NAV_CHROME)
    )
    site.add(
        "/sitemap.xml",
        news_sitemap([Entry("Roast turkey, the easy way", site.url("/food/turkey.html"), "")]),
    )
    config = setup(tmp_path, [{"name": "food", "sitemap": site.url("/sitemap.xml")}], webhook)
    report = run_once(load_config(str(config)))
    assert report.process.articles == 1 and report.process.matches == 0
    store = Store.open(load_config(str(config)).database)
    try:
        (row,) = store.articles.listing()
        text = store.articles.get(row["id"]).text
    finally:
        store.close()
    assert "Brining the turkey" in text and "NATO" not in text and "Most read" not in text
    assert webhook.messages == []


def test_a_later_copy_that_is_first_to_match_alerts_once(
    tmp_path: Path, local_site, webhook: WebhookReceiver
) -> None:
    wire = story("nato-wire")
    # The first outlet's copy never says "ballistic"; later copies do.
    softened = wire.replace("a ballistic missile", "a missile")
    one, two, three = (local_site(f"127.0.0.{n}") for n in (1, 2, 3))
    one.add("/rss.xml", rss([Entry("Missile intercepted", one.url("/a"), softened, guid="a")]))
    config = setup(
        tmp_path, [{"name": "one", "feed": one.url("/rss.xml"), "full_text": "never"}], webhook
    )
    first = run_once(load_config(str(config)))
    assert first.process.matches == 0

    two.add(
        "/rss.xml", rss([Entry("Ballistic missile intercepted", two.url("/b"), wire, guid="b")])
    )
    three.add("/rss.xml", rss([Entry("NATO downs missile", three.url("/c"), wire, guid="c")]))
    data = yaml.safe_load(config.read_text())
    data["sources"] += [
        {"name": "two", "feed": two.url("/rss.xml"), "full_text": "never"},
        {"name": "three", "feed": three.url("/rss.xml"), "full_text": "never"},
    ]
    config.write_text(yaml.safe_dump(data))
    second = run_once(load_config(str(config)))
    assert second.process.new_stories == 0 and second.process.matches == 2
    assert second.process.alerts_queued == 1
    (message,) = webhook.wait_for(1)
    text = message.json()["message"]
    # Whichever later copy was processed first carries the alert; the story already had the
    # first outlet's copy, so the alert counts both.
    assert "Rule: nato-turkey-missile" in text and "Story: carried by 2 outlets (one, " in text

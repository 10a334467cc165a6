"""A whole cron pass against real local servers: feeds in, alerts out exactly once."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from feedgen import Entry, rss, story
from servers import NtfyStub, WebhookReceiver
from sites import LocalSite

from monitor.config import load_config
from monitor.demo_servers import SmtpSink, free_port
from monitor.pipeline import run_once
from monitor.store import Store

RULES = """\
rules:
  - name: nato-turkey-missile
    query: NATO AND Turkey AND "ballistic missile"
    notify: {channels}
entities:
  Turkey:
    aliases: [Türkiye, Turkiye, Turkish, Ankara]
  NATO:
    aliases: [North Atlantic Treaty Organization, OTAN]
"""


def desk_entries(site: LocalSite, guid_prefix: str = "g") -> list[Entry]:
    return [
        Entry(
            "NATO intercepts Iranian missile over Türkiye",
            site.url("/world/nato.html"),
            story("nato-wire"),
            guid=f"{guid_prefix}-1",
        ),
        Entry(
            "How to roast a turkey",
            site.url("/food/turkey.html"),
            story("recipe"),
            guid=f"{guid_prefix}-2",
        ),
    ]


def write_setup(directory: Path, site: LocalSite, channels: dict[str, str]) -> Path:
    (directory / "rules").mkdir(exist_ok=True)
    (directory / "rules" / "alerts.yaml").write_text(
        RULES.format(channels=json.dumps(sorted(channels))), encoding="utf-8"
    )
    config = {
        "database": "newsradar.db",
        "rules": "rules/",
        "notify": channels,
        "delivery": {"backoff": "1s", "timeout": "5s"},
        "fetch": {"timeout": "5s", "crawl_timeout": "60s"},
        "sources": [{"name": "desk", "feed": site.url("/rss.xml"), "full_text": "never"}],
    }
    path = directory / "newsradar.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def alert_rows(config_path: Path) -> list[dict]:
    store = Store.open(load_config(str(config_path)).database)
    try:
        return store.outbox.listing()
    finally:
        store.close()


def test_relevant_story_reaches_email_webhook_and_push_once(
    tmp_path: Path,
    local_site,
    smtp_sink: SmtpSink,
    webhook: WebhookReceiver,
    ntfy_stub: NtfyStub,
) -> None:
    site = local_site()
    site.add("/rss.xml", rss(desk_entries(site)))
    config = write_setup(
        tmp_path,
        site,
        {
            "mail": smtp_sink.apprise_url(to="desk@example.org"),
            "hook": webhook.apprise_url(),
            "push": ntfy_stub.apprise_url("desk"),
        },
    )
    first = run_once(load_config(str(config)))
    assert first.process.alerts_queued == 3 and first.delivery.sent == 3

    (mail,) = smtp_sink.wait_for(1)
    (hook,) = webhook.messages
    (push,) = ntfy_stub.messages
    for title, body in (
        (mail["subject"], mail["body"]),
        (hook["title"], hook["message"]),
        (push["title"], push["message"]),
    ):
        assert "NATO intercepts Iranian missile over Türkiye" in title
        assert "nato-turkey-missile" in body
        assert site.url("/world/nato.html") in body
        assert "ballistic missile" in body  # matched terms in context
        assert "roast" not in body

    second = run_once(load_config(str(config)))
    assert (second.process.alerts_queued, second.delivery.sent) == (0, 0)
    assert len(smtp_sink.messages) == 1 and len(webhook.messages) == 1
    assert len(ntfy_stub.messages) == 1


def test_feed_that_regenerates_guids_does_not_realert(
    tmp_path: Path, local_site, webhook: WebhookReceiver
) -> None:
    site = local_site()
    site.add("/rss.xml", rss(desk_entries(site, guid_prefix="first")))
    config = write_setup(tmp_path, site, {"hook": webhook.apprise_url()})
    run_once(load_config(str(config)))
    assert len(webhook.wait_for(1)) == 1

    site.add("/rss.xml", rss(desk_entries(site, guid_prefix="regenerated")))
    again = run_once(load_config(str(config)))
    assert again.process.alerts_queued == 0
    assert len(webhook.messages) == 1
    assert len(alert_rows(config)) == 1


def test_webhook_failing_with_500_then_recovering_gets_each_alert_once(
    tmp_path: Path, local_site, webhook: WebhookReceiver
) -> None:
    site = local_site()
    site.add("/rss.xml", rss(desk_entries(site)))
    config = write_setup(tmp_path, site, {"hook": webhook.apprise_url()})
    webhook.respond_with(500)

    first = run_once(load_config(str(config)))
    assert (first.delivery.sent, first.delivery.failed) == (0, 1)
    (row,) = alert_rows(config)
    assert row["status"] == "pending" and row["attempts"] == 1 and "500" in row["last_error"]

    time.sleep(1.6)  # the configured backoff is 1 s (+ jitter)
    second = run_once(load_config(str(config)))
    assert second.delivery.sent == 1
    third = run_once(load_config(str(config)))
    assert third.delivery.sent == 0
    assert len(webhook.messages) == 1  # one 500 answered, one accepted, nothing more
    assert len(webhook.requests) == 2
    (row,) = alert_rows(config)
    assert row["status"] == "sent" and row["attempts"] == 2


def test_smtp_down_keeps_alerts_queued_until_the_next_pass(tmp_path: Path, local_site) -> None:
    site = local_site()
    site.add("/rss.xml", rss(desk_entries(site)))
    port = free_port()
    url = f"mailto://127.0.0.1:{port}?from=radar@example.org&to=desk@example.org&mode=insecure"
    config = write_setup(tmp_path, site, {"mail": url})

    first = run_once(load_config(str(config)))
    assert (first.delivery.sent, first.delivery.failed) == (0, 1)
    (row,) = alert_rows(config)
    assert row["status"] == "pending" and row["last_error"]

    with SmtpSink(port=port) as sink:
        time.sleep(1.6)
        second = run_once(load_config(str(config)))
        assert second.delivery.sent == 1
        (mail,) = sink.wait_for(1)
        assert "NATO intercepts Iranian missile" in mail["subject"]


def test_broken_feed_is_recorded_and_the_others_still_alert(
    tmp_path: Path, local_site, webhook: WebhookReceiver
) -> None:
    good, bad = local_site("127.0.0.1"), local_site("127.0.0.2")
    good.add("/rss.xml", rss(desk_entries(good)))
    bad.add("/rss.xml", b"<html><body>Service temporarily unavailable</body></html>", "text/html")
    config_path = write_setup(tmp_path, good, {"hook": webhook.apprise_url()})
    config = yaml.safe_load(config_path.read_text())
    config["sources"].append({"name": "broken", "feed": bad.url("/rss.xml")})
    config_path.write_text(yaml.safe_dump(config))

    report = run_once(load_config(str(config_path)))
    by_name = {s.name: s for s in report.collect.sources}
    assert by_name["broken"].error and not by_name["desk"].error
    assert report.delivery.sent == 1
    store = Store.open(load_config(str(config_path)).database)
    try:
        state = store.sources.get("broken")
        assert state.consecutive_failures == 1 and state.last_error
    finally:
        store.close()


def test_cli_once_then_inspect_the_store(
    tmp_path: Path, local_site, webhook: WebhookReceiver
) -> None:
    from conftest import newsradar_cmd

    site = local_site()
    site.add("/rss.xml", rss(desk_entries(site)))
    config = write_setup(tmp_path, site, {"hook": webhook.apprise_url()})

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            newsradar_cmd("-c", str(config), *args),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    once = cli("--log-json", "-v", "once")
    assert once.returncode == 0, once.stderr
    logged = [json.loads(line) for line in once.stderr.splitlines()]  # the crawl child's too
    assert {"time", "level", "logger", "message"} <= set(logged[0])
    assert any(entry["logger"] == "newsradar.process" for entry in logged)
    assert "source desk: 2 items, 2 new" in once.stdout
    assert "alerts sent: 1" in once.stdout

    (alert,) = [json.loads(line) for line in cli("alerts", "--json").stdout.splitlines()]
    assert alert["rule"] == "nato-turkey-missile" and alert["status"] == "sent"
    assert alert["channel"] == "hook" and alert["attempts"] == 1
    articles = [json.loads(line) for line in cli("articles", "--json").stdout.splitlines()]
    assert {a["title"] for a in articles} == {
        "NATO intercepts Iranian missile over Türkiye",
        "How to roast a turkey",
    }
    (source,) = [json.loads(line) for line in cli("sources", "--json").stdout.splitlines()]
    assert source["name"] == "desk" and source["items_seen"] == 2 and source["last_success"]
    assert "nato-turkey-missile" in cli("alerts").stdout

    backtest = cli("backtest", "Turkey AND missile", "--since", "1d")
    assert backtest.returncode == 0
    assert backtest.stdout.strip().splitlines()[-1].startswith("backtest: 2 articles scanned")
    assert "1 matched" in backtest.stdout


@pytest.mark.parametrize(
    ("query", "code"),
    [('NATO AND Turkey AND "ballistic missile"', 0), ("Turkey AND recipe", 1), ("NATO AND (", 2)],
)
def test_test_rule_exit_codes_are_like_grep(tmp_path: Path, query: str, code: int) -> None:
    from conftest import EXAMPLES, newsradar_cmd

    article = EXAMPLES / "nato-intercept-article.txt"
    if not article.exists():
        pytest.skip(f"seed example not found at {article}")
    done = subprocess.run(
        newsradar_cmd(
            "-c", str(tmp_path / "absent.yaml"), "test-rule", query, "--file", str(article)
        ),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == code, done.stdout + done.stderr
    if code == 0:
        assert "ballistic missile" in done.stdout


def test_test_rule_fetches_an_article_by_url(local_site) -> None:
    from conftest import newsradar_cmd
    from feedgen import article_page

    site = local_site()
    url = site.add("/nato.html", article_page("NATO intercepts missile", story("nato-wire")))
    done = subprocess.run(
        newsradar_cmd("-c", "/nonexistent/newsradar.yaml", "test-rule",
                      'NATO AND Turkey AND "ballistic missile"', "--url", url),
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ballistic missile" in done.stdout and "Türkiye" in done.stdout


def test_demo_runs_offline_and_alerts_once(tmp_path: Path) -> None:
    from conftest import newsradar_cmd

    done = subprocess.run(
        newsradar_cmd("demo", "--dir", str(tmp_path)),
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "nato-turkey-missile: NATO air defences intercept Iranian missile" in out
    assert "port-strikes: Dock workers strike" in out
    assert out.count("\n== email") == 2  # the recipe and the syndicated copy stay quiet
    assert "roast a turkey" not in out
    assert (
        out.strip()
        .splitlines()[-1]
        .startswith("demo: 2 alert(s) delivered on the first pass, 0 on the second")
    )
    assert (tmp_path / "newsradar.db").exists()


def test_cron_passes_raise_one_ops_notice_per_incident(
    tmp_path: Path, local_site, webhook: WebhookReceiver
) -> None:
    site = local_site()
    site.add("/rss.xml", b"<html>maintenance</html>", "text/html")
    config_path = write_setup(tmp_path, site, {"ops-chat": webhook.apprise_url()})
    data = yaml.safe_load(config_path.read_text())
    data["ops"] = "ops-chat"
    data["defaults"] = {"failures_before_alert": 2}
    config_path.write_text(yaml.safe_dump(data))
    (tmp_path / "rules" / "alerts.yaml").write_text("rules: []\n")

    reports = [run_once(load_config(str(config_path))) for _ in range(3)]
    assert [r.health.opened for r in reports] == [[], ["desk: failing"], []]
    (notice,) = webhook.wait_for(1)
    assert "desk" in notice.json()["title"] + notice.json()["message"]

    site.add("/rss.xml", rss(desk_entries(site)))
    recovered = run_once(load_config(str(config_path)))
    assert recovered.health.recovered == ["desk"]
    assert len(webhook.wait_for(2)) == 2
    assert len(webhook.messages) == 2  # one "failing", one "recovered": never a storm

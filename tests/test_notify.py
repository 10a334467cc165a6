"""Delivery from the outbox through apprise, against real local servers (issue 2 points 6, 9).

Time moves by passing ``now=`` to ``deliver_due``, never by sleeping: a retry "after the
backoff" is a drain with a later ``now``.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from servers import NtfyStub, WebhookReceiver

from monitor.alert_text import render_alert
from monitor.config import DeliveryModel
from monitor.demo_servers import SmtpSink, free_port
from monitor.models import Article, Hit, Rule
from monitor.notify import Timings, deliver_due, redact, retry_delay, validate_channel
from monitor.store import Store
from monitor.store.outbox import NewAlert
from monitor.store.stories import Story

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
# Short enough for a fast suite, long enough for a loaded CI machine to answer a local server.
DELIVERY = DeliveryModel(timeout="2s", backoff="10s", max_backoff="1m", give_up_after="1d")
PASSWORD = "Sup3r-s3cret-PW"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "newsradar.db")
    yield opened
    opened.close()


def queue_alert(
    store: Store, channel: str, story_id: int = 1, title: str = "", now: datetime = T0
) -> int:
    """Enqueue one alert and return its row id."""
    title = title or f"alert {story_id}"
    assert store.outbox.enqueue(
        NewAlert("rule-a", story_id, channel, story_id, title, f"{title}\nbody line"), now=now
    )
    return next(r["id"] for r in store.outbox.listing() if r["story_id"] == story_id
                and r["channel"] == channel)  # fmt: skip


def rows(store: Store) -> dict[int, dict]:
    return {r["id"]: r for r in store.outbox.listing()}


# --- delivery to each kind of channel --------------------------------------------------------


def test_email_webhook_and_ntfy_each_receive_the_rendered_alert(
    store: Store, smtp_sink: SmtpSink, webhook: WebhookReceiver, ntfy_stub: NtfyStub
) -> None:
    rule = Rule(name="nato-turkey-missile", query="NATO AND Turkey", notify=("m", "w", "n"))
    article = Article(
        source="world-news",
        url="https://example.org/a",
        link="https://example.org/a",
        title='NATO and Turkey <script>alert("x")</script>talk missiles',
        text="",
        published=T0,
    )
    hits = [Hit("NATO", "title", "NATO and Turkey talk"), Hit("Turkey", "text", "in Ankara")]
    story = Story(7, article.title, 1, T0, T0, 2, ("world-news", "wire"))
    title, body = render_alert(rule, article, hits, story)
    channels = {
        "m": smtp_sink.apprise_url(to="desk@example.org"),
        "w": webhook.apprise_url("/alerts"),
        "n": ntfy_stub.apprise_url("radar"),
    }
    for channel in channels:
        store.outbox.enqueue(NewAlert(rule.name, 7, channel, 1, title, body), now=T0)

    report = deliver_due(store, channels, DELIVERY, now=T0)

    assert (report.sent, report.failed, report.dead, report.skipped) == (3, 0, 0, 0)
    assert {r["status"] for r in rows(store).values()} == {"sent"}
    [mail] = smtp_sink.messages
    assert mail.subject == "nato-turkey-missile: NATO and Turkey talk missiles"
    assert mail.rcpt_tos == ("desk@example.org",)
    assert mail.content_type == "text/plain"
    [hook] = webhook.messages
    assert webhook.accepted[0].path == "/alerts"
    [push] = ntfy_stub.messages
    assert push["topic"] == "radar"
    for got_title, got_body in (
        (mail.subject, mail.body),
        (hook["title"], hook["message"]),
        (push["title"], push["message"]),
    ):
        assert got_title == title
        assert got_body.strip() == body.strip()
        assert "Published: 2026-11-25 12:00 UTC" in got_body
        assert "Story: carried by 2 outlets" in got_body
        assert "- NATO (title): NATO and Turkey talk" in got_body
        assert "<script" not in got_title + got_body


def test_webhook_that_fails_then_recovers_gets_each_alert_exactly_once(
    store: Store, webhook: WebhookReceiver
) -> None:
    channels = {"hook": webhook.apprise_url()}
    first, second = queue_alert(store, "hook", 1), queue_alert(store, "hook", 2)
    webhook.respond_with(500)  # the first request fails, later ones succeed

    report = deliver_due(store, channels, DELIVERY, now=T0)

    # One quick failure doesn't hold up the row behind it.
    assert (report.sent, report.failed, report.skipped) == (1, 1, 0)
    state = rows(store)
    assert state[first]["status"] == "pending" and state[first]["attempts"] == 1
    assert "error=500" in state[first]["last_error"]
    retry_at = datetime.fromisoformat(state[first]["next_attempt_at"])
    assert T0 + timedelta(seconds=10) <= retry_at <= T0 + timedelta(seconds=11)  # backoff
    assert state[second]["status"] == "sent"

    # Before the backoff has passed nothing is due.
    assert deliver_due(store, channels, DELIVERY, now=T0 + timedelta(seconds=5)).sent == 0
    assert len(webhook.requests) == 2

    report = deliver_due(store, channels, DELIVERY, now=T0 + timedelta(seconds=12))
    assert (report.sent, report.failed) == (1, 0)
    report = deliver_due(store, channels, DELIVERY, now=T0 + timedelta(hours=1))
    assert (report.sent, report.failed, report.skipped) == (0, 0, 0)

    assert sorted(m["title"] for m in webhook.messages) == ["alert 1", "alert 2"]
    assert len(webhook.requests) == 3  # 500, 200, 200: nothing sent twice
    state = rows(store)
    assert state[first]["attempts"] == 2 and state[second]["attempts"] == 1
    assert {r["status"] for r in state.values()} == {"sent"}
    assert all(r["last_error"] is None for r in state.values())


def test_a_failing_channel_is_paused_for_the_rest_of_the_pass(
    store: Store, webhook: WebhookReceiver
) -> None:
    channels = {"hook": webhook.apprise_url()}
    ids = [queue_alert(store, "hook", n) for n in (1, 2, 3, 4)]
    webhook.respond_with(500, 500)

    report = deliver_due(store, channels, DELIVERY, now=T0)

    assert (report.sent, report.failed, report.skipped) == (0, 2, 2)
    assert len(webhook.requests) == 2  # two failures in a row: the rest wait
    state = rows(store)
    retry_at = state[ids[1]]["next_attempt_at"]
    for deferred in ids[2:]:
        assert state[deferred]["status"] == "pending" and state[deferred]["attempts"] == 0
        assert state[deferred]["next_attempt_at"] == retry_at  # retried with the channel
        assert "not attempted" in state[deferred]["last_error"]

    report = deliver_due(store, channels, DELIVERY, now=T0 + timedelta(minutes=5))
    assert report.sent == 4
    assert sorted(m["title"] for m in webhook.messages) == [f"alert {n}" for n in (1, 2, 3, 4)]


def test_smtp_down_keeps_alerts_pending_then_sends_them_when_it_is_back(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    port = free_port()  # nothing listens here yet
    down = SmtpSink(port=port)
    channels = {"mail": down.apprise_url(user="radar", password=PASSWORD)}
    ids = [queue_alert(store, "mail", n) for n in (1, 2, 3)]

    report = deliver_due(store, channels, DELIVERY, now=T0)

    assert (report.sent, report.failed, report.skipped) == (0, 2, 1)
    state = rows(store)
    for alert_id in ids:
        assert state[alert_id]["status"] == "pending"
        error = state[alert_id]["last_error"]
        assert f"mail (mailto://radar:****@127.0.0.1:{port}" in error
        assert PASSWORD not in error
    assert PASSWORD not in report.errors["mail"]

    with SmtpSink(port=port) as sink:
        # Not yet due: the server being back changes nothing until the retry time.
        assert deliver_due(store, channels, DELIVERY, now=T0 + timedelta(seconds=1)).sent == 0
        report = deliver_due(store, channels, DELIVERY, now=T0 + timedelta(seconds=12))
        assert report.sent == 3
        assert sorted(m.subject for m in sink.wait_for(3)) == ["alert 1", "alert 2", "alert 3"]
        assert {m.login for m in sink.messages} == {"radar"}
    assert {r["status"] for r in rows(store).values()} == {"sent"}
    assert PASSWORD not in caplog.text
    assert "****" in caplog.text  # the failure was logged, redacted


def test_a_row_still_failing_past_give_up_after_becomes_dead(
    store: Store, webhook: WebhookReceiver
) -> None:
    channels = {"hook": webhook.apprise_url()}
    old = queue_alert(store, "hook", 1, now=T0 - timedelta(days=2))
    behind = queue_alert(store, "hook", 2, now=T0 - timedelta(days=2))
    young = queue_alert(store, "hook", 3, now=T0 - timedelta(hours=1))
    webhook.default_status = 503

    report = deliver_due(store, channels, DELIVERY, now=T0)

    assert report.dead == 2 and report.skipped == 1
    state = rows(store)
    assert state[old]["status"] == "dead" and state[old]["attempts"] == 1
    assert "error=503" in state[old]["last_error"]
    assert state[behind]["status"] == "dead" and state[behind]["attempts"] == 1
    assert state[young]["status"] == "pending"
    assert store.outbox.counts() == {"dead": 2, "pending": 1}
    # Dead rows are never claimed again; the young one is retried once due.
    webhook.default_status = 200
    report = deliver_due(store, channels, DELIVERY, now=T0 + timedelta(minutes=5))
    assert (report.sent, report.dead) == (1, 0)
    assert [m["title"] for m in webhook.messages] == ["alert 3"]


def test_an_old_row_is_still_sent_when_its_first_attempt_succeeds(
    store: Store, webhook: WebhookReceiver
) -> None:
    queue_alert(store, "hook", 1, now=T0 - timedelta(days=30))  # e.g. the daemon was down
    report = deliver_due(store, {"hook": webhook.apprise_url()}, DELIVERY, now=T0)
    assert report.sent == 1 and len(webhook.messages) == 1


# --- time bounds -----------------------------------------------------------------------------


def test_a_slow_channel_does_not_hold_up_another(store: Store, webhook: WebhookReceiver) -> None:
    timeout = DELIVERY.model_copy(update={"timeout": "1s"})
    with WebhookReceiver(delay=10) as slow:
        channels = {"slow": slow.apprise_url(), "fast": webhook.apprise_url()}
        slow_ids = [queue_alert(store, "slow", n) for n in (1, 2, 3)]
        fast_id = queue_alert(store, "fast", 4)
        started = time.monotonic()

        report = deliver_due(store, channels, timeout, now=T0)

        elapsed = time.monotonic() - started
        assert webhook.accepted, "the fast channel was not delivered"
        # The fast message arrived while the slow channel was still stuck on its first send.
        assert elapsed < 3.5, f"the pass took {elapsed:.1f}s with a 1 s timeout"
    assert report.sent == 1 and report.failed == 1 and report.skipped == 2
    state = rows(store)
    assert state[fast_id]["status"] == "sent"
    assert all(state[i]["status"] == "pending" for i in slow_ids)
    assert "slow (json://127.0.0.1" in state[slow_ids[0]]["last_error"]
    assert len(slow.requests) <= 1  # one timeout per pass, not one per alert


def test_a_channel_stops_starting_sends_when_its_budget_is_spent(store: Store) -> None:
    with WebhookReceiver(delay=0.4) as sluggish:
        ids = [queue_alert(store, "hook", n) for n in (1, 2, 3)]
        report = deliver_due(
            store, {"hook": sluggish.apprise_url()}, DELIVERY, now=T0, channel_budget=0.6
        )
    assert (report.sent, report.skipped) == (2, 1)
    state = rows(store)
    assert [state[i]["status"] for i in ids] == ["sent", "sent", "pending"]
    # Released untouched: no attempt counted, no error, due again right away.
    assert state[ids[2]]["attempts"] == 0 and state[ids[2]]["last_error"] is None
    assert [r.id for r in store.outbox.claim_due(T0)] == [ids[2]]


def test_stop_event_ends_the_pass_without_touching_rows(
    store: Store, webhook: WebhookReceiver
) -> None:
    import threading

    queue_alert(store, "hook", 1)
    stop = threading.Event()
    stop.set()
    report = deliver_due(store, {"hook": webhook.apprise_url()}, DELIVERY, now=T0, stop=stop)
    assert (report.sent, report.skipped) == (0, 0)
    assert not webhook.requests
    assert len(store.outbox.claim_due(T0)) == 1  # not leased: the next pass takes it


# --- configuration problems ------------------------------------------------------------------


def test_a_channel_missing_from_the_config_keeps_its_rows_pending(
    store: Store, webhook: WebhookReceiver
) -> None:
    gone = queue_alert(store, "removed-channel", 1)
    kept = queue_alert(store, "hook", 2)
    report = deliver_due(store, {"hook": webhook.apprise_url()}, DELIVERY, now=T0)
    assert (report.sent, report.skipped) == (1, 1)
    state = rows(store)
    assert state[kept]["status"] == "sent"
    assert state[gone]["status"] == "pending" and state[gone]["attempts"] == 0
    assert "`removed-channel` is not configured" in state[gone]["last_error"]
    # Once the channel is back in the config, the row goes out.
    channels = {"hook": webhook.apprise_url(), "removed-channel": webhook.apprise_url("/back")}
    assert deliver_due(store, channels, DELIVERY, now=T0 + timedelta(minutes=1)).sent == 1
    assert webhook.accepted[-1].path == "/back"


def test_validate_channel_accepts_good_urls_and_explains_bad_ones(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    assert (
        validate_channel(
            f"mailto://radar:{PASSWORD}@127.0.0.1:2525?from=r@example.org&to=a@example.org"
        )
        is None
    )
    assert validate_channel("json://127.0.0.1:8080/hook") is None
    assert validate_channel("ntfy://127.0.0.1:8080/topic") is None
    for bad in (f"nosuch://radar:{PASSWORD}@example.org", "json://", "not a url", ""):
        error = validate_channel(bad)
        assert error, bad
        assert PASSWORD not in error
    assert "not a valid apprise URL" in (validate_channel("nosuch://x@example.org") or "")
    assert PASSWORD not in caplog.text


def test_redact_masks_passwords_and_tokens() -> None:
    assert PASSWORD not in redact(f"mailto://radar:{PASSWORD}@smtp.example.org?to=a@example.org")
    slack = redact("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#general")
    assert "TIiajkdnlazkcOXrIdevi7FQ" not in slack and slack.startswith("slack://")
    assert redact(f"nosuch://radar:{PASSWORD}@example.org") == "nosuch://…"


# --- backoff ---------------------------------------------------------------------------------


def test_backoff_doubles_per_failure_and_is_capped_with_small_jitter() -> None:
    timings = Timings.from_model(
        DeliveryModel(timeout="20s", backoff="30s", max_backoff="1h", give_up_after="3d")
    )
    rng = random.Random(1)
    for failed_before, base in [(0, 30), (1, 60), (2, 120), (5, 960), (7, 3600), (500, 3600)]:
        delay = retry_delay(timings, failed_before, rng)
        assert base <= delay <= base * 1.1, (failed_before, delay)

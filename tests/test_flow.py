"""Alert flow control (issue 5 point 6): throttle, digests, quiet hours — nothing lost, nothing
sent twice.

Real SQLite store, real config and rule files, the real process half and real local servers.
Time moves by passing ``now=`` to ``process_pending`` and ``deliver_due``, never by sleeping.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from servers import WebhookReceiver

from monitor.config import Config, load_config, load_rule_files
from monitor.demo_servers import SmtpSink
from monitor.errors import ConfigError
from monitor.flow import group_messages, parse_digest, parse_quiet_hours, parse_throttle, zone
from monitor.models import Article
from monitor.normalize import content_hash
from monitor.notify import DeliveryReport, deliver_due
from monitor.process import process_pending
from monitor.rulebook import RuleBook, load_rulebook
from monitor.store import Store
from monitor.store.outbox import AlertRow


def at(hour: int, minute: int = 0, second: int = 0, day: int = 25) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=UTC)


class Desk:
    """A configured newsradar (config + rules + store) that tests feed stories into."""

    def __init__(self, tmp_path: Path, notify: str, rules: str, top: str = "") -> None:
        (tmp_path / "rules").mkdir()
        (tmp_path / "rules" / "alerts.yaml").write_text(rules, encoding="utf-8")
        config_file = tmp_path / "newsradar.yaml"
        config_file.write_text(
            f"database: radar.db\nrules: rules/\n{top}notify:\n{notify}"
            # Short enough for a fast suite, long enough for a loaded machine.
            "delivery:\n  timeout: 2s\n  backoff: 10s\n  max_backoff: 1m\n  give_up_after: 1d\n",
            encoding="utf-8",
        )
        self.config: Config = load_config(str(config_file))
        self.rulebook: RuleBook = load_rulebook(self.config)
        self.store = Store.open(self.config.database)
        self.stories = 0

    def story(self, when: datetime, topic: str = "reactor") -> None:
        """A new, unrelated story mentioning ``topic``, stored and processed at ``when``."""
        self.stories += 1
        n = self.stories
        # Words unique to this story, so near-duplicate clustering keeps the stories apart.
        text = f"The {topic} was inspected. " + " ".join(f"w{n}x{i}" for i in range(40))
        title = f"{topic.capitalize()} story {n}"
        self.store.articles.save(
            Article(
                source="wire",
                url=f"https://news.example/{n}",
                title=title,
                text=text,
                published=when,
                content_hash=content_hash(title, text),
            ),
            now=when,
        )
        process_pending(self.store, self.config, self.rulebook, now=when)

    def drain(self, when: datetime, **kwargs: object) -> DeliveryReport:
        return deliver_due(
            self.store,
            self.config.channels,
            self.config.model.delivery,
            now=when,
            throttle=0,  # no pause between two messages to one local server
            channel_options=self.config.channel_options,
            **kwargs,  # type: ignore[arg-type]
        )

    def rows(self) -> list[dict]:
        return sorted(self.store.outbox.listing(limit=1000), key=lambda r: r["id"])


@pytest.fixture
def desks() -> Iterator[list[Desk]]:
    opened: list[Desk] = []
    yield opened
    for desk in opened:
        desk.store.close()


def hook_channel(webhook: WebhookReceiver) -> str:
    return f'  desk: "{webhook.apprise_url()}"\n'


# --- throttle --------------------------------------------------------------------------------


def test_throttle_sends_two_at_once_and_the_rest_as_one_digest_at_the_window_end(
    tmp_path: Path, webhook: WebhookReceiver, desks: list[Desk]
) -> None:
    rules = "rules:\n  - name: reactors\n    query: reactor\n    notify: desk\n    throttle: 2/h\n"
    desk = Desk(tmp_path, hook_channel(webhook), rules)
    desks.append(desk)

    for minute in (5, 10, 20, 30, 40):  # five stories within one clock hour
        desk.story(at(12, minute))
        desk.drain(at(12, minute))

    assert [m["title"] for m in webhook.messages] == [
        "reactors: Reactor story 1",
        "reactors: Reactor story 2",
    ]
    assert desk.drain(at(12, 59, 59)).sent == 0  # the digest waits for the window's end

    report = desk.drain(at(13, 0))
    assert (report.sent, report.digests) == (3, 1)
    digest = webhook.messages[2]
    assert digest["title"] == "newsradar digest: reactors — 3 stories"
    body = digest["message"]
    for n in (3, 4, 5):
        assert f"Reactor story {n}" in body and f"https://news.example/{n}" in body
    assert "Reactor story 1" not in body and "Reactor story 2" not in body
    assert body.index("1. Reactor story 3") < body.index("2. Reactor story 4")

    # Still one row per rule x story x channel; all sent, the digest's three share one key.
    rows = desk.rows()
    assert len(rows) == 5 and {r["status"] for r in rows} == {"sent"}
    assert [r["digest_key"] is None for r in rows] == [True, True, False, False, False]
    assert len({r["digest_key"] for r in rows[2:]}) == 1

    # Further drains send nothing twice; the next hour's window starts fresh.
    for when in (at(13, 0), at(13, 30), at(12, 0, day=26)):
        assert desk.drain(when).sent == 0
    desk.story(at(13, 5))
    assert desk.drain(at(13, 5)).sent == 1
    assert [m["title"] for m in webhook.messages[3:]] == ["reactors: Reactor story 6"]


# --- digest ----------------------------------------------------------------------------------


def test_daily_digest_sends_nothing_before_its_time_then_one_email_listing_all(
    tmp_path: Path, smtp_sink: SmtpSink, desks: list[Desk]
) -> None:
    rules = (
        "rules:\n  - name: reactors\n    query: reactor\n    notify: desk\n"
        "    digest: daily 08:00\n"
    )
    notify = f'  desk: "{smtp_sink.apprise_url(to="desk@example.org")}"\n'
    # 08:00 in Berlin is 07:00 UTC in November.
    desk = Desk(tmp_path, notify, rules, top="timezone: Europe/Berlin\n")
    desks.append(desk)

    for when in (at(9, 0, day=24), at(23, 0, day=24), at(5, 0), at(6, 59)):
        desk.story(when)
        assert desk.drain(when).sent == 0
    assert desk.drain(at(6, 59, 59)).sent == 0
    assert smtp_sink.messages == []

    report = desk.drain(at(7, 0, 30))
    assert (report.sent, report.digests) == (4, 1)
    [mail] = smtp_sink.messages
    assert mail.subject == "newsradar digest: reactors — 4 stories"
    for n in range(1, 5):
        assert f"{n}. Reactor story {n}" in mail.body
    assert (
        "3. Reactor story 3\n   wire, 2026-11-25 05:00 UTC\n   https://news.example/3\n"
        in mail.body
    )
    assert "- reactor (title): Reactor story 3" in mail.body

    # A story matched after 08:00 waits for tomorrow's digest; nothing is sent twice.
    desk.story(at(7, 30))
    assert desk.drain(at(12, 0)).sent == 0
    assert desk.drain(at(7, 0, day=26)).sent == 1
    assert len(smtp_sink.messages) == 2
    assert smtp_sink.messages[1].subject == "newsradar digest: reactors — 1 story"


# --- quiet hours -----------------------------------------------------------------------------


def test_quiet_hours_hold_a_normal_alert_until_they_end_but_high_severity_goes_through(
    tmp_path: Path, webhook: WebhookReceiver, desks: list[Desk]
) -> None:
    notify = (
        f'  desk:\n    url: "{webhook.apprise_url()}"\n    quiet_hours: "22:00-07:00"\n'
        "    timezone: UTC\n    bypass_severity: high\n"
    )
    rules = (
        "rules:\n"
        "  - name: routine\n    query: reactor\n    notify: desk\n"
        "  - name: urgent\n    query: meltdown\n    notify: desk\n    severity: high\n"
    )
    desk = Desk(tmp_path, notify, rules)
    desks.append(desk)

    desk.story(at(23, 0), topic="reactor")
    desk.story(at(23, 0), topic="meltdown")
    report = desk.drain(at(23, 0))

    assert (report.sent, report.quiet, report.failed) == (1, 1, 0)
    assert [m["title"] for m in webhook.messages] == ["[high] urgent: Meltdown story 2"]
    held = next(r for r in desk.rows() if r["rule"] == "routine")
    assert (held["status"], held["attempts"]) == ("pending", 0)  # no attempt counted
    assert held["next_attempt_at"] == "2026-11-26T07:00:00+00:00"

    assert desk.drain(at(6, 59, 59, day=26)).sent == 0
    assert desk.drain(at(7, 0, day=26)).sent == 1
    assert [m["title"] for m in webhook.messages][1:] == ["routine: Reactor story 1"]
    assert desk.drain(at(8, 0, day=26)).sent == 0


# --- failures --------------------------------------------------------------------------------


def test_failed_digest_is_retried_as_a_whole_and_delivered_once(
    tmp_path: Path, webhook: WebhookReceiver, desks: list[Desk]
) -> None:
    rules = "rules:\n  - name: reactors\n    query: reactor\n    notify: desk\n    digest: hourly\n"
    desk = Desk(tmp_path, hook_channel(webhook), rules)
    desks.append(desk)
    for minute in range(10, 50, 10):
        desk.story(at(12, minute))
    webhook.respond_with(500)

    # batch=2: a digest is claimed whole even when it is bigger than one batch.
    report = desk.drain(at(13, 0), batch=2)
    assert (report.sent, report.failed) == (0, 4)
    assert len(webhook.requests) == 1 and webhook.messages == []
    rows = desk.rows()
    assert {(r["status"], r["attempts"]) for r in rows} == {("pending", 1)}
    assert len({r["next_attempt_at"] for r in rows}) == 1  # they come due together

    retry_at = datetime.fromisoformat(rows[0]["next_attempt_at"])
    assert desk.drain(retry_at - timedelta(seconds=1), batch=2).sent == 0
    report = desk.drain(retry_at, batch=2)
    assert (report.sent, report.digests) == (4, 1)
    [digest] = webhook.messages
    assert digest["title"] == "newsradar digest: reactors — 4 stories"
    assert desk.drain(retry_at + timedelta(hours=2), batch=2).sent == 0
    assert len(webhook.requests) == 2
    assert {r["status"] for r in desk.rows()} == {"sent"}


# --- configuration ---------------------------------------------------------------------------


def test_bad_throttle_digest_and_quiet_hours_are_reported_at_file_and_line(
    tmp_path: Path,
) -> None:
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(
        "rules:\n"
        "  - name: a\n    query: x\n    throttle: 5 per hour\n"  # line 4
        "  - name: b\n    query: x\n    digest: daily 25:00\n"  # line 7
        "  - name: c\n    query: x\n    digest: fortnightly\n"  # line 10
        "  - name: d\n    query: x\n    throttle: 5/w\n"  # line 13
        "  - name: e\n    query: x\n    throttle: 2/h\n    digest: hourly\n",  # rule at 14
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as excinfo:
        load_rule_files([str(rules_file)])
    problems = [str(p) for p in excinfo.value.problems]
    assert len(problems) == 5
    assert problems[0].startswith(f"{rules_file}:4: rules.0.throttle: `5 per hour` is not a thr")
    assert problems[1].startswith(f"{rules_file}:7: rules.1.digest: `25:00` is not a digest time")
    assert problems[2].startswith(f"{rules_file}:10: rules.2.digest: `fortnightly` is not a")
    assert problems[3].startswith(f"{rules_file}:13: rules.3.throttle: throttle `5/w`: the window")
    assert problems[4] == (
        f"{rules_file}:14: rules.4: use either `throttle` or `digest` (a digest holds every alert)"
    )

    config_file = tmp_path / "newsradar.yaml"
    config_file.write_text(
        "timezone: Mars/Olympus\n"
        "notify:\n"
        '  ok: "json://127.0.0.1:9/hook"\n'
        "  night:\n"
        '    url: "json://127.0.0.1:9/hook"\n'
        '    quiet_hours: "22-7"\n'  # line 6
        "    timezone: Europe/Nowhere\n"  # line 7
        "    bypass_severity: urgent\n",  # line 8
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as excinfo:
        load_config(str(config_file))
    problems = [str(p) for p in excinfo.value.problems]
    assert problems == [
        f"{config_file}:6: notify.night.quiet_hours: `22` is not a quiet-hours time like 08:00",
        f"{config_file}:7: notify.night.timezone: unknown timezone `Europe/Nowhere` "
        "(use an IANA name like Europe/Berlin)",
        f"{config_file}:8: notify.night.bypass_severity: Input should be 'low', 'normal', "
        "'high' or 'critical'",
        f"{config_file}:1: timezone: unknown timezone `Mars/Olympus` "
        "(use an IANA name like Europe/Berlin)",
    ]


def test_channel_mapping_form_keeps_channels_a_url_map_and_is_checked_for_inline_secrets(
    tmp_path: Path,
) -> None:
    config_file = tmp_path / "newsradar.yaml"
    config_file.write_text(
        "notify:\n"
        '  plain: "json://127.0.0.1:9/hook"\n'
        "  night:\n"
        '    url: "mailto://bob:hunter22@127.0.0.1:9?to=a@example.org"\n'
        '    quiet_hours: "22:00-07:00"\n',
        encoding="utf-8",
    )
    config = load_config(str(config_file))
    assert config.channels == {
        "plain": "json://127.0.0.1:9/hook",
        "night": "mailto://bob:hunter22@127.0.0.1:9?to=a@example.org",
    }
    assert config.channel_options["plain"].quiet_hours is None
    night = config.channel_options["night"]
    assert (night.timezone, night.bypass_severity) == ("UTC", "critical")
    assert night.quiet_until("critical", at(23, 0)) is None
    assert night.quiet_until("high", at(23, 0)) == at(7, 0, day=26)
    [warning] = config.warnings
    assert str(warning).startswith(f"{config_file}:3: warning: notify.night: a password")


def test_schedules_windows_and_quiet_periods_follow_local_time() -> None:
    berlin = zone("Europe/Berlin")
    # Throttle windows are clock-aligned in local time; a window that doesn't divide the day
    # is cut short at midnight.
    assert parse_throttle("5/h").window_of(at(12, 34), berlin) == (at(12, 0), at(13, 0))
    assert parse_throttle("20/d").window_of(at(12, 0), berlin) == (at(23, 0, day=24), at(23, 0))
    assert parse_throttle("1/7h").window_of(at(22, 30), berlin) == (at(20, 0), at(23, 0))
    # Digests: strictly after the moment; several times a day; weekly; a timezone of their own.
    assert parse_digest("daily 08:00").next_after(at(8, 0)) == at(8, 0, day=26)
    assert parse_digest("daily 17:00,08:00").next_after(at(9, 0)) == at(17, 0)
    assert parse_digest("hourly :30").next_after(at(9, 30)) == at(10, 30)
    assert parse_digest("weekly mon 08:00 Europe/Berlin").next_after(at(9, 0)) == datetime(
        2026, 11, 30, 7, 0, tzinfo=UTC
    )  # 2026-11-25 is a Wednesday
    # Summer time: 08:00 in Berlin is 06:00 UTC.
    summer = datetime(2026, 7, 1, 0, 0, tzinfo=UTC)
    assert parse_digest("daily 08:00").next_after(summer, "Europe/Berlin") == summer.replace(hour=6)
    # Quiet periods that wrap midnight, and ones that don't.
    night = parse_quiet_hours("22:00-07:00")
    assert night.until(at(21, 59), zone("UTC")) is None
    assert night.until(at(3, 0), zone("UTC")) == at(7, 0)
    lunch = parse_quiet_hours("12:00-13:00")
    assert lunch.until(at(11, 30), berlin) == at(12, 0)  # 12:30 in Berlin
    assert lunch.until(at(12, 0), berlin) is None


def test_a_big_digest_is_sent_in_parts_that_together_list_every_alert() -> None:
    created = at(12, 0)
    rows = [
        AlertRow(
            id=i,
            rule="busy",
            story_id=i,
            channel="desk",
            article_id=i,
            severity="normal",
            title=f"busy: story {i}",
            body=f"Rule: busy\nHeadline: story {i}\nLink: (none)\n",
            status="pending",
            attempts=0,
            next_attempt_at=created,
            last_error=None,
            created_at=created,
            sent_at=None,
            digest_key="digest:busy:desk:x",
        )  # fmt: skip
        for i in range(1, 121)
    ]
    single = replace(rows[0], id=999, digest_key=None, title="alone", body="alone\n")
    messages = group_messages([single, *rows])
    assert [m.title for m in messages] == [
        "alone",
        "newsradar digest: busy — 50 stories (part 1/3)",
        "newsradar digest: busy — 50 stories (part 2/3)",
        "newsradar digest: busy — 20 stories (part 3/3)",
    ]
    assert sorted(i for m in messages[1:] for i in m.ids) == list(range(1, 121))
    assert "1. story 51\n" in messages[2].body and "(none)" not in messages[2].body

"""Source health: one ops notice per incident and one when it ends, never a storm."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from monitor.config import Config, load_config
from monitor.health import OPS_RULE, check_source_health, notice_id
from monitor.store import Store

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    (tmp_path / "rules").mkdir()
    data = {
        "database": "health.db",
        "notify": {"ops-chat": "json://127.0.0.1:9/ops", "desk": "json://127.0.0.1:9/desk"},
        "ops": "ops-chat",
        "defaults": {"failures_before_alert": 3, "stale_after": "1d"},
        "sources": [
            {"name": "wire", "feed": "http://127.0.0.1:9/wire.xml"},
            {"name": "quiet", "feed": "http://127.0.0.1:9/quiet.xml", "stale_after": "2h"},
            {"name": "off", "feed": "http://127.0.0.1:9/off.xml", "enabled": False},
        ],
    }
    path = tmp_path / "newsradar.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_config(str(path))


@pytest.fixture
def store(config: Config) -> Iterator[Store]:
    store = Store.open(config.database)
    yield store
    store.close()


def ops_rows(store: Store) -> list[tuple[str, str, int]]:
    return [
        (row["channel"], row["title"], row["story_id"])
        for row in store.db.query(
            "SELECT channel, title, story_id FROM alerts WHERE rule = ? ORDER BY id", [OPS_RULE]
        )
    ]


def test_failing_source_gets_one_notice_then_one_recovered(config: Config, store: Store) -> None:
    store.sources.record_success("wire", items=5, new_items=5, now=T0)
    for minute in range(1, 3):
        store.sources.record_failure("wire", "HTTP 500", now=T0 + timedelta(minutes=minute))
        assert check_source_health(store, config, now=T0 + timedelta(minutes=minute)).opened == []
    for minute in range(3, 10):  # the third failure opens the incident; later ones are quiet
        now = T0 + timedelta(minutes=minute)
        store.sources.record_failure("wire", "HTTP 500 from http://127.0.0.1:9/wire.xml", now=now)
        check_source_health(store, config, now=now)
    rows = ops_rows(store)
    assert [(channel, title) for channel, title, _ in rows] == [
        ("ops-chat", "newsradar: source wire is failing")
    ]
    assert rows[0][2] < 0  # never a real story's id
    assert store.sources.get("wire").health == "failing"

    store.sources.record_success("wire", items=5, new_items=1, now=T0 + timedelta(minutes=11))
    report = check_source_health(store, config, now=T0 + timedelta(minutes=11))
    assert report.recovered == ["wire"]
    check_source_health(store, config, now=T0 + timedelta(minutes=12))
    assert [title for _, title, _ in ops_rows(store)] == [
        "newsradar: source wire is failing",
        "newsradar: source wire recovered",
    ]
    assert store.sources.get("wire").health == "ok"


def test_a_new_failure_streak_is_a_new_incident(config: Config, store: Store) -> None:
    for streak in range(2):
        base = T0 + timedelta(hours=streak)
        store.sources.record_success("wire", items=1, new_items=1, now=base)
        check_source_health(store, config, now=base)
        for minute in range(1, 4):
            store.sources.record_failure("wire", "timeout", now=base + timedelta(minutes=minute))
            check_source_health(store, config, now=base + timedelta(minutes=minute))
    titles = [title for _, title, _ in ops_rows(store)]
    assert titles == [
        "newsradar: source wire is failing",
        "newsradar: source wire recovered",
        "newsradar: source wire is failing",
    ]


def test_stale_source_is_reported_once_after_its_own_stale_after(
    config: Config, store: Store
) -> None:
    store.sources.record_success("quiet", items=3, new_items=3, now=T0)
    store.sources.record_success("wire", items=3, new_items=3, now=T0)
    for hours in (1, 3, 5, 7):  # quiet: stale_after 2h; wire: the default 1d
        now = T0 + timedelta(hours=hours)
        store.sources.record_success("quiet", items=3, new_items=0, not_modified=True, now=now)
        store.sources.record_success("wire", items=3, new_items=0, not_modified=True, now=now)
        check_source_health(store, config, now=now)
    assert [title for _, title, _ in ops_rows(store)] == [
        "newsradar: source quiet has no new items"
    ]
    store.sources.record_success("quiet", items=4, new_items=1, now=T0 + timedelta(hours=8))
    check_source_health(store, config, now=T0 + timedelta(hours=8))
    assert ops_rows(store)[-1][1] == "newsradar: source quiet recovered"


def test_crash_between_notice_and_state_does_not_send_twice(config: Config, store: Store) -> None:
    store.sources.record_success("wire", items=1, new_items=1, now=T0)
    for minute in range(1, 4):
        store.sources.record_failure("wire", "HTTP 404", now=T0 + timedelta(minutes=minute))
    check_source_health(store, config, now=T0 + timedelta(minutes=4))
    # As if the process died after queueing the notice but before recording the health.
    store.sources.set_health("wire", "ok", None)
    check_source_health(store, config, now=T0 + timedelta(minutes=5))
    assert len(ops_rows(store)) == 1
    key = store.sources.get("wire").health_notified
    assert key is not None and ops_rows(store)[0][2] == notice_id("wire", key)


def test_disabled_sources_and_no_ops_channel(config: Config, store: Store) -> None:
    for minute in range(5):
        store.sources.record_failure("off", "HTTP 500", now=T0 + timedelta(minutes=minute))
    assert "off" not in check_source_health(store, config, now=T0).unhealthy
    quiet = Config(**{**config.__dict__, "ops": ()})
    for minute in range(3):
        store.sources.record_failure("wire", "HTTP 500", now=T0 + timedelta(minutes=minute))
    report = check_source_health(store, quiet, now=T0 + timedelta(minutes=3))
    assert report.opened == ["wire: failing"]  # tracked (for `newsradar sources`)...
    assert ops_rows(store) == []  # ...but nowhere to send it

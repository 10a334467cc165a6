"""Logging: readable or JSON lines on stderr, third-party chatter quiet, secrets masked."""

from __future__ import annotations

import json
import logging

import pytest

from monitor.logs import setup_logging


@pytest.fixture(autouse=True)
def restore_root_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_lines_without_third_party_info_and_without_passwords(capsys, monkeypatch) -> None:
    monkeypatch.delenv("NEWSRADAR_LOG_FORMAT", raising=False)
    setup_logging(verbose=1, as_json=True)
    logging.getLogger("scrapy.core.engine").setLevel(logging.DEBUG)  # as Scrapy itself does
    logging.getLogger("scrapy.core.engine").info("Spider opened")
    logging.getLogger("scrapy.core.engine").warning("robots.txt unreachable")
    logging.getLogger("newsradar.notify").info("to mailtos://desk:hunter2@smtp.example.org")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [(e["logger"], e["level"]) for e in lines] == [
        ("scrapy.core.engine", "warning"),
        ("newsradar.notify", "info"),
    ]
    assert lines[1]["message"] == "to mailtos://desk:****@smtp.example.org"


def test_very_verbose_lets_third_party_debug_through(capsys) -> None:
    setup_logging(verbose=2)
    logging.getLogger("scrapy.core.engine").debug("Crawled (200)")
    assert "DEBUG scrapy.core.engine: Crawled (200)" in capsys.readouterr().err

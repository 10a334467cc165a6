"""The `newsradar` command: parse arguments, call one library function, print.

Every user mistake becomes one clear line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import click

from monitor.config import Config, find_config_path, load_config
from monitor.errors import ConfigError, LockError, MonitorError
from monitor.logs import setup_logging

F = TypeVar("F", bound=Callable[..., Any])

EXIT_LOCKED = 75  # EX_TEMPFAIL: another process holds the database; try again later


def friendly_errors(func: F) -> F:
    """Turn library errors into `file:line: message` lines and exit codes."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            sys.exit(1)
        except LockError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_LOCKED)
        except MonitorError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except (OSError, sqlite3.DatabaseError) as exc:
            # An unwritable folder, a full disk, a file that is not a database: one line.
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def echo_rows(
    rows: Iterable[dict[str, Any]], as_json: bool, format_row: Callable[[dict], str]
) -> int:
    count = 0
    for row in rows:
        count += 1
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False, default=str))
        else:
            click.echo(format_row(row))
    return count


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-c",
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="Config file (default: $NEWSRADAR_CONFIG, else ./newsradar.yaml).",
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("--log-json", is_flag=True, help="Log JSON lines instead of text.")
@click.version_option(package_name="newsradar")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, verbose: int, log_json: bool) -> None:
    """newsradar: collect news, match alert rules, notify each story once."""
    setup_logging(verbose, log_json)
    ctx.obj = {"config_path": find_config_path(config_path)}


def _config(ctx: click.Context) -> Config:
    return load_config(ctx.obj["config_path"])


# --- setting up -------------------------------------------------------------------------------


@main.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Overwrite existing files.")
@friendly_errors
def init(directory: str, force: bool) -> None:
    """Write a starter newsradar.yaml and rules/ with commented examples."""
    from monitor.starter import write_starter

    for path in write_starter(Path(directory), force=force):
        click.echo(f"wrote {path}")
    click.echo("next: edit newsradar.yaml, then `newsradar check` and `newsradar once`")


@main.command()
@click.pass_context
@friendly_errors
def check(ctx: click.Context) -> None:
    """Validate config, sources, channels and every rule; exit 1 on any error."""
    from monitor.checks import check_all

    result = check_all(ctx.obj["config_path"])
    for problem in result.problems:
        click.echo(str(problem), err=True)
    if result.errors:
        click.echo(f"{len(result.errors)} error(s)", err=True)
        sys.exit(1)
    click.echo(result.summary)


@main.command()
def schema() -> None:
    """Print the JSON Schema of newsradar.yaml and rule files (for editors)."""
    from monitor.config import json_schemas

    click.echo(json.dumps(json_schemas(), indent=2))


# --- running ----------------------------------------------------------------------------------


@main.command()
@click.pass_context
@friendly_errors
def once(ctx: click.Context) -> None:
    """Cron mode: poll every source once, match, enqueue, deliver, exit."""
    from monitor.pipeline import run_once
    from monitor.report import format_pass

    report = run_once(_config(ctx))
    click.echo(format_pass(report))


@main.command()
@click.option("--metrics-port", type=int, default=None, help="Serve /healthz and /metrics here.")
@click.pass_context
@friendly_errors
def run(ctx: click.Context, metrics_port: int | None) -> None:
    """Daemon: poll each source on its schedule, deliver continuously, reload rules."""
    from monitor.scheduler import run_daemon

    sys.exit(run_daemon(ctx.obj["config_path"], metrics_port=metrics_port))


@main.command()
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False),
    default=None,
    help="Keep the demo files here (default: a temporary folder).",
)
@friendly_errors
def demo(directory: str | None) -> None:
    """Offline demo: local sample feeds and SMTP sink, one pass, the alerts it sent."""
    from monitor.demo import run_demo

    run_demo(directory, echo=click.echo)


# --- rules ------------------------------------------------------------------------------------


@main.command("test-rule")
@click.argument("query")
@click.option("--url", help="Fetch and extract this article.")
@click.option(
    "--file",
    "file_",
    type=click.Path(exists=True, dir_okay=False),
    help="Article text (or HTML) from a file.",
)
@click.option("--text", help="Article text given inline.")
@click.option("--title", default="", help="Headline to match title: scopes against.")
@click.pass_context
def test_rule(
    ctx: click.Context, query: str, url: str | None, file_: str | None, text: str | None, title: str
) -> None:
    """Does QUERY (or the rule named so) match? Exit 0 match, 1 no match, 2 error."""
    from monitor.tryrule import try_rule

    try:
        if sum(x is not None for x in (url, file_, text)) != 1:
            raise click.UsageError("give exactly one of --url, --file or --text")
        outcome = try_rule(
            ctx.obj["config_path"], query, url=url, file=file_, text=text, title=title
        )
    except click.UsageError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(2)
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        sys.exit(2)
    except MonitorError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(outcome.text)
    sys.exit(0 if outcome.matched else 1)


@main.command()
@click.argument("query")
@click.option("--since", default="7d", show_default=True, help="How far back: 12h, 7d, 4w.")
@click.option("--json", "as_json", is_flag=True, help="JSON Lines output.")
@click.pass_context
@friendly_errors
def backtest(ctx: click.Context, query: str, since: str, as_json: bool) -> None:
    """Which stored articles and stories QUERY (or the rule named so) would have alerted on."""
    from monitor.backtest import run_backtest

    run_backtest(_config(ctx), query, since, as_json=as_json, echo=click.echo)


# --- inspecting the store ---------------------------------------------------------------------


@main.command()
@click.option("--json", "as_json", is_flag=True, help="JSON Lines output.")
@click.option("--status", type=click.Choice(["pending", "sent", "dead"]), default=None)
@click.option("--limit", default=100, show_default=True)
@click.pass_context
@friendly_errors
def alerts(ctx: click.Context, as_json: bool, status: str | None, limit: int) -> None:
    """Alerts with rule, story, channel, status and attempts."""
    from monitor.inspect import alert_rows, format_alert

    echo_rows(alert_rows(_config(ctx), status, limit), as_json, format_alert)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="JSON Lines output.")
@click.option("--source", default=None, help="Only this source.")
@click.option("--limit", default=50, show_default=True)
@click.pass_context
@friendly_errors
def articles(ctx: click.Context, as_json: bool, source: str | None, limit: int) -> None:
    """Stored articles, newest first, with their story."""
    from monitor.inspect import article_rows, format_article

    echo_rows(article_rows(_config(ctx), source, limit), as_json, format_article)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="JSON Lines output.")
@click.pass_context
@friendly_errors
def sources(ctx: click.Context, as_json: bool) -> None:
    """Sources and their health: last success, last error, failures, items seen."""
    from monitor.inspect import format_source, source_rows

    echo_rows(source_rows(_config(ctx)), as_json, format_source)


if __name__ == "__main__":
    main()

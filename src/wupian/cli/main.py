"""The ``wupian`` command: global options and the registration of every sub-command.

Thin by design: each command parses its arguments, calls ``wupian.api`` (or a feature package's Python
API), renders the result with Rich, and maps the outcome to an exit code
(0 clean, 1 data issues at ERROR, 2 usage or environment error).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from wupian.cli import context
from wupian.core.errors import DataError, UsageError

app = typer.Typer(
    name="wupian",
    help="wupian (五篇): turn a bank's month-end data into the official 'five priorities' numbers and actions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _global(
    db: Annotated[
        str | None,
        typer.Option("--db", envvar="WUPIAN_DB", help="Warehouse file (default ./wupian.duckdb)."),
    ] = None,
) -> None:
    """Global options shared by every command."""
    context.set_db(db)


def _register() -> None:
    # Each feature module adds its commands to ``app`` (or exposes a Typer sub-app).
    from wupian.cli import (
        attest,
        cases_cmd,
        classify_cmd,
        data_cmds,
        demo_cmd,
        metrics_cmds,
        month_end_cmd,
        recurring_cmd,
        screen_cmd,
        serve_cmd,
        users_cmd,
    )

    demo_cmd.register(app)
    data_cmds.register(app)
    classify_cmd.register(app)
    metrics_cmds.register(app)
    month_end_cmd.register(app)
    recurring_cmd.register(app)
    screen_cmd.register(app)
    cases_cmd.register(app)
    app.add_typer(attest.app, name="attest")
    serve_cmd.register(app)
    users_cmd.register(app)


def main() -> None:
    """Console-script entry point."""
    _register()
    try:
        app()
    except UsageError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except DataError as exc:
        typer.echo(f"error: {exc}", err=True)
        for issue in exc.issues[:50]:
            typer.echo(f"  {issue}", err=True)
        sys.exit(1)

"""``wupian month-end``: the whole month-end job for one date — classify, measure, write every report.

Thin: parse, call ``wupian.pipeline.run_month_end`` with a progress bar, print the files and the issues.
Exit 1 when reconciliation or a file self-check found an ERROR.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wupian.cli import lean_process
from wupian.cli.context import open_warehouse
from wupian.cli.progress import progress
from wupian.core.dates import parse_date
from wupian.core.errors import DataError, UsageError
from wupian.core.issues import Level


def month_end(
    as_of: Annotated[str, typer.Option("--as-of", help="Month-end date, e.g. 2026-03-31.")],
    uscc: Annotated[str, typer.Option("--uscc", help="The bank's 统一社会信用代码 (names the PBOC files).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the report files.")] = Path("out"),
    branch: Annotated[str | None, typer.Option("--branch", help="Report for this branch subtree only.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="List at most N warnings (counts are always complete).")] = 20,
) -> None:
    """Classify every loan (PBOC and NFRA profiles), compute the indicators and write all reports."""
    from wupian.pipeline import run_month_end
    from wupian.reports.worklists import error_count, issue_counts

    lean_process.fewer_collections()  # its writers' many short-lived objects: fewer collector runs (console script)
    day = parse_date(as_of)
    if limit < 0:
        raise UsageError("--limit must be ≥ 0")
    with open_warehouse() as wh:
        if day not in wh.snapshot_dates():
            raise UsageError(f"no snapshot loaded for {day.isoformat()}; see `wupian snapshots`")
        from wupian.cli.case_store import export_to_warehouse

        export_to_warehouse(wh, wh.path)  # the web app's cases count in the month-end fraud figures
        with progress("月末处理", transient=False) as tick:
            result = run_month_end(wh, day, out, uscc=uscc, branch_id=branch, progress=tick)
    # the run's files are written and closed, its threads joined, the warehouse closed: only printing is left, and
    # the console script's process may end without teardown
    lean_process.finished()
    for f in result.files:
        typer.echo(str(f))
    issues = list(dict.fromkeys(result.issues))  # the same finding under both profiles is listed once
    shown = [i for i in issues if i.level != Level.ERROR][:limit]
    for issue in shown:
        typer.echo(str(issue), err=True)
    counts = issue_counts(issues, result.worklists)
    if counts:
        typer.echo("issues by code: " + ", ".join(f"{c} {lvl} ×{n}" for (c, lvl), n in sorted(counts.items())), err=True)
    total = sum(counts.values())
    if len(shown) < total:
        typer.echo(f"(listed {len(shown)} of {total}; see `wupian size`, `wupian classify --review` "
                   "and `wupian report` for all)", err=True)
    for w in result.worklists:
        typer.echo(f"all {w.rows} finding(s) of {', '.join(c for c, _, _ in w.counts)}: {w.path}", err=True)
    errors = [i for i in issues if i.level == Level.ERROR]
    if errors:
        raise DataError(f"{error_count(issues, result.worklists)} reconciliation or file-check error(s)", errors,
                        total=error_count(issues, result.worklists))


def register(app: typer.Typer) -> None:
    """Add ``month-end`` to the root app."""
    app.command("month-end")(month_end)

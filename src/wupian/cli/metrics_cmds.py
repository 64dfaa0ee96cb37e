"""CLI commands ``wupian indicators``, ``wupian coverage`` and ``wupian report``: parse, call the metrics and
reports packages, render, exit (0 clean, 1 ERROR issues, 2 usage)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from wupian.api import compute_indicators, coverage, explain_indicator
from wupian.cli.context import db_path
from wupian.core.errors import DataError, UsageError
from wupian.core.issues import Level
from wupian.engine.warehouse import Warehouse
from wupian.metrics import PROFILES, indicator_label
from wupian.reports import numbers
from wupian.reports.run import KINDS, generate_reports


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text) if "-" in text else datetime.strptime(text, "%Y%m%d").date()
    except ValueError as exc:
        raise UsageError(f"--as-of must be a date like 2026-03-31, got {text!r}") from exc


def _progress(console: Console) -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
                    transient=True)


def _value_text(value: object) -> str:
    return "" if value is None else f"{value:f}"


def indicators(
    as_of: Annotated[str, typer.Option("--as-of", help="Month-end date, e.g. 2026-03-31.")],
    branch: Annotated[str | None, typer.Option("--branch", help="Branch subtree (default: whole bank).")] = None,
    profile: Annotated[str, typer.Option("--profile", help=f"One of {', '.join(PROFILES)}.")] = "pboc_2025",
    ids: Annotated[list[str] | None, typer.Option("--id", help="Indicator id or glob pattern (repeatable).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv, json or table.")] = "table",
    explain: Annotated[str | None, typer.Option("--explain", help="Show the loans behind this indicator.")] = None,
) -> None:
    """Indicators for every branch node of the subtree (columns as_of, branch_id, indicator_id, value, unit,
    unavailable_reason). Classifies on demand whatever the figures need that is missing or out of date."""
    day = _date(as_of)
    if fmt not in ("csv", "json", "table"):
        raise UsageError("--format must be csv, json or table")
    console = Console()
    status = Console(stderr=True)  # the spinner must never write into machine-readable stdout
    with Warehouse(db_path()) as wh:
        if explain:
            if not branch:
                raise UsageError("--explain needs --branch")
            rows = explain_indicator(wh, explain, day, branch, profile=profile).to_pylist()
            _emit(rows, fmt, console, f"{indicator_label(explain)} — {branch} — {len(rows)} 行")
            return
        with _progress(status) as progress:
            progress.add_task("计算指标…", total=None)
            result = compute_indicators(wh, day, branch_id=branch, profile=profile, ids=ids)
    rows = [{"as_of": r.as_of.isoformat(), "branch_id": r.branch_id, "indicator_id": r.indicator_id,
             "value": _value_text(r.value), "unit": r.unit, "unavailable_reason": r.unavailable_reason or ""}
            for r in result.rows]
    _emit(rows, fmt, console, f"指标 {day.isoformat()}（{profile}）")
    for note in result.notes:
        typer.echo(note, err=True)


def _emit(rows: list[dict[str, object]], fmt: str, console: Console, title: str) -> None:
    if fmt == "json":
        typer.echo(json.dumps(rows, ensure_ascii=False, default=str, indent=1))
        return
    if fmt == "csv":
        buf = io.StringIO()
        if rows:
            w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
            w.writeheader()
            w.writerows({k: ("" if v is None else v) for k, v in r.items()} for r in rows)
        typer.echo(buf.getvalue(), nl=False)
        return
    table = Table(title=title)
    for col in (rows[0] if rows else {"": ""}):
        table.add_column(str(col))
    for r in rows:
        table.add_row(*["" if v is None else str(v) for v in r.values()])
    console.print(table)


def coverage_cmd(
    registry: Annotated[str, typer.Argument(help="Registry name, e.g. above_scale_enterprise.")],
    as_of: Annotated[str, typer.Option("--as-of", help="Month-end date.")],
    branch: Annotated[str | None, typer.Option("--branch", help="Branch subtree.")] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Write the worklist to this xlsx file.")] = None,
) -> None:
    """Coverage of a registry (members, account/credit/loan rates) and the worklist of uncovered members."""
    day = _date(as_of)
    console = Console()
    with Warehouse(db_path()) as wh:
        res = coverage(wh, registry, day, branch)
    table = Table(title=f"{registry} 覆盖情况 {day.isoformat()}")
    for col in ("机构号", "属性", "名录数", "开户覆盖率%", "授信覆盖率%", "获贷率%"):
        table.add_column(col)
    def pct(value: Decimal | None) -> str:
        return "—" if value is None else numbers.trim(value)

    for r in res.nodes.to_pylist():
        table.add_row(r["branch_id"], r["attribute"] or "全部", str(r["members"]), pct(r["account_rate"]),
                      pct(r["credit_rate"]), pct(r["loan_rate"]))
    console.print(table)
    console.print(f"待拓展清单：{res.worklist.num_rows} 户")
    if xlsx is not None:
        import xlsxwriter

        xlsx.parent.mkdir(parents=True, exist_ok=True)
        wb = xlsxwriter.Workbook(str(xlsx))
        ws = wb.add_worksheet("待拓展清单")
        head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        for j, name in enumerate(res.worklist.column_names):
            ws.write(0, j, name, head)
        for i, row in enumerate(res.worklist.to_pylist(), start=1):
            for j, v in enumerate(row.values()):
                ws.write_string(i, j, "" if v is None else str(v))
        ws.autofilter(0, 0, max(res.worklist.num_rows, 1), len(res.worklist.column_names) - 1)
        ws.freeze_panes(1, 0)
        ws.set_column(0, len(res.worklist.column_names) - 1, 18)
        ws.set_landscape()
        ws.repeat_rows(0)
        ws.fit_to_pages(1, 0)
        wb.close()
        console.print(f"已写出 {xlsx}")


def report(
    as_of: Annotated[str, typer.Option("--as-of", help="Month-end date.")],
    kind: Annotated[str, typer.Option("--kind", help=f"One of {', '.join(KINDS)}.")] = "all",
    branch: Annotated[str | None, typer.Option("--branch", help="Branch subtree (default: whole bank).")] = None,
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("reports"),
    uscc: Annotated[str | None, typer.Option("--uscc", help="Bank's 统一社会信用代码 (PBOC file names).")] = None,
) -> None:
    """Official files (PBOC .dat, NFRA 1104 xlsx), the management workbook and the briefing, reconciled."""
    day = _date(as_of)
    console = Console()
    with Warehouse(db_path()) as wh, _progress(Console(stderr=True)) as progress:
        progress.add_task("生成报表…", total=None)
        run = generate_reports(wh, day, kind, out, branch_id=branch, uscc=uscc)
    for f in run.files:
        console.print(str(f))
    errors = [i for i in run.issues if i.level == Level.ERROR]
    for issue in run.issues:
        if issue.level != Level.ERROR:
            typer.echo(str(issue), err=True)
    if errors:
        raise DataError(f"{len(errors)} reconciliation or file-check error(s)", errors)


def register(app: typer.Typer) -> None:
    """Add ``indicators``, ``coverage`` and ``report`` to the root app."""
    app.command("indicators")(indicators)
    app.command("coverage")(coverage_cmd)
    app.command("report")(report)

"""CLI commands ``wupian indicators``, ``wupian coverage`` and ``wupian report``: parse, call the metrics and
reports packages, render, exit (0 clean, 1 ERROR issues, 2 usage)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from wupian.cli import lean_process
from wupian.cli.context import open_warehouse
from wupian.cli.output import Format, console, emit, emit_text
from wupian.cli.progress import progress
from wupian.core.dates import parse_date
from wupian.core.errors import DataError, UsageError
from wupian.core.issues import Level
from wupian.core.profiles import DEFAULT_PROFILE, PROFILES
from wupian.reports.kinds import KINDS

if TYPE_CHECKING:
    import pyarrow as pa


def indicators(
    as_of: Annotated[str, typer.Option("--as-of", help="Month-end date, e.g. 2026-03-31.")],
    branch: Annotated[str | None, typer.Option("--branch", help="Branch subtree (default: whole bank).")] = None,
    profile: Annotated[str, typer.Option("--profile", help=f"One of {', '.join(PROFILES)}.")] = DEFAULT_PROFILE,
    ids: Annotated[list[str] | None, typer.Option("--id", help="Indicator id or glob pattern (repeatable).")] = None,
    fmt: Annotated[Format, typer.Option("--format", help="csv, json or table.")] = Format.table,
    explain: Annotated[str | None, typer.Option("--explain", help="Show the loans behind this indicator.")] = None,
) -> None:
    """Indicators for every branch node of the subtree (columns as_of, branch_id, indicator_id, value, unit,
    unavailable_reason). Classifies on demand whatever the figures need that is missing or out of date."""
    lean_process.enter()  # before pyarrow: no NumPy behind it, no teardown (console script only)
    import pyarrow.compute as pc

    from wupian.api import IndicatorResult, compute_indicators, explain_indicator
    from wupian.core.tabular import csv_bytes_of_strings
    from wupian.metrics import indicator_label
    from wupian.metrics.result import TEXT_COLUMNS

    day = parse_date(as_of)
    with open_warehouse() as wh:
        if explain:
            if not branch:
                raise UsageError("--explain needs --branch")
            loans = explain_indicator(wh, explain, day, branch, profile=profile)
            # the table's own columns: a value with no loans behind it is a header line (csv), [] (json)
            emit(loans, fmt, title=f"{indicator_label(explain)} — {branch} — {loans.num_rows} 行",
                 columns=loans.column_names)
            return
        texts_built: list[pa.Table] = []
        csv_built: list[bytes] = []

        def build(result: IndicatorResult) -> None:  # the output's text, built while the values are stored
            texts_built.append(result.text_table())
            if Format(fmt) is Format.csv:
                csv_built.append(csv_bytes_of_strings(texts_built[0]))

        with progress("计算指标…", bar=False):
            result = compute_indicators(wh, day, branch_id=branch, profile=profile, ids=ids, while_storing=build,
                                        settle=True)
    if not texts_built:  # served stored
        build(result)
    texts = texts_built[0]  # every column as text, built on the Arrow columns (no object per value)
    check_id_patterns(ids, pc.unique(texts.column("indicator_id")).to_pylist())
    title = f"指标 {day.isoformat()}（{profile}）"
    if Format(fmt) is Format.csv:
        emit_text(csv_built[0], None)
    elif Format(fmt) is Format.json:  # null where the value or the reason is absent, as the web API answers
        emit(json_nulls(texts, result.to_arrow()), fmt, columns=TEXT_COLUMNS)
    else:
        emit(texts, fmt, title=title, columns=TEXT_COLUMNS)
    for note in result.notes:
        typer.echo(note, err=True)


NULLABLE = ("value", "unit", "unavailable_reason")  # the columns that can be absent in a value (None in the API)


def json_nulls(texts: pa.Table, values: pa.Table) -> pa.Table:
    """The text table of the values (``IndicatorResult.text_table``) with null, not '', where ``values`` (its
    Arrow table, same rows) has none: JSON then says ``null`` as ``/api/indicators`` does."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for name in NULLABLE:
        at = texts.schema.get_field_index(name)
        kept = pc.if_else(pc.is_valid(values.column(name)), texts.column(at), pa.scalar(None, pa.string()))
        texts = texts.set_column(at, name, kept)
    return texts


def check_id_patterns(patterns: list[str] | None, computed: list[str]) -> None:
    """A ``--id`` pattern that matches no computed indicator is a usage error with the closest known id."""
    import fnmatch

    unmatched = [p for p in patterns or () if not any(fnmatch.fnmatchcase(i, p) for i in computed)]
    if not unmatched:
        return
    from wupian.metrics.catalogue import example_ids, suggest
    from wupian.metrics.compute import definitions, names

    candidates = example_ids(definitions(), names()) | set(computed)
    lines = []
    for p in unmatched:
        hint = suggest(p, candidates)
        lines.append(f"--id {p!r} matches no indicator (指标编号不存在)" + (f"; {hint}" if hint else ""))
    raise UsageError("; ".join(lines) + " — `wupian indicators --as-of DATE --format csv` lists every id")


def coverage_cmd(
    registry: Annotated[str, typer.Argument(help="Registry name, e.g. above_scale_enterprise.")],
    as_of: Annotated[str, typer.Option("--as-of", help="Month-end date.")],
    branch: Annotated[str | None, typer.Option("--branch", help="Branch subtree.")] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Write the worklist to this xlsx file.")] = None,
) -> None:
    """Coverage of a registry (members, account/credit/loan rates) and the worklist of uncovered members."""
    lean_process.enter()  # before pyarrow: no NumPy behind it, no teardown (console script only)
    from rich.table import Table

    from wupian.api import coverage
    from wupian.reports import numbers

    day = parse_date(as_of)
    out = console()
    with open_warehouse() as wh:
        res = coverage(wh, registry, day, branch)
    table = Table(title=f"{registry} 覆盖情况 {day.isoformat()}")
    for col in ("机构号", "属性", "名录数", "开户覆盖率%", "授信覆盖率%", "获贷率%"):
        table.add_column(col)
    def pct(value: Decimal | None) -> str:
        return "—" if value is None else numbers.trim(value)

    for r in res.nodes.to_pylist():
        table.add_row(r["branch_id"], r["attribute"] or "全部", str(r["members"]), pct(r["account_rate"]),
                      pct(r["credit_rate"]), pct(r["loan_rate"]))
    out.print(table)
    out.print(f"待拓展清单：{res.worklist.num_rows} 户")
    if xlsx is not None:
        from wupian.reports.worklist_xlsx import write_worklist

        write_worklist(res.worklist, xlsx)
        out.print(f"已写出 {xlsx}")


def report(
    as_of: Annotated[str, typer.Option("--as-of", help="Month-end date.")],
    kind: Annotated[str, typer.Option("--kind", help=f"One of {', '.join(KINDS)}.")] = "all",
    branch: Annotated[str | None, typer.Option("--branch", help="Branch subtree (default: whole bank).")] = None,
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("reports"),
    uscc: Annotated[str | None, typer.Option("--uscc", help="Bank's 统一社会信用代码 (PBOC file names).")] = None,
) -> None:
    """Official files (PBOC .dat, NFRA 1104 xlsx), the management workbook and the briefing, reconciled."""
    from wupian.reports.run import generate_reports
    from wupian.reports.worklists import error_count

    day = parse_date(as_of)
    with open_warehouse() as wh, progress("生成报表…", bar=False):
        run = generate_reports(wh, day, kind, out, branch_id=branch, uscc=uscc)
    for f in run.files:
        console().print(str(f))
    errors = [i for i in run.issues if i.level == Level.ERROR]
    for issue in run.issues:
        if issue.level != Level.ERROR:
            typer.echo(str(issue), err=True)
    for w in run.worklists:  # the issues above list the first findings of each code; the file holds them all
        typer.echo(f"all {w.rows} finding(s) of {', '.join(c for c, _, _ in w.counts)}: {w.path}", err=True)
    if errors:
        total = error_count(run.issues, run.worklists)
        raise DataError(f"{total} reconciliation or file-check error(s)", errors, total=total)


def register(app: typer.Typer) -> None:
    """Add ``indicators``, ``coverage`` and ``report`` to the root app."""
    app.command("indicators")(indicators)
    app.command("coverage")(coverage_cmd)
    app.command("report")(report)

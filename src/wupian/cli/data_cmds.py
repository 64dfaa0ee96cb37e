"""Data commands: ``check``, ``load``, ``load-events``, ``snapshots`` and ``quarantine``.

Thin: parse options, call ``wupian.ingest``, render with Rich, exit 0 (clean), 1 (rows rejected or ERROR
issues) or 2 (usage). Issue lines use the one shared format; summary tables are in Chinese.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from wupian.cli.context import open_warehouse
from wupian.cli.output import console as Console
from wupian.cli.output import emit_text, to_json
from wupian.cli.progress import progress as _progress
from wupian.core.dates import parse_date, parse_optional_date
from wupian.core.errors import UsageError

if TYPE_CHECKING:
    from wupian.ingest import CheckReport


def table_zh_names() -> dict[str, str]:
    """Every contract table's Chinese name, in contract order (imported here: ``--help`` needs no contract)."""
    from wupian.contract import ALL_TABLES

    return {t.name: t.zh for t in ALL_TABLES}


def _limit(limit: int) -> None:
    """A negative ``--limit`` is a usage error (never a slice from the end, never an engine error)."""
    if limit < 0:
        raise UsageError("--limit must be ≥ 0")


def _print_issues(console: Any, report: CheckReport, limit: int) -> None:
    for issue in report.issues[:limit]:
        typer.echo(str(issue))
    shown = min(limit, len(report.issues))
    total = sum(report.issue_counts.values())
    if shown < total:
        console.print(f"… 仅显示前 {shown} 条，共 {total} 条问题", markup=False)
    if report.issue_counts:
        console.print("问题统计 (issue counts):", markup=False)
        for (code, level), n in sorted(report.issue_counts.items()):
            typer.echo(f"  {code} {level}: {n}")


def _summary(console: Any, report: CheckReport, title: str) -> None:
    from rich.table import Table as RichTable

    table = RichTable(title=title)
    table_zh = table_zh_names()
    for head in ("表", "表名", "读入行数", "已加载", "已隔离"):
        table.add_column(head, justify="right" if head not in ("表", "表名") else "left")
    for name, rows in report.rows.items():
        table.add_row(
            name, table_zh.get(name, ""), str(rows), str(report.loaded.get(name, 0)), str(report.rejected.get(name, 0))
        )
    console.print(table)


def check(
    directory: Annotated[Path, typer.Argument(help="Snapshot folder with <table>.csv|.xlsx|.parquet files.")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="As-of date YYYY-MM-DD (enables date checks).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
    limit: Annotated[int, typer.Option("--limit", help="Print at most N issues (counts stay complete).")] = 200,
) -> None:
    """Check a snapshot folder against the data contract without loading it."""
    if fmt not in ("text", "json"):
        raise UsageError(f"--format expects text or json, got {fmt!r}")
    _limit(limit)
    from wupian.ingest import check_snapshot

    day = parse_optional_date(as_of)
    console = Console()
    with _progress("读取", enabled=fmt == "text") as progress:
        report = check_snapshot(directory, day, issue_limit=max(limit, 1), progress=progress)
    if fmt == "json":
        data = report.to_dict()
        data["issues"] = data["issues"][:limit]  # type: ignore[index]
        emit_text(to_json(data, indent=2) + "\n", None)
    else:
        _print_issues(console, report, limit)
        _summary(console, report, "检查结果 (check)")
        console.print("通过 (clean)" if report.ok else f"发现 {report.errors} 个错误 (ERROR)", markup=False)
    if not report.ok:
        raise typer.Exit(1)


def _folder(directory: Path) -> Path:
    if not directory.is_dir():
        raise UsageError(f"not a folder: {directory}")
    return directory


def load(
    directory: Annotated[Path, typer.Argument(help="Snapshot folder to load.")],
    as_of: Annotated[str, typer.Option("--as-of", help="As-of date of the snapshot, YYYY-MM-DD.")],
    limit: Annotated[int, typer.Option("--limit", help="Print at most N issues.")] = 50,
) -> None:
    """Load (or atomically replace) the snapshot of one as-of date into the warehouse."""
    from wupian.cli import lean_process

    # before pyarrow: no NumPy behind it, no teardown (console script only); the load uses no pyarrow.compute
    lean_process.enter(compute=False)
    from wupian.ingest import load_snapshot

    date = parse_date(as_of)
    _limit(limit)
    _folder(directory)  # before the warehouse is created: a mistyped folder leaves no empty warehouse behind
    console = Console()
    with open_warehouse(create=True) as wh, _progress("读取") as progress:
        report = load_snapshot(wh, date, directory, progress=progress)
    _print_issues(console, report, limit)
    _summary(console, report, f"快照 {date.isoformat()} 已加载 (loaded)")
    if not report.ok:
        console.print(f"{sum(report.rejected.values())} 行已隔离，详见 `wupian quarantine --as-of {date}`", markup=False)
        raise typer.Exit(1)


def load_events_cmd(
    directory: Annotated[Path, typer.Argument(help="Folder with transactions / mandates / merchants files.")],
    limit: Annotated[int, typer.Option("--limit", help="Print at most N issues.")] = 50,
) -> None:
    """Append event data (transactions, mandates, merchants), de-duplicated on their ids."""
    from wupian.contract import EVENT_TABLES
    from wupian.ingest import load_events
    from wupian.ingest.files import find_table_files

    _limit(limit)
    console = Console()
    found, folder_issues = find_table_files(_folder(directory), EVENT_TABLES, require=False)
    if not found:  # said before the warehouse is created, so a wrong folder leaves nothing behind
        looked = ", ".join(f"{t.name}.csv|.xlsx|.parquet" for t in EVENT_TABLES)
        for issue in folder_issues[:limit]:
            typer.echo(str(issue))
        raise UsageError(f"no event file in {directory} (未找到事件数据文件): looked for {looked}")
    with open_warehouse(create=True) as wh, _progress("读取") as progress:
        report = load_events(wh, directory, progress=progress)
    _print_issues(console, report, limit)
    _summary(console, report, "事件数据已追加 (events appended)")
    skipped = sum(report.skipped.values())
    if skipped:
        console.print(f"{skipped} 条此前已加载且内容相同，已跳过", markup=False)
    if not report.ok:
        raise typer.Exit(1)


def snapshots() -> None:
    """List loaded snapshots with row and rejection counts."""
    from rich.table import Table as RichTable

    from wupian.ingest.inventory import list_snapshots

    console = Console()
    with open_warehouse(read_only=True) as wh:
        infos = list_snapshots(wh)
    if not infos:
        console.print("仓库中尚无快照 (no snapshots loaded)", markup=False)
        return
    table_zh = table_zh_names()
    names = sorted({n for i in infos for n, _ in i.rows}, key=lambda n: list(table_zh).index(n))
    table = RichTable(title="已加载快照 (snapshots)")
    table.add_column("数据日期 as_of")
    table.add_column("加载时间 loaded_at")
    for n in names:
        table.add_column(f"{table_zh.get(n, n)}", justify="right")
    table.add_column("已隔离", justify="right")
    for info in infos:
        rows = dict(info.rows)
        table.add_row(
            info.as_of.isoformat(), info.loaded_at.strftime("%Y-%m-%d %H:%M:%S"),
            *[f"{rows.get(n, 0):,}" for n in names], f"{info.total_rejected:,}",
        )
    console.print(table)


def quarantine(
    as_of: Annotated[str | None, typer.Option("--as-of", help="Snapshot date; omit for event loads.")] = None,
    table: Annotated[str | None, typer.Option("--table", help="Only this table.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="Show at most N rows.")] = 100,
) -> None:
    """List quarantined (rejected) rows with their reasons."""
    from wupian.ingest.inventory import list_quarantine

    day = parse_optional_date(as_of)
    _limit(limit)
    console = Console()
    with open_warehouse(read_only=True) as wh:
        rows, total = list_quarantine(wh, day, table, limit=limit)
    if not rows:
        console.print("没有被隔离的行 (no quarantined rows)", markup=False)
        return
    for row in rows:
        where = f"{row.file}:{row.line}" + (f"[{row.key}]" if row.key else "")
        for issue in row.issues:
            col = f".{issue['column']}" if issue.get("column") else ""
            hint = f" ({issue['suggestion']})" if issue.get("suggestion") else ""
            typer.echo(f"{where}{col}: {issue['level']} {issue['code']} {issue['message']}{hint}")
    if total > len(rows):
        console.print(f"… 仅显示前 {len(rows)} 行，共 {total} 行被隔离", markup=False)
    else:
        console.print(f"共 {total} 行被隔离", markup=False)


def register(app: typer.Typer) -> None:
    """Add the data commands to the root ``wupian`` app."""
    app.command("check")(check)
    app.command("load")(load)
    app.command("load-events")(load_events_cmd)
    app.command("snapshots")(snapshots)
    app.command("quarantine")(quarantine)

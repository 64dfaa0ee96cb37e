"""``wupian recurring``: the teller view of one account's recurring debits, the bank-wide batch, stale mandates.

    wupian recurring ACCOUNT_ID [--months 12]                  Rich teller view in Chinese
    wupian recurring --all --format csv|json [--out FILE] [--unexplained-only]
    wupian recurring --stale-mandates [--idle-months 6] [--format table|csv|json]

Amounts in csv/json are positive yuan written as exact decimal text ("100.00").
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import pyarrow as pa
import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from wupian.cli.context import db_path
from wupian.core.errors import UsageError
from wupian.engine.warehouse import Warehouse, default_db_path
from wupian.monitor.recurring import stale_mandates_table, streams_table
from wupian.monitor.recurring.api import account_known, resolve_as_of, window_start
from wupian.monitor.recurring.explain import cadence_zh, status_zh, yuan, zh_date

BATCH_COLUMNS = (
    "account_id", "payee", "counterparty_name", "counterparty_account", "counterparty_bank", "merchant_id",
    "cadence", "typical_amount", "first_date", "last_date", "occurrences", "next_expected_date", "status",
    "mandate_id", "confidence", "explanation", "amount_pattern", "last_amount", "skipped", "summary",
    "merchant_name", "payment_institution", "cancel_hint",
)
STALE_COLUMNS = (
    "account_id", "mandate_id", "payee_name", "merchant_id", "merchant_name", "purpose", "signed_at",
    "last_used", "uses", "idle_days", "amount_limit", "payment_institution", "cancel_hint", "explanation",
)
_STEP_ZH = {
    "scan": "读取扣款流水", "names": "归一收款方名称", "keyed": "按收款方分组", "candidates": "金额分档",
    "gaps": "计算间隔", "cadences": "筛选周期", "fit": "拟合扣款周期", "best": "选择最佳周期",
    "streams": "汇总扣款序列", "shape": "推算下次扣款", "link": "关联代扣协议与商户", "explain": "生成说明",
}


def register(app: typer.Typer) -> None:
    """Add ``recurring`` to the root app."""
    app.command("recurring", help="Recurring debits: teller view of one account, bank-wide batch, stale mandates.")(
        recurring
    )


def _parse_date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"--as-of must be YYYY-MM-DD, got {text!r}") from exc


def _open() -> Warehouse:
    path = db_path() or default_db_path()
    if path != ":memory:" and not Path(path).exists():
        raise UsageError(f"warehouse {path} does not exist (run `wupian demo` or `wupian load-events` first)")
    return Warehouse(path, read_only=path != ":memory:")


@contextmanager
def _progress(enabled: bool) -> Iterator[Any]:
    if not enabled:
        yield None
        return
    console = Console(stderr=True)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
                  transient=True) as progress:
        task = progress.add_task("识别周期性扣款", total=None)

        def step(name: str) -> None:
            progress.update(task, description=f"识别周期性扣款：{_STEP_ZH.get(name, name)}")

        yield step


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _rows(table: pa.Table, columns: tuple[str, ...]) -> list[dict[str, object]]:
    present = [c for c in columns if c in table.column_names]
    return table.select(present).to_pylist()


def _emit(rows: list[dict[str, object]], columns: tuple[str, ...], fmt: str, out: Path | None) -> None:
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_text(row.get(c)) for c in columns])
        text = buf.getvalue()
    else:
        payload = [{c: (None if row.get(c) is None else (row[c] if isinstance(row[c], (int, bool)) else
                                                        _text(row[c]))) for c in columns} for row in rows]
        text = json.dumps(payload, ensure_ascii=False, indent=1) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {len(rows)} rows to {out}", err=True)


def _teller_view(wh: Warehouse, account_id: str, months: int, as_of: date | None, idle_months: int) -> None:
    if not account_known(wh, account_id):
        raise UsageError(f"unknown account {account_id!r}: no transactions and not in the accounts table")
    day = resolve_as_of(wh, as_of)
    table = streams_table(wh, account_id, months=months, as_of=day)
    rows = table.to_pylist()
    console = Console()
    title = f"账户 {account_id} 周期性扣款（{zh_date(window_start(day, months))}—{zh_date(day)}）"
    if not rows:
        console.print(f"[bold]{title}[/bold]\n未发现周期性扣款。")
    else:
        view = Table(title=title, show_lines=False)
        for header, justify in (("序号", "right"), ("收款方", "left"), ("周期", "left"), ("金额(元)", "right"),
                                ("期数", "right"), ("首次", "left"), ("最近", "left"), ("下次预计", "left"),
                                ("状态", "left"), ("代扣协议", "left"), ("可信度", "right")):
            view.add_column(header, justify=justify)  # type: ignore[arg-type]
        for i, r in enumerate(rows, 1):
            amount = yuan(r["typical_amount"]) if r["amount_pattern"] != "variable" else \
                f"{yuan(r['min_amount'])}–{yuan(r['max_amount'])}"
            mandate = r["mandate_id"] or "[bold red]无[/bold red]"
            view.add_row(str(i), r["payee"], cadence_zh(r["cadence"]), amount, str(r["occurrences"]),
                         str(r["first_date"]), str(r["last_date"]),
                         "—" if r["status"] == "ended" else str(r["next_expected_date"]),
                         status_zh(r["status"]), mandate, f"{r['confidence']:.2f}")
        console.print(view)
        for i, r in enumerate(rows, 1):
            console.print(f"{i}、{r['explanation']}")
        missing = sum(1 for r in rows if r["mandate_id"] is None)
        console.print(f"\n共{len(rows)}项周期性扣款，其中[bold]{missing}[/bold]项未找到代扣协议。")
    stale = stale_mandates_table(wh, as_of=day, idle_months=idle_months, account_id=account_id)
    if stale.num_rows:
        console.print(f"\n长期未使用的代扣协议（{idle_months}个月以上）：")
        for r in stale.to_pylist():
            console.print(f"·{r['explanation']}")


def recurring(
    account_id: Annotated[str | None, typer.Argument(help="Account to examine (teller view).")] = None,
    all_accounts: Annotated[bool, typer.Option("--all", help="Run the batch over every account.")] = False,
    stale: Annotated[
        bool, typer.Option("--stale-mandates", help="List active mandates unused for --idle-months.")
    ] = False,
    months: Annotated[int, typer.Option(help="Months of history before the as-of month.")] = 12,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="YYYY-MM-DD (default: date of the latest transaction).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    out: Annotated[Path | None, typer.Option("--out", help="Write csv/json to this file.")] = None,
    unexplained_only: Annotated[
        bool, typer.Option("--unexplained-only", help="Only streams with no known mandate.")
    ] = False,
    idle_months: Annotated[int, typer.Option(help="Stale-mandate threshold in months.")] = 6,
) -> None:
    """Find recurring debits, the mandate behind each, and how to cancel it."""
    if fmt not in ("table", "csv", "json"):
        raise UsageError(f"--format must be table, csv or json, got {fmt!r}")
    chosen = sum([account_id is not None and not stale, all_accounts, stale])
    if chosen != 1 or (all_accounts and account_id is not None):
        raise UsageError("give exactly one of ACCOUNT_ID, --all or --stale-mandates (optionally with ACCOUNT_ID)")
    day = _parse_date(as_of)
    with _open() as wh:
        if stale:
            table = stale_mandates_table(wh, as_of=day, idle_months=idle_months, account_id=account_id)
            if fmt == "table":
                console = Console()
                console.print(f"长期未使用的代扣协议（{idle_months}个月以上）：{table.num_rows}项")
                for r in table.to_pylist()[:200]:
                    console.print(f"·{r['account_id']}：{r['explanation']}")
                return
            _emit(_rows(table, STALE_COLUMNS), STALE_COLUMNS, fmt, out)
            return
        if account_id is not None:
            if fmt == "table":
                _teller_view(wh, account_id, months, day, idle_months)
                return
            if not account_known(wh, account_id):
                raise UsageError(f"unknown account {account_id!r}")
            table = streams_table(wh, account_id, months=months, as_of=day, unexplained_only=unexplained_only)
            _emit(_rows(table, BATCH_COLUMNS), BATCH_COLUMNS, fmt, out)
            return
        with _progress(True) as step:
            table = streams_table(wh, months=months, as_of=day, unexplained_only=unexplained_only, on_step=step)
        if fmt == "table":
            rows = table.select(["cadence", "status", "mandate_id"]).to_pylist()
            summary = Table(title="全行周期性扣款")
            summary.add_column("周期")
            summary.add_column("序列数", justify="right")
            summary.add_column("其中无代扣协议", justify="right")
            for cadence in dict.fromkeys(r["cadence"] for r in rows):
                sel = [r for r in rows if r["cadence"] == cadence]
                summary.add_row(cadence_zh(cadence), str(len(sel)), str(sum(r["mandate_id"] is None for r in sel)))
            Console().print(summary)
            typer.echo("use --format csv or --format json for the full list", err=True)
            return
        _emit(_rows(table, BATCH_COLUMNS), BATCH_COLUMNS, fmt, out)

"""``wupian recurring``: the teller view of one account's recurring debits, the bank-wide batch, stale mandates.

    wupian recurring ACCOUNT_ID [--months 12]                  Rich teller view in Chinese
    wupian recurring --all --format csv|json [--out FILE] [--unexplained-only]
    wupian recurring --stale-mandates [--idle-months 6] [--format table|csv|json]

Amounts in csv/json are positive yuan written as exact decimal text ("100.00").

With ``--engine spark`` the batch (``--all``) and ``--stale-mandates`` run; one account's streams (the teller view)
run on ``--engine duckdb`` only (docs/spark.md).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from wupian.cli.context import open_warehouse
from wupian.cli.output import Format, console, emit
from wupian.cli.progress import progress
from wupian.core.dates import parse_optional_date
from wupian.core.errors import UsageError

if TYPE_CHECKING:
    import pyarrow as pa

    from wupian.engine.warehouse import Warehouse

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


def _json_cell(value: object) -> Any:
    return value if value is None or isinstance(value, (int, bool)) else _text(value)


def _emit(rows: list[dict[str, object]], columns: tuple[str, ...], fmt: str, out: Path | None) -> None:
    emit(rows, fmt, out=out, columns=columns, cell=_text, json_cell=_json_cell)


def _teller_view(wh: Warehouse, account_id: str, months: int, as_of: date | None, idle_months: int) -> None:
    from rich.table import Table

    from wupian.monitor.recurring import stale_mandates_table, streams_table
    from wupian.monitor.recurring.api import account_known, resolve_as_of, window_start
    from wupian.monitor.recurring.explain import cadence_zh, status_zh, yuan, zh_date

    if not account_known(wh, account_id):
        raise UsageError(f"unknown account {account_id!r}: no transactions and not in the accounts table")
    day = resolve_as_of(wh, as_of)
    table = streams_table(wh, account_id, months=months, as_of=day)
    rows = table.to_pylist()
    con = console()
    title = f"账户 {account_id} 周期性扣款（{zh_date(window_start(day, months))}—{zh_date(day)}）"
    if not rows:
        con.print(f"[bold]{title}[/bold]\n未发现周期性扣款。")
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
        con.print(view)
        for i, r in enumerate(rows, 1):
            con.print(f"{i}、{r['explanation']}")
        missing = sum(1 for r in rows if r["mandate_id"] is None)
        con.print(f"\n共{len(rows)}项周期性扣款，其中[bold]{missing}[/bold]项未找到代扣协议。")
    stale = stale_mandates_table(wh, as_of=day, idle_months=idle_months, account_id=account_id)
    if stale.num_rows:
        con.print(f"\n长期未使用的代扣协议（{idle_months}个月以上）：")
        for r in stale.to_pylist():
            con.print(f"·{r['explanation']}")


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
    fmt: Annotated[Format, typer.Option("--format", help="table, csv or json.")] = Format.table,
    out: Annotated[Path | None, typer.Option("--out", help="Write csv/json to this file.")] = None,
    unexplained_only: Annotated[
        bool, typer.Option("--unexplained-only", help="Only streams with no known mandate.")
    ] = False,
    idle_months: Annotated[int, typer.Option(help="Stale-mandate threshold in months.")] = 6,
) -> None:
    """Find recurring debits, the mandate behind each, and how to cancel it."""
    from rich.table import Table

    from wupian.monitor.recurring import stale_mandates_table, streams_table
    from wupian.monitor.recurring.api import account_known
    from wupian.monitor.recurring.explain import cadence_zh

    chosen = sum([account_id is not None and not stale, all_accounts, stale])
    if chosen != 1 or (all_accounts and account_id is not None):
        raise UsageError("give exactly one of ACCOUNT_ID, --all or --stale-mandates (optionally with ACCOUNT_ID)")
    if account_id is not None and not stale:
        from wupian.cli import context
        from wupian.monitor.recurring.api import SPARK_ONE_ACCOUNT

        if context.current().engine == "spark":
            raise UsageError(SPARK_ONE_ACCOUNT)
    day = parse_optional_date(as_of)
    with open_warehouse(read_only=True) as wh:
        if stale:
            table = stale_mandates_table(wh, as_of=day, idle_months=idle_months, account_id=account_id)
            if fmt is Format.table:
                con = console()
                con.print(f"长期未使用的代扣协议（{idle_months}个月以上）：{table.num_rows}项")
                for r in table.to_pylist()[:200]:
                    con.print(f"·{r['account_id']}：{r['explanation']}")
                return
            _emit(_rows(table, STALE_COLUMNS), STALE_COLUMNS, fmt, out)
            return
        if account_id is not None:
            if fmt is Format.table:
                _teller_view(wh, account_id, months, day, idle_months)
                return
            if not account_known(wh, account_id):
                raise UsageError(f"unknown account {account_id!r}")
            table = streams_table(wh, account_id, months=months, as_of=day, unexplained_only=unexplained_only)
            _emit(_rows(table, BATCH_COLUMNS), BATCH_COLUMNS, fmt, out)
            return
        with progress("识别周期性扣款", bar=False, labels=_STEP_ZH) as step:
            table = streams_table(wh, months=months, as_of=day, unexplained_only=unexplained_only, on_step=step)
        if fmt is Format.table:
            rows = table.select(["cadence", "status", "mandate_id"]).to_pylist()
            summary = Table(title="全行周期性扣款")
            summary.add_column("周期")
            summary.add_column("序列数", justify="right")
            summary.add_column("其中无代扣协议", justify="right")
            for cadence in dict.fromkeys(r["cadence"] for r in rows):
                sel = [r for r in rows if r["cadence"] == cadence]
                summary.add_row(cadence_zh(cadence), str(len(sel)), str(sum(r["mandate_id"] is None for r in sel)))
            console().print(summary)
            typer.echo("use --format csv or --format json for the full list", err=True)
            return
        _emit(_rows(table, BATCH_COLUMNS), BATCH_COLUMNS, fmt, out)

"""``wupian demo``: build the synthetic demo bank, load every month-end into the warehouse, print a summary.

Thin: parse options, call ``wupian.demo.run_demo`` with Rich progress bars per step (generate, load, events),
render the summary in Chinese. Exit 0 when the only rejected rows are the deliberately planted ones, 1 when
anything else was rejected, 2 on usage errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from wupian.cli.context import db_path
from wupian.cli.output import console
from wupian.cli.progress import progress
from wupian.core.errors import DataError, UsageError
from wupian.core.issues import Level
from wupian.demo.defaults import DEFAULT_SEED, MONTHS

if TYPE_CHECKING:
    from wupian.demo import DemoResult

STEP_ZH = {"generate": "生成演示数据", "load": "装载月末快照", "events": "装载交易流水", "screening": "装载柜面反诈数据",
           "month_end": "月末处理"}


def _summary(console: Any, result: DemoResult, out: Path) -> None:
    from rich.table import Table as RichTable

    m = result.manifest
    head = RichTable(title="五篇示范银行 演示数据", show_header=False)
    head.add_row("机构数", f"{m.branches}")
    head.add_row("客户数（最后月末）", f"{m.customers:,}")
    head.add_row("交易流水账户", f"{m.event_accounts:,}")
    if m.screening_requests:
        head.add_row("柜面反诈筛查申请", f"{m.screening_requests:,}（开案 {result.screening_cases:,} 件）")
    head.add_row("拒收行数（隔离）", f"{result.rejected:,}（其中预埋错误 {len(m.planted)} 行）")
    console.print(head)
    per_month = RichTable(title="各月末贷款借据")
    per_month.add_column("月末")
    per_month.add_column("文件行数", justify="right")
    per_month.add_column("已装载", justify="right")
    per_month.add_column("拒收", justify="right")
    for (as_of, report), rows in zip(result.snapshot_reports, m.loans, strict=True):
        per_month.add_row(as_of.isoformat(), f"{rows:,}", f"{report.loaded.get('loans', 0):,}",
                          f"{report.rejected.get('loans', 0):,}")
    console.print(per_month)
    if result.month_end is not None:
        _headline(console, result, out)
    console.print(f"数据目录：{out}", soft_wrap=True, markup=False, highlight=False)
    console.print(f"仓库文件：{result.db_path}", soft_wrap=True, markup=False, highlight=False)


HEADLINE = (
    ("all_loans", "各项贷款"), ("five_union", "五篇大文章贷款（去重）"), ("tech", "科技贷款"), ("green", "绿色贷款"),
    ("inclusive_micro", "普惠小微贷款"), ("pension", "养老产业贷款"), ("digital", "数字经济产业贷款"),
)


def _headline(console: Any, result: DemoResult, out: Path) -> None:
    from rich.table import Table as RichTable

    from wupian.reports import numbers

    me = result.month_end
    assert me is not None
    top = me.indicators.rows[0].branch_id if me.indicators.rows else None
    table = RichTable(title=f"月末指标（{me.as_of.isoformat()}，全行）")
    for col in ("类别", "余额", "较年初", "贷款户数"):
        table.add_column(col, justify="left" if col == "类别" else "right")
    for scope, label in HEADLINE:
        bal = me.indicators.value(top, f"{scope}.balance") if top else None
        ytd = me.indicators.value(top, f"{scope}.ytd_change") if top else None
        cust = me.indicators.value(top, f"{scope}.customers") if top else None
        table.add_row(label, numbers.amount(bal) if bal is not None else "—",
                      numbers.delta(ytd) if ytd is not None else "—",
                      numbers.count(cust) if cust is not None else "—")
    console.print(table)
    errors = sum(1 for i in me.issues if i.level == Level.ERROR)
    console.print(f"报表与简报：{out / 'reports'}（{len(me.files)} 个文件，对账错误 {errors} 项）",
                  soft_wrap=True, markup=False, highlight=False)


def _demo_users(console: Any, db: str) -> None:
    """Create the web app's demo users and print their passwords (generated now, shown only this once)."""
    try:
        from wupian.demo.users import create_demo_users
    except ImportError:  # the web extra is not installed
        console.print("（未安装 web 组件，未创建演示用户：pip install 'wupian[web]'）")
        return
    from rich.table import Table as RichTable

    users = create_demo_users(db)
    table = RichTable(title="网页演示用户（密码仅显示这一次；wupian serve 后登录）")
    for col in ("用户名", "角色", "机构", "密码"):
        table.add_column(col)
    for u in users:
        table.add_row(u.username, ",".join(u.roles), f"{u.branch_id} {u.branch_name}", u.password)
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add ``demo`` to the root app."""

    @app.command("demo")
    def demo(
        out: Annotated[Path, typer.Option("--out", help="Folder for the generated files.")] = Path("wupian-demo"),
        seed: Annotated[int, typer.Option("--seed", help="Random seed; the same seed gives the same bytes.")] = (
            DEFAULT_SEED),
        scale: Annotated[float, typer.Option("--scale", help="Size factor: 1.0 ≈ 50,000 customers, "
                                             "150,000 loans per month-end; 0.01 for a quick try.")] = 1.0,
        months: Annotated[int, typer.Option("--months", help="Write and load only the last N month-ends "
                                            "(the bank is the same).", min=1, max=MONTHS)] = MONTHS,
    ) -> None:
        """Generate the synthetic demo bank (13 month-ends to 2026-03-31) and load it into the warehouse."""
        if not 0 < scale <= 10:
            raise UsageError(f"--scale must be in (0, 10], got {scale}")
        if out.exists() and not out.is_dir():
            raise UsageError(f"--out {out} exists and is not a folder")
        from wupian.demo import PLANTED, run_demo

        target = db_path()
        with progress(transient=False, labels=STEP_ZH) as bar:
            result = run_demo(target, out, seed=seed, scale=scale, progress=bar.steps, months=months)
        _summary(console(), result, out)
        _demo_users(console(), target)
        if result.rejected > len(PLANTED):
            issues = [i for _, r in result.snapshot_reports for i in r.issues]
            raise DataError(f"{result.rejected - len(PLANTED)} unexpected row(s) rejected while loading the demo",
                            issues)

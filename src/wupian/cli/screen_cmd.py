"""``wupian screen``: the teller card of one request, the batch over loaded requests, the backtest.

    wupian screen REQUEST.json | -              Chinese teller card (band, action, reasons with evidence)
    wupian screen REQUEST.json --format json   the decision as JSON
    wupian screen --all [--from D] [--to D] [--format csv|json] [--out FILE]
    wupian screen --backtest [--from D] [--to D] [--format table|json]

An alert (medium or above) of a single request opens or joins the case of its customer and day unless
``--no-case`` is given.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from wupian.cli.context import db_path
from wupian.core.errors import UsageError
from wupian.core.tabular import csv_text

if TYPE_CHECKING:

    from wupian.engine.warehouse import Warehouse
    from wupian.monitor.screening.model import Decision

BAND_STYLE = {"low": "green", "medium": "yellow", "high": "bold red", "block": "bold white on red"}
TYPE_ZH = {"cash_withdrawal": "取现", "transfer_out": "转账", "remittance": "汇款", "early_redemption": "提前支取",
           "gold_purchase": "购买实物黄金", "limit_raise": "提高限额", "other": "其他"}


def register(app: typer.Typer) -> None:
    """Add ``screen`` to the root app."""
    app.command("screen", help="Counter anti-fraud screening: teller card, batch over loaded requests, backtest.")(
        screen
    )


def open_warehouse(*, write: bool) -> Warehouse:
    from wupian.cli import context
    from wupian.engine.warehouse import Warehouse, default_db_path

    if context.current().engine == "spark":
        return context.open_warehouse(read_only=not write)

    path = db_path() or default_db_path()
    if path != ":memory:" and not Path(path).exists():
        raise UsageError(f"warehouse {path} does not exist (run `wupian demo` or `wupian load` first)")
    return Warehouse(path, read_only=not write and path != ":memory:")


def context_engine() -> str:
    from wupian.cli import context

    return context.current().engine


def parse_day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"{option} must be YYYY-MM-DD, got {text!r}") from exc


def _read_request(source: str) -> dict[str, Any]:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {source}: {exc.strerror or exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{source}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
    if not isinstance(data, dict):
        raise UsageError(f"{source}: expected one JSON object with the request's fields")
    return data


def teller_card(d: Decision, case_id: str | None) -> list[str]:
    """The Chinese card a teller reads: band, what to do, each reason with its evidence."""
    from wupian.monitor.screening.explain import fmt
    from wupian.monitor.screening.model import BAND_ZH

    lines = [
        f"申请 {d.request_id}　{TYPE_ZH.get(d.request_type, d.request_type)} {fmt(d.amount, 'wan')}万元　"
        f"客户 {d.customer_id}　账号 {d.account_id}",
        f"风险等级：[{BAND_STYLE[d.band]}]{BAND_ZH[d.band]}（{d.band}）[/]　评分 {d.score}"
        + (f"　疑似类型：{d.typology_zh}" if d.typology_zh else ""),
        f"处置：[bold]{d.action}[/bold]",
    ]
    if d.band == "low":
        lines.append("未发现需要核实的风险迹象。")
    else:
        lines.append("理由：")
        for i, r in enumerate(d.reasons, 1):
            sign = f"+{r.points}" if r.points > 0 else str(r.points)
            lines.append(f"  {i}. {r.text}（{r.label}，{sign}分）")
    for c in d.context:
        lines.append(f"提示：{c}")
    if case_id:
        lines.append(f"案件：{case_id}（wupian cases show {case_id}）")
    lines.append(f"[dim]规则版本 {d.rulebook_version}[/dim]")
    return lines


def _csv(decisions: list[Decision]) -> str:
    from wupian.monitor.screening import screen_table

    table = screen_table(decisions)  # amounts DECIMAL(38,2): written "50000.00"; ids from the bank formula-guarded
    return csv_text(table.to_pylist(), table.column_names)


def _write(text: str, out: Path | None, n: int) -> None:
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {n} rows to {out}", err=True)


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def _backtest(wh: Warehouse, day_from: date | None, day_to: date | None, fmt_: str) -> None:
    from rich.console import Console
    from rich.table import Table

    from wupian.monitor.screening import backtest

    bt = backtest(wh, date_from=day_from, date_to=day_to)
    if fmt_ == "json":
        payload = {"rulebook_version": bt.rulebook_version, "overall": bt.overall, "rules": list(bt.rules),
                   "typologies": list(bt.typologies), "branches": list(bt.branches), "curve": list(bt.curve)}
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=1, default=str))
        return
    con = Console()
    o = bt.overall
    con.print(f"[bold]回测[/bold]（规则版本 {bt.rulebook_version}）：筛查{o['screened']}笔，标注为诈骗{o['positives']}笔；"
              f"预警（中及以上）{o['alerts']}笔，预警率{_pct(bt.alert_rate)}，召回{_pct(bt.recall)}，"
              f"精确率{_pct(bt.precision)}；高风险{o['high_alerts']}笔（{_pct(bt.high_rate)}）。")
    t = Table(title="按规则")
    for h in ("规则", "命中", "命中诈骗", "精确率", "召回", "提升度"):
        t.add_column(h)
    for r in bt.rules:
        t.add_row(r["rule_id"], str(r["hits"]), str(r["tp"]), _pct(r["precision"]), _pct(r["recall"]),
                  "—" if r["lift"] is None else f"{r['lift']:.1f}")
    con.print(t)
    t = Table(title="按类型（召回）")
    for h in ("类型", "标注笔数", "预警", "高风险", "召回"):
        t.add_column(h)
    for r in bt.typologies:
        t.add_row(str(r["typology"]), str(r["positives"]), str(r["alerted"]), str(r["high"]), _pct(r["recall"]))
    con.print(t)
    t = Table(title="按机构")
    for h in ("机构", "筛查", "预警", "预警率", "标注诈骗", "召回"):
        t.add_column(h)
    for r in bt.branches:
        t.add_row(r["branch_id"], str(r["screened"]), str(r["alerts"]), _pct(r["alert_rate"]), str(r["positives"]),
                  _pct(r["recall"]))
    con.print(t)
    t = Table(title="召回—预警率（按评分阈值）")
    for h in ("评分≥", "预警", "预警率", "召回", "精确率"):
        t.add_column(h)
    for r in bt.curve:
        t.add_row(str(r["threshold"]), str(r["alerts"]), _pct(r["alert_rate"]), _pct(r["recall"]),
                  _pct(r["precision"]))
    con.print(t)


def screen(
    request: Annotated[str | None, typer.Argument(help="REQUEST.json, or - for standard input.")] = None,
    all_requests: Annotated[bool, typer.Option("--all", help="Screen every loaded request.")] = False,
    run_backtest: Annotated[bool, typer.Option("--backtest", help="Backtest against fraud_labels.")] = False,
    day_from: Annotated[str | None, typer.Option("--from", help="First request day YYYY-MM-DD.")] = None,
    day_to: Annotated[str | None, typer.Option("--to", help="Last request day YYYY-MM-DD.")] = None,
    fmt_: Annotated[str, typer.Option("--format", help="card|json (one request), csv|json (--all), "
                                                       "table|json (--backtest).")] = "",
    out: Annotated[Path | None, typer.Option("--out", help="Write csv/json to this file.")] = None,
    no_case: Annotated[bool, typer.Option("--no-case", help="Do not open or join a case for an alert.")] = False,
    ops_db: Annotated[str | None, typer.Option(
        "--ops-db", envvar="WUPIAN_OPS_DB", help="Keep cases in this operational database (default: the web app's "
        "beside the warehouse if it exists, else the warehouse).")] = None,
) -> None:
    """Screen a counter request before the money leaves: band, action and reasons in Chinese."""
    from rich.console import Console

    from wupian.cli.case_store import case_store, ops_dsn_for
    from wupian.engine.warehouse import default_db_path
    from wupian.monitor.screening import open_or_join, screen_all, screen_request

    if sum([request is not None, all_requests, run_backtest]) != 1:
        raise UsageError("give exactly one of REQUEST.json (or -), --all or --backtest")
    d_from, d_to = parse_day(day_from, "--from"), parse_day(day_to, "--to")
    if not all_requests and context_engine() == "spark":
        raise UsageError("on --engine spark only the batch `wupian screen --all` runs; one teller request and "
                         "--backtest run on --engine duckdb (the teller path is a prepared DuckDB statement; "
                         "docs/spark.md)")
    if request is not None:
        fmt_ = fmt_ or "card"
        if fmt_ not in ("card", "json"):
            raise UsageError(f"--format for one request is card or json, got {fmt_!r}")
        raw = _read_request(request)
        path = db_path() or default_db_path()
        in_warehouse = ops_dsn_for(path, ops_db) is None
        with open_warehouse(write=not no_case and in_warehouse) as wh, case_store(wh, path, ops_db) as cases:
            decision = screen_request(wh, raw, cases=cases)
            case = None if no_case else open_or_join(cases, decision)
        if fmt_ == "json":
            payload = decision.as_json() | {"case_id": case.case_id if case else None}
            typer.echo(json.dumps(payload, ensure_ascii=False, indent=1))
        else:
            con = Console(soft_wrap=True)
            con.rule("柜面反诈筛查")
            for line in teller_card(decision, case.case_id if case else None):
                con.print(line)
        return
    with open_warehouse(write=False) as wh, case_store(wh, db_path() or default_db_path(), ops_db) as cases:
        if run_backtest:
            fmt_ = fmt_ or "table"
            if fmt_ not in ("table", "json"):
                raise UsageError(f"--format for --backtest is table or json, got {fmt_!r}")
            _backtest(wh, d_from, d_to, fmt_)
            return
        fmt_ = fmt_ or "csv"
        if fmt_ not in ("csv", "json"):
            raise UsageError(f"--format for --all is csv or json, got {fmt_!r}")
        decisions = screen_all(wh, date_from=d_from, date_to=d_to, cases=cases)
    if fmt_ == "csv":
        _write(_csv(decisions), out, len(decisions))
    else:
        text = json.dumps([d.as_json() for d in decisions], ensure_ascii=False, indent=1) + "\n"
        _write(text, out, len(decisions))

"""``wupian cases list|show|move``: the screening case queue (spec/screening.md, Cases).

    wupian cases list [--state S] [--from D] [--to D] [--format table|csv|json]
    wupian cases show CASE_ID [--format table|json]
    wupian cases move CASE_ID STATE --actor WHO [--note TEXT] [--outcome O] [--amount YUAN] [--second WHO]
                      [--reopen-on D] [--exempt-days N]
    wupian cases reopen-due [--on D]
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from wupian.cli.case_store import case_store, ops_dsn_for
from wupian.cli.context import db_path
from wupian.cli.screen_cmd import open_warehouse, parse_day
from wupian.core.errors import UsageError
from wupian.core.tabular import csv_text
from wupian.monitor.screening import Case, move, reopen_due
from wupian.monitor.screening.model import BAND_ZH, CASE_STATE_ZH, OUTCOME_ZH

app = typer.Typer(help="Screening cases: list, show, move through their states.", no_args_is_help=True)
OpsOpt = Annotated[str | None, typer.Option("--ops-db", envvar="WUPIAN_OPS_DB",
                                            help="Keep cases in this operational database (postgresql://… or a "
                                                 "SQLite file); default: the web app's beside the warehouse if it "
                                                 "exists, else the warehouse.")]


def _db() -> str:
    from wupian.engine.warehouse import default_db_path

    return db_path() or default_db_path()


def register(root: typer.Typer) -> None:
    """Add ``cases`` to the root app."""
    root.add_typer(app, name="cases")


def _case_json(c: Case) -> dict[str, object]:
    return {
        "case_id": c.case_id, "customer_id": c.customer_id, "case_day": c.case_day.isoformat(),
        "branch_id": c.branch_id, "band": c.band, "state": c.state, "outcome": c.outcome,
        "amount": f"{c.amount:.2f}", "request_ids": list(c.request_ids),
        "history": [
            {"seq": e.seq, "at": e.at.isoformat(sep=" "), "actor": e.actor, "from_state": e.from_state,
             "to_state": e.to_state, "note": e.note, "outcome": e.outcome,
             "amount": None if e.amount is None else f"{e.amount:.2f}", "second_actor": e.second_actor,
             "reopen_on": e.reopen_on.isoformat() if e.reopen_on else None, "exempt_days": e.exempt_days}
            for e in c.history
        ],
    }


@app.command("list")
def list_cases(
    state: Annotated[str | None, typer.Option(help="Only cases in this state.")] = None,
    day_from: Annotated[str | None, typer.Option("--from", help="First case day YYYY-MM-DD.")] = None,
    day_to: Annotated[str | None, typer.Option("--to", help="Last case day YYYY-MM-DD.")] = None,
    fmt_: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    ops_db: OpsOpt = None,
) -> None:
    """List cases with their current state."""
    if fmt_ not in ("table", "csv", "json"):
        raise UsageError(f"--format must be table, csv or json, got {fmt_!r}")
    if state is not None and state not in CASE_STATE_ZH:
        raise UsageError(f"unknown state {state!r}; one of {', '.join(CASE_STATE_ZH)}")
    with open_warehouse(write=False) as wh, case_store(wh, _db(), ops_db) as store:
        cases = store.cases(state=state, date_from=parse_day(day_from, "--from"), date_to=parse_day(day_to, "--to"))
    if fmt_ == "json":
        typer.echo(json.dumps([_case_json(c) for c in cases], ensure_ascii=False, indent=1))
        return
    if fmt_ == "csv":
        names = ("case_id", "case_day", "customer_id", "branch_id", "band", "state", "outcome", "amount",
                 "request_ids")
        rows = [dict(zip(names, (c.case_id, c.case_day, c.customer_id, c.branch_id, c.band, c.state,
                                 c.outcome or "", f"{c.amount:.2f}", ";".join(c.request_ids)), strict=True))
                for c in cases]
        typer.echo(csv_text(rows, names), nl=False)  # formula-guarded like every CSV for people
        return
    t = Table(title=f"反诈案件（{len(cases)}件）")
    for h in ("案件", "日期", "客户", "机构", "等级", "状态", "结论", "金额(元)"):
        t.add_column(h, no_wrap=True)
    for c in cases:
        t.add_row(c.case_id, str(c.case_day), c.customer_id, c.branch_id, BAND_ZH.get(c.band, c.band),
                  CASE_STATE_ZH[c.state], OUTCOME_ZH.get(c.outcome or "", ""), f"{c.amount:,.2f}")
    Console().print(t)


@app.command("show")
def show_case(
    case_id: Annotated[str, typer.Argument(help="Case id, e.g. C20260210-K0101.")],
    fmt_: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    ops_db: OpsOpt = None,
) -> None:
    """One case: its alerts with their reasons and its full history."""
    if fmt_ not in ("table", "json"):
        raise UsageError(f"--format must be table or json, got {fmt_!r}")
    with open_warehouse(write=False) as wh, case_store(wh, _db(), ops_db) as store:
        found = store.cases(case_id=case_id)
        if not found:
            raise UsageError(f"no case {case_id!r} (see `wupian cases list`)")
        decisions = store.decisions(case_id)
    c = found[0]
    if fmt_ == "json":
        typer.echo(json.dumps(_case_json(c) | {"decisions": decisions}, ensure_ascii=False, indent=1))
        return
    con = Console()
    con.print(f"[bold]案件 {c.case_id}[/bold]　客户 {c.customer_id}　{c.case_day}　机构 {c.branch_id}　"
              f"等级 {BAND_ZH.get(c.band, c.band)}　状态 {CASE_STATE_ZH[c.state]}"
              + (f"　结论 {OUTCOME_ZH[c.outcome]}" if c.outcome else ""))
    for d in decisions:
        con.print(f"预警 {d['request_id']}（{d['band_zh']}，{d['score']}分，{d['amount']}元）：{d['action']}")
        for r in d["reasons"]:
            con.print(f"  · {r['text']}")
    t = Table(title="处理记录（不可修改）")
    for h in ("#", "时间", "经办", "从", "到", "结论", "金额", "复核人", "说明"):
        t.add_column(h)
    for e in c.history:
        t.add_row(str(e.seq), str(e.at), e.actor, CASE_STATE_ZH.get(e.from_state or "", ""),
                  CASE_STATE_ZH[e.to_state], OUTCOME_ZH.get(e.outcome or "", ""),
                  "" if e.amount is None else f"{e.amount:,.2f}", e.second_actor or "",
                  e.note + (f"（{e.reopen_on}再来）" if e.reopen_on else "")
                  + (f"（豁免{e.exempt_days}天）" if e.exempt_days else ""))
    con.print(t)


@app.command("move")
def move_case(
    case_id: Annotated[str, typer.Argument(help="Case id.")],
    state: Annotated[str, typer.Argument(help="verifying, police_contacted, dissuading, suspended, closed, open.")],
    actor: Annotated[str, typer.Option("--actor", help="Who records the transition (teller/supervisor id).")],
    note: Annotated[str, typer.Option("--note", help="What happened; required when closing.")] = "",
    outcome: Annotated[str | None, typer.Option(help="prevented, not_fraud, proceeded, lost, mule_referred.")] = None,
    amount: Annotated[str | None, typer.Option(help="Prevented or lost amount, yuan.")] = None,
    second: Annotated[str | None, typer.Option("--second", help="Second person (closing a high case).")] = None,
    reopen_on: Annotated[str | None, typer.Option("--reopen-on", help="Suspended until YYYY-MM-DD.")] = None,
    exempt_days: Annotated[int | None, typer.Option("--exempt-days",
                                                    help="not_fraud: exempt the customer from history rules.")] = None,
    ops_db: OpsOpt = None,
) -> None:
    """Record one transition of a case (appended to its history, never edited)."""
    value = None
    if amount is not None:
        try:
            value = Decimal(amount.replace(",", ""))
        except InvalidOperation as exc:
            raise UsageError(f"--amount must be yuan, got {amount!r}") from exc
    with open_warehouse(write=ops_dsn_for(_db(), ops_db) is None) as wh, case_store(wh, _db(), ops_db) as store:
        c = move(store, case_id, state, actor=actor, note=note, outcome=outcome, amount=value,
                 second_actor=second, reopen_on=parse_day(reopen_on, "--reopen-on"), exempt_days=exempt_days)
    typer.echo(f"{c.case_id}: {CASE_STATE_ZH[c.history[-2].to_state] if len(c.history) > 1 else ''} → "
               f"{CASE_STATE_ZH[c.state]}" + (f"（{OUTCOME_ZH[c.outcome]}）" if c.outcome else ""))


@app.command("reopen-due")
def reopen_due_cases(
    on: Annotated[str | None, typer.Option("--on", help="Reopen what is due on this day YYYY-MM-DD (default today).")]
    = None,
    ops_db: OpsOpt = None,
) -> None:
    """Reopen the suspended cases whose return day (--reopen-on when suspended) has come."""
    day = parse_day(on, "--on") or date.today()
    with open_warehouse(write=ops_dsn_for(_db(), ops_db) is None) as wh, case_store(wh, _db(), ops_db) as store:
        reopened = reopen_due(store, on=day)
    typer.echo(f"{day}：重新打开暂缓案件{len(reopened)}件" + "".join(f"\n  {c.case_id}" for c in reopened))

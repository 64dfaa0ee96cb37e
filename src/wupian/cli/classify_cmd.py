"""``wupian classify`` and ``wupian size``: tag loans with the five priorities, explain a loan, list review
candidates, and list enterprise-size disagreements. Thin: parse → ``wupian.rules`` → render → exit code.

Machine output (``--format csv|json``) has exactly the columns ``loan_id, tag, amount, rule_ids, explanation``.
Exit codes: 0 clean (warnings allowed), 1 an ERROR issue, 2 usage or environment error.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from wupian.cli.context import open_warehouse
from wupian.cli.output import Format, console, emit, emit_text, to_json
from wupian.cli.progress import progress
from wupian.core.dates import parse_date
from wupian.core.errors import DataError
from wupian.core.issues import Issue, Level
from wupian.core.profiles import PROFILES

if TYPE_CHECKING:
    from datetime import date

    import pyarrow as pa

    from wupian.engine.warehouse import Warehouse

COLUMNS = ("loan_id", "tag", "amount", "rule_ids", "explanation")


Profile = StrEnum("Profile", {p: p for p in PROFILES})  # type: ignore[misc]


class SizeBasis(StrEnum):
    declared_first = "declared_first"
    derived_first = "derived_first"


def _write(table: pa.Table, fmt: Format, out: Path | None, title: str) -> None:
    emit(table, fmt, title=title, out=out, columns=table.column_names, width=200)


def _print_issues(issues: tuple[Issue, ...] | list[Issue], limit: int = 50) -> None:
    for issue in list(issues)[:limit]:
        typer.echo(str(issue), err=True)
    if len(issues) > limit:
        typer.echo(f"… {len(issues) - limit} more issues", err=True)


def _explain(wh: Warehouse, as_of: date, loan_id: str, profile: str, show_not: bool, fmt: Format) -> None:
    from wupian.rules import explain_loan

    e = explain_loan(wh, as_of, loan_id, profile)
    if fmt is Format.json:
        payload = {
            "loan_id": e.loan_id, "as_of": e.as_of, "profile": e.profile, "rulebook_version": e.rulebook_version,
            "tags": [{"tag": t.tag, "label": t.label, "amount": t.amount, "rules": [
                {"rule_id": h.rule_id, "label": h.label, "text": h.text,
                 "citations": [{"id": c.id, "document": c.document, "clause": c.clause, "quote": c.quote,
                                "status": c.status} for c in h.citations]} for h in t.rules]} for t in e.tags],
            "not_in": [{"tag": n.tag, "label": n.label, "reasons": list(n.reasons)} for n in e.not_in]
            if show_not else [],
        }
        emit_text(to_json(payload) + "\n", None)
        return
    con = console(width=160)
    con.print(f"[bold]借据 {e.loan_id}[/]  报告日 {e.as_of}  口径 {e.profile}  规则版本 {e.rulebook_version}")
    if not e.tags:
        con.print("不属于任何五篇大文章类别。")
    for t in e.tags:
        con.print(f"\n[bold green]✓ {t.label}[/] ({t.tag})  计入金额 {t.amount} 元")
        for h in t.rules:
            con.print(f"  • [{h.rule_id}] {h.text}")
            for c in h.citations:
                mark = "已核对原文" if c.status == "verified" else "未核对原文"
                con.print(f"      依据：{c.document} {c.clause}（{mark}）：“{c.quote}”")
    if show_not:
        for n in e.not_in:
            con.print(f"\n[bold red]✗ {n.label}[/] ({n.tag})")
            for r in n.reasons:
                con.print(f"  • {r}")


def classify(
    as_of: Annotated[str, typer.Option("--as-of", help="Snapshot date YYYY-MM-DD.")],
    profile: Annotated[Profile, typer.Option("--profile", help="Which regulator's definitions.")] = Profile.pboc_2025,
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
    out: Annotated[Path | None, typer.Option("--out", help="Write the output to this file.")] = None,
    explain: Annotated[str | None, typer.Option("--explain", metavar="LOAN_ID",
                                                help="Explain one loan's tags with rules and quoted clauses.")] = None,
    show_not: Annotated[bool, typer.Option("--not", help="With --explain: also say why it is NOT in a category.")]
    = False,
    review: Annotated[bool, typer.Option("--review", help="List 可能漏标 / 代码与投向不符 candidates.")] = False,
    size_basis: Annotated[SizeBasis, typer.Option("--size-basis", help="Declared size first, or derived first.")]
    = SizeBasis.declared_first,
) -> None:
    """Classify every loan of a snapshot into the five priorities (科技/绿色/普惠/养老/数字) and store the tags."""
    from wupian.rules import classify_snapshot, loan_tags, review_worklist

    day = parse_date(as_of)
    if explain:  # evaluated on the current inputs with the classification's own SQL: reads only, stores nothing
        with open_warehouse(read_only=True) as wh:
            _explain(wh, day, explain, profile.value, show_not, fmt)
        return
    with open_warehouse() as wh:
        if review:
            _write(review_worklist(wh, day, profile.value), fmt, out, f"待核查清单 {day}")
            return
        with progress("分类", bar=False) as report_progress:
            report = classify_snapshot(wh, day, profile.value, size_basis=size_basis.value,
                                       progress=report_progress)
        _write(loan_tags(wh, day, profile.value).select(list(COLUMNS)), fmt, out, f"五篇大文章分类 {day} {profile}")
        summary = "；".join(f"{c.label} {c.loans}笔 {c.amount}元" for c in report.counts)
        typer.echo(f"{day} {profile}: {report.loans} 笔贷款；{summary or '无命中'}", err=True)
        _print_issues(report.issues)
        if any(i.level >= Level.ERROR for i in report.issues):
            raise DataError("classification found ERROR issues", [i for i in report.issues if i.level >= Level.ERROR])


def size(
    as_of: Annotated[str, typer.Option("--as-of", help="Snapshot date YYYY-MM-DD.")],
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
    out: Annotated[Path | None, typer.Option("--out", help="Write the output to this file.")] = None,
) -> None:
    """List customers whose declared size differs from the size per 工信部联企业〔2011〕300号."""
    import pyarrow as pa

    from wupian.rules import size_report

    day = parse_date(as_of)
    with open_warehouse() as wh:
        issues = size_report(wh, day)
    rows = pa.table({
        "customer_id": [i.source.key.split("=", 1)[1] if i.source.key else "" for i in issues],
        "code": [i.code for i in issues],
        "message": [i.message for i in issues],
    })
    _write(rows, fmt, out, f"企业规模不一致 {day}")
    typer.echo(f"{day}: {len(issues)} 户申报规模与测算规模不一致", err=True)


def register(app: typer.Typer) -> None:
    """Add ``classify`` and ``size`` to the root app."""
    app.command("classify")(classify)
    app.command("size")(size)

"""Loan indicators (``<scope>.<measure>``) for every node: the plan from the definitions, the engine calls,
and the exact-decimal derivation of ratios, changes, growth rates and gaps from the summed columns.

Ratios are recomputed at each node from that node's own sums (never averaged over children). A change or
growth needs the prior snapshot (previous 31 December, or the same month-end a year earlier) of both the
loans and — for classified scopes — ``loan_tags``; without it the value is None with a zh reason.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, localcontext
from typing import Any

from wupian.engine.metrics import Aggregate, has_rows, loan_aggregates, prior_balances
from wupian.engine.warehouse import Warehouse
from wupian.metrics.result import IndicatorValue
from wupian.metrics.schema import UNIT_PLACES, Definitions, LoanMeasure

HUNDRED = Decimal(100)
ZERO = Decimal(0)


def year_end_before(as_of: date) -> date:
    return date(as_of.year - 1, 12, 31)


def same_month_last_year(as_of: date) -> date:
    year, month = as_of.year - 1, as_of.month
    return date(year, month, calendar.monthrange(year, month)[1])


def quantize(value: Decimal, unit: str) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-UNIT_PLACES[unit]))


def aggregates_for(measures: Sequence[LoanMeasure]) -> list[Aggregate]:
    """The engine aggregates behind the base measures (sum / distinct / weighted) of the definitions."""
    out = []
    for m in measures:
        if m.kind == "sum":
            out.append(Aggregate(m.id, "sum", m.value, m.where))
        elif m.kind == "distinct_customers":
            out.append(Aggregate(m.id, "distinct", None, m.where))
        elif m.kind == "weighted_avg":
            out.append(Aggregate(m.id, "weighted", m.value, m.where))
    return out


def _index(table: Any) -> dict[tuple[str, str], dict[str, Any]]:
    cols = table.column_names
    data = {c: table.column(c).to_pylist() for c in cols}
    return {
        (data["branch_id"][i], data["scope"][i]): {c: data[c][i] for c in cols}
        for i in range(table.num_rows)
    }


def _prior_state(wh: Warehouse, prior: date, profile: str, scopes: Sequence[str]) -> dict[str, str | None]:
    """scope → None when the prior snapshot is usable, else the zh reason why not."""
    loans_ok = has_rows(wh, "loans", prior)
    tags_ok = has_rows(wh, "loan_tags", prior, profile)
    out: dict[str, str | None] = {}
    for s in scopes:
        if not loans_ok:
            out[s] = f"缺少{prior.isoformat()}的贷款快照，无法与该日比较"
        elif s != "all_loans" and not tags_ok:
            out[s] = f"缺少{prior.isoformat()}的分类结果（{profile}），无法与该日比较"
        else:
            out[s] = None
    return out


def compute_loan_values(
    wh: Warehouse,
    as_of: date,
    *,
    defs: Definitions,
    profile: str,
    scopes: Sequence[str],
    nodes: Sequence[str],
    subtree: str | None,
) -> list[IndicatorValue]:
    """Every ``<scope>.<measure>`` of the definitions for every node in ``nodes``."""
    measures = defs.measures
    nfra = profile.startswith("nfra")
    tags_missing = not has_rows(wh, "loan_tags", as_of, profile)
    cur = _index(loan_aggregates(
        wh, as_of, profile=profile, scopes=scopes, aggregates=aggregates_for(measures), subtree=subtree,
        nfra_flow=nfra,
    ))
    priors: dict[str, tuple[dict[tuple[str, str], dict[str, Any]], dict[str, str | None]]] = {}
    wanted = (("year_end", year_end_before(as_of)), ("year_ago", same_month_last_year(as_of)))
    states = {name: _prior_state(wh, day, profile, scopes) for name, day in wanted}
    table = prior_balances(
        wh, [(day, [s for s in scopes if states[name][s] is None]) for name, day in wanted],
        profile=profile, closure_as_of=as_of, subtree=subtree,
    ).to_pylist()
    for name, day in wanted:
        mine = {(r["branch_id"], r["scope"]): r for r in table if r["snap"] == day}
        priors[name] = (mine, states[name])

    out: list[IndicatorValue] = []
    with localcontext() as ctx:
        ctx.prec = 60
        raw: dict[tuple[str, str, str], Decimal | None] = {}
        for node in nodes:
            for scope in ("all_loans", *[s for s in scopes if s != "all_loans"]):
                if scope not in scopes:
                    continue
                row = cur.get((node, scope), {})
                for m in measures:
                    value, reason = _derive(m, row, scope, node, raw, priors, tags_missing and scope != "all_loans",
                                            profile)
                    raw[(node, scope, m.id)] = value
                    out.append(IndicatorValue(
                        as_of, node, f"{scope}.{m.id}",
                        None if value is None else quantize(value, m.unit), m.unit, reason,
                    ))
    return out


def _derive(
    m: LoanMeasure,
    row: dict[str, Any],
    scope: str,
    node: str,
    raw: dict[tuple[str, str, str], Decimal | None],
    priors: dict[str, tuple[dict[tuple[str, str], dict[str, Any]], dict[str, str | None]]],
    tags_missing: bool,
    profile: str,
) -> tuple[Decimal | None, str | None]:
    if tags_missing:
        return None, f"缺少本期分类结果（loan_tags，{profile}），请先运行分类"
    if m.kind == "sum":
        return Decimal(row.get(m.id) or 0), None
    if m.kind == "distinct_customers":
        return Decimal(row.get(m.id) or 0), None
    if m.kind == "weighted_avg":
        den = Decimal(row.get(f"{m.id}__den") or 0)
        if den == 0:
            return None, "权重金额为零，无加权平均利率"
        return Decimal(row.get(f"{m.id}__num") or 0) / den, None
    if m.kind == "ratio":
        num = raw.get((node, scope, m.numerator or ""))
        den = raw.get((node, scope, m.denominator or ""))
        if num is None or den is None:
            return None, "分子或分母不可用"
        if den == 0:
            return None, "分母为零"
        return num * HUNDRED / den, None
    if m.kind in ("change", "growth"):
        table, state = priors[m.prior or "year_end"]
        if state.get(scope):
            return None, state[scope]
        current = raw.get((node, scope, m.measure or "balance"))
        if current is None:
            return None, "本期数值不可用"
        before = Decimal((table.get((node, scope)) or {}).get("balance") or 0)
        if m.kind == "change":
            return current - before, None
        if before == 0:
            return None, "比较期余额为零，增速无意义"
        return (current - before) * HUNDRED / before, None
    if m.kind == "gap":
        if scope == "all_loans":
            return None, "各项贷款自身不计算增速差"
        mine = raw.get((node, scope, m.measure or ""))
        base = raw.get((node, "all_loans", m.measure or ""))
        if mine is None or base is None:
            return None, "类别或各项贷款增速不可用"
        return mine - base, None
    raise ValueError(f"unknown measure kind {m.kind!r}")

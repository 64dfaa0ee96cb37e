"""The demo bank's figures and the rows behind them, for the model-based property tests of the indicators
(``tests/property/test_bank_figures_props.py``, ``test_bank_other_figures_props.py``): four month-ends of the demo
bank (scale 0.01) loaded once, every loan/account/activity/coverage figure of both profiles computed once, and a
plain-Python model of the loan measures read from the stored rows (``loans``, ``loan_tags``, ``branches``)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path
from typing import Any

from support.lineage_bank import demo_folders
from wupian.api import branch_tree, compute_indicators, ensure_fresh, load_snapshot, loan_tags, open_warehouse

DATES = (date(2025, 12, 31), date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31))
YEAR_END = DATES[0]
PROFILES = ("pboc_2025", "nfra_1104_2025")
SCOPES = ("all_loans", "tech", "tech_enterprise", "tech_industry", "green", "inclusive", "inclusive_micro", "pension",
          "digital", "digital_core", "five_union")
NPL = {"substandard", "doubtful", "loss"}
OUT_OF_SCOPE_STATUS = {"written_off", "transferred"}
ZERO = Decimal(0)


@dataclass(frozen=True)
class Loan:
    loan_id: str
    customer_id: str
    branch_id: str
    business_type: str | None
    status: str | None
    is_entrusted: bool | None
    is_restructured: bool | None
    is_first_loan: bool | None
    drawdown_date: date
    drawdown_amount: Decimal
    maturity_date: date
    balance: Decimal
    interest_rate: Decimal
    five_class: str
    guarantee_type: str | None


@dataclass(frozen=True)
class Row:
    """One (scope, loan) row of the model: the amount counted and the year-to-date flow."""
    loan: Loan
    amount: Decimal
    in_ytd: bool
    flow: Decimal


@dataclass
class Bank:
    figures: dict[tuple[date, str], dict[tuple[str, str], Any]]  # (as_of, profile) -> (branch, id) -> IndicatorValue
    scoped: dict[tuple[date, str, str], list[Row]]  # (as_of, profile, scope) -> rows
    subtree: dict[date, dict[str, frozenset[str]]]
    children: dict[date, dict[str, list[str]]]
    accounts: dict[date, list[tuple[str, str, date, date | None]]]  # (type, branch, opened, closed) per snapshot
    db: str = ""
    activities: dict[date, list[dict[str, Any]]] = field(default_factory=dict)
    targets: dict[date, list[dict[str, Any]]] = field(default_factory=dict)
    registries: dict[date, list[dict[str, Any]]] = field(default_factory=dict)


def plus_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def in_scope(ln: Loan) -> bool:
    return (ln.business_type != "bill_rediscount" and not ln.is_entrusted
            and (ln.status or "") not in OUT_OF_SCOPE_STATUS)


def own_lending(ln: Loan) -> bool:
    return ln.business_type != "bill_rediscount" and not ln.is_entrusted


def with_first_loans(loans: dict[str, Loan], history: list[Loan], first_credit: dict[str, date | None]) -> dict[str, Loan]:
    """The loans with ``is_first_loan`` as the 首贷户 rule reads it (domain-rules 5.6, the data contract: the bank's
    flag when it supplies one for the customer, else the earliest own-lending drawdown over the loaded history,
    unless the customer's first credit date is earlier)."""
    mine: dict[str, list[Loan]] = {}
    for ln in history:
        if own_lending(ln):
            mine.setdefault(ln.customer_id, []).append(ln)
    first: dict[str, str | None] = {}
    flagged = {c for c, lns in mine.items() if any(ln.is_first_loan is not None for ln in lns)}
    for c, lns in mine.items():
        earliest = min(lns, key=lambda ln: (ln.drawdown_date, ln.loan_id))
        before = first_credit.get(c)
        first[c] = None if before is not None and before < earliest.drawdown_date else earliest.loan_id
    return {k: replace(ln, is_first_loan=bool(ln.is_first_loan) if ln.customer_id in flagged
                       else ln.loan_id == first.get(ln.customer_id)) for k, ln in loans.items()}


def scoped_rows(loans: dict[str, Loan], tags: list[dict[str, Any]], as_of: date, profile: str, scope: str) -> list[Row]:
    start = date(as_of.year, 1, 1)

    def in_ytd(ln: Loan) -> bool:
        drawn = start <= ln.drawdown_date <= as_of
        return drawn and not (profile.startswith("nfra") and ln.is_restructured)

    if scope == "all_loans":
        return [Row(ln, ln.balance, in_ytd(ln), ln.drawdown_amount if in_ytd(ln) else ZERO)
                for ln in loans.values() if in_scope(ln)]
    out = []
    for t in tags:
        if t["tag"] != scope:
            continue
        ln = loans[t["loan_id"]]
        amount = t["amount"]
        flow = ln.drawdown_amount
        if ln.balance > 0 and amount < ln.balance:  # a partial tag (green/pension share): the flow pro rata, to cents
            with localcontext() as ctx:
                ctx.prec = 60
                flow = (ln.drawdown_amount * amount / ln.balance).quantize(Decimal("0.01"), ROUND_HALF_UP)
        out.append(Row(ln, amount, in_ytd(ln), flow if in_ytd(ln) else ZERO))
    return out


def tree(wh: Any, as_of: date) -> tuple[dict[str, frozenset[str]], dict[str, list[str]]]:
    parent = {str(n["branch_id"]): n["parent_id"] for n in branch_tree(wh, as_of)}
    children: dict[str, list[str]] = {b: [] for b in parent}
    for b, p in parent.items():
        if p is not None:
            children[str(p)].append(b)

    def down(b: str) -> frozenset[str]:
        return frozenset({b}).union(*(down(c) for c in children[b]))

    return {b: down(b) for b in parent}, children


def build_figures(root: Path) -> Bank:
    """Generate, load and compute everything once (≈ 15 s)."""
    folders = demo_folders(root / "demo")
    out = Bank({}, {}, {}, {}, {}, str(root / "w.duckdb"))
    with open_warehouse(out.db) as wh:
        for day in DATES:
            load_snapshot(wh, day, folders[day])
        history: list[Loan] = []
        for day in DATES:
            ensure_fresh(wh, day)
            loans = {r["loan_id"]: Loan(**r) for r in wh.rows(
                f"SELECT {', '.join(Loan.__dataclass_fields__)} FROM loans WHERE as_of = ?", [day])}
            history += loans.values()
            first_credit = {r["customer_id"]: r["first_credit_date"] for r in wh.rows(
                "SELECT customer_id, first_credit_date FROM customers WHERE as_of = ?", [day])}
            loans = with_first_loans(loans, history, first_credit)
            out.subtree[day], out.children[day] = tree(wh, day)
            managed = {r["customer_id"]: r["branch_id"] for r in wh.rows(
                "SELECT customer_id, branch_id FROM customers WHERE as_of = ?", [day])}
            out.activities[day] = wh.rows("SELECT branch_id, activity, date, count, people FROM activities "
                                          "WHERE as_of = ?", [day])
            out.targets[day] = wh.rows("SELECT branch_id, indicator_id, target FROM targets WHERE "
                                       "year = ?", [day.year])
            out.registries[day] = wh.rows("SELECT registry, id_code, attribute, valid_from, valid_to FROM registries "
                                          "WHERE as_of = ?", [day])
            out.accounts[day] = [(r["account_type"], r["branch_id"] or managed.get(r["customer_id"]), r["opened_at"],
                                  r["closed_at"]) for r in wh.rows(
                "SELECT account_type, branch_id, customer_id, opened_at, closed_at FROM accounts WHERE as_of = ?",
                [day])]
            for profile in PROFILES:
                extra = ["accounts.*", "activity.*"] + (["coverage.*"] if profile == PROFILES[0] else [])
                result = compute_indicators(wh, day, profile=profile, ids=[*(f"{s}.*" for s in SCOPES), *extra])
                out.figures[(day, profile)] = {(r.branch_id, r.indicator_id): r for r in result.rows}
                tags = loan_tags(wh, day, profile).to_pylist()
                for scope in SCOPES:
                    out.scoped[(day, profile, scope)] = scoped_rows(loans, tags, day, profile, scope)
    return out


def value(bank: Bank, day: date, profile: str, node: str, indicator: str) -> Any:
    row = bank.figures[(day, profile)].get((node, indicator))
    assert row is not None, (day, profile, node, indicator)
    return row.value


def model(bank: Bank, day: date, profile: str, scope: str, node: str) -> dict[str, Any]:
    """Every loan measure of ``scope`` at ``node`` from the rows of its subtree."""
    mine = [r for r in bank.scoped[(day, profile, scope)] if r.loan.branch_id in bank.subtree[day][node]]
    flows = [r for r in mine if r.in_ytd]
    balance = sum((r.amount for r in mine), ZERO)
    npl = sum((r.amount for r in mine if r.loan.five_class in NPL), ZERO)
    disbursed = sum((r.flow for r in flows), ZERO)
    with localcontext() as ctx:
        ctx.prec, ctx.rounding = 60, ROUND_HALF_EVEN
        return {
            "balance": balance,
            "customers": len({r.loan.customer_id for r in mine if r.amount > 0}),
            "npl_balance": npl,
            "npl_ratio": None if balance == 0 else (npl * 100 / balance).quantize(Decimal("0.0001")),
            "credit_loan_balance": sum((r.amount for r in mine if r.loan.guarantee_type == "credit"), ZERO),
            "mid_long_term_balance": sum((r.amount for r in mine
                                          if r.loan.maturity_date > plus_months(r.loan.drawdown_date, 12)), ZERO),
            "ytd_disbursed": disbursed,
            "ytd_disbursed_customers": len({r.loan.customer_id for r in flows}),
            "first_loan_customers": len({r.loan.customer_id for r in flows if r.loan.is_first_loan}),
            "avg_rate_balance": None if balance == 0 else (
                sum((r.amount * r.loan.interest_rate for r in mine), ZERO) / balance).quantize(Decimal("0.00001")),
            "avg_rate_ytd_disbursed": None if disbursed == 0 else (
                sum((r.flow * r.loan.interest_rate for r in flows), ZERO) / disbursed).quantize(Decimal("0.00001")),
        }


def same(got: Any, want: Any) -> bool:
    """An empty sum or count may be stored as 0 or as no value; anything else must be equal."""
    if want in (0, None) and got in (0, None):
        return True
    return bool(got == want)


def node_at(bank: Bank, day: date, k: int) -> str:
    names = sorted(bank.subtree[day])
    return names[k % len(names)]

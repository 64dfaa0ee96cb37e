"""Invariants of the loan indicators on the real-shaped demo bank (four month-ends, 174 branches), for any node of
the tree, any loan scope, any date and both profiles (hypothesis picks them):

* every loan measure equals a plain-Python model of its definition (spec data-contract "Indicator ids",
  ``metrics/definitions/loan_measures.yaml``) over the loans of the node's subtree: ``all_loans`` = the loans of
  the snapshot except 转贴现/委托/核销/转让, a category = the classification's ``loan_tags`` rows with their amount;
* 较年初 = balance − the node's balance at the previous 31 December, 较上月 = balance − the previous month-end's,
  growth and the gap to the all-loan growth recomputed from those balances;
* a parent's sums equal its own loans plus its children's; its distinct customers lie between the largest child's
  and the children's sum plus its own; ratios and shares are recomputed at the node, never averaged;
* the sibling rank is 1 + the number of siblings with a larger value;
* the loans behind a figure (the drill-down) are of the node's subtree and add up to it;
* open accounts of each type (by opening branch, else the customer's managing branch) and their change since the
  year-end snapshot; activities of the year to date; 任务完成率 = figure / target × 100;
* registry coverage: the members are the rows valid on the date (both ends inclusive); the members behind a
  coverage figure give it back, with its account / credit / loan rates recomputed.

The model reads the stored rows (``loans``, ``loan_tags``, ``branches``), never the engine's aggregates.
"""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support.lineage_bank import demo_folders
from wupian.api import (
    branch_tree,
    compute_indicators,
    ensure_fresh,
    explain_indicator,
    load_snapshot,
    loan_tags,
    open_warehouse,
)
from wupian.contract.tables import ACCOUNT_TYPES

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


def _plus_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _in_scope(ln: Loan) -> bool:
    return (ln.business_type != "bill_rediscount" and not ln.is_entrusted
            and (ln.status or "") not in OUT_OF_SCOPE_STATUS)


def _rows(loans: dict[str, Loan], tags: list[dict[str, Any]], as_of: date, profile: str, scope: str) -> list[Row]:
    start = date(as_of.year, 1, 1)

    def in_ytd(ln: Loan) -> bool:
        drawn = start <= ln.drawdown_date <= as_of
        return drawn and not (profile.startswith("nfra") and ln.is_restructured)

    if scope == "all_loans":
        return [Row(ln, ln.balance, in_ytd(ln), ln.drawdown_amount if in_ytd(ln) else ZERO)
                for ln in loans.values() if _in_scope(ln)]
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


def _tree(wh: Any, as_of: date) -> tuple[dict[str, frozenset[str]], dict[str, list[str]]]:
    parent = {str(n["branch_id"]): n["parent_id"] for n in branch_tree(wh, as_of)}
    children: dict[str, list[str]] = {b: [] for b in parent}
    for b, p in parent.items():
        if p is not None:
            children[str(p)].append(b)

    def down(b: str) -> frozenset[str]:
        return frozenset({b}).union(*(down(c) for c in children[b]))

    return {b: down(b) for b in parent}, children


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bank]:
    root: Path = tmp_path_factory.mktemp("figures")
    folders = demo_folders(root / "demo")
    out = Bank({}, {}, {}, {}, {}, str(root / "w.duckdb"))
    with open_warehouse(out.db) as wh:
        for day in DATES:
            load_snapshot(wh, day, folders[day])
        for day in DATES:
            ensure_fresh(wh, day)
            loans = {r["loan_id"]: Loan(**r) for r in wh.rows(
                f"SELECT {', '.join(Loan.__dataclass_fields__)} FROM loans WHERE as_of = ?", [day])}
            out.subtree[day], out.children[day] = _tree(wh, day)
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
                    out.scoped[(day, profile, scope)] = _rows(loans, tags, day, profile, scope)
    yield out


def _value(bank: Bank, day: date, profile: str, node: str, indicator: str) -> Any:
    row = bank.figures[(day, profile)].get((node, indicator))
    assert row is not None, (day, profile, node, indicator)
    return row.value


def _model(bank: Bank, day: date, profile: str, scope: str, node: str) -> dict[str, Any]:
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
                                          if r.loan.maturity_date > _plus_months(r.loan.drawdown_date, 12)), ZERO),
            "ytd_disbursed": disbursed,
            "ytd_disbursed_customers": len({r.loan.customer_id for r in flows}),
            "first_loan_customers": len({r.loan.customer_id for r in flows if r.loan.is_first_loan}),
            "avg_rate_balance": None if balance == 0 else (
                sum((r.amount * r.loan.interest_rate for r in mine), ZERO) / balance).quantize(Decimal("0.00001")),
            "avg_rate_ytd_disbursed": None if disbursed == 0 else (
                sum((r.flow * r.loan.interest_rate for r in flows), ZERO) / disbursed).quantize(Decimal("0.00001")),
        }


def _same(got: Any, want: Any) -> bool:
    """An empty sum or count may be stored as 0 or as no value; anything else must be equal."""
    if want in (0, None) and got in (0, None):
        return True
    return bool(got == want)


nodes = st.integers(0, 10**6)  # an index into the date's tree (the tree has 174 nodes)


def _node(bank: Bank, day: date, k: int) -> str:
    names = sorted(bank.subtree[day])
    return names[k % len(names)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.sampled_from(DATES), st.sampled_from(PROFILES), st.sampled_from(SCOPES), nodes)
def test_every_loan_measure_equals_the_model_of_its_definition(bank: Bank, day: date, profile: str, scope: str,
                                                                k: int) -> None:
    node = _node(bank, day, k)
    for measure, want in _model(bank, day, profile, scope, node).items():
        got = _value(bank, day, profile, node, f"{scope}.{measure}")
        assert _same(got, want), (day, profile, node, f"{scope}.{measure}", got, want)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.sampled_from(DATES[1:]), st.sampled_from(PROFILES), st.sampled_from(SCOPES), nodes)
def test_changes_compare_with_the_year_end_and_the_previous_month_end(bank: Bank, day: date, profile: str,
                                                                       scope: str, k: int) -> None:
    node = _node(bank, day, k)
    before = DATES[DATES.index(day) - 1]
    now = _model(bank, day, profile, scope, node)["balance"]
    at_year_end = _model(bank, YEAR_END, profile, scope, node)["balance"]
    last_month = _model(bank, before, profile, scope, node)["balance"]
    assert _value(bank, day, profile, node, f"{scope}.ytd_change") == now - at_year_end
    assert _value(bank, day, profile, node, f"{scope}.mom_change") == now - last_month
    # the engine's own balances of the comparison dates give the same difference
    engine_before = _value(bank, YEAR_END, profile, node, f"{scope}.balance") or ZERO
    assert _value(bank, day, profile, node, f"{scope}.ytd_change") == (
        (_value(bank, day, profile, node, f"{scope}.balance") or ZERO) - engine_before)
    with localcontext() as ctx:
        ctx.prec, ctx.rounding = 60, ROUND_HALF_EVEN
        growth = None if at_year_end == 0 else (now - at_year_end) * 100 / at_year_end
        want = None if growth is None else growth.quantize(Decimal("0.0001"))
        assert _value(bank, day, profile, node, f"{scope}.ytd_growth") == want
        if scope != "all_loans":
            base_now = _model(bank, day, profile, "all_loans", node)["balance"]
            base_before = _model(bank, YEAR_END, profile, "all_loans", node)["balance"]
            base = None if base_before == 0 else (base_now - base_before) * 100 / base_before
            gap = _value(bank, day, profile, node, f"{scope}.ytd_growth_gap")
            assert gap == (None if growth is None or base is None else (growth - base).quantize(Decimal("0.0001")))
            share = _value(bank, day, profile, node, f"{scope}.share_of_all_loans")
            assert share == (None if base_now == 0 else (now * 100 / base_now).quantize(Decimal("0.0001"))), \
                (node, scope, share, now, base_now)


@pytest.mark.parametrize("profile", PROFILES)
def test_the_first_month_end_has_no_previous_month(bank: Bank, profile: str) -> None:
    """2025-11-30 is not loaded: 较上月 of 2025-12-31 is unavailable with a reason, never 0 or the balance."""
    rows = [r for (b, i), r in bank.figures[(YEAR_END, profile)].items() if i.endswith(".mom_change")]
    assert rows and all(r.value is None and r.unavailable_reason for r in rows)


SUMMED = {"balance": "amount", "npl_balance": "amount", "credit_loan_balance": "amount",
          "mid_long_term_balance": "amount", "ytd_disbursed": "flow_amount"}
COUNTED = ("customers", "ytd_disbursed_customers", "first_loan_customers")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.sampled_from(DATES), st.sampled_from(PROFILES), st.sampled_from(SCOPES),
       st.sampled_from(sorted(SUMMED) + list(COUNTED)), nodes)
def test_the_loans_behind_a_figure_add_up_to_it(bank: Bank, day: date, profile: str, scope: str, measure: str,
                                               k: int) -> None:
    """The drill-down (``explain_indicator``, the web app's 下钻) lists loans of the node's subtree only, and
    they give back the figure: the sum of their amounts, or the number of their distinct customers."""
    node = _node(bank, day, k)
    ind = f"{scope}.{measure}"
    with open_warehouse(bank.db, read_only=True) as wh:
        rows = explain_indicator(wh, ind, day, node, profile=profile).to_pylist()
    assert all(r["branch_id"] in bank.subtree[day][node] for r in rows), ind
    figure = _value(bank, day, profile, node, ind)
    if measure in SUMMED:
        got = sum((r[SUMMED[measure]] for r in rows), ZERO)
    else:
        got = len({r["customer_id"] for r in rows})
    assert _same(figure, got), (day, profile, node, ind, figure, got)


def _open_accounts(bank: Bank, day: date, account_type: str) -> dict[str, int]:
    """Accounts of the type open at ``day`` (opened on or before, not closed by then) per node's subtree, by
    their opening branch, else the customer's managing branch (spec data-contract, accounts)."""
    per_branch = Counter(branch for kind, branch, opened, closed in bank.accounts[day]
                         if kind == account_type and opened <= day and (closed is None or closed > day))
    return {node: sum(per_branch[b] for b in below) for node, below in bank.subtree[day].items()}


@pytest.mark.parametrize("account_type", [t.value for t in ACCOUNT_TYPES])
def test_account_counts_and_their_change_since_the_year_end(bank: Bank, account_type: str) -> None:
    """Exhaustive over every node and date."""
    at_year_end = _open_accounts(bank, YEAR_END, account_type)
    seen = 0
    for day in DATES:
        rows = bank.figures[(day, "pboc_2025")]
        for node, want in _open_accounts(bank, day, account_type).items():
            seen += want
            count = rows.get((node, f"accounts.{account_type}.count"))
            assert _same(None if count is None else count.value, want), (day, node, account_type, count, want)
            if day != YEAR_END and (count is not None or want):
                change = rows.get((node, f"accounts.{account_type}.ytd_change"))
                assert change is not None and change.value == want - at_year_end[node], (day, node, account_type)
    assert seen or account_type == "other"  # the demo bank opens every type but "other"


def test_registry_members_are_the_rows_valid_on_the_date(bank: Bank) -> None:
    """Exhaustive over registries, attributes and dates: the whole bank's members are the distinct id codes
    whose validity (both ends inclusive, blank = open) covers the as-of date (spec data-contract)."""
    checked = 0
    for day in DATES:
        rows = bank.figures[(day, "pboc_2025")]
        root = next(b for b, below in bank.subtree[day].items() if len(below) == len(bank.subtree[day]))
        valid = [r for r in bank.registries[day] if (r["valid_from"] is None or r["valid_from"] <= day)
                 and (r["valid_to"] is None or day <= r["valid_to"])]
        for registry in {r["registry"] for r in bank.registries[day]}:
            mine = [r for r in valid if r["registry"] == registry]
            got = rows.get((root, f"coverage.{registry}.members"))
            assert _same(None if got is None else got.value, len({r["id_code"] for r in mine})), (day, registry)
            for attribute in {r["attribute"] for r in mine if r["attribute"]}:
                got = rows.get((root, f"coverage.{registry}.{attribute}.members"))
                want = len({r["id_code"] for r in mine if r["attribute"] == attribute})
                assert got is not None and got.value == want, (day, registry, attribute)
            checked += len(mine)
    assert checked > 50


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.sampled_from(DATES), nodes, st.integers(0, 100))
def test_coverage_rates_and_the_members_behind_them(bank: Bank, day: date, k: int, r: int) -> None:
    """At any node: the members listed behind ``coverage.<registry>.members`` are the figure, their flags give
    the account / credit / loan members and rates (recomputed, percent to 4 places), their balances the loan
    balance."""
    node = _node(bank, day, k)
    registries = sorted({x["registry"] for x in bank.registries[day]})
    registry = registries[r % len(registries)]
    rows = bank.figures[(day, "pboc_2025")]
    with open_warehouse(bank.db, read_only=True) as wh:
        members = explain_indicator(wh, f"coverage.{registry}.members", day, node).to_pylist()
    assert all(m["branch_id"] in bank.subtree[day][node] for m in members)

    def fig(name: str) -> Any:
        row = rows.get((node, f"coverage.{registry}.{name}"))
        return None if row is None else row.value

    assert _same(fig("members"), len(members)), (day, node, registry)
    with_loan = sum(1 for m in members if m["has_loan"])
    assert _same(fig("loan_members"), with_loan)
    assert _same(fig("loan_balance"), sum((m["loan_balance"] or ZERO for m in members), ZERO))
    for rate, flag in (("loan_rate", "has_loan"), ("account_rate", "has_account"), ("credit_rate", "has_credit")):
        n = sum(1 for m in members if m[flag])
        with localcontext() as ctx:
            ctx.prec, ctx.rounding = 60, ROUND_HALF_EVEN
            want = None if not members else (Decimal(n) * 100 / len(members)).quantize(Decimal("0.0001"))
        assert fig(rate) == want, (day, node, registry, rate, fig(rate), want)


def test_all_loans_are_the_same_under_both_profiles(bank: Bank) -> None:
    """``all_loans`` reads the loans, not a profile's tags: the same stocks under PBOC and NFRA at every node and
    date; NFRA's 累放 leaves out restructured loans, so it is never more than PBOC's."""
    for day in DATES:
        pboc, nfra = bank.figures[(day, PROFILES[0])], bank.figures[(day, PROFILES[1])]
        for node in bank.subtree[day]:
            for measure in ("balance", "customers", "npl_balance", "credit_loan_balance", "mid_long_term_balance",
                            "avg_rate_balance", "ytd_change", "mom_change"):
                ind = f"all_loans.{measure}"
                assert pboc[(node, ind)].value == nfra[(node, ind)].value, (day, node, ind)
            ind = "all_loans.ytd_disbursed"
            assert (nfra[(node, ind)].value or ZERO) <= (pboc[(node, ind)].value or ZERO), (day, node)


def test_activities_count_the_year_to_date(bank: Bank) -> None:
    """Exhaustive: Σ count (a record without a count is one) and Σ people of the activities dated from 1 January
    to the as-of date, of the node's subtree."""
    checked = 0
    for day in DATES:
        rows = bank.figures[(day, "pboc_2025")]
        kinds = {a["activity"] for a in bank.activities[day]}
        assert kinds, day
        for node, below in bank.subtree[day].items():
            for kind in kinds:
                mine = [a for a in bank.activities[day] if a["activity"] == kind and a["branch_id"] in below
                        and date(day.year, 1, 1) <= a["date"] <= day]
                count, people = rows.get((node, f"activity.{kind}.count")), rows.get((node, f"activity.{kind}.people"))
                want_count = sum(1 if a["count"] is None else a["count"] for a in mine)
                want_people = sum(a["people"] or 0 for a in mine)
                assert _same(None if count is None else count.value, want_count), (day, node, kind)
                assert _same(None if people is None else people.value, want_people), (day, node, kind)
                checked += want_count
    assert checked > 0


def test_target_completion_is_the_figure_over_its_target(bank: Bank) -> None:
    """Every target of the year: 任务完成率 = value / target × 100 at the target's node; none for a zero target."""
    checked = 0
    for day in DATES:
        rows = bank.figures[(day, "pboc_2025")]
        for t in bank.targets[day]:
            got = rows.get((t["branch_id"], f"{t['indicator_id']}.target_completion"))
            value = rows.get((t["branch_id"], t["indicator_id"]))
            if value is None:  # an indicator this fixture did not compute
                continue
            assert got is not None, t
            if t["target"] == 0 or value.value is None:
                assert got.value is None and got.unavailable_reason, t
            else:
                with localcontext() as ctx:
                    ctx.prec, ctx.rounding = 60, ROUND_HALF_EVEN
                    assert got.value == (value.value * 100 / t["target"]).quantize(Decimal("0.0001")), (t, got)
                checked += 1
    assert checked > 10


ADDITIVE = ("balance", "npl_balance", "credit_loan_balance", "mid_long_term_balance", "ytd_disbursed")
DISTINCT = ("customers", "ytd_disbursed_customers", "first_loan_customers")


@pytest.mark.parametrize("profile", PROFILES)
def test_parents_add_up_their_own_loans_and_their_children(bank: Bank, profile: str) -> None:
    """Exhaustive over every parent node, scope and date: a sum is the node's own loans plus its children's
    figures (changes too); a distinct count lies between the largest child's and the sum of all."""
    checked = 0
    for day in DATES:
        for node, kids in bank.children[day].items():
            if not kids:
                continue
            for scope in SCOPES:
                own = [r for r in bank.scoped[(day, profile, scope)] if r.loan.branch_id == node]
                own_sums = {
                    "balance": sum((r.amount for r in own), ZERO),
                    "npl_balance": sum((r.amount for r in own if r.loan.five_class in NPL), ZERO),
                    "credit_loan_balance": sum((r.amount for r in own if r.loan.guarantee_type == "credit"), ZERO),
                    "mid_long_term_balance": sum((r.amount for r in own if r.loan.maturity_date > _plus_months(
                        r.loan.drawdown_date, 12)), ZERO),
                    "ytd_disbursed": sum((r.flow for r in own), ZERO),
                }
                for measure in ADDITIVE:
                    ind = f"{scope}.{measure}"
                    parent = _value(bank, day, profile, node, ind) or ZERO
                    total = own_sums[measure] + sum((_value(bank, day, profile, c, ind) or ZERO for c in kids), ZERO)
                    assert parent == total, (day, node, ind, parent, total)
                if day != YEAR_END:
                    before = [r for r in bank.scoped[(YEAR_END, profile, scope)] if r.loan.branch_id == node]
                    ind = f"{scope}.ytd_change"
                    total = own_sums["balance"] - sum((r.amount for r in before), ZERO) + sum(
                        (_value(bank, day, profile, c, ind) or ZERO for c in kids), ZERO)
                    assert (_value(bank, day, profile, node, ind) or ZERO) == total, (day, node, ind)
                for measure in DISTINCT:
                    ind = f"{scope}.{measure}"
                    parent = int(_value(bank, day, profile, node, ind) or 0)
                    counts = [int(_value(bank, day, profile, c, ind) or 0) for c in kids]
                    assert max(counts) <= parent <= sum(counts) + len({r.loan.customer_id for r in own}), \
                        (day, node, ind, parent, counts)
                checked += 1
    assert checked > 100


@pytest.mark.parametrize("measure", ["balance", "customers", "ytd_change"])
def test_sibling_rank_is_one_plus_the_siblings_with_a_larger_value(bank: Bank, measure: str) -> None:
    day, profile = DATES[-1], "pboc_2025"
    ranked = 0
    for kids in bank.children[day].values():
        for scope in ("all_loans", "green", "inclusive_micro", "tech"):
            ind = f"{scope}.{measure}"
            values = {c: _value(bank, day, profile, c, ind) for c in kids}
            for c, v in values.items():
                rank = bank.figures[(day, profile)].get((c, f"{ind}.rank_siblings"))
                if rank is None or rank.value is None:
                    continue
                assert v is not None, (c, ind)
                assert rank.value == 1 + sum(1 for o in values.values() if o is not None and o > v), (c, ind)
                ranked += 1
    assert ranked > 50

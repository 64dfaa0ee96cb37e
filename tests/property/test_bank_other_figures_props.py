"""The other indicator families on the real-shaped demo bank (four month-ends, every node), against a
plain-Python model of their definitions read from the stored rows:

* open accounts of each type (by opening branch, else the customer's managing branch) and their change since the
  year-end snapshot;
* registry coverage: the members are the rows valid on the date (both ends inclusive); the members behind a
  coverage figure give it back, with its account / credit / loan rates recomputed;
* activities of the year to date; 任务完成率 = figure / target × 100.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support.figures_bank import DATES, YEAR_END, ZERO, Bank, node_at, same
from wupian.api import explain_indicator, open_warehouse
from wupian.contract.tables import ACCOUNT_TYPES

nodes = st.integers(0, 10**6)  # an index into the date's tree


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
            assert same(None if count is None else count.value, want), (day, node, account_type, count, want)
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
            assert same(None if got is None else got.value, len({r["id_code"] for r in mine})), (day, registry)
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
    node = node_at(bank, day, k)
    registries = sorted({x["registry"] for x in bank.registries[day]})
    registry = registries[r % len(registries)]
    rows = bank.figures[(day, "pboc_2025")]
    with open_warehouse(bank.db, read_only=True) as wh:
        members = explain_indicator(wh, f"coverage.{registry}.members", day, node).to_pylist()
    assert all(m["branch_id"] in bank.subtree[day][node] for m in members)

    def fig(name: str) -> Any:
        row = rows.get((node, f"coverage.{registry}.{name}"))
        return None if row is None else row.value

    assert same(fig("members"), len(members)), (day, node, registry)
    with_loan = sum(1 for m in members if m["has_loan"])
    assert same(fig("loan_members"), with_loan)
    assert same(fig("loan_balance"), sum((m["loan_balance"] or ZERO for m in members), ZERO))
    for rate, flag in (("loan_rate", "has_loan"), ("account_rate", "has_account"), ("credit_rate", "has_credit")):
        n = sum(1 for m in members if m[flag])
        with localcontext() as ctx:
            ctx.prec, ctx.rounding = 60, ROUND_HALF_EVEN
            want = None if not members else (Decimal(n) * 100 / len(members)).quantize(Decimal("0.0001"))
        assert fig(rate) == want, (day, node, registry, rate, fig(rate), want)


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
                assert same(None if count is None else count.value, want_count), (day, node, kind)
                assert same(None if people is None else people.value, want_people), (day, node, kind)
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

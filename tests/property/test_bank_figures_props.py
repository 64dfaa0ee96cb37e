"""Invariants of the loan indicators on the real-shaped demo bank (four month-ends, 174 branches), for any node of
the tree, any loan scope, any date and both profiles (hypothesis picks them):

* every loan measure equals a plain-Python model of its definition (spec data-contract "Indicator ids",
  ``metrics/definitions/loan_measures.yaml``) over the loans of the node's subtree: ``all_loans`` = the loans of
  the snapshot except 转贴现/委托/核销/转让, a category = the classification's ``loan_tags`` rows with their amount;
* 较年初 = balance − the node's balance at the previous 31 December, 较上月 = balance − the previous month-end's,
  growth and the gap to the all-loan growth recomputed from those balances; shares of the all-loan balance;
* a parent's sums equal its own loans plus its children's; its distinct customers lie between the largest child's
  and the children's sum plus its own; ratios are recomputed at the node, never averaged;
* the sibling rank is 1 + the number of siblings with a larger value;
* the loans behind a figure (the drill-down) are of the node's subtree and add up to it;
* ``all_loans`` is the same under both profiles.

The model (``support.figures_bank``) reads the stored rows, never the engine's aggregates.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support.figures_bank import (
    DATES,
    NPL,
    PROFILES,
    SCOPES,
    YEAR_END,
    ZERO,
    Bank,
    model,
    node_at,
    plus_months,
    same,
    value,
)
from wupian.api import explain_indicator, open_warehouse

nodes = st.integers(0, 10**6)  # an index into the date's tree (the tree has 174 nodes)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.sampled_from(DATES), st.sampled_from(PROFILES), st.sampled_from(SCOPES), nodes)
def test_every_loan_measure_equals_the_model_of_its_definition(bank: Bank, day: date, profile: str, scope: str,
                                                                k: int) -> None:
    node = node_at(bank, day, k)
    for measure, want in model(bank, day, profile, scope, node).items():
        got = value(bank, day, profile, node, f"{scope}.{measure}")
        assert same(got, want), (day, profile, node, f"{scope}.{measure}", got, want)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.sampled_from(DATES[1:]), st.sampled_from(PROFILES), st.sampled_from(SCOPES), nodes)
def test_changes_compare_with_the_year_end_and_the_previous_month_end(bank: Bank, day: date, profile: str,
                                                                       scope: str, k: int) -> None:
    node = node_at(bank, day, k)
    before = DATES[DATES.index(day) - 1]
    now = model(bank, day, profile, scope, node)["balance"]
    at_year_end = model(bank, YEAR_END, profile, scope, node)["balance"]
    last_month = model(bank, before, profile, scope, node)["balance"]
    assert value(bank, day, profile, node, f"{scope}.ytd_change") == now - at_year_end
    assert value(bank, day, profile, node, f"{scope}.mom_change") == now - last_month
    # the engine's own balances of the comparison dates give the same difference
    engine_before = value(bank, YEAR_END, profile, node, f"{scope}.balance") or ZERO
    assert value(bank, day, profile, node, f"{scope}.ytd_change") == (
        (value(bank, day, profile, node, f"{scope}.balance") or ZERO) - engine_before)
    with localcontext() as ctx:
        ctx.prec, ctx.rounding = 60, ROUND_HALF_EVEN
        growth = None if at_year_end == 0 else (now - at_year_end) * 100 / at_year_end
        want = None if growth is None else growth.quantize(Decimal("0.0001"))
        assert value(bank, day, profile, node, f"{scope}.ytd_growth") == want
        if scope != "all_loans":
            base_now = model(bank, day, profile, "all_loans", node)["balance"]
            base_before = model(bank, YEAR_END, profile, "all_loans", node)["balance"]
            base = None if base_before == 0 else (base_now - base_before) * 100 / base_before
            gap = value(bank, day, profile, node, f"{scope}.ytd_growth_gap")
            assert gap == (None if growth is None or base is None else (growth - base).quantize(Decimal("0.0001")))
            share = value(bank, day, profile, node, f"{scope}.share_of_all_loans")
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
    node = node_at(bank, day, k)
    ind = f"{scope}.{measure}"
    with open_warehouse(bank.db, read_only=True) as wh:
        rows = explain_indicator(wh, ind, day, node, profile=profile).to_pylist()
    assert all(r["branch_id"] in bank.subtree[day][node] for r in rows), ind
    figure = value(bank, day, profile, node, ind)
    if measure in SUMMED:
        got = sum((r[SUMMED[measure]] for r in rows), ZERO)
    else:
        got = len({r["customer_id"] for r in rows})
    assert same(figure, got), (day, profile, node, ind, figure, got)


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
                    "mid_long_term_balance": sum((r.amount for r in own if r.loan.maturity_date > plus_months(
                        r.loan.drawdown_date, 12)), ZERO),
                    "ytd_disbursed": sum((r.flow for r in own), ZERO),
                }
                for measure in ADDITIVE:
                    ind = f"{scope}.{measure}"
                    parent = value(bank, day, profile, node, ind) or ZERO
                    total = own_sums[measure] + sum((value(bank, day, profile, c, ind) or ZERO for c in kids), ZERO)
                    assert parent == total, (day, node, ind, parent, total)
                if day != YEAR_END:
                    before = [r for r in bank.scoped[(YEAR_END, profile, scope)] if r.loan.branch_id == node]
                    ind = f"{scope}.ytd_change"
                    total = own_sums["balance"] - sum((r.amount for r in before), ZERO) + sum(
                        (value(bank, day, profile, c, ind) or ZERO for c in kids), ZERO)
                    assert (value(bank, day, profile, node, ind) or ZERO) == total, (day, node, ind)
                for measure in DISTINCT:
                    ind = f"{scope}.{measure}"
                    parent = int(value(bank, day, profile, node, ind) or 0)
                    counts = [int(value(bank, day, profile, c, ind) or 0) for c in kids]
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
            values = {c: value(bank, day, profile, c, ind) for c in kids}
            for c, v in values.items():
                rank = bank.figures[(day, profile)].get((c, f"{ind}.rank_siblings"))
                if rank is None or rank.value is None:
                    continue
                assert v is not None, (c, ind)
                assert rank.value == 1 + sum(1 for o in values.values() if o is not None and o > v), (c, ind)
                ranked += 1
    assert ranked > 50

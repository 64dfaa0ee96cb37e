"""Invariants of the indicator engine on random banks (hypothesis):

* additive stocks: when customers are partitioned between outlets (each customer's loans at one outlet),
  children's balances and customer counts add up to their parent;
* ratios equal numerator / denominator recomputed at every node (never averaged);
* exact decimals survive: the root balance equals the Python sum of the generated amounts;
* the SQL rounding of exact fractions is Python's half-even ``quantize``, for any size and sign;
* the one-pass plan (customers booked at several outlets, growth, gaps, weighted rates) equals a plain
  Python model of the same loans at every node.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support.edit_rows import update
from support.tree_bank import OUTLETS, TREE, insert_green_tags, insert_loans, tree_warehouse
from wupian.engine.metrics_derive import rounding_stages
from wupian.engine.warehouse import Warehouse
from wupian.metrics import compute_indicators

AS_OF = date(2026, 3, 31)
PRIOR = date(2025, 12, 31)
CLASSES = ("normal", "normal", "special_mention", "substandard", "loss")

loan = st.tuples(
    st.integers(0, 5),  # customer number
    st.decimals(Decimal("0.00"), Decimal("99999999.99"), places=2),
    st.sampled_from(CLASSES),
    st.decimals(Decimal("1.00"), Decimal("9.99"), places=2),
    st.booleans(),  # tagged green
)


def _bank(loans: list[tuple[int, Decimal, str, Decimal, bool]], customer_outlet: dict[int, str]) -> Warehouse:
    wh = tree_warehouse(AS_OF)
    insert_loans(wh, [(AS_OF, f"L{i}", f"C{cust}", customer_outlet[cust], date(2025, 6, 1), date(2028, 6, 1), amount,
                       rate, five) for i, (cust, amount, five, rate, _) in enumerate(loans)])
    insert_green_tags(wh, [(AS_OF, f"L{i}", amount) for i, (_, amount, _, _, green) in enumerate(loans) if green])
    return wh


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(loan, min_size=1, max_size=20), st.lists(st.sampled_from(OUTLETS), min_size=6, max_size=6))
def test_children_add_up_and_ratios_recompute(loans: list[tuple[int, Decimal, str, Decimal, bool]], outlets: list[str]) -> None:
    customer_outlet = dict(enumerate(outlets))
    with _bank(loans, customer_outlet) as wh:
        r = compute_indicators(wh, AS_OF, ids=["all_loans.*", "green.*"], store=False)
        assert r.value("R", "all_loans.balance") == sum((a for _, a, *_ in loans), Decimal(0))
        for parent, kids in (("R", ("S1", "S2")), ("S1", ("O1", "O2")), ("S2", ("O3",))):
            for measure in ("all_loans.balance", "all_loans.customers", "all_loans.npl_balance", "green.balance",
                            "green.customers"):
                assert (r.value(parent, measure) or Decimal(0)) == sum((r.value(k, measure) or Decimal(0) for k in kids), Decimal(0))
        for node, _ in TREE:
            bal, npl = r.value(node, "all_loans.balance"), r.value(node, "all_loans.npl_balance")
            ratio = r.value(node, "all_loans.npl_ratio")
            if bal:
                assert ratio == (npl * 100 / bal).quantize(Decimal("0.0001"))  # type: ignore[operator]
            else:
                assert ratio is None
            rate = r.value(node, "all_loans.avg_rate_balance")
            mine = [(a, rt) for c, a, _, rt, _ in loans if customer_outlet[c] in _subtree(node)]
            total = sum((a for a, _ in mine), Decimal(0))
            if total:
                assert rate == (sum((a * rt for a, rt in mine), Decimal(0)) / total).quantize(Decimal("0.00001"))


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(loan, min_size=1, max_size=15), st.lists(st.sampled_from(OUTLETS), min_size=6, max_size=6))
def test_shared_customers_never_exceed_the_sum_of_children(loans: list[tuple[int, Decimal, str, Decimal, bool]], outlets: list[str]) -> None:
    # book every second loan of a customer at another outlet: counts at the parent are de-duplicated
    with _bank(loans, dict(enumerate(outlets))) as wh:
        update(wh, "loans", {"branch_id": "'O2'"}, "CAST(substr(loan_id, 2) AS INTEGER) % 2 = 1")
        r = compute_indicators(wh, AS_OF, ids=["all_loans.customers"], store=False)
        distinct = len({c for c, a, *_ in loans if a > 0})
        assert r.value("R", "all_loans.customers") == distinct
        assert distinct <= sum((r.value(k, "all_loans.customers") or 0 for k in ("O1", "O2", "O3")), 0)


def _subtree(node: str) -> set[str]:
    out = {node}
    changed = True
    while changed:
        changed = False
        for b, parent in TREE:
            if parent in out and b not in out:
                out.add(b)
                changed = True
    return out


# --- exact rounding in SQL and the one-pass plan against a plain-Python model --------------------------------

@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(-10**32, 10**32), st.integers(-10**30, 10**30).filter(bool)), min_size=1,
                max_size=30),
       st.integers(0, 6))
def test_sql_rounding_is_python_half_even_quantize(pairs: list[tuple[int, int]], places: int) -> None:
    div, digits, value = rounding_stages(0, places)
    rows = ", ".join(f"({i}, CAST('{n}' AS HUGEINT), CAST('{d}' AS HUGEINT))" for i, (n, d) in enumerate(pairs))
    sql = (f"WITH f(i, n_0, d_0) AS (VALUES {rows}), a AS (SELECT i, NULL AS r_0, {div} FROM f), "
           f"b AS (SELECT *, {digits} FROM a) SELECT {value} FROM b ORDER BY i")
    with Warehouse(":memory:") as wh:
        got = [r[0] for r in wh.con.execute(sql).fetchall()]
    with localcontext() as ctx:
        ctx.prec, ctx.rounding = 120, ROUND_HALF_EVEN
        want = [(Decimal(n) / Decimal(d)).quantize(Decimal(1).scaleb(-places)) for n, d in pairs]
    assert got == want


cust_loan = st.tuples(
    st.integers(0, 4),  # customer
    st.sampled_from(OUTLETS),  # booking outlet (a customer may be served by several)
    st.decimals(Decimal("0.00"), Decimal("9999999.99"), places=2),  # balance now
    st.decimals(Decimal("0.00"), Decimal("9999999.99"), places=2),  # balance at the previous year-end
    st.booleans(),  # tagged green
    st.decimals(Decimal("1.00"), Decimal("9.99"), places=2),  # rate
)


def _model_bank(loans: list[tuple[int, str, Decimal, Decimal, bool, Decimal]]) -> Warehouse:
    wh = tree_warehouse(AS_OF, PRIOR)
    insert_loans(wh, [(day, f"L{i}", f"C{cust}", outlet, date(2024, 6, 1), date(2029, 6, 1), amount, rate, "normal")
                      for i, (cust, outlet, now, before, _, rate) in enumerate(loans)
                      for day, amount in ((AS_OF, now), (PRIOR, before))])
    insert_green_tags(wh, [(day, f"L{i}", amount) for i, (_, _, now, before, green, _) in enumerate(loans)
                           for day, amount in ((AS_OF, now), (PRIOR, before)) if green])
    return wh


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(cust_loan, min_size=1, max_size=14))
def test_one_pass_plan_matches_a_plain_python_model(loans: list[tuple[int, str, Decimal, Decimal, bool, Decimal]]) -> None:
    """Distinct customers over multi-outlet customers, growth, gap and weighted rates, node by node, against
    sums done here in Python (60 significant digits, half-even — the reference arithmetic)."""
    with _model_bank(loans) as wh:
        r = compute_indicators(wh, AS_OF, ids=["all_loans.*", "green.*"], store=False)
    classified = any(ln[4] for ln in loans)  # no tag at all = no classification result: unavailable, not 0
    if not classified:
        row = r.get("R", "green.balance")
        assert row is not None and row.value is None and "loan_tags" in (row.unavailable_reason or "")
    with localcontext() as ctx:
        ctx.prec, ctx.rounding = 60, ROUND_HALF_EVEN
        for node, _ in TREE:
            mine = [ln for ln in loans if ln[1] in _subtree(node)]
            growth: dict[str, Decimal | None] = {}
            scopes = (("all_loans", mine), ("green", [ln for ln in mine if ln[4]]))
            for scope, rows in scopes if classified else scopes[:1]:
                now = sum((ln[2] for ln in rows), Decimal(0))
                before = sum((ln[3] for ln in rows), Decimal(0))
                assert r.value(node, f"{scope}.customers") == len({ln[0] for ln in rows if ln[2] > 0})
                assert r.value(node, f"{scope}.ytd_change") == now - before
                growth[scope] = None if before == 0 else (now - before) * 100 / before
                want = None if growth[scope] is None else growth[scope].quantize(Decimal("0.0001"))  # type: ignore[union-attr]
                assert r.value(node, f"{scope}.ytd_growth") == want
                rate = None if now == 0 else (sum((ln[2] * ln[5] for ln in rows), Decimal(0)) / now).quantize(
                    Decimal("0.00001"))
                assert r.value(node, f"{scope}.avg_rate_balance") == rate
            g, a = growth.get("green"), growth["all_loans"]
            gap = r.get(node, "green.ytd_growth_gap")
            assert gap is not None
            if g is None or a is None:
                assert gap.value is None and gap.unavailable_reason
            else:
                assert gap.value == (g - a).quantize(Decimal("0.0001"))

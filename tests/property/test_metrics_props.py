"""Invariants of the indicator engine on random banks (hypothesis):

* additive stocks: when customers are partitioned between outlets (each customer's loans at one outlet),
  children's balances and customer counts add up to their parent;
* ratios equal numerator / denominator recomputed at every node (never averaged);
* exact decimals survive: the root balance equals the Python sum of the generated amounts.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wupian.engine.warehouse import Warehouse
from wupian.metrics import compute_indicators

AS_OF = date(2026, 3, 31)
OUTLETS = ("O1", "O2", "O3")
TREE = (("R", None), ("S1", "R"), ("S2", "R"), ("O1", "S1"), ("O2", "S1"), ("O3", "S2"))
CLASSES = ("normal", "normal", "special_mention", "substandard", "loss")

loan = st.tuples(
    st.integers(0, 5),  # customer number
    st.decimals(Decimal("0.00"), Decimal("99999999.99"), places=2),
    st.sampled_from(CLASSES),
    st.decimals(Decimal("1.00"), Decimal("9.99"), places=2),
    st.booleans(),  # tagged green
)


def _bank(loans: list[tuple[int, Decimal, str, Decimal, bool]], customer_outlet: dict[int, str]) -> Warehouse:
    wh = Warehouse(":memory:")
    wh.execute("CREATE TABLE loan_tags (as_of DATE, profile VARCHAR, loan_id VARCHAR, tag VARCHAR, "
               "amount DECIMAL(38,2), rule_ids VARCHAR, explanation VARCHAR, rulebook_version VARCHAR)")
    for b, parent in TREE:
        wh.execute("INSERT INTO branches (as_of, branch_id, name, parent_id) VALUES (?, ?, ?, ?)", [AS_OF, b, b, parent])
    wh.execute("""INSERT INTO branch_closure WITH RECURSIVE w(a, d, n) AS (
        SELECT branch_id, branch_id, 0 FROM branches UNION ALL
        SELECT w.a, b.branch_id, w.n + 1 FROM w JOIN branches b ON b.parent_id = w.d) SELECT ?, a, d, n FROM w""", [AS_OF])
    for i, (cust, amount, five, rate, green) in enumerate(loans):
        wh.execute(
            "INSERT INTO loans (as_of, loan_id, customer_id, branch_id, business_type, drawdown_date, drawdown_amount, "
            "maturity_date, balance, interest_rate, five_class) VALUES (?, ?, ?, ?, 'corporate', DATE '2025-06-01', ?, "
            "DATE '2028-06-01', ?, ?, ?)",
            [AS_OF, f"L{i}", f"C{cust}", customer_outlet[cust], amount, amount, rate, five],
        )
        if green:
            wh.execute("INSERT INTO loan_tags VALUES (?, 'pboc_2025', ?, 'green', ?, 'p', 'p', 'p')", [AS_OF, f"L{i}", amount])
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
        wh.execute("UPDATE loans SET branch_id = 'O2' WHERE CAST(substr(loan_id, 2) AS INTEGER) % 2 = 1")
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

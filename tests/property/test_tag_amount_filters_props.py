"""The loan indicators' filter bits of a tagged row follow the **tag's** amount, not the loan's balance (issue 14).

``engine.metrics_loans`` computes each loan's filter bits once, before the tags' join, twice — with ``has_balance``
true and false — and lets each row's own amount choose (the all-loans row: the balance; a tag row: the amount
counted in the category). On random loans whose green amount is any part of the balance (none, some, all; a
zero-balance loan; a loan whose green portion is zero), every node's green and all-loans customers, balances,
non-performing balances, weighted rates and 1 + 2 customer counts equal a plain Python model.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support.tree_bank import OUTLETS, TREE, insert_green_tags, insert_loans, tree_warehouse
from wupian.engine.warehouse import Warehouse
from wupian.metrics import compute_indicators

AS_OF = date(2026, 3, 31)
DRAWN, DUE = date(2026, 2, 1), date(2028, 6, 1)
NPL = ("substandard", "doubtful", "loss")

tagged_loan = st.tuples(
    st.integers(0, 4),  # customer
    st.sampled_from(OUTLETS),
    st.sampled_from([Decimal("0.00"), Decimal("0.01"), Decimal("100.00"), Decimal("2500.50")]),  # balance
    st.sampled_from([None, Decimal(0), Decimal("0.25"), Decimal("0.5"), Decimal(1)]),  # green share (None: untagged)
    st.sampled_from(("normal", "special_mention", "substandard", "loss")),
    st.sampled_from([Decimal("1.50"), Decimal("4.35")]),  # rate
)


def _subtree(node: str) -> set[str]:
    below = {node}
    while True:
        more = {b for b, parent in TREE if parent in below} - below
        if not more:
            return below
        below |= more


def _green(balance: Decimal, share: Decimal | None) -> Decimal | None:
    return None if share is None else (balance * share).quantize(Decimal("0.01"))


def _bank(loans: list[tuple[int, str, Decimal, Decimal | None, str, Decimal]]) -> Warehouse:
    wh = tree_warehouse(AS_OF)
    insert_loans(wh, [(AS_OF, f"L{i}", f"C{cust}", outlet, DRAWN, DUE, bal, rate, five)
                      for i, (cust, outlet, bal, _, five, rate) in enumerate(loans)])
    insert_green_tags(wh, [(AS_OF, f"L{i}", _green(bal, share))
                           for i, (_, _, bal, share, _, _) in enumerate(loans) if share is not None])
    return wh


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(tagged_loan, min_size=1, max_size=12))
def test_tag_rows_filter_on_their_own_amount(loans: list[tuple[int, str, Decimal, Decimal | None, str, Decimal]]) -> None:
    ids = [f"{s}.{m}" for s in ("all_loans", "green")
           for m in ("customers", "balance", "npl_balance", "avg_rate_balance", "ytd_disbursed_customers")]
    with _bank(loans) as wh:
        r = compute_indicators(wh, AS_OF, ids=ids, store=False)
    classified = any(ln[3] is not None for ln in loans)
    with localcontext() as ctx:
        ctx.prec, ctx.rounding = 60, ROUND_HALF_EVEN
        for node, _ in TREE:
            mine = [ln for ln in loans if ln[1] in _subtree(node)]
            rows = {"all_loans": [(ln[0], ln[2], ln[4], ln[5]) for ln in mine]}
            if classified:
                rows["green"] = [(ln[0], _green(ln[2], ln[3]), ln[4], ln[5]) for ln in mine if ln[3] is not None]
            for scope, items in rows.items():
                total = sum((a for _, a, _, _ in items), Decimal(0))
                assert r.value(node, f"{scope}.balance") == total
                assert r.value(node, f"{scope}.customers") == len({c for c, a, _, _ in items if a > 0})
                assert r.value(node, f"{scope}.ytd_disbursed_customers") == len({c for c, _, _, _ in items})
                assert r.value(node, f"{scope}.npl_balance") == sum((a for _, a, f, _ in items if f in NPL), Decimal(0))
                rate = None if total == 0 else (sum((a * x for _, a, _, x in items), Decimal(0)) / total).quantize(
                    Decimal("0.00001"))
                assert r.value(node, f"{scope}.avg_rate_balance") == rate

"""Property: for any balances of the fixture bank's loans, every NFRA cell reconciles — no sub-item above its
parent item, S70 1 and S73 1 equal the tech / pension indicators in 万元 — and the workbook's printed rows add
up (children + 本级 = parent, as shown)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support.edit_rows import update
from support.golden_bank import bank_warehouse
from wupian.engine.metrics import branch_nodes
from wupian.engine.warehouse import Warehouse
from wupian.metrics import compute_indicators
from wupian.reports.nfra import check_tables, compute_tables
from wupian.reports.run import dfs_order
from wupian.reports.workbook import CATEGORY_COLUMNS
from wupian.reports.workbook_rows import sheet_rows

AS_OF = date(2026, 3, 31)
LOANS = ("L01", "L02", "L03", "L04", "L05", "L06", "L07", "L08", "L09", "L10", "L13")


@pytest.fixture(scope="module")
def shared_bank() -> Iterator[Warehouse]:
    """One fixture bank for all examples: every example overwrites the balances it varies."""
    yield from bank_warehouse()


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fen=st.lists(st.integers(0, 5 * 10**9), min_size=len(LOANS), max_size=len(LOANS)))
def test_cells_reconcile_for_any_balances(shared_bank: Warehouse, fen: list[int]) -> None:
    wh = shared_bank
    if True:
        amounts = {loan: Decimal(value) / 100 for loan, value in zip(LOANS, fen, strict=True)}
        new = "CASE loan_id " + " ".join(f"WHEN '{k}' THEN CAST('{v}' AS DECIMAL(38,2))" for k, v in amounts.items())
        update(wh, "loans", {"balance": new + " END"}, f"as_of = DATE '{AS_OF}' AND loan_id IN {tuple(LOANS)}")
        update(wh, "loan_tags", {"amount": new + " ELSE amount END"},
               f"as_of = DATE '{AS_OF}' AND loan_id IN {tuple(LOANS)}")
        r = compute_indicators(wh, AS_OF, ids=["tech.balance", "pension.balance", "five_union.balance"], store=False)
        tables, _ = compute_tables(wh, AS_OF)
        totals = {s: v for s in ("tech", "pension") if (v := r.value("H", f"{s}.balance")) is not None}
        assert check_tables(tables, totals) == []
        tree = dfs_order(branch_nodes(wh, AS_OF).to_pylist(), "H")
        rows = sheet_rows(r, tree, "five_union", CATEGORY_COLUMNS[:1])
        kids = {row["branch_id"]: row["parent_id"] for row in tree}
        for parent in {p for p in kids.values() if p}:
            own = next(x for x in rows if x.own and x.branch_id == parent).cells[0].value
            children = [x.cells[0].value for x in rows if not x.own and kids.get(x.branch_id) == parent]
            top = next(x for x in rows if not x.own and x.branch_id == parent).cells[0].value
            assert own is not None and top is not None
            assert own + sum((c for c in children if c is not None), Decimal(0)) == top

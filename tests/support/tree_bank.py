"""A tiny in-memory bank for indicator property tests: a six-branch tree (root R, two sub-branches, three
outlets) with its closure, plain loans and green ``loan_tags`` rows inserted through the warehouse's own
insert path (the tags become Parquet parts)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from wupian.engine.warehouse import Warehouse

TREE = (("R", None), ("S1", "R"), ("S2", "R"), ("O1", "S1"), ("O2", "S1"), ("O3", "S2"))
OUTLETS = ("O1", "O2", "O3")

# (as_of, loan_id, customer_id, branch_id, drawdown_date, maturity_date, balance, interest_rate, five_class); a
# corporate loan drawn for its balance
Loan = tuple[date, str, str, str, date, date, Decimal, Decimal, str]


def tree_warehouse(*dates: date, closure: tuple[date, ...] | None = None) -> Warehouse:
    """An in-memory warehouse holding :data:`TREE` at each of ``dates`` and its closure at each of ``closure``
    (default: the first date)."""
    wh = Warehouse(":memory:")
    for day in dates:
        for b, parent in TREE:
            wh.execute("INSERT INTO branches (as_of, branch_id, name, parent_id) VALUES (?, ?, ?, ?)", [day, b, b, parent])
    for day in closure if closure is not None else dates[:1]:
        wh.execute("""INSERT INTO branch_closure WITH RECURSIVE w(a, d, n) AS (
            SELECT branch_id, branch_id, 0 FROM branches WHERE as_of = ? UNION ALL
            SELECT w.a, b.branch_id, w.n + 1 FROM w JOIN branches b ON b.parent_id = w.d AND b.as_of = ?)
            SELECT ?, a, d, n FROM w""", [day, day, day])
    return wh


def insert_loans(wh: Warehouse, loans: Sequence[Loan]) -> None:
    """The ``loans`` rows of :data:`Loan` tuples."""
    one = ("(CAST(? AS DATE), ?, ?, ?, 'corporate', CAST(? AS DATE), CAST(? AS DECIMAL(38,2)), CAST(? AS DATE), "
           "CAST(? AS DECIMAL(38,2)), CAST(? AS DECIMAL(18,6)), ?)")
    wh.insert_rows(
        "loans", ["as_of", "loan_id", "customer_id", "branch_id", "business_type", "drawdown_date", "drawdown_amount",
                  "maturity_date", "balance", "interest_rate", "five_class"],
        "VALUES " + ", ".join([one] * len(loans)),
        [v for (day, loan, cust, branch, drawn, due, bal, rate, five) in loans
         for v in (day, loan, cust, branch, drawn, bal, due, bal, rate, five)])


def insert_green_tags(wh: Warehouse, rows: Sequence[tuple[date, str, Decimal | None]]) -> None:
    """Green ``loan_tags`` rows (as_of, loan_id, amount) of profile pboc_2025."""
    if rows:
        wh.insert_rows("loan_tags", ["as_of", "loan_id", "amount", "profile", "tag", "rule_ids", "explanation",
                                     "rulebook_version"],
                       "SELECT *, 'pboc_2025', 'green', 'p', 'p', 'p' FROM (VALUES "
                       + ", ".join(["(CAST(? AS DATE), ?, CAST(? AS DECIMAL(38,2)))"] * len(rows)) + ")",
                       [v for r in rows for v in r])

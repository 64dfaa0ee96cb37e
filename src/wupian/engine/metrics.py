"""Shared loan-indicator SQL for the indicator planner in wupian.metrics: the scoped loan relation, the
branch closure, the subtree's nodes and the drill-down to the loans behind a value. The one-pass computation
of every loan indicator lives in :mod:`wupian.engine.metrics_loans`.

The planner hands over *names* from the indicator definitions (values such as ``amount``, filters such as
``npl``); this module owns the only SQL those names compile to (``VALUES`` / ``FILTERS``). Dates and ids are
always bound parameters.

Scope ``all_loans`` = every loan of the snapshot except 转贴现 (bill_rediscount), 委托 (is_entrusted),
已核销 (written_off) and 已转让 (transferred). Every other scope = the classification output ``loan_tags`` of
the chosen profile, whose ``amount`` is the amount counted in that category (the green portion for partially
green loans; year-to-date disbursements of such loans are scaled by the same share, exactly, in fen).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pyarrow as pa

from wupian.engine import classify_kept
from wupian.engine.first_loan_rule import (
    any_history_first_loan_sql,
    first_loan_ids_relation,
    first_loan_join,
    is_first_loan_sql,
)
from wupian.engine.loan_scope import in_scope_sql
from wupian.engine.parts import DERIVED_PARTS, PART_TABLES
from wupian.engine.warehouse import Warehouse

ALL_LOANS_WHERE = in_scope_sql("l")
NPL_CLASSES = "('substandard', 'doubtful', 'loss')"


def longer_than_a_year_sql(drawn: str, matures: str) -> str:
    """``matures > drawn + INTERVAL 12 MONTH`` (中长期: a term of more than one year), with the calendar arithmetic
    only where the day count cannot decide: ``drawn + 12 months`` is 365 or 366 days after ``drawn`` (366 when the
    year crosses a 29 February), so a term of more than 366 days is longer and one of fewer than 366 days is not;
    NULL when either date is NULL, as the plain comparison."""
    days = f"date_diff('day', {drawn}, {matures})"
    return (f"(CASE WHEN {days} > 366 THEN TRUE WHEN {days} < 366 THEN FALSE "
            f"ELSE {matures} > {drawn} + INTERVAL 12 MONTH END)")


VALUES: dict[str, str] = {"amount": "amount", "flow_amount": "flow_amount"}
FILTERS: dict[str, str] = {
    "has_balance": "amount > 0",
    "ytd_flow": "in_ytd",
    "npl": f"five_class IN {NPL_CLASSES}",
    "mid_long_term": longer_than_a_year_sql("drawdown_date", "maturity_date"),
    "credit": "guarantee_type = 'credit'",
    "first_loan": "coalesce(is_first_loan, false) AND in_ytd",
}


def _pred(where: Sequence[str]) -> str:
    return " AND ".join(f"({FILTERS[w]})" for w in where) if where else "TRUE"


def table_exists(wh: Warehouse, name: str) -> bool:
    """Whether the table exists (``duckdb_tables()`` is much cheaper than information_schema). The tables kept
    as Parquet parts (views over their files, ``parts.PART_TABLES``) always do, and so do the derived ones on a
    DuckDB warehouse opened read-write (``parts.DERIVED_PARTS``: their views are made on open); a read-only
    DuckDB warehouse may hold them as views or, written before they were parts, as tables."""
    if name in PART_TABLES or (name in DERIVED_PARTS and wh.parts.root is not None):
        return True
    if name in DERIVED_PARTS and wh.engine == "duckdb":
        return bool(wh.scalar(  # tables and views
            "SELECT count(*) FROM (SELECT 1 FROM duckdb_columns() WHERE table_name = ? LIMIT 1) AS c", [name]))
    return bool(wh.scalar("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]))


def has_rows(wh: Warehouse, table: str, as_of: date, profile: str | None = None) -> bool:
    """Whether ``table`` holds rows for ``as_of`` (and ``profile`` for loan_tags)."""
    if not table_exists(wh, table):
        return False
    if profile is None:
        return bool(wh.scalar(f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE as_of = ? LIMIT 1)", [as_of]))
    return bool(wh.scalar(
        f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE as_of = ? AND profile = ? LIMIT 1)", [as_of, profile]
    ))


def closure_sql(wh: Warehouse, as_of: date) -> tuple[str, list[Any]]:
    """A relation (ancestor_id, descendant_id, depth) for ``as_of``: the stored closure, else derived from branches."""
    if has_rows(wh, "branch_closure", as_of):
        return "(SELECT ancestor_id, descendant_id, depth FROM branch_closure WHERE as_of = ?)", [as_of]
    return (
        """(WITH RECURSIVE walk(ancestor_id, descendant_id, depth) AS (
              SELECT branch_id, branch_id, 0 FROM branches WHERE as_of = ?
              UNION ALL
              SELECT w.ancestor_id, b.branch_id, w.depth + 1
              FROM walk w JOIN branches b ON b.parent_id = w.descendant_id AND b.as_of = ?
              WHERE w.depth < 64)
            SELECT * FROM walk)""",
        [as_of, as_of],
    )


_COLUMNS = ("scope", "loan_id", "customer_id", "branch_id", "business_type", "drawdown_date", "maturity_date",
            "interest_rate", "five_class", "guarantee_type", "is_first_loan", "amount", "in_ytd", "flow_amount")


def first_loans_cte(wh: Warehouse, as_of: date) -> tuple[str, list[Any]]:
    """The CTE ``first_loans`` (first_customer_id, first_loan_id: the first loans history decides, drawn this
    year) that :func:`scoped_loans_sql` reads with ``first_loans=True``: the 首贷户 rule of ``first_loan_rule``.
    Right after a classification on demand of the date for the indicators, the rows it kept from its per-customer
    facts (``classify_kept``: no second aggregate over the history)."""
    if classify_kept.kept_first_loans(wh, as_of):
        return f"first_loans AS (SELECT * FROM {classify_kept.FIRST_LOANS_TABLE})", []
    return f"first_loans AS {first_loan_ids_relation()}", [as_of, as_of, date(as_of.year, 1, 1), as_of]


def history_first_loans(wh: Warehouse, as_of: date) -> bool:
    """Whether history decides any first loan drawn in the year to date. When none does, every loan's
    ``is_first_loan`` is the bank's flag as loaded (a customer without flags has no first loan this year), so the
    indicators need not join the first loans to every row (one aggregate over the history instead)."""
    if classify_kept.kept_first_loans(wh, as_of):
        return bool(wh.scalar(f"SELECT count(*) FROM (SELECT 1 FROM {classify_kept.FIRST_LOANS_TABLE} LIMIT 1) AS x"))
    return bool(wh.scalar(f"SELECT count(*) FROM ({any_history_first_loan_sql()}) AS x",
                          [as_of, as_of, date(as_of.year, 1, 1), as_of]))


def scoped_loans_sql(
    wh: Warehouse, as_of: date, *, profile: str, scopes: Sequence[str], nfra_flow: bool = False,
    first_loans: bool = False,
) -> tuple[str, list[Any]]:
    """The scoped loan relation: one row per (scope, loan) with the columns the aggregates use.

    With ``first_loans`` the column ``is_first_loan`` says whether the loan is one of its customer's first loans
    at this bank (the bank's flag when it supplies one, else history: ``first_loan_rule``); the caller defines the
    CTE of :func:`first_loans_cte`. Without it the column is the bank's flag as loaded."""
    year_start = date(as_of.year, 1, 1)
    restructured = " AND NOT coalesce(l.is_restructured, false)" if nfra_flow else ""
    in_ytd = f"(l.drawdown_date BETWEEN ? AND ?{restructured})"
    cols = (
        "l.loan_id, l.customer_id, l.branch_id, l.business_type, l.drawdown_date, l.maturity_date, "
        "l.interest_rate, l.five_class, l.guarantee_type, l.is_first_loan"
    )
    parts: list[str] = []
    params: list[Any] = []
    if "all_loans" in scopes:
        parts.append(
            f"SELECT 'all_loans' AS scope, {cols}, l.balance AS amount, {in_ytd} AS in_ytd, "
            f"CASE WHEN {in_ytd} THEN l.drawdown_amount ELSE 0 END AS flow_amount "
            f"FROM loans l WHERE l.as_of = ? AND {ALL_LOANS_WHERE}"
        )
        params += [year_start, as_of, year_start, as_of, as_of]
    tagged = [s for s in scopes if s != "all_loans"]
    if tagged and table_exists(wh, "loan_tags"):
        share = (
            "CASE WHEN l.balance > 0 AND t.amount < l.balance THEN CAST(CAST(("
            "CAST(round(l.drawdown_amount * 100) AS HUGEINT) * CAST(round(t.amount * 100) AS HUGEINT) * 2 "
            "+ CAST(round(l.balance * 100) AS HUGEINT)) // (2 * CAST(round(l.balance * 100) AS HUGEINT)) "
            "AS DECIMAL(38, 0)) * 0.01 AS DECIMAL(38, 2)) ELSE l.drawdown_amount END"
        )
        marks = ", ".join("?" for _ in tagged)
        parts.append(
            f"SELECT t.tag AS scope, {cols}, CAST(t.amount AS DECIMAL(38, 2)) AS amount, {in_ytd} AS in_ytd, "
            f"CASE WHEN {in_ytd} THEN {share} ELSE 0 END AS flow_amount "
            f"FROM loan_tags t JOIN loans l ON l.loan_id = t.loan_id "
            f"WHERE t.as_of = ? AND l.as_of = ? AND t.profile = ? AND t.tag IN ({marks})"
        )
        params += [year_start, as_of, year_start, as_of, as_of, as_of, profile, *tagged]
    if not parts:
        return (
            "(SELECT NULL::VARCHAR AS scope, NULL::VARCHAR AS loan_id, NULL::VARCHAR AS customer_id, "
            "NULL::VARCHAR AS branch_id, NULL::VARCHAR AS business_type, NULL::DATE AS drawdown_date, "
            "NULL::DATE AS maturity_date, NULL::DECIMAL(18,6) AS interest_rate, NULL::VARCHAR AS five_class, "
            "NULL::VARCHAR AS guarantee_type, NULL::BOOLEAN AS is_first_loan, NULL::DECIMAL(38,2) AS amount, "
            "NULL::BOOLEAN AS in_ytd, NULL::DECIMAL(38,2) AS flow_amount WHERE FALSE)",
            [],
        )
    union = "(" + " UNION ALL ".join(parts) + ")"
    if not first_loans:
        return union, params
    # the first loans history decides, joined once to every scope's rows (the CTE computed once)
    out = ", ".join(f"{is_first_loan_sql('u', 'f')} AS {c}" if c == "is_first_loan" else f"u.{c}" for c in _COLUMNS)
    return f"(SELECT {out} FROM {union} AS u LEFT JOIN first_loans f ON {first_loan_join('u', 'f')})", params


def branch_nodes(wh: Warehouse, as_of: date, subtree: str | None = None) -> pa.Table:
    """Every node (branch_id, name, parent_id, level, region_code, depth from the root) of the tree at ``as_of``."""
    closure, cparams = closure_sql(wh, as_of)
    sql = f"""
        WITH closure AS (SELECT * FROM {closure})
        SELECT b.branch_id, b.name, b.parent_id, b.level, b.region_code,
               (SELECT max(depth) FROM closure c WHERE c.descendant_id = b.branch_id) AS tree_depth
        FROM branches b WHERE b.as_of = ?
        {"AND b.branch_id IN (SELECT descendant_id FROM closure WHERE ancestor_id = ?)" if subtree else ""}
        ORDER BY tree_depth, b.branch_id
    """
    return wh.arrow(sql, [*cparams, as_of, *([subtree] if subtree else [])])


def explain_loans(
    wh: Warehouse, as_of: date, *, profile: str, scope: str, branch_id: str, where: Sequence[str] = ()
) -> pa.Table:
    """The loans behind ``scope`` at ``branch_id``'s subtree, restricted by the measure's filters."""
    history = history_first_loans(wh, as_of)
    base, params = scoped_loans_sql(wh, as_of, profile=profile, scopes=[scope], first_loans=history)
    closure, cparams = closure_sql(wh, as_of)
    first, fparams = first_loans_cte(wh, as_of) if history else ("", [])
    sql = f"""
        WITH closure AS (SELECT * FROM {closure}), {first + ', ' if first else ''}base AS (SELECT * FROM {base})
        SELECT b.loan_id, b.customer_id, b.branch_id, b.business_type, b.amount, b.flow_amount,
               b.drawdown_date, b.maturity_date, b.interest_rate, b.five_class, b.guarantee_type,
               b.is_first_loan, b.in_ytd
        FROM base b
        WHERE b.branch_id IN (SELECT descendant_id FROM closure WHERE ancestor_id = ?) AND {_pred(where)}
        ORDER BY b.amount DESC, b.loan_id
    """
    return wh.arrow(sql, [*cparams, *fparams, *params, branch_id])

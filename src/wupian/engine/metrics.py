"""Set-based loan aggregates for every branch node at once (DuckDB), for the indicator planner in wupian.metrics.

The planner hands over *names* from the indicator definitions (values such as ``amount``, filters such as
``npl``); this module owns the only SQL those names compile to (``VALUES`` / ``FILTERS``). Dates and ids are
always bound parameters.

Two-stage plan: (1) the scoped loan relation is reduced to one row per (scope, booking branch, customer),
(2) joined to ``branch_closure`` and aggregated per (scope, ancestor). Sums add up the partial sums; customer
counts are ``count(DISTINCT customer_id)`` per ancestor, so a customer served by two outlets counts once at
their common parent. Nothing is averaged across nodes: the planner recomputes ratios from these sums.

Scope ``all_loans`` = every loan of the snapshot except 转贴现 (bill_rediscount), 委托 (is_entrusted),
已核销 (written_off) and 已转让 (transferred). Every other scope = the classification output ``loan_tags`` of
the chosen profile, whose ``amount`` is the amount counted in that category (the green portion for partially
green loans; year-to-date disbursements of such loans are scaled by the same share, exactly, in fen).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pyarrow as pa

from wupian.engine.warehouse import Warehouse

ALL_LOANS_WHERE = (
    "l.business_type IS DISTINCT FROM 'bill_rediscount' AND NOT coalesce(l.is_entrusted, false) "
    "AND coalesce(l.status, '') NOT IN ('written_off', 'transferred')"
)
NPL_CLASSES = "('substandard', 'doubtful', 'loss')"

VALUES: dict[str, str] = {"amount": "amount", "flow_amount": "flow_amount"}
FILTERS: dict[str, str] = {
    "has_balance": "amount > 0",
    "ytd_flow": "in_ytd",
    "npl": f"five_class IN {NPL_CLASSES}",
    "mid_long_term": "maturity_date > drawdown_date + INTERVAL 12 MONTH",
    "credit": "guarantee_type = 'credit'",
    "first_loan": "coalesce(is_first_loan, false) AND in_ytd",
}


@dataclass(frozen=True, slots=True)
class Aggregate:
    """One column to compute per (scope, node): ``sum`` of a value, ``distinct`` customers, or ``weighted``
    (produces ``<name>__num`` = Σ value×rate and ``<name>__den`` = Σ value)."""

    name: str
    kind: str  # "sum" | "distinct" | "weighted"
    value: str | None = None
    where: tuple[str, ...] = ()


def _pred(where: Sequence[str]) -> str:
    return " AND ".join(f"({FILTERS[w]})" for w in where) if where else "TRUE"


def table_exists(wh: Warehouse, name: str) -> bool:
    """Whether the table exists (``duckdb_tables()`` is much cheaper than information_schema)."""
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


def scoped_loans_sql(
    wh: Warehouse, as_of: date, *, profile: str, scopes: Sequence[str], nfra_flow: bool = False
) -> tuple[str, list[Any]]:
    """The scoped loan relation: one row per (scope, loan) with the columns the aggregates use."""
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
            f"FROM loan_tags t JOIN loans l ON l.as_of = t.as_of AND l.loan_id = t.loan_id "
            f"WHERE t.as_of = ? AND t.profile = ? AND t.tag IN ({marks})"
        )
        params += [year_start, as_of, year_start, as_of, as_of, profile, *tagged]
    if not parts:
        return (
            "(SELECT NULL::VARCHAR AS scope, NULL::VARCHAR AS loan_id, NULL::VARCHAR AS customer_id, "
            "NULL::VARCHAR AS branch_id, NULL::VARCHAR AS business_type, NULL::DATE AS drawdown_date, "
            "NULL::DATE AS maturity_date, NULL::DECIMAL(18,6) AS interest_rate, NULL::VARCHAR AS five_class, "
            "NULL::VARCHAR AS guarantee_type, NULL::BOOLEAN AS is_first_loan, NULL::DECIMAL(38,2) AS amount, "
            "NULL::BOOLEAN AS in_ytd, NULL::DECIMAL(38,2) AS flow_amount WHERE FALSE)",
            [],
        )
    return "(" + " UNION ALL ".join(parts) + ")", params


def loan_aggregates(
    wh: Warehouse,
    as_of: date,
    *,
    profile: str,
    scopes: Sequence[str],
    aggregates: Sequence[Aggregate],
    subtree: str | None = None,
    closure_as_of: date | None = None,
    nfra_flow: bool = False,
) -> pa.Table:
    """Columns: branch_id, scope, then one column per aggregate (weighted: ``__num`` and ``__den``).

    ``closure_as_of`` picks the branch tree (default ``as_of``): prior-period figures are restated to the
    current tree so that changes compare like with like. ``subtree`` limits nodes to that branch's subtree.
    """
    tree_date = closure_as_of or as_of
    base, params = scoped_loans_sql(wh, as_of, profile=profile, scopes=scopes, nfra_flow=nfra_flow)
    closure, cparams = closure_sql(wh, tree_date)
    stage1: list[str] = []
    stage2: list[str] = []
    for a in aggregates:
        if a.kind == "sum":
            stage1.append(f"sum(CASE WHEN {_pred(a.where)} THEN {VALUES[a.value or 'amount']} ELSE 0 END) AS {a.name}")
            stage2.append(f"CAST(coalesce(sum(p.{a.name}), 0) AS DECIMAL(38, 2)) AS {a.name}")
        elif a.kind == "distinct":
            stage1.append(f"bool_or({_pred(a.where)}) AS {a.name}")
            stage2.append(f"count(DISTINCT p.customer_id) FILTER (WHERE p.{a.name}) AS {a.name}")
        elif a.kind == "weighted":
            value = VALUES[a.value or "amount"]
            stage1.append(f"sum(CASE WHEN {_pred(a.where)} THEN {value} * interest_rate ELSE 0 END) AS {a.name}__num")
            stage1.append(f"sum(CASE WHEN {_pred(a.where)} THEN {value} ELSE 0 END) AS {a.name}__den")
            stage2.append(f"CAST(coalesce(sum(p.{a.name}__num), 0) AS DECIMAL(38, 8)) AS {a.name}__num")
            stage2.append(f"CAST(coalesce(sum(p.{a.name}__den), 0) AS DECIMAL(38, 2)) AS {a.name}__den")
        else:
            raise ValueError(f"unknown aggregate kind {a.kind!r}")
    sub_filter = ""
    sub_params: list[Any] = []
    if subtree is not None:
        sub_filter = "WHERE c.ancestor_id IN (SELECT descendant_id FROM closure WHERE ancestor_id = ?)"
        sub_params = [subtree]
    sql = f"""
        WITH closure AS (SELECT * FROM {closure}),
        base AS (SELECT * FROM {base}),
        per_customer AS (
            SELECT scope, branch_id, customer_id, {', '.join(stage1)}
            FROM base GROUP BY scope, branch_id, customer_id)
        SELECT c.ancestor_id AS branch_id, p.scope, {', '.join(stage2)}
        FROM per_customer p JOIN closure c ON c.descendant_id = p.branch_id
        {sub_filter}
        GROUP BY c.ancestor_id, p.scope
        ORDER BY 1, 2
    """
    return wh.arrow(sql, [*cparams, *params, *sub_params])


def prior_balances(
    wh: Warehouse,
    dates: Sequence[tuple[date, Sequence[str]]],
    *,
    profile: str,
    closure_as_of: date,
    subtree: str | None = None,
) -> pa.Table:
    """Σ counted amount per (snapshot date, node, scope) for several prior dates in one pass, rolled up the
    tree of ``closure_as_of``. ``dates`` pairs each date with the scopes usable at that date."""
    closure, cparams = closure_sql(wh, closure_as_of)
    parts: list[str] = []
    params: list[Any] = [*cparams]
    for day, scopes in dates:
        if not scopes:
            continue
        base, bparams = scoped_loans_sql(wh, day, profile=profile, scopes=scopes)
        parts.append(f"SELECT CAST(? AS DATE) AS snap, scope, branch_id, amount FROM {base}")
        params += [day, *bparams]
    if not parts:
        return pa.table({"snap": pa.array([], pa.date32()), "branch_id": pa.array([], pa.string()),
                         "scope": pa.array([], pa.string()), "balance": pa.array([], pa.decimal128(38, 2))})
    sub = "WHERE c.ancestor_id IN (SELECT descendant_id FROM closure WHERE ancestor_id = ?)" if subtree else ""
    sql = f"""
        WITH closure AS (SELECT * FROM {closure}),
        b AS (SELECT snap, scope, branch_id, sum(amount) AS amount FROM ({' UNION ALL '.join(parts)}) GROUP BY ALL)
        SELECT b.snap, c.ancestor_id AS branch_id, b.scope, CAST(sum(b.amount) AS DECIMAL(38, 2)) AS balance
        FROM b JOIN closure c ON c.descendant_id = b.branch_id {sub}
        GROUP BY ALL
    """
    return wh.arrow(sql, [*params, *([subtree] if subtree else [])])


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
    base, params = scoped_loans_sql(wh, as_of, profile=profile, scopes=[scope])
    closure, cparams = closure_sql(wh, as_of)
    sql = f"""
        WITH closure AS (SELECT * FROM {closure}), base AS (SELECT * FROM {base})
        SELECT b.loan_id, b.customer_id, b.branch_id, b.business_type, b.amount, b.flow_amount,
               b.drawdown_date, b.maturity_date, b.interest_rate, b.five_class, b.guarantee_type,
               b.is_first_loan, b.in_ytd
        FROM base b
        WHERE b.branch_id IN (SELECT descendant_id FROM closure WHERE ancestor_id = ?) AND {_pred(where)}
        ORDER BY b.amount DESC, b.loan_id
    """
    return wh.arrow(sql, [*cparams, *params, branch_id])

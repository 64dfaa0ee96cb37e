"""Set-based non-loan aggregates per branch node: registry coverage, service activations, accounts,
processing times (Chinese working days) and activities; plus the peers and targets rows for a date.

Attribution (data contract): a registry member belongs to the registry row's ``branch_id``, else to the
matched customer's managing branch, else to the root of the tree (reported as unassigned in worklists);
accounts to the account's branch, else the customer's managing branch; processes and activities to their
branch. Every figure is then rolled up through ``branch_closure``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import pyarrow as pa

from wupian.engine.metrics import ALL_LOANS_WHERE, closure_sql, has_rows, table_exists
from wupian.engine.warehouse import Warehouse
from wupian.reference.calendar import WorkCalendar


def root_branch(wh: Warehouse, as_of: date) -> str | None:
    return wh.scalar(
        "SELECT min(branch_id) FROM branches WHERE as_of = ? AND (parent_id IS NULL OR parent_id = '')", [as_of]
    )


def registries_at(wh: Warehouse, as_of: date) -> list[str]:
    """Registry names with at least one member valid on ``as_of``."""
    return [r["registry"] for r in wh.rows(
        "SELECT DISTINCT registry FROM registries WHERE as_of = ? AND (valid_from IS NULL OR valid_from <= ?) "
        "AND (valid_to IS NULL OR valid_to >= ?) ORDER BY 1", [as_of, as_of, as_of]
    )]


# A member's customer is lent to when it has a loan of the date with a balance, in scope. The test is applied
# after the join with the members' customers (an aggregate FILTER and HAVING, the same rows and sums as a WHERE):
# in a WHERE it reaches the loans' scan, whose estimate then falls below the members' and the join builds its
# hash table on every loan of the date (10M loans: 3.1 → 1.9 s CPU for the statement; issue 14, session 12).
# ``cust`` holds the members' customers only: every reader joins it with the members by id code (or with their
# loans), so the rows of other customers never reached a result — they were only materialised (10M: −0.35 s CPU).
LENT = f"l.balance > 0 AND {ALL_LOANS_WHERE}"


def _members_sql(as_of: date, registry: str | Sequence[str], root: str | None) -> tuple[str, list[Any]]:
    """Members of ``registry`` (or of each of several registries: a ``registry`` column tells them apart, and
    the loans and customers are read once for all of them) valid on ``as_of``."""
    names = [registry] if isinstance(registry, str) else list(registry)
    marks = ", ".join("?" for _ in names) or "NULL"
    sql = f"""
        WITH reg AS (
            SELECT registry, id_code, arg_min(name, coalesce(valid_from, DATE '1900-01-01')) AS name,
                   arg_min(attribute, coalesce(valid_from, DATE '1900-01-01')) AS attribute,
                   arg_min(branch_id, coalesce(valid_from, DATE '1900-01-01')) AS reg_branch
            FROM registries
            WHERE as_of = ? AND registry IN ({marks}) AND (valid_from IS NULL OR valid_from <= ?)
              AND (valid_to IS NULL OR valid_to >= ?)
            GROUP BY registry, id_code),
        cust AS (SELECT customer_id, id_code, branch_id, credit_limit_total FROM customers
                 WHERE as_of = ? AND id_code IN (SELECT id_code FROM reg)),
        acct AS (SELECT DISTINCT customer_id FROM accounts
                 WHERE as_of = ? AND opened_at <= ? AND (closed_at IS NULL OR closed_at > ?)),
        lent AS (SELECT l.customer_id, sum(l.balance) FILTER (WHERE {LENT}) AS balance FROM loans l
                 JOIN (SELECT DISTINCT customer_id FROM cust WHERE id_code IN (SELECT id_code FROM reg)) AS mc
                   ON mc.customer_id = l.customer_id
                 WHERE l.as_of = ?
                 GROUP BY l.customer_id HAVING bool_or({LENT})),
        lent_member AS (SELECT c.id_code, sum(n.balance) AS balance FROM cust c
                        JOIN lent n ON n.customer_id = c.customer_id GROUP BY c.id_code)
        SELECT r.registry, r.id_code, r.name, r.attribute, min(c.customer_id) AS customer_id,
               coalesce(r.reg_branch, min(c.branch_id), ?) AS branch_id,
               (r.reg_branch IS NULL AND min(c.branch_id) IS NULL) AS unassigned,
               coalesce(bool_or(a.customer_id IS NOT NULL), false) AS has_account,
               coalesce(bool_or(c.credit_limit_total > 0), false) AS has_credit,
               coalesce(bool_or(n.customer_id IS NOT NULL), false) AS has_loan,
               CAST(coalesce(any_value(lm.balance), 0) AS DECIMAL(38, 2)) AS loan_balance
        FROM reg r
        LEFT JOIN cust c ON c.id_code = r.id_code
        LEFT JOIN acct a ON a.customer_id = c.customer_id
        LEFT JOIN lent n ON n.customer_id = c.customer_id
        LEFT JOIN lent_member lm ON lm.id_code = r.id_code
        GROUP BY r.registry, r.id_code, r.name, r.attribute, r.reg_branch
    """
    return sql, [as_of, *names, as_of, as_of, as_of, as_of, as_of, as_of, as_of, root]


def registry_members(wh: Warehouse, as_of: date, registry: str) -> pa.Table:
    """One row per member valid on ``as_of``: id_code, name, attribute, customer_id, responsible branch_id,
    unassigned, has_account, has_credit, has_loan, loan_balance (Σ balance of the member's in-scope loans)."""
    sql, params = _members_sql(as_of, registry, root_branch(wh, as_of))
    return wh.arrow(
        "SELECT id_code, name, attribute, customer_id, branch_id, unassigned, has_account, has_credit, has_loan, "
        f"loan_balance FROM ({sql}) AS m ORDER BY branch_id, id_code", params)


def coverage_by_node(wh: Warehouse, as_of: date, registry: str, subtree: str | None = None) -> pa.Table:
    """Per node and attribute (NULL = all attributes): members, with_account, with_credit, with_loan,
    loan_balance."""
    msql, mparams = _members_sql(as_of, registry, root_branch(wh, as_of))
    closure, cparams = closure_sql(wh, as_of)
    sub = "WHERE c.ancestor_id IN (SELECT descendant_id FROM closure WHERE ancestor_id = ?)" if subtree else ""
    sql = f"""
        WITH closure AS (SELECT * FROM {closure}), m AS ({msql})
        SELECT c.ancestor_id AS branch_id, m.attribute, grouping(m.attribute) AS all_attributes,
               count(*) AS members, count(*) FILTER (WHERE has_account) AS with_account,
               count(*) FILTER (WHERE has_credit) AS with_credit, count(*) FILTER (WHERE has_loan) AS with_loan,
               CAST(sum(m.loan_balance) AS DECIMAL(38, 2)) AS loan_balance
        FROM m JOIN closure c ON c.descendant_id = m.branch_id
        {sub}
        GROUP BY GROUPING SETS ((c.ancestor_id), (c.ancestor_id, m.attribute))
        ORDER BY 1, 2 NULLS FIRST
    """
    return wh.arrow(sql, [*cparams, *mparams, *([subtree] if subtree else [])])


def coverage_by_registry_node(wh: Warehouse, as_of: date, registries: Sequence[str],
                              subtree: str | None = None) -> pa.Table:
    """``coverage_by_node`` of several registries in one statement (members built once, one scan of the loans
    and customers for all of them), with a leading ``registry`` column; ordered by registry, then as there."""
    if not registries:
        return coverage_by_node(wh, as_of, "", subtree).append_column("registry", pa.array([], pa.string()))
    msql, mparams = _members_sql(as_of, registries, root_branch(wh, as_of))
    closure, cparams = closure_sql(wh, as_of)
    sub = "WHERE c.ancestor_id IN (SELECT descendant_id FROM closure WHERE ancestor_id = ?)" if subtree else ""
    sql = f"""
        WITH closure AS (SELECT * FROM {closure}), m AS ({msql})
        SELECT m.registry, c.ancestor_id AS branch_id, m.attribute, grouping(m.attribute) AS all_attributes,
               count(*) AS members, count(*) FILTER (WHERE has_account) AS with_account,
               count(*) FILTER (WHERE has_credit) AS with_credit, count(*) FILTER (WHERE has_loan) AS with_loan,
               CAST(sum(m.loan_balance) AS DECIMAL(38, 2)) AS loan_balance
        FROM m JOIN closure c ON c.descendant_id = m.branch_id
        {sub}
        GROUP BY GROUPING SETS ((m.registry, c.ancestor_id), (m.registry, c.ancestor_id, m.attribute))
        ORDER BY 1, 2, 3 NULLS FIRST, 4 DESC
    """
    return wh.arrow(sql, [*cparams, *mparams, *([subtree] if subtree else [])])


def services_by_node(wh: Warehouse, as_of: date, registry: str, subtree: str | None = None) -> pa.Table:
    """Per node, service and attribute (NULL = all): members and members with the service active on ``as_of``."""
    if not has_rows(wh, "service_activations", as_of):
        return pa.table({"branch_id": [], "service": [], "attribute": [], "all_attributes": [],
                         "members": [], "activated": []})
    msql, mparams = _members_sql(as_of, registry, root_branch(wh, as_of))
    closure, cparams = closure_sql(wh, as_of)
    sub = "AND c.ancestor_id IN (SELECT descendant_id FROM closure WHERE ancestor_id = ?)" if subtree else ""
    sql = f"""
        WITH closure AS (SELECT * FROM {closure}), m AS ({msql}),
        act AS (
            SELECT DISTINCT s.service, coalesce(s.id_code, cu.id_code) AS id_code
            FROM service_activations s
            LEFT JOIN customers cu ON cu.as_of = s.as_of AND cu.customer_id = s.customer_id
            WHERE s.as_of = ? AND s.activated_at <= ? AND (s.deactivated_at IS NULL OR s.deactivated_at > ?)),
        services AS (SELECT DISTINCT act.service FROM act JOIN m ON m.id_code = act.id_code),
        grid AS (SELECT sv.service, m.* FROM services sv CROSS JOIN m)
        SELECT c.ancestor_id AS branch_id, g.service, g.attribute, grouping(g.attribute) AS all_attributes,
               count(*) AS members, count(a.id_code) AS activated
        FROM grid g
        LEFT JOIN act a ON a.service = g.service AND a.id_code = g.id_code
        JOIN closure c ON c.descendant_id = g.branch_id
        WHERE TRUE {sub}
        GROUP BY GROUPING SETS ((c.ancestor_id, g.service), (c.ancestor_id, g.service, g.attribute))
        ORDER BY 1, 2, 3 NULLS FIRST
    """
    return wh.arrow(sql, [*cparams, *mparams, as_of, as_of, as_of, *([subtree] if subtree else [])])


def accounts_by_node(
    wh: Warehouse, as_of: date, *, closure_as_of: date | None = None, subtree: str | None = None
) -> pa.Table:
    """Per node and account type: open accounts on ``as_of`` (snapshot ``as_of``), rolled up the tree of
    ``closure_as_of`` (default ``as_of``)."""
    closure, cparams = closure_sql(wh, closure_as_of or as_of)
    sub = "WHERE c.ancestor_id IN (SELECT descendant_id FROM closure WHERE ancestor_id = ?)" if subtree else ""
    sql = f"""
        WITH closure AS (SELECT * FROM {closure}),
        a AS (
            SELECT a.account_type, coalesce(a.branch_id, cu.branch_id) AS branch_id, count(*) AS n
            FROM accounts a LEFT JOIN customers cu ON cu.as_of = a.as_of AND cu.customer_id = a.customer_id
            WHERE a.as_of = ? AND a.opened_at <= ? AND (a.closed_at IS NULL OR a.closed_at > ?)
            GROUP BY ALL)
        SELECT c.ancestor_id AS branch_id, a.account_type, sum(a.n)::BIGINT AS count
        FROM a JOIN closure c ON c.descendant_id = a.branch_id
        {sub}
        GROUP BY ALL ORDER BY 1, 2
    """
    return wh.arrow(sql, [*cparams, as_of, as_of, as_of, *([subtree] if subtree else [])])


def processes_by_node(
    wh: Warehouse, as_of: date, *, subtree: str | None = None
) -> tuple[pa.Table, tuple[int, ...]]:
    """Per node and process, cases finished in the year to date: cases, Σ working days, Σ seconds,
    online cases. Also returns the years for which the weekend-only calendar fallback was used."""
    year_start = date(as_of.year, 1, 1)
    first = wh.scalar(
        "SELECT min(started_at)::DATE FROM processes WHERE as_of = ? AND finished_at::DATE BETWEEN ? AND ?",
        [as_of, year_start, as_of],
    )
    empty = pa.table({"branch_id": [], "process": [], "cases": [], "working_days": [], "seconds": [],
                      "online": []})
    if first is None:
        return empty, ()
    cal = WorkCalendar()
    index = cal.cumulative_index(min(first, year_start) - timedelta(days=1), as_of)
    wh.register("wp_work_calendar", pa.table({
        "day": pa.array([d for d, _ in index], pa.date32()),
        "idx": pa.array([n for _, n in index], pa.int64()),
    }))
    closure, cparams = closure_sql(wh, as_of)
    root = root_branch(wh, as_of)
    sub = "WHERE c.ancestor_id IN (SELECT descendant_id FROM closure WHERE ancestor_id = ?)" if subtree else ""
    sql = f"""
        WITH closure AS (SELECT * FROM {closure}),
        p AS (
            SELECT p.process, coalesce(p.branch_id, ?) AS branch_id,
                   cf.idx - cs.idx AS wdays,
                   CAST(epoch(p.finished_at) - epoch(p.started_at) AS BIGINT) AS secs,
                   p.channel = 'online' AS online
            FROM processes p
            JOIN wp_work_calendar cs ON cs.day = p.started_at::DATE
            JOIN wp_work_calendar cf ON cf.day = p.finished_at::DATE
            WHERE p.as_of = ? AND p.finished_at::DATE BETWEEN ? AND ? AND p.finished_at >= p.started_at)
        SELECT c.ancestor_id AS branch_id, p.process, count(*) AS cases, sum(p.wdays)::BIGINT AS working_days,
               sum(p.secs)::BIGINT AS seconds, count(*) FILTER (WHERE p.online) AS online
        FROM p JOIN closure c ON c.descendant_id = p.branch_id
        {sub}
        GROUP BY ALL ORDER BY 1, 2
    """
    try:
        out = wh.arrow(sql, [*cparams, root, as_of, year_start, as_of, *([subtree] if subtree else [])])
    finally:
        wh.unregister("wp_work_calendar")
    return out, cal.fallback_years()


def activities_by_node(wh: Warehouse, as_of: date, *, subtree: str | None = None) -> pa.Table:
    """Per node and activity, year to date: Σ count (a row without a count is one occurrence), Σ people."""
    closure, cparams = closure_sql(wh, as_of)
    sub = "WHERE c.ancestor_id IN (SELECT descendant_id FROM closure WHERE ancestor_id = ?)" if subtree else ""
    sql = f"""
        WITH closure AS (SELECT * FROM {closure}),
        a AS (SELECT branch_id, activity, sum(coalesce(count, 1)) AS n, sum(people) AS people
              FROM activities WHERE as_of = ? AND date BETWEEN ? AND ? GROUP BY ALL)
        SELECT c.ancestor_id AS branch_id, a.activity, sum(a.n)::BIGINT AS count, sum(a.people)::BIGINT AS people
        FROM a JOIN closure c ON c.descendant_id = a.branch_id
        {sub}
        GROUP BY ALL ORDER BY 1, 2
    """
    return wh.arrow(sql, [*cparams, as_of, date(as_of.year, 1, 1), as_of, *([subtree] if subtree else [])])


def peers_at(wh: Warehouse, as_of: date) -> list[dict[str, Any]]:
    if not table_exists(wh, "peers"):
        return []
    return wh.rows("SELECT peer, indicator_id, value, region_code FROM peers WHERE as_of = ? ORDER BY 1, 2", [as_of])


def targets_for(wh: Warehouse, year: int) -> list[dict[str, Any]]:
    if not table_exists(wh, "targets"):
        return []
    return wh.rows("SELECT branch_id, indicator_id, target FROM targets WHERE year = ? ORDER BY 1, 2", [year])

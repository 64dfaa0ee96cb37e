"""Per-customer facts for one snapshot, computed in one SQL pass: enterprise size, 单户授信, registries, 首贷户.

* Size per 工信部联企业〔2011〕300号: the customer's industry code joins the group table, the group's thresholds
  are compared indicator by indicator (all lower bounds of a class must be met; micro = anything below small).
* 单户授信总额: ``customers.credit_limit_total``; when blank, the larger of the customer's summed outstanding
  balances and summed amounts drawn on those loans (A3302 “表内外授信余额和实际审批贷款额度的较大值”, with the
  drawn amount standing in for the approved amount, which the contract does not carry).
* Registries valid on the as-of date (valid_from/valid_to inclusive, blank = open), matched on id_code.
* 首贷户: the bank's own ``is_first_loan`` flag when supplied, else the earliest drawdown over every loaded
  snapshot (and ``first_credit_date``) — first loan at this bank, legal-entity level.

The result is kept in the warehouse table ``customer_facts`` (replaced per as-of date, with its ``lineage`` row)
and in the temp table
``cls_cust`` that the loan classification joins.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pyarrow as pa

from wupian.engine import lineage
from wupian.engine.classify_facts import FACTS
from wupian.engine.loan_scope import own_lending_sql
from wupian.engine.warehouse import Warehouse
from wupian.reference.size_standard import INDICATOR_ZH, size_group_rows, thresholds

CUSTOMER_FACTS_DDL = """CREATE TABLE IF NOT EXISTS customer_facts (
    as_of DATE, customer_id VARCHAR, customer_type VARCHAR, industry_code VARCHAR, size_group VARCHAR,
    declared_size VARCHAR, derived_size VARCHAR, size_used VARCHAR, size_source VARCHAR, size_note VARCHAR,
    credit_total DECIMAL(38,2), credit_source VARCHAR, registries VARCHAR,
    is_first_loan_customer BOOLEAN, first_loan_date DATE, first_loan_id VARCHAR, first_loan_source VARCHAR)"""

SIZED_TYPES = ("enterprise", "other_org", "sole_proprietor")
_IND_ORDER = {"employees": 1, "revenue": 2, "assets": 3}


def register_size_reference(wh: Warehouse, as_of: date, registry_labels: tuple[tuple[str, str], ...]) -> None:
    """Expose the size-standard tables and registry labels to SQL for this connection."""
    groups = size_group_rows()
    wh.register("ref_size_groups", pa.table({"code": [g[0] for g in groups], "group_id": [g[1] for g in groups]}))
    rows = thresholds(as_of)
    scale = [1 if t.indicator == "employees" else 10_000 for t in rows]
    wh.register(
        "ref_size_thresholds",
        pa.table({
            "group_id": [t.group_id for t in rows],
            "group_name": [t.group_name for t in rows],
            "indicator": [t.indicator for t in rows],
            "indicator_zh": [INDICATOR_ZH[t.indicator] for t in rows],
            "ord": [_IND_ORDER[t.indicator] for t in rows],
            "large_min": pa.array([t.large_min * s for t, s in zip(rows, scale, strict=True)], pa.decimal128(38, 2)),
            "medium_min": pa.array([t.medium_min * s for t, s in zip(rows, scale, strict=True)], pa.decimal128(38, 2)),
            "small_min": pa.array([t.small_min * s for t, s in zip(rows, scale, strict=True)], pa.decimal128(38, 2)),
        }),
    )
    wh.register(
        "ref_registry_labels",
        pa.table({"registry": [r for r, _ in registry_labels], "label": [z for _, z in registry_labels]}),
    )


def registry_snapshot(wh: Warehouse, as_of: date) -> date | None:
    """The registries snapshot to use: this date's, else the latest earlier one that has registry rows."""
    return wh.scalar("SELECT max(as_of) FROM registries WHERE as_of <= ?", [as_of])


_WAN_SHORT = (
    "regexp_replace(regexp_replace(CAST(CAST(round({x} * 0.0001, 2) AS DECIMAL(38,2)) AS VARCHAR), '0+$', ''), '\\.$', '')"
)
_SIZE_ZH = FACTS["size_used"].render("zh")


def build_customer_facts(wh: Warehouse, as_of: date, size_basis: str = "declared_first", *,
                         store: bool = True) -> None:
    """Create temp table ``cls_cust`` and, with ``store``, replace ``customer_facts`` rows of ``as_of`` (an
    explanation passes ``store=False``: it reads the temp table only and writes nothing to the warehouse)."""
    if size_basis not in ("declared_first", "derived_first"):
        raise ValueError(f"unknown size basis {size_basis!r}")
    reg_as_of = registry_snapshot(wh, as_of)
    year_start = date(as_of.year, 1, 1)
    declared_ok = "(c.declared_size IS NOT NULL AND NOT (c.declared_size = 'none' AND c.customer_type IN ('enterprise','other_org','sole_proprietor')))"
    if size_basis == "declared_first":
        used = f"CASE WHEN {declared_ok} THEN c.declared_size ELSE s.derived_size END"
        source = f"CASE WHEN {declared_ok} THEN 'declared' WHEN s.derived_size IS NOT NULL THEN 'derived' END"
    else:
        used = f"CASE WHEN s.derived_size IS NOT NULL THEN s.derived_size WHEN {declared_ok} THEN c.declared_size END"
        source = f"CASE WHEN s.derived_size IS NOT NULL THEN 'derived' WHEN {declared_ok} THEN 'declared' END"
    derived_zh = _SIZE_ZH.replace('"size_used"', "s.derived_size")
    sql = f"""
CREATE OR REPLACE TEMP TABLE cls_cust AS
WITH c AS (
    SELECT *,
        CASE WHEN regexp_matches(upper(trim(industry_code)), '^[A-T][0-9]') THEN substr(upper(trim(industry_code)), 2)
             ELSE upper(trim(industry_code)) END AS ind_norm
    FROM customers WHERE as_of = $as_of
),
grp AS (
    SELECT c.customer_id, g.group_id FROM c JOIN ref_size_groups g ON g.code = c.ind_norm
    WHERE c.customer_type IN ('enterprise', 'other_org', 'sole_proprietor')
),
iv AS (
    SELECT grp.customer_id, grp.group_id, t.group_name, t.indicator, t.indicator_zh, t.ord,
        t.large_min, t.medium_min, t.small_min,
        CASE t.indicator WHEN 'employees' THEN CAST(c.employees AS DECIMAL(38,2))
                         WHEN 'revenue' THEN c.revenue ELSE c.total_assets END AS v
    FROM grp JOIN c ON c.customer_id = grp.customer_id JOIN ref_size_thresholds t ON t.group_id = grp.group_id
),
s AS (
    SELECT customer_id, group_id, any_value(group_name) AS group_name,
        bool_and(v IS NOT NULL) AS complete,
        bool_and(v >= large_min) AS is_large, bool_and(v >= medium_min) AS is_medium,
        bool_and(v >= small_min) AS is_small,
        bool_or(indicator = 'employees') AS uses_emp, bool_or(indicator = 'revenue') AS uses_rev,
        bool_or(indicator = 'assets') AS uses_ast,
        max(v) FILTER (WHERE indicator = 'employees') AS emp, max(v) FILTER (WHERE indicator = 'revenue') AS rev,
        max(v) FILTER (WHERE indicator = 'assets') AS ast
    FROM iv GROUP BY customer_id, group_id
),
s2 AS (
    SELECT *, CASE WHEN NOT complete THEN NULL WHEN is_large THEN 'large' WHEN is_medium THEN 'medium'
                   WHEN is_small THEN 'small' ELSE 'micro' END AS derived_size
    FROM s
),
lc AS (
    SELECT customer_id,
        sum(balance) FILTER (WHERE balance > 0) AS bal,
        sum(drawdown_amount) FILTER (WHERE balance > 0) AS drawn,
        max(drawdown_amount) AS max_drawn
    FROM loans
    WHERE as_of = $as_of AND {own_lending_sql('')}
    GROUP BY customer_id
),
reg AS (
    SELECT upper(trim(r.id_code)) AS idk,
        list_sort(list_distinct(list(r.registry))) AS registries,
        string_agg(concat(lbl.label, '（', COALESCE(CAST(r.valid_from AS VARCHAR), '不限'), '至',
                          COALESCE(CAST(r.valid_to AS VARCHAR), '长期'), '）'), '、' ORDER BY r.registry)
            FILTER (WHERE lbl.label IS NOT NULL) AS note
    FROM registries r LEFT JOIN ref_registry_labels lbl ON lbl.registry = r.registry
    WHERE r.as_of = $reg_as_of AND (r.valid_from IS NULL OR r.valid_from <= $as_of)
      AND (r.valid_to IS NULL OR r.valid_to >= $as_of)
    GROUP BY 1
),
hist AS (
    SELECT customer_id, loan_id, drawdown_date, is_first_loan FROM loans
    WHERE as_of <= $as_of AND {own_lending_sql('')}
),
fl AS (
    SELECT customer_id,
        bool_or(is_first_loan IS NOT NULL) AS has_flag,
        min(drawdown_date) FILTER (WHERE is_first_loan) AS flag_date,
        arg_min(loan_id, (drawdown_date, loan_id)) FILTER (WHERE is_first_loan) AS flag_loan,
        min(drawdown_date) AS hist_date,
        arg_min(loan_id, (drawdown_date, loan_id)) AS hist_loan
    FROM hist GROUP BY customer_id
),
joined AS (
    SELECT c.customer_id, c.customer_type, c.industry_code, c.id_code, c.pension_revenue_share,
        s.group_id AS size_group, c.declared_size, s.derived_size,
        {used} AS size_used, {source} AS size_source,
        s.group_name,
        CASE WHEN s.group_id IS NOT NULL THEN concat_ws('、',
            CASE WHEN s.uses_emp THEN concat('从业人员', COALESCE(CAST(CAST(s.emp AS BIGINT) AS VARCHAR), '未填'), '人') END,
            CASE WHEN s.uses_rev THEN concat('营业收入', COALESCE({_WAN_SHORT.format(x='s.rev')}, '未填'), '万元') END,
            CASE WHEN s.uses_ast THEN concat('资产总额', COALESCE({_WAN_SHORT.format(x='s.ast')}, '未填'), '万元') END)
        END AS figures,
        COALESCE(c.credit_limit_total,
                 CASE WHEN lc.bal IS NOT NULL THEN greatest(lc.bal, lc.drawn) ELSE lc.max_drawn END) AS credit_total,
        CASE WHEN c.credit_limit_total IS NOT NULL THEN 'declared' WHEN lc.customer_id IS NOT NULL THEN 'loans' END
            AS credit_source,
        reg.registries, reg.note AS registries_note,
        CASE WHEN fl.has_flag THEN 'flag' WHEN fl.customer_id IS NOT NULL OR c.first_credit_date IS NOT NULL
             THEN 'history' END AS first_loan_source,
        CASE WHEN fl.has_flag THEN fl.flag_date
             ELSE least(fl.hist_date, c.first_credit_date) END AS first_loan_date,
        CASE WHEN fl.has_flag THEN fl.flag_loan
             WHEN c.first_credit_date IS NOT NULL AND c.first_credit_date < fl.hist_date THEN NULL
             ELSE fl.hist_loan END AS first_loan_id,
        {derived_zh} AS derived_zh
    FROM c
    LEFT JOIN s2 s ON s.customer_id = c.customer_id
    LEFT JOIN lc ON lc.customer_id = c.customer_id
    LEFT JOIN reg ON reg.idk = upper(trim(c.id_code))
    LEFT JOIN fl ON fl.customer_id = c.customer_id
)
SELECT *,
    CASE WHEN size_source = 'derived' THEN concat(group_name, '：', figures)
         WHEN size_source = 'declared' AND derived_size IS NOT NULL
             THEN concat('申报；测算=', derived_zh, '，', group_name, '：', figures)
         WHEN size_source = 'declared' THEN '申报' END AS size_note,
    CASE credit_source WHEN 'declared' THEN '单户授信总额'
         WHEN 'loans' THEN '未报单户授信总额，按贷款余额合计与发放金额合计的较大值推算' END AS credit_note,
    COALESCE(first_loan_date BETWEEN $year_start AND $as_of, FALSE) AS is_first_loan_customer
FROM joined
"""
    params: dict[str, Any] = {"as_of": as_of, "reg_as_of": reg_as_of, "year_start": year_start}
    wh.execute(sql, params)
    if not store:
        return
    wh.execute(CUSTOMER_FACTS_DDL)
    with wh.transaction():
        wh.execute("DELETE FROM customer_facts WHERE as_of = ?", [as_of])
        wh.execute(
            """INSERT INTO customer_facts SELECT ?, customer_id, customer_type, industry_code, size_group,
                   declared_size, derived_size, size_used, size_source, size_note, credit_total, credit_source,
                   array_to_string(registries, ','), is_first_loan_customer, first_loan_date, first_loan_id,
                   first_loan_source
               FROM cls_cust""",
            [as_of],
        )
        lineage.record(wh.con, "customer_facts", as_of, lineage.NO_PROFILE, versions=lineage.versions(),
                       params={"size_basis": size_basis})


def size_disagreements(wh: Warehouse, as_of: date, limit: int = 1000) -> tuple[int, list[dict[str, Any]]]:
    """(total, first ``limit`` customers) whose declared size differs from the size derived per the standard."""
    where = """derived_size IS NOT NULL AND declared_size IS NOT NULL AND declared_size <> 'none'
               AND declared_size <> derived_size"""
    total = int(wh.scalar(f"SELECT count(*) FROM cls_cust WHERE {where}") or 0)
    rows = wh.rows(
        f"""SELECT customer_id, customer_type, industry_code, declared_size, derived_size, group_name, figures
            FROM cls_cust WHERE {where} ORDER BY customer_id LIMIT ?""",
        [limit],
    ) if total else []
    return total, rows

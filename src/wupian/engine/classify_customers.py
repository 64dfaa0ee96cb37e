"""Per-customer facts for one snapshot, computed in one SQL pass: enterprise size, 单户授信, registries, 首贷户.

* Size per 工信部联企业〔2011〕300号: the customer's industry code joins the group table, the group's thresholds
  are compared indicator by indicator (all lower bounds of a class must be met; micro = anything below small).
* 单户授信总额: ``customers.credit_limit_total``; when blank, the larger of the customer's summed outstanding
  balances and summed amounts drawn on those loans (A3302 “表内外授信余额和实际审批贷款额度的较大值”, with the
  drawn amount standing in for the approved amount, which the contract does not carry).
* Registries valid on the as-of date (valid_from/valid_to inclusive, blank = open), matched on id_code.
* 首贷户: the bank's own ``is_first_loan`` flag when supplied, else the earliest drawdown over every loaded
  snapshot (and ``first_credit_date``) — first loan at this bank, legal-entity level (``first_loan_rule``).

The result is kept in the temp table ``cls_cust`` that the loan classification joins and, when a caller asks
(``store``), in the warehouse table ``customer_facts`` (replaced per as-of date, with its ``lineage`` row; a Parquet
part of the date on DuckDB). ``customer_facts`` holds the facts of the date's **borrowers** (the customers with a
loan of the date, ``cls_cust.borrower``; issue 14, session 11: the 2M bench bank's 95k of 667k customers — nothing
reads the stored rows of the others). A classification builds ``cls_cust`` for the date's borrowers only
(``borrowers_only``: the tagging joins nothing else); an explicit one stores them, one on demand stores nothing;
``customer_fact_rows`` computes the facts of every customer where they are read. The size check
(``size_disagreements``) covers every customer, from ``customers`` directly.
"""

from __future__ import annotations

import weakref
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pyarrow as pa

from wupian.engine import lineage
from wupian.engine.classify_facts import CUSTOMER_FACTS, FACTS
from wupian.engine.classify_review import purpose_industry_sql
from wupian.engine.first_loan_rule import (
    first_loan_date_sql,
    first_loan_id_sql,
    first_loan_source_sql,
    flags_present_sql,
    history_aggregates,
)
from wupian.engine.loan_scope import own_lending_sql
from wupian.engine.parts import DERIVED_PARTS, derived_ddl
from wupian.engine.warehouse import Warehouse
from wupian.reference.size_standard import size_group_rows, thresholds

CUSTOMER_FACTS_DDL = derived_ddl("customer_facts")

SIZED_TYPES = ("enterprise", "other_org", "sole_proprietor")
_IND_KEY = {"employees": "emp", "revenue": "rev", "assets": "ast"}  # indicator → column prefix


def register_size_reference(wh: Warehouse, as_of: date, registry_labels: tuple[tuple[str, str], ...]) -> None:
    """Expose the size-standard tables and registry labels to SQL for this connection."""
    groups = size_group_rows()
    wh.register("ref_size_groups", pa.table({"code": [g[0] for g in groups], "group_id": [g[1] for g in groups]}))
    # One row per industry group: for each indicator its three lower bounds, NULL where the group does not
    # use it — each customer is sized by comparisons on one joined row (no per-indicator rows to group).
    rows = thresholds(as_of)
    by_group: dict[str, dict[str, Any]] = {}
    for t in rows:
        g = by_group.setdefault(t.group_id, {"group_name": t.group_name})
        scale = 1 if t.indicator == "employees" else 10_000
        for bound in ("large", "medium", "small"):
            g[f"{_IND_KEY[t.indicator]}_{bound}"] = getattr(t, f"{bound}_min") * scale
    cols: dict[str, Any] = {
        "group_id": pa.array(list(by_group), pa.string()),
        "group_name": pa.array([g["group_name"] for g in by_group.values()], pa.string()),
    }
    for ind in _IND_KEY.values():
        for bound in ("large", "medium", "small"):
            cols[f"{ind}_{bound}"] = pa.array([g.get(f"{ind}_{bound}") for g in by_group.values()],
                                              pa.decimal128(38, 2))
    wh.register("ref_size_groups_pivot", pa.table(cols))
    wh.register(
        "ref_registry_labels",
        pa.table({"registry": [r for r, _ in registry_labels], "label": [z for _, z in registry_labels]}),
    )


def registry_snapshot(wh: Warehouse, as_of: date) -> date | None:
    """The registries snapshot to use: this date's, else the latest earlier one that has registry rows."""
    return wh.scalar("SELECT max(as_of) FROM registries WHERE as_of <= ?", [as_of])


def first_loan_flags(wh: Warehouse, as_of: date) -> tuple[bool, bool]:
    """(any loan up to ``as_of`` has an ``is_first_loan`` that is not NULL, any has it TRUE): what the per-customer
    aggregate must compute of the flag (``first_loan_rule.history_aggregates``) — a source without the flag
    (every bench bank) spares the flag pair's ``arg_min``."""
    row = wh.rows(flags_present_sql(), [as_of])
    any_set, any_true = (row[0]["any_set"], row[0]["any_true"]) if row else (None, None)
    return bool(any_set), bool(any_true)


def _wan_text(x: str) -> str:
    """``x`` yuan as 万元 rounded to 2 decimals, trailing zeros dropped ('12.5', '12', '0.03'). Below 10^15 yuan
    (every real figure) through 64-bit DECIMAL(18,2) and plain string tests (≈ 10× cheaper than DECIMAL(38,2)
    text and a regex); larger values take the exact 38-digit route."""
    def text(p: int) -> str:
        inner = f"CAST({x} AS DECIMAL(18,2))" if p == 18 else x
        return f"CAST(CAST(round({inner} * 0.0001, 2) AS DECIMAL({p},2)) AS VARCHAR)"

    def trimmed(t: str) -> str:
        return (f"CASE WHEN {t} LIKE '%.00' THEN substr({t}, 1, length({t}) - 3) "
                f"WHEN {t} LIKE '%0' THEN substr({t}, 1, length({t}) - 1) ELSE {t} END")

    return f"CASE WHEN abs({x}) < 1000000000000000 THEN {trimmed(text(18))} ELSE {trimmed(text(38))} END"


_SIZE_ZH = FACTS["size_used"].render("zh")


def _meets(size: str) -> str:
    """Every indicator the group uses reaches its ``size`` lower bound (unused ones: NULL bounds, skipped)."""
    return " AND ".join(
        f"(p.{k}_{size} IS NULL OR {v} >= p.{k}_{size})"
        for k, v in (("emp", "CAST(c.employees AS DECIMAL(38,2))"), ("rev", "c.revenue"), ("ast", "c.total_assets"))
    )


# Warehouses inside a ``sharing_customer_facts`` block → the key of the ``cls_cust`` built (and stored) there.
_SHARING: weakref.WeakKeyDictionary[Warehouse, Hashable] = weakref.WeakKeyDictionary()


@contextmanager
def sharing_customer_facts(wh: Warehouse) -> Iterator[None]:
    """Within the block, classifications of the same date with the same size basis and registry labels (a
    month-end's two profiles) build ``cls_cust`` and write ``customer_facts`` once: the per-customer facts are a
    function of the snapshots and those options only, not of the profile. Nothing may load a snapshot inside the
    block. ``cls_cust`` is dropped when the block ends."""
    if wh in _SHARING:  # nested: the outer block owns the shared table
        yield
        return
    _SHARING[wh] = None
    try:
        yield
    finally:
        del _SHARING[wh]
        wh.execute("DROP TABLE IF EXISTS cls_cust")


def sharing(wh: Warehouse) -> bool:
    """Whether ``wh`` is inside a ``sharing_customer_facts`` block (its ``cls_cust`` outlives one classification)."""
    return wh in _SHARING


def _covers(built: Hashable, wanted: tuple[Any, ...]) -> bool:
    """Whether the ``cls_cust`` built with key ``built`` serves a call with key ``wanted`` (same date, options and
    labels; the built table holds every customer the call needs, its notes if it needs them, and was stored if
    the call stores)."""
    if not isinstance(built, tuple):
        return False
    day, basis, store, notes, labels, borrowers = wanted
    b_day, b_basis, b_store, b_notes, b_labels, b_borrowers = built
    return ((day, basis, labels) == (b_day, b_basis, b_labels) and (b_store or not store)
            and (b_notes or not notes) and (borrowers or not b_borrowers))


def build_customer_facts(wh: Warehouse, as_of: date, size_basis: str = "declared_first", *,
                         store: bool = True, notes: bool = True,
                         registry_labels: tuple[tuple[str, str], ...] | None = None,
                         borrowers_only: bool = False) -> None:
    """Create temp table ``cls_cust`` and, with ``store``, replace ``customer_facts`` rows of ``as_of`` (an
    explanation passes ``store=False``: it reads the temp table only and writes nothing to the warehouse).
    Without ``notes`` the zh note columns are left out of ``cls_cust`` and stored as NULL in ``customer_facts``:
    ``customer_fact_rows`` renders them on read, from the same inputs (issue 14: no sentences nobody reads).
    With ``borrowers_only`` ``cls_cust`` holds the customers with a loan of ``as_of`` only — each customer's row is
    the same as in the whole table; either way only those customers' rows are stored. Inside ``sharing_customer_facts``, a call with the
    same date, options and ``registry_labels`` (the labels ``register_size_reference`` registered) as the previous
    one does nothing when that one's table serves it (``_covers``): its table is still there."""
    key = (as_of, size_basis, store, notes, registry_labels, borrowers_only)
    if registry_labels is not None and sharing(wh) and _covers(_SHARING[wh], key):
        return
    build_customer_temp(wh, as_of, size_basis, notes=notes, borrowers_only=borrowers_only, stored_columns=store)
    if store:
        _store_customer_facts(wh, as_of, size_basis, notes)
    if registry_labels is not None and sharing(wh):
        _SHARING[wh] = key


def _fact_columns(size_note: str) -> str:
    """The ``customer_facts`` columns but ``as_of`` over ``cls_cust``, each cast to its stored type
    (``parts.DERIVED_PARTS``), ``size_note`` given (a column of ``cls_cust`` or a NULL)."""
    exprs = {"size_note": size_note, "registries": "array_to_string(registries, ',')"}
    return ", ".join(f"CAST({exprs.get(c, c)} AS {ty}) AS {c}" for c, ty in DERIVED_PARTS["customer_facts"][1:])


def _store_customer_facts(wh: Warehouse, as_of: date, size_basis: str, notes: bool) -> None:
    """Replace the ``customer_facts`` rows of ``as_of`` with ``cls_cust``'s rows of the date's borrowers: one new
    Parquet part on DuckDB, a DELETE and an INSERT on an engine without parts."""
    rows = f"SELECT {_fact_columns('size_note' if notes else 'CAST(NULL AS VARCHAR)')} FROM cls_cust WHERE borrower"
    parts = wh.parts.root is not None
    if not parts:
        wh.execute(CUSTOMER_FACTS_DDL)
    with wh.transaction():
        if parts:
            wh.parts.clear(wh.con, "customer_facts", as_of)
            # no reader reads the part in file order (``customer_fact_rows`` orders by customer): written
            # without keeping the statement's order, on every DuckDB thread
            wh.parts.write(wh.con, "customer_facts", as_of, rows, ordered=False)
        else:
            wh.execute("DELETE FROM customer_facts WHERE as_of = ?", [as_of])
            wh.execute(f"INSERT INTO customer_facts SELECT CAST(? AS DATE) AS as_of, r.* FROM ({rows}) AS r",
                       [as_of])
        lineage.record(wh.con, "customer_facts", as_of, lineage.NO_PROFILE, versions=lineage.versions(),
                       params={"size_basis": size_basis})


def customer_fact_rows(wh: Warehouse, as_of: date, size_basis: str,
                       registry_labels: tuple[tuple[str, str], ...], *, store: bool = False) -> pa.Table:
    """The ``customer_facts`` of ``as_of`` (every customer, ordered by customer, the size notes rendered), computed
    now from the current inputs — for the date's borrowers the rows a classification stores, notes included
    (callers ensure the date is loaded). With ``store`` the borrowers' rows are also stored (notes left NULL, as a
    classification stores them), replacing the date's rows."""
    register_size_reference(wh, as_of, registry_labels)
    build_customer_temp(wh, as_of, size_basis, notes=True)
    try:
        if store:
            _store_customer_facts(wh, as_of, size_basis, notes=False)
        return wh.arrow(f"SELECT CAST(? AS DATE) AS as_of, {_fact_columns('size_note')} FROM cls_cust "
                        "ORDER BY customer_id", [as_of])
    finally:
        wh.execute("DROP TABLE IF EXISTS cls_cust")


# The zh note columns of ``cls_cust`` (explanations, size issues), rendered from its plain columns and the
# size group's name: ``b`` is the plain customer row, ``p`` its group's row of ``ref_size_groups_pivot``.
_FIGURES = """CASE WHEN b.size_group IS NOT NULL THEN concat_ws('、',
            CASE WHEN b.uses_emp THEN concat('从业人员', COALESCE(CAST(CAST(b.emp AS BIGINT) AS VARCHAR), '未填'), '人') END,
            CASE WHEN b.uses_rev THEN concat('营业收入', COALESCE({rev_wan}, '未填'), '万元') END,
            CASE WHEN b.uses_ast THEN concat('资产总额', COALESCE({ast_wan}, '未填'), '万元') END)
        END"""


def notes_sql() -> str:
    """SELECT list of the note columns over a plain ``cls_cust`` row ``b`` joined to its group ``p``."""
    figures = _FIGURES.format(rev_wan=_wan_text("b.rev"), ast_wan=_wan_text("b.ast"))
    derived_zh = _SIZE_ZH.replace('"size_used"', "b.derived_size")
    return f"""p.group_name, {figures} AS figures,
    CASE WHEN b.size_source = 'derived' THEN concat(p.group_name, '：', {figures})
         WHEN b.size_source = 'declared' AND b.derived_size IS NOT NULL
             THEN concat('申报；测算=', {derived_zh}, '，', p.group_name, '：', {figures})
         WHEN b.size_source = 'declared' THEN '申报' END AS size_note,
    CASE b.credit_source WHEN 'declared' THEN '单户授信总额'
         WHEN 'loans' THEN '未报单户授信总额，按贷款余额合计与发放金额合计的较大值推算' END AS credit_note"""


NOTE_JOIN = "LEFT JOIN ref_size_groups_pivot p ON p.group_id = b.size_group"


# The columns of ``la`` that ``joined`` reads (on demand ``c`` carries them; the lean table, without the loan ids,
# not ``_LOAN_ID_COLUMNS``), and the first-loan columns the kept first loans
# (``first_loan_rule.kept_first_loans_from_dates_sql``) read (with ``borrower``: the tagging joins those rows only).
_LA_COLUMNS = ("has_own", "has_current", "bal", "drawn", "max_drawn", "has_flag", "flag_date", "flag_loan",
               "hist_date", "hist_loan")
_LOAN_ID_COLUMNS = ("flag_loan", "hist_loan")
_FIRST_LOAN_COLUMNS = ("first_loan_source", "first_loan_date")
NOTE_COLUMNS = ("size_note", "credit_note")


def _la_sql(loan_ids: bool = True, flags: tuple[bool, bool] = (True, True)) -> str:
    """CTE ``la``: one pass over every loan up to the date — per customer whether it has a loan of the date
    (``borrower``) and, over its own-lending loans (``has_own``; the own-lending test in each aggregate's filter),
    this date's balances (单户授信 fallback) and the whole history's first drawdown (首贷户; its loan ids only
    with ``loan_ids``; the flag's aggregates as ``flags`` says, ``first_loan_rule.history_aggregates``)."""
    own = "own AND "
    return f"""la AS (
    SELECT customer_id, bool_or(as_of = $as_of) AS borrower, bool_or(own) AS has_own,
        bool_or({own}as_of = $as_of) AS has_current,
        sum(balance) FILTER (WHERE {own}as_of = $as_of AND balance > 0) AS bal,
        sum(drawdown_amount) FILTER (WHERE {own}as_of = $as_of AND balance > 0) AS drawn,
        max(drawdown_amount) FILTER (WHERE {own}as_of = $as_of) AS max_drawn,
        {history_aggregates(own, loan_ids=loan_ids, flags=flags)}
    FROM (SELECT *, {own_lending_sql('')} AS own FROM loans WHERE as_of <= $as_of) AS o
    GROUP BY customer_id
)"""


def _size_ctes() -> str:
    """CTEs ``s`` and ``s2`` (the size per 工信部联企业〔2011〕300号 of each sized customer of CTE ``c``, which has
    the ``customers`` columns and ``ind_norm``): its group, the indicators the group uses and ``derived_size``."""
    return f"""s AS (
    SELECT c.customer_id, p.group_id,
        (p.emp_large IS NULL OR c.employees IS NOT NULL) AND (p.rev_large IS NULL OR c.revenue IS NOT NULL)
            AND (p.ast_large IS NULL OR c.total_assets IS NOT NULL) AS complete,
        {_meets('large')} AS is_large, {_meets('medium')} AS is_medium, {_meets('small')} AS is_small,
        p.emp_large IS NOT NULL AS uses_emp, p.rev_large IS NOT NULL AS uses_rev, p.ast_large IS NOT NULL AS uses_ast,
        CASE WHEN p.emp_large IS NOT NULL THEN CAST(c.employees AS DECIMAL(38,2)) END AS emp,
        CASE WHEN p.rev_large IS NOT NULL THEN c.revenue END AS rev,
        CASE WHEN p.ast_large IS NOT NULL THEN c.total_assets END AS ast
    FROM c JOIN ref_size_groups g ON g.code = c.ind_norm JOIN ref_size_groups_pivot p ON p.group_id = g.group_id
    WHERE c.customer_type IN ('enterprise', 'other_org', 'sole_proprietor')
),
s2 AS (
    SELECT *, CASE WHEN NOT complete THEN NULL WHEN is_large THEN 'large' WHEN is_medium THEN 'medium'
                   WHEN is_small THEN 'small' ELSE 'micro' END AS derived_size
    FROM s
)"""


def _sized_cte() -> str:
    """CTE ``cs``: every row of CTE ``c`` (the ``customers`` columns and ``ind_norm``) with its size per
    工信部联企业〔2011〕300号 — the columns of ``_size_ctes``'s ``s2`` (``size_group`` its ``group_id``), NULL for a
    customer that is not sized — from one outer join of ``c`` with the size groups (a small table) instead of a join
    of the sized customers back to ``c`` on ``customer_id`` (issue 14, session 14: ``c`` was materialised to be read
    twice and the self-join built a table of every sized customer: ≈ 1 s CPU at 3.3M borrowers). The customer type
    is tested in the join key, so the join stays an equi-join."""
    def known(col: str) -> str:
        return f"CASE WHEN p.group_id IS NOT NULL THEN {col} END"

    complete = ("(p.emp_large IS NULL OR c.employees IS NOT NULL) AND (p.rev_large IS NULL OR c.revenue IS NOT NULL) "
                "AND (p.ast_large IS NULL OR c.total_assets IS NOT NULL)")
    return f"""sg AS (
    SELECT g.code, p.* FROM ref_size_groups g JOIN ref_size_groups_pivot p ON p.group_id = g.group_id
),
cs AS (
    SELECT c.*, p.group_id AS size_group,
        CASE WHEN p.group_id IS NULL OR NOT ({complete}) THEN NULL WHEN {_meets('large')} THEN 'large'
             WHEN {_meets('medium')} THEN 'medium' WHEN {_meets('small')} THEN 'small' ELSE 'micro' END AS derived_size,
        {known('p.emp_large IS NOT NULL')} AS uses_emp, {known('p.rev_large IS NOT NULL')} AS uses_rev,
        {known('p.ast_large IS NOT NULL')} AS uses_ast,
        CASE WHEN p.emp_large IS NOT NULL THEN CAST(c.employees AS DECIMAL(38,2)) END AS emp,
        CASE WHEN p.rev_large IS NOT NULL THEN c.revenue END AS rev,
        CASE WHEN p.ast_large IS NOT NULL THEN c.total_assets END AS ast
    FROM c LEFT JOIN sg p
        ON p.code = CASE WHEN c.customer_type IN ('enterprise', 'other_org', 'sole_proprietor') THEN c.ind_norm END
)"""


def build_customer_temp(wh: Warehouse, as_of: date, size_basis: str = "declared_first", *,
                        notes: bool = True, borrowers_only: bool = False, stored_columns: bool = False) -> None:
    """Create temp table ``cls_cust`` (the per-customer facts of ``as_of``) without storing anything; with
    ``notes`` it also holds the zh notes (``notes_sql``) that explanations print; with ``borrowers_only`` only the
    customers with a loan of ``as_of`` (a customer's facts depend on its own rows only, so their values are the
    same) — and, without ``notes`` nor ``stored_columns`` (a classification that stores them), only the columns a
    classification on demand reads (``customer_id``, the ``CUSTOMER_FACTS`` but the notes,
    ``first_loan_source/date``: not ``first_loan_id``, whose ``arg_min`` pair is ≈ 40 % of the per-customer
    aggregate; ``first_loan_rule.kept_first_loans_from_dates_sql`` finds the few this year's history-decided first
    loans from the dates)."""
    if size_basis not in ("declared_first", "derived_first"):
        raise ValueError(f"unknown size basis {size_basis!r}")
    if sharing(wh):
        _SHARING[wh] = None  # the shared table is replaced: the next classification builds it again
    reg_as_of = registry_snapshot(wh, as_of)
    flags = first_loan_flags(wh, as_of)
    year_start = date(as_of.year, 1, 1)
    declared_ok = "(c.declared_size IS NOT NULL AND NOT (c.declared_size = 'none' AND c.customer_type IN ('enterprise','other_org','sole_proprietor')))"
    if size_basis == "declared_first":
        used = f"CASE WHEN {declared_ok} THEN c.declared_size ELSE c.derived_size END"
        source = f"CASE WHEN {declared_ok} THEN 'declared' WHEN c.derived_size IS NOT NULL THEN 'derived' END"
    else:
        used = f"CASE WHEN c.derived_size IS NOT NULL THEN c.derived_size WHEN {declared_ok} THEN c.declared_size END"
        source = f"CASE WHEN c.derived_size IS NOT NULL THEN 'derived' WHEN {declared_ok} THEN 'declared' END"
    lean = borrowers_only and not notes and not stored_columns
    # the size figures (``uses_*``, ``emp``/``rev``/``ast``) are read by the notes (``notes_sql``) only: a
    # classification's table without notes leaves them out (six columns less to materialise, three DECIMAL(38,2))
    note_inputs = ("" if borrowers_only and not notes
                   else "\n        c.uses_emp, c.uses_rev, c.uses_ast, c.emp, c.rev, c.ast,")
    if borrowers_only:
        # one join of the customers with ``la``: it picks the borrowers and carries their aggregates (``a`` below)
        la_columns = [col for col in _LA_COLUMNS if not (lean and col in _LOAN_ID_COLUMNS)]
        c_sql = f"""SELECT cu.*, {purpose_industry_sql('cu.industry_code')} AS ind_norm,
        {", ".join(f"la.{col}" for col in la_columns)}
    FROM customers cu JOIN la ON la.customer_id = cu.customer_id
    WHERE cu.as_of = $as_of AND la.borrower"""
        a, la_join, borrower = "c", "", "TRUE"
    else:
        c_sql = f"""SELECT *,
        {purpose_industry_sql('industry_code')} AS ind_norm
    FROM customers WHERE as_of = $as_of"""
        a, la_join, borrower = "la", "\n    LEFT JOIN la ON la.customer_id = c.customer_id", "COALESCE(la.borrower, FALSE)"
    # on demand without notes: the columns the tagging (``CUSTOMER_FACTS``) and the kept first loans read
    if lean:
        out = ", ".join(("customer_id", *sorted(CUSTOMER_FACTS - set(NOTE_COLUMNS)), *_FIRST_LOAN_COLUMNS, "borrower"))
    else:
        out = "*, COALESCE(first_loan_date BETWEEN $year_start AND $as_of, FALSE) AS is_first_loan_customer"
    plain = f"""
WITH {_la_sql(loan_ids=not lean, flags=flags)},
c AS (
    {c_sql}
),
{_sized_cte()},
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
joined AS (
    SELECT c.customer_id, c.customer_type, c.industry_code, c.id_code, c.pension_revenue_share,
        c.size_group, c.declared_size, c.derived_size,
        {used} AS size_used, {source} AS size_source,{note_inputs}
        COALESCE(c.credit_limit_total,
                 CASE WHEN {a}.bal IS NOT NULL THEN greatest({a}.bal, {a}.drawn) ELSE {a}.max_drawn END) AS credit_total,
        CASE WHEN c.credit_limit_total IS NOT NULL THEN 'declared' WHEN {a}.has_current THEN 'loans' END
            AS credit_source,
        reg.registries, reg.note AS registries_note,
        {first_loan_source_sql(a, 'c', f'{a}.has_own')} AS first_loan_source,
        {first_loan_date_sql(a)} AS first_loan_date,
        {"" if lean else f"{first_loan_id_sql(a)} AS first_loan_id,"}
        {borrower} AS borrower
    FROM cs c
    LEFT JOIN reg ON reg.idk = upper(trim(c.id_code)){la_join}
)
SELECT {out}
FROM joined
"""
    if notes:
        sql = f"CREATE OR REPLACE TEMP TABLE cls_cust AS SELECT b.*, {notes_sql()} FROM ({plain}) AS b {NOTE_JOIN}"
    else:
        sql = f"CREATE OR REPLACE TEMP TABLE cls_cust AS {plain}"
    params: dict[str, Any] = {"as_of": as_of, "reg_as_of": reg_as_of}
    if "$year_start" in sql:
        params["year_start"] = year_start
    wh.execute(sql, params)


def size_disagreements(wh: Warehouse, as_of: date, limit: int = 1000) -> tuple[int, list[dict[str, Any]]]:
    """(total, first ``limit`` customers) of every customer of ``as_of`` whose declared size differs from the size
    derived per the standard. Read from ``customers`` and the size reference (``register_size_reference``), not
    from ``cls_cust``: a classification's ``cls_cust`` holds the date's borrowers only and the check covers every
    customer (a size needs the customer's own row only: a borrower's is the one ``cls_cust`` holds)."""
    # the group name and figures are rendered for the listed rows only; ``total`` counts every disagreement
    rows = wh.rows(
        f"""WITH c AS (
    SELECT customer_id, customer_type, industry_code, declared_size, employees, revenue, total_assets,
        {purpose_industry_sql('industry_code')} AS ind_norm
    FROM customers WHERE as_of = ? AND declared_size IS NOT NULL AND declared_size <> 'none'
),
{_size_ctes()},
b AS (
    SELECT c.customer_id, c.customer_type, c.industry_code, c.declared_size, s.derived_size, s.group_id AS size_group,
        s.uses_emp, s.uses_rev, s.uses_ast, s.emp, s.rev, s.ast, CAST(NULL AS VARCHAR) AS size_source,
        CAST(NULL AS VARCHAR) AS credit_source, count(*) OVER () AS total
    FROM c JOIN s2 s ON s.customer_id = c.customer_id
    WHERE s.derived_size IS NOT NULL AND c.declared_size <> s.derived_size
)
SELECT total, customer_id, customer_type, industry_code, declared_size, derived_size, group_name, figures
FROM (SELECT b.total, b.customer_id, b.customer_type, b.industry_code, b.declared_size, b.derived_size, {notes_sql()}
      FROM b {NOTE_JOIN}) AS n
ORDER BY customer_id LIMIT ?""",
        [as_of, max(limit, 1)],
    )
    total = int(rows[0]["total"]) if rows else 0
    return total, [{k: v for k, v in r.items() if k != "total"} for r in rows[:limit]]

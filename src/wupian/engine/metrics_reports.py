"""Loan-level and report-row queries for the official outputs (PBOC .dat files, NFRA 1104 tables) and the
reconciliation checks.

``category_loans`` returns the classified loans of a category enriched with the borrower's attributes.
``report_rows`` aggregates rows of a regulatory table set-based, each row being a category tag plus a
condition tree from the report definitions. Besides the classification tags, two row populations come straight
from the snapshot: ``all_loans`` (every in-scope loan, counted at its balance) and ``rediscount`` (转贴现 loans
that are otherwise in scope — the NFRA S70 column 其中：买断式转贴现 — at their balance). Conditions compile from a closed vocabulary to SQL here; every
value is a bound parameter, every column comes from the whitelists below.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import pyarrow as pa

from wupian.engine import classify_kept
from wupian.engine.loan_scope import business_loan_sql, in_scope_sql, rediscount_sql
from wupian.engine.metrics import (
    ALL_LOANS_WHERE,
    NPL_CLASSES,
    closure_sql,
    longer_than_a_year_sql,
    table_exists,
)
from wupian.engine.metrics_loans import TagCounts
from wupian.engine.report_population import COLUMNS, populations_sql, referenced
from wupian.engine.warehouse import Warehouse

LOAN_COLUMNS = frozenset({
    "tech_htp", "tech_hts", "tech_se", "tech_pa", "pension_code", "digital_code", "startup_guarantee",
    "is_student_loan", "is_ex_poverty_consumer", "product_type", "business_type", "contract_id",
    # the codes as given, for loans no classification reads (the 转贴现 of NFRA S70 column I)
    "tech_htp_given", "tech_hts_given", "tech_se_given", "tech_pa_given",
})
CUSTOMER_COLUMNS = frozenset({"customer_type", "declared_size", "id_code", "credit_limit_total"})
SNAPSHOT_TAGS = {  # row populations read straight from the snapshot (amount = balance), not from loan_tags
    "all_loans": in_scope_sql("l"),
    "rediscount": rediscount_sql("l"),
}
# The four 科技相关产业 dimensions: loan column → the rule that counts it. The enriched relation exposes the code only
# when that rule fired (the code is consistent with the purpose industry, or accepted), so every report counts
# T08–T11 / S70 1.2.1–1.2.4 from the classification, never from the raw column (given as ``<column>_given``).
TECH_INDUSTRY = "tech_industry"
TECH_DIMENSIONS = (
    ("tech_htp", "tech.industry.htp"), ("tech_hts", "tech.industry.hts"),
    ("tech_se", "tech.industry.se"), ("tech_pa", "tech.industry.pa"),
)


def _fired(rule_ids: str, rule_id: str) -> str:
    return f"list_contains(string_split(coalesce({rule_ids}, ''), ','), '{rule_id}')"


def branch_uscc_sql() -> str:
    """(branch_id, uscc): each branch's 统一社会信用代码, inherited from the nearest ancestor that has one."""
    return """SELECT c.descendant_id AS branch_id, arg_min(trim(b.uscc), c.depth) AS uscc
        FROM closure c JOIN branches b ON b.as_of = ? AND b.branch_id = c.ancestor_id
        WHERE nullif(trim(b.uscc), '') IS NOT NULL GROUP BY c.descendant_id"""


def _enriched_sql(as_of: date, profile: str, tags: Sequence[str], subtree: str | None, closure: str) -> tuple[str, list[Any]]:
    classified = [t for t in tags if t not in SNAPSHOT_TAGS]
    marks = ", ".join("?" for _ in classified) or "NULL"
    parts = [f"SELECT as_of, profile, loan_id, tag, amount, rule_ids FROM loan_tags "
             f"WHERE as_of = ? AND profile = ? AND tag IN ({marks})"]
    sparams: list[Any] = [as_of, profile, *classified]
    for tag in tags:
        if tag in SNAPSHOT_TAGS:
            parts.append(f"SELECT l.as_of, CAST(? AS VARCHAR) AS profile, l.loan_id, ? AS tag, l.balance AS amount, "
                         f"NULL::VARCHAR AS rule_ids FROM loans l WHERE l.as_of = ? AND {SNAPSHOT_TAGS[tag]}")
            sparams += [profile, tag, as_of]
    source = " UNION ALL ".join(parts)
    sub = "AND l.branch_id IN (SELECT descendant_id FROM closure WHERE ancestor_id = ?)" if subtree else ""
    tech = ", ".join(f"l.{col} AS {col}_given, CASE WHEN {_fired('ti.rule_ids', rule)} THEN l.{col} END AS {col}"
                     for col, rule in TECH_DIMENSIONS)
    sql = f"""
        SELECT t.tag, t.rule_ids, l.loan_id, l.contract_id, l.customer_id, l.branch_id, l.business_type, l.product_type,
               CAST(t.amount AS DECIMAL(38, 2)) AS amount, l.balance, l.drawdown_date, l.drawdown_amount,
               l.maturity_date, l.interest_rate, l.five_class, l.guarantee_type,
               coalesce(l.is_restructured, false) AS is_restructured,
               {tech}, l.pension_code, l.digital_code,
               l.startup_guarantee, coalesce(l.is_student_loan, false) AS is_student_loan,
               coalesce(l.is_ex_poverty_consumer, false) AS is_ex_poverty_consumer,
               {business_loan_sql('l')} AS is_business_loan, l.bill_no, l.drawdown_serial, u.uscc AS institution_uscc,
               c.customer_type, c.declared_size, c.id_code, c.credit_limit_total, c.birth_date
        FROM ({source}) t
        JOIN loans l ON l.as_of = t.as_of AND l.loan_id = t.loan_id
        LEFT JOIN loan_tags ti ON ti.as_of = t.as_of AND ti.profile = ? AND ti.loan_id = t.loan_id
             AND ti.tag = 'tech_industry'
        LEFT JOIN customers c ON c.as_of = l.as_of AND c.customer_id = l.customer_id
        LEFT JOIN ({branch_uscc_sql()}) u ON u.branch_id = l.branch_id
        WHERE TRUE {sub}
    """
    return sql, [*sparams, profile, as_of, *([subtree] if subtree else [])]


def category_loans(
    wh: Warehouse, as_of: date, *, profile: str, tags: Sequence[str], subtree: str | None = None
) -> pa.Table:
    """Classified loans of ``tags`` with borrower attributes and ``elderly_institution`` (borrower on the
    全国养老机构 registry on ``as_of``), ordered by tag, branch, loan."""
    if not table_exists(wh, "loan_tags"):
        return pa.table({})
    closure, cparams = closure_sql(wh, as_of)
    inner, params = _enriched_sql(as_of, profile, tags, subtree, closure)
    sql = f"""
        WITH closure AS (SELECT * FROM {closure}), e AS ({inner})
        SELECT e.*, EXISTS (
            SELECT 1 FROM registries r WHERE r.as_of = ? AND r.registry = 'national_elderly_care_institution'
              AND r.id_code = e.id_code AND (r.valid_from IS NULL OR r.valid_from <= ?)
              AND (r.valid_to IS NULL OR r.valid_to >= ?)) AS elderly_institution
        FROM e ORDER BY e.tag, e.branch_id, e.loan_id
    """
    return wh.arrow(sql, [*cparams, *params, as_of, as_of, as_of])


_LOAN_LEAVES = frozenset({"not_null", "code_in", "tagged", "business_loan", "rule"})  # leaves of a loan row's own values


def _compile(cond: Any, as_of: date, profile: str, params: list[Any], tagged: dict[str, int] | None = None,
             leaf: Callable[[str, list[Any]], str] | None = None) -> str:
    """Condition tree → SQL over the enriched relation ``e``. Leaves: registry, size, customer_type, not_null,
    tagged, rule (a rule of the row's tag fired), credit_limit_max, credit_limit_over, business_loan (the one 经营性
    definition of ``loan_scope``), code_in, min_age. Branches: all, any, not. With ``tagged``, a ``tagged`` leaf
    reads the population's column ``tagged_<k>`` (k = ``tagged[tag]``, numbered on first use) instead of its own
    look-up of ``loan_tags``: ``with_tagged`` joins each tag's loans once, however many conditions ask. With ``leaf``,
    a leaf on the loan row's own values (``_LOAN_LEAVES``) is compiled alone and handed to ``leaf`` (its SQL and
    params), whose returned SQL takes its place. A leaf's NULL and FALSE are alike here (``not`` reads NULL as FALSE
    and ``all``/``any`` are monotone), so the returned SQL may be a plain TRUE/FALSE."""
    if cond is None:
        return "TRUE"
    if not isinstance(cond, dict) or len(cond) != 1:
        raise ValueError(f"condition must be a one-key mapping, got {cond!r}")
    (key, arg), = cond.items()
    if key in ("all", "any"):
        parts = [_compile(c, as_of, profile, params, tagged, leaf) for c in arg]
        return "(" + (" AND " if key == "all" else " OR ").join(parts) + ")"
    if key == "not":
        return f"NOT coalesce({_compile(arg, as_of, profile, params, tagged, leaf)}, false)"
    if leaf is not None and key in _LOAN_LEAVES:
        own: list[Any] = []
        return leaf(_compile(cond, as_of, profile, own, tagged), own)
    if key == "registry":
        names = list(arg)
        params += [as_of, *names, as_of, as_of]
        # an uncorrelated IN (one hash of the registry, whatever the population's size), FALSE rather than NULL
        # when not listed: the same truth value as EXISTS (… r.id_code = e.id_code …)
        return (
            "coalesce(e.id_code IN (SELECT r.id_code FROM registries r WHERE r.as_of = ? AND r.registry IN ("
            + ", ".join("?" for _ in names)
            + ") AND (r.valid_from IS NULL OR r.valid_from <= ?) AND (r.valid_to IS NULL OR r.valid_to >= ?)), false)"
        )
    if key in ("size", "customer_type"):
        column = "declared_size" if key == "size" else "customer_type"
        params += list(arg)
        return f"e.{column} IN (" + ", ".join("?" for _ in arg) + ")"
    if key == "not_null":
        if arg not in LOAN_COLUMNS:
            raise ValueError(f"column {arg!r} is not allowed in report conditions")
        return f"(e.{arg} IS NOT NULL AND CAST(e.{arg} AS VARCHAR) NOT IN ('', 'false'))"
    if key == "code_in":
        column, values = arg[0], list(arg[1])
        if column not in LOAN_COLUMNS:
            raise ValueError(f"column {column!r} is not allowed in report conditions")
        params += values
        return f"e.{column} IN (" + ", ".join("?" for _ in values) + ")"
    if key == "tagged" and tagged is not None:
        return f"e.tagged_{tagged.setdefault(str(arg), len(tagged))}"
    if key == "tagged":
        params += [as_of, profile, arg]
        return ("coalesce(e.loan_id IN (SELECT t2.loan_id FROM loan_tags t2 WHERE t2.as_of = ? AND t2.profile = ? "
                "AND t2.tag = ?), false)")
    if key == "credit_limit_max":
        params.append(str(arg))
        return "coalesce(e.credit_limit_total, 0) <= CAST(? AS DECIMAL(38, 2))"
    if key == "credit_limit_over":
        params.append(str(arg))
        return "coalesce(e.credit_limit_total, 0) > CAST(? AS DECIMAL(38, 2))"
    if key == "min_age":
        # age in calendar years (report year − birth year), as the bank implementation of S73 9 does
        params += [as_of, int(arg)]
        return "(e.birth_date IS NOT NULL AND year(CAST(? AS DATE)) - year(e.birth_date) >= ?)"
    if key == "business_loan":
        return "e.is_business_loan" if arg else "NOT e.is_business_loan"
    if key == "rule":
        params.append(str(arg))
        return "list_contains(string_split(coalesce(e.rule_ids, ''), ','), ?)"
    raise ValueError(f"unknown condition {key!r}")


# A borrower bound as a tree (``_bound_tree``): ("const", bool) | ("leaf", sql, params) | ("not", node) |
# ("and" | "or", (node, ...)), rendered to SQL by ``_render``.
_Node = tuple[Any, ...]
_TRUE: _Node = ("const", True)
_FALSE: _Node = ("const", False)


def _key(node: _Node) -> tuple[str, tuple[Any, ...]]:
    """A node's identity: its SQL and params (two nodes with the same key are the same test)."""
    sql, params = _render(node)
    return sql, tuple(params)


def _render(node: _Node) -> tuple[str, list[Any]]:
    if node[0] == "const":
        return ("TRUE" if node[1] else "FALSE"), []
    if node[0] == "leaf":
        return node[1], list(node[2])
    if node[0] == "not":
        inner, ps = _render(node[1])
        return f"NOT coalesce({inner}, false)", ps
    parts = [_render(c) for c in node[1]]
    return ("(" + (" AND " if node[0] == "and" else " OR ").join(sql for sql, _ in parts) + ")",
            [p for _, ps in parts for p in ps])


def _junction(op: str, children: Sequence[_Node]) -> _Node:
    """``op`` ("and"/"or") over ``children``, simplified: constants folded, nested ``op`` flattened, and absorption —
    a child is dropped when another's terms (its conjuncts under "or", its disjuncts under "and"; the child itself when
    it is not of the dual kind) are a subset of its own (X OR (X AND Y) = X, X AND (X OR Y) = X, duplicates once):
    laws of three-valued logic, so the simplified test has the same value — NULL included — on every row."""
    absorbing, neutral = (_FALSE, _TRUE) if op == "and" else (_TRUE, _FALSE)
    dual = "or" if op == "and" else "and"
    flat: list[_Node] = []
    for c in children:
        if c == absorbing:
            return absorbing
        if c != neutral:
            flat.extend(c[1] if c[0] == op else (c,))
    terms = [frozenset(_key(t) for t in c[1]) if c[0] == dual else frozenset((_key(c),)) for c in flat]
    kept = [c for i, c in enumerate(flat)
            if not any(terms[j] <= terms[i] and (terms[j] != terms[i] or j < i) for j in range(len(flat)) if j != i)]
    if not kept:
        return neutral
    return (op, tuple(kept))


def _bound_tree(cond: Any, as_of: date, profile: str, positive: bool = True) -> _Node:
    """``_customer_bound``'s test as a tree (see there)."""
    if cond is None:
        return _TRUE
    if not isinstance(cond, dict) or len(cond) != 1:
        raise ValueError(f"condition must be a one-key mapping, got {cond!r}")
    (key, arg), = cond.items()
    if key in ("all", "any"):
        return _junction("and" if key == "all" else "or", [_bound_tree(c, as_of, profile, positive) for c in arg])
    if key == "not":
        inner = _bound_tree(arg, as_of, profile, not positive)
        return ("const", not inner[1]) if inner[0] == "const" else ("not", inner)
    if key in _LOAN_LEAVES:
        return _TRUE if positive else _FALSE
    params: list[Any] = []
    return ("leaf", _compile(cond, as_of, profile, params), tuple(params))


def _customer_bound(cond: Any, as_of: date, profile: str, positive: bool = True) -> tuple[str, list[Any]]:
    """A condition on the borrower's columns alone (``e.`` = a ``customers`` row) that every loan row meeting ``cond``
    has, with its params: ``cond`` with each leaf on the loan row's own values (``_LOAN_LEAVES``) replaced by TRUE
    where it counts for the condition (an even number of ``not`` above it) and FALSE where it counts against it.
    ``all``/``any`` are monotone and ``not`` (``NOT coalesce(x, false)``) antitone in FALSE < NULL < TRUE, so the
    bound is TRUE whenever ``cond`` is for some loan of the borrower. Constant parts are folded: the bound is the
    literal TRUE when ``cond`` holds for some loan of every borrower (no condition, or one on the loan alone); parts
    that another part absorbs are left out (``_junction``)."""
    return _render(_bound_tree(cond, as_of, profile, positive))


def _borrower_filter(wh: Warehouse, conds: Sequence[Any], as_of: date, profile: str) -> tuple[str, list[Any]] | None:
    """A test on ``l.customer_id`` that keeps every loan row that one of ``conds`` can count (``_customer_bound``),
    with its params; None when every borrower's loans can meet one (a bound is TRUE). The bounds are OR-ed into one
    test with the parts that others absorb left out (``_junction``: the NFRA S71 bands' bounds are each their
    customer type's, which the type's own row already has). The borrowers whose bound holds are listed (``IN``)
    when a loan without a ``customers`` row (all its borrower columns NULL) meets no bound — asked of the warehouse
    once, a row of NULLs — else the others are left out (``NOT IN``)."""
    either = _junction("or", [_bound_tree(c, as_of, profile) for c in conds])
    if not conds or either == _TRUE:
        return None
    bound, bparams = _render(either)
    orphans = wh.scalar(f"SELECT coalesce({bound}, false) FROM (SELECT 1 AS one) d "
                        "LEFT JOIN (SELECT * FROM customers WHERE FALSE) e ON TRUE", bparams)
    listed = "SELECT e.customer_id FROM customers e WHERE e.as_of = ? AND e.customer_id IS NOT NULL AND "
    if orphans:
        return (f"(l.customer_id IS NULL OR l.customer_id NOT IN ({listed}NOT coalesce({bound}, false)))",
                [as_of, *bparams])
    return f"l.customer_id IN ({listed}coalesce({bound}, false))", [as_of, *bparams]


_MASK_BITS = 62  # condition bits per BIGINT mask column


def _flow(params: list[Any], as_of: date) -> str:
    """Whether a loan row is a disbursement of the year to date under the NFRA flow rules (restructured loans are
    not disbursements)."""
    params += [date(as_of.year, 1, 1), as_of]
    return "(e.drawdown_date BETWEEN ? AND ? AND NOT e.is_restructured)"


# Each row's measures exactly, from the population's rows (each a (tag, borrower, leaf bits) group with its partial
# sums, ``_PARTIAL_SQL``, and its condition masks): the sums per distinct masks, then per condition the sums of the
# masks that meet it; the borrowers per condition from one pass per borrower — the OR of the masks of its rows that
# count it (``pos`` for the borrowers, ``fl`` for the year's) — counted per distinct OR and summed per condition. A
# borrower meets a condition exactly when one of its rows does, so this is the ``count(DISTINCT borrower)`` of the
# rows that meet it, without a (borrower, condition) pair per row (at 10M loans: 3.3M borrowers × their conditions).
# A conditional sum is ``sum(CASE WHEN c THEN x END)``, not ``sum(x) FILTER (WHERE c)``: the same value (a row whose
# ``c`` is not TRUE adds a NULL, which ``sum`` skips; no row at all is NULL either way), but DuckDB computes a
# FILTER's argument for every row before filtering — the DECIMAL product of the year's interest for all 2M loans —
# while a CASE computes it only for the rows that reach THEN (≈ 3–6 % of the NFRA statement's CPU at 2M loans).
# The 中长期 test adds months to a date only for the terms of exactly 366 days (``longer_than_a_year_sql``).


_PARTIAL_SQL = {
    "bal": "sum(y.amount)",
    "npl": f"sum(CASE WHEN y.five_class IN {NPL_CLASSES} THEN y.amount END)",
    "mlt": f"sum(CASE WHEN {longer_than_a_year_sql('y.drawdown_date', 'y.maturity_date')} THEN y.amount END)",
    "cred": "sum(CASE WHEN y.guarantee_type = 'credit' THEN y.amount END)",
    "disb": "sum(CASE WHEN y.flow_ THEN y.drawdown_amount END)",
    "intr": "sum(CASE WHEN y.flow_ THEN y.drawdown_amount * y.interest_rate END)",
    "pos": "bool_or(y.amount > 0)",
    "fl": "bool_or(y.flow_)",
}
# the loan columns each partial reads (``customer_id`` and ``amount`` are read by every population), and the partials
# that read the row's flow test ``flow_``
_PARTIAL_READS = {"bal": (), "npl": ("five_class",), "mlt": ("drawdown_date", "maturity_date"),
                  "cred": ("guarantee_type",), "disb": ("drawdown_amount",),
                  "intr": ("drawdown_amount", "interest_rate"), "pos": (), "fl": ()}
_FLOW_READERS = frozenset({"disb", "intr", "fl"})
_SUMS = ("bal", "npl", "mlt", "cred", "disb", "intr")
# a result column → the sum of ``_SUMS`` it is, or (for the borrower counts) the flag that counts a borrower
_MEASURE_OF = {"balance": "bal", "customers": "pos", "npl_balance": "npl", "mid_long_term_balance": "mlt",
               "credit_loan_balance": "cred", "ytd_disbursed": "disb", "ytd_disbursed_customers": "fl",
               "ytd_interest_x100": "intr"}


_PARTIAL_COLUMNS = ("bal", "npl", "mlt", "cred", "disb", "intr", "pos", "fl")


class _Leaves:
    """The loan-row leaves of one population's conditions (``_compile``'s ``leaf``): each distinct leaf (SQL and
    params) numbered once, with the tags whose conditions read it; a leaf becomes bit ``k`` of the BIGINT ``lm<w>``."""

    def __init__(self) -> None:
        self.number: dict[str, int] = {}
        self.items: list[tuple[str, list[Any]]] = []
        self.tags: list[set[str]] = []

    def hook(self, tag: str) -> Callable[[str, list[Any]], str]:
        def add(sql: str, params: list[Any]) -> str:
            k = self.number.setdefault(repr((sql, params)), len(self.items))
            if k == len(self.items):
                self.items.append((sql, params))
                self.tags.append(set())
            self.tags[k].add(tag)
            return f"((e.lm{k // _MASK_BITS} & CAST({1 << (k % _MASK_BITS)} AS BIGINT)) <> 0)"
        return add


def _measure_columns(partials: Iterable[str]) -> list[str]:
    """The loan-row columns that the partial sums ``partials`` read (``flow_`` reads drawdown date and restructuring)."""
    need = {"customer_id", "amount", *(c for p in partials for c in _PARTIAL_READS[p])}
    if _FLOW_READERS.intersection(partials):
        need |= {"drawdown_date", "is_restructured"}
    return sorted(need)


def _grouped_population(as_of: date, profile: str, group: Sequence[str], wheres: Sequence[str], leaves: _Leaves,
                        tagged: dict[str, int], subtree: str | None,
                        partials: Sequence[str] = _PARTIAL_COLUMNS,
                        keep: Mapping[str, tuple[str, list[Any]]] | None = None) -> tuple[str, list[Any]]:
    """The loan rows of the tags ``group`` summed per (tag, borrower, loan-row leaf bits) into the partial sums
    ``partials`` (of ``_PARTIAL_SQL``; only the loan columns they read are read), then
    joined to the borrower's columns that the conditions ``wheres`` read: the relation their masks are evaluated
    on. Each loan row evaluates the leaves on its own values (``leaves``: ``rule``, ``tagged``, ``not_null``,
    ``code_in``, ``business_loan``) that its tag's conditions read, as bits of ``lm<w>``; the conditions then read
    those bits and the borrower's columns only, so every loan row of a group meets exactly the conditions its group
    meets, and sums of the groups' exact partial sums are the sums of the rows. ≈ 0.2M groups for ≈ 2.3M rows at
    2M loans. ``keep``: snapshot tag → the test on ``l.customer_id`` its rows must pass (``populations_sql``)."""
    customer = sorted(c for c in referenced(wheres) if not c.startswith("lm"))
    if any(COLUMNS.get(c, ("", ""))[1] != "c" for c in customer):
        raise ValueError(f"conditions read loan columns outside their leaves: {customer}")
    loan = referenced(sql for sql, _ in leaves.items)
    mine = {t: k for t, k in tagged.items() if f"tagged_{k}" in loan}
    # a tech-industry code read only by the rows of the tech_industry tag itself comes from the row's own fired rules
    # (``loan_tags`` has one row per (loan, tag): the row is the one the tech-rule join would find), not that join
    readers = {c: set().union(*(t for (sql, _), t in zip(leaves.items, leaves.tags, strict=True)
                                if c in referenced([sql]))) for c in loan}
    own = {c: rule for c, rule in TECH_DIMENSIONS if c in loan and readers[c] == {TECH_INDUSTRY}}
    measured = _measure_columns(partials)
    columns = ({*measured, *(c for c in loan if not c.startswith("tagged_") and c not in own)}
               | ({"loan_id"} if mine else set()) | ({"rule_ids", *(f"{c}_given" for c in own)} if own else set()))
    pop, params = populations_sql(as_of, profile, {t: SNAPSHOT_TAGS.get(t) for t in group}, columns, subtree, keep)
    pop, params = with_tagged(pop, params, mine, as_of, profile)
    if own:
        codes = [f"CASE WHEN p.tag_ = ? AND {_fired('p.rule_ids', r)} THEN p.{c}_given END AS {c}" for c, r in own.items()]
        pop = f"SELECT p.*, {', '.join(codes)} FROM ({pop}) p"
        params = [*([TECH_INDUSTRY] * len(own)), *params]
    lms: list[str] = []
    lparams: list[Any] = []
    for w in range(-(-len(leaves.items) // _MASK_BITS)):
        arms = []
        for tag in group:
            mine_k = [k for k in range(w * _MASK_BITS, min(len(leaves.items), (w + 1) * _MASK_BITS))
                      if tag in leaves.tags[k]]
            if mine_k:
                arms.append("WHEN ? THEN " + " + ".join(
                    f"CASE WHEN {leaves.items[k][0]} THEN CAST({1 << (k % _MASK_BITS)} AS BIGINT) "
                    "ELSE CAST(0 AS BIGINT) END" for k in mine_k))
                lparams += [tag, *(p for k in mine_k for p in leaves.items[k][1])]
        lms.append(f"(CASE e.tag_ {' '.join(arms)} ELSE CAST(0 AS BIGINT) END) AS lm{w}")
    fparams: list[Any] = []
    flow = f", {_flow(fparams, as_of)} AS flow_" if _FLOW_READERS.intersection(partials) else ""
    rows = f"SELECT e.tag_, {''.join(f'{x}, ' for x in lms)}{', '.join(f'e.{c}' for c in measured)}{flow} FROM ({pop}) e"
    by = ", ".join(["y.tag_", "y.customer_id", *(f"y.lm{w}" for w in range(len(lms)))])
    sums = ", ".join(f"{_PARTIAL_SQL[p]} AS {p}" for p in partials)
    sql = f"SELECT {by}, {sums} FROM ({rows}) y GROUP BY {by}"
    if customer:
        sql = (f"SELECT g.*, {', '.join(f'{COLUMNS[c][0]} AS {c}' for c in customer)} FROM ({sql}) g "
               "LEFT JOIN customers c ON c.as_of = ? AND c.customer_id = g.customer_id")
        return sql, [*lparams, *fparams, *params, as_of]
    return sql, [*lparams, *fparams, *params]


def with_tagged(pop: str, params: list[Any], tagged: dict[str, int], as_of: date,
                profile: str) -> tuple[str, list[Any]]:
    """The population ``pop`` (with ``loan_id``) with a column ``tagged_<k>`` per tag of ``tagged``: TRUE when the
    loan has a ``loan_tags`` row of that tag (``profile``, ``as_of``); one join per tag, to that tag's rows as they
    are (``loan_tags`` holds one row per (loan, tag): each loan at most once, no grouping needed)."""
    if not tagged:
        return pop, params
    cols, joins, jparams = [], [], []
    for tag, k in tagged.items():
        cols.append(f"(tg{k}.loan_id IS NOT NULL) AS tagged_{k}")
        joins.append(f"LEFT JOIN (SELECT loan_id FROM loan_tags WHERE as_of = ? AND profile = ? AND tag = ?) tg{k} "
                     f"ON tg{k}.loan_id = p.loan_id")
        jparams += [as_of, profile, tag]
    return f"SELECT p.*, {', '.join(cols)} FROM ({pop}) p {' '.join(joins)}", [*params, *jparams]


def _read_measures(rows: Sequence[tuple[str, str, Any]],
                   measures: Mapping[str, Iterable[str]] | None) -> dict[str, set[str]]:
    """Tag → the result measures read of its rows: every measure without ``measures``, else the listed ones (none for
    a tag not listed)."""
    if measures is None:
        return {tag: set(_MEASURE_OF) for _, tag, _ in rows}
    unknown = {m for ms in measures.values() for m in ms} - set(_MEASURE_OF)
    if unknown:
        raise ValueError(f"unknown report measure(s) {sorted(unknown)}")
    return {tag: set(measures.get(tag, ())) for _, tag, _ in rows}


def report_rows(
    wh: Warehouse,
    as_of: date,
    *,
    profile: str,
    rows: Sequence[tuple[str, str, Any]],
    subtree: str | None = None,
    measures: Mapping[str, Iterable[str]] | None = None,
) -> pa.Table:
    """One result row per (code, tag, condition): balance, customers, npl_balance, mid_long_term_balance,
    credit_loan_balance, ytd_disbursed, ytd_disbursed_customers, ytd_interest_x100 (Σ 放款金额×利率, exact; /100 = 年化利息收益),
    with NFRA flow rules (restructured loans are not disbursements).

    ``measures`` (tag → the measures read of its rows; default: every measure of every row): a measure not listed
    for a row's tag is NULL in its result row, and a population computes only the partial sums its tags' listed
    measures need, reading only the loan columns those read (the 2M in-scope loans of the NFRA tables are read for
    their balance, class and borrower only). A listed measure is the same value as without ``measures``.

    One pass: the loan rows of each population (the classified tags; the snapshot tags) are summed per (tag,
    borrower, bits of the leaves on the loan's own values) into exact partial sums (``_grouped_population``:
    ≈ 0.2M groups for ≈ 2.3M rows at 2M loans); every distinct (tag, condition) is evaluated once per group of its
    tag, joined to the borrower, into a bit of an integer mask (``w<k>``, 62 conditions per mask); the groups are
    summed per distinct masks, and the few distinct masks expanded to the conditions they meet give every
    condition's sums; each borrower's rows give the OR of their masks (the rows that count it: ``pos``, ``fl``),
    and the borrowers per distinct OR, expanded the same way, give every condition's borrowers (see the comment
    above ``_PARTIAL_SQL``). Groups that meet no condition are not filtered out (a filter on the masks would be pushed
    below their projection and evaluate every condition twice): their mask meets no condition, so the expansion
    drops them. Rows with the same condition share one set of measures."""
    names = tuple(_MEASURE_OF)
    if not rows:
        return pa.table({"code": pa.array([], pa.string()), **{c: pa.array([], pa.int64()) for c in names}})
    closure, cparams = closure_sql(wh, as_of)
    distinct: dict[str, int] = {}
    slot: list[int] = []
    by_tag: dict[str, list[tuple[int, str, list[Any]]]] = {}  # tag → (bit number, condition SQL, its params)
    conds: dict[str, list[Any]] = {}  # tag → its distinct conditions
    tagged: dict[str, int] = {}  # tag of a ``tagged`` condition → its column number
    # the classified tags' rows in one population (``loans`` joined once for all of them), the snapshot tags' (every
    # in-scope loan, the 转贴现 loans: disjoint) in another, read from ``loans`` once; each with its loan-row leaves
    leaves = {False: _Leaves(), True: _Leaves()}
    for _, tag, cond in rows:
        key = repr((tag, cond))
        if key not in distinct:
            j = distinct[key] = len(distinct)
            cparams2: list[Any] = []
            where = _compile(cond, as_of, profile, cparams2, tagged, leaves[tag in SNAPSHOT_TAGS].hook(tag))
            by_tag.setdefault(tag, []).append((j, where, cparams2))
            conds.setdefault(tag, []).append(cond)
        slot.append(distinct[key])
    n_words = max(1, -(-len(distinct) // _MASK_BITS))
    read = _read_measures(rows, measures)  # tag → the measures of its rows that are read
    # Each population's loan rows are first summed per (tag, borrower, leaf bits) — ``_PARTIAL_SQL``, exact — and only
    # those groups are joined to the borrower and evaluate their tag's conditions (a CASE on the tag): ≈ 0.2M groups
    # instead of ≈ 2.3M loan rows at 2M loans. Registry and tag conditions are uncorrelated IN lists (one hash each).
    groups = [[t for t in by_tag if t not in SNAPSHOT_TAGS], [t for t in by_tag if t in SNAPSHOT_TAGS]]
    populations: list[tuple[list[str], str]] = []  # (the partial sums it computes, the rest of its SELECT)
    mparams: list[Any] = []
    for group in (g for g in groups if g):
        masks = []
        for w in range(n_words):
            arms = []
            for tag in group:
                mine = [(j, where, cp) for j, where, cp in by_tag[tag] if j // _MASK_BITS == w]
                if mine:
                    arms.append("WHEN ? THEN " + " + ".join(
                        f"CASE WHEN {where} THEN CAST({1 << (j % _MASK_BITS)} AS BIGINT) ELSE CAST(0 AS BIGINT) END"
                        for j, where, _ in mine))
                    mparams += [tag, *(p for _, _, cp in mine for p in cp)]
            masks.append(f"(CASE e.tag_ {' '.join(arms)} ELSE CAST(0 AS BIGINT) END) AS w{w}" if arms
                         else f"CAST(0 AS BIGINT) AS w{w}")
        wheres = [w for t in group for _, w, _ in by_tag[t]]
        partials = [p for p in _PARTIAL_COLUMNS if p == "bal" or any(_MEASURE_OF[m] == p for t in group for m in read[t])]
        # a snapshot tag's rows of borrowers that none of its conditions can count are left out before the grouping
        # (every in-scope loan is read: at 10M loans, the borrowers that no S71/S73 row can take are most of them)
        keep = {t: k for t in group if t in SNAPSHOT_TAGS
                and (k := _borrower_filter(wh, conds[t], as_of, profile)) is not None}
        grouped, gparams = _grouped_population(as_of, profile, group, wheres, leaves[group[0] in SNAPSHOT_TAGS],
                                               tagged, subtree, partials, keep)
        populations.append((partials, f", {', '.join(masks)} FROM ({grouped}) e"))
        mparams += gparams
    # a partial sum that a population does not compute is an untyped NULL there (the UNION takes the type of the
    # population that computes it), a typed NULL when none does
    computed = {p for partials, _ in populations for p in partials}
    absent = {p: "NULL" if p in computed else "CAST(NULL AS BOOLEAN)" if p in ("pos", "fl")
              else "CAST(NULL AS DECIMAL(38, 2))" for p in _PARTIAL_COLUMNS}
    branches = [f"SELECT e.customer_id, {', '.join(p if p in partials else f'{absent[p]} AS {p}' for p in _PARTIAL_COLUMNS)}"
                f"{rest}" for partials, rest in populations]
    params: list[Any] = [*cparams, *mparams]
    ws = [f"w{w}" for w in range(n_words)]
    keys = ", ".join("(?, ?, ?, ?)" for _ in rows)
    for n, ((code, tag, _), j) in enumerate(zip(rows, slot, strict=True)):
        params += [n, code, j, sum(1 << k for k, name in enumerate(names) if name in read[tag])]
    bits = ", ".join(f"({j}, {j // _MASK_BITS}, CAST({1 << (j % _MASK_BITS)} AS BIGINT))" for j in range(len(distinct)))

    def per_condition(rel: str, value: str) -> str:
        """``value`` summed per condition over the rows of ``rel`` (one per distinct masks) whose masks meet it."""
        word = f"CASE b.w {' '.join(f'WHEN {w} THEN {rel}.{ws[w]}' for w in range(n_words))} END"
        return f"SELECT b.j, {value} FROM {rel} JOIN b ON ({word} & b.bit) <> 0 GROUP BY b.j"

    def ors(flag: str) -> str:
        return ", ".join(f"coalesce(bit_or(u.{w}) FILTER (WHERE u.{flag}), 0) AS {flag}_{w}" for w in ws)

    def counted(flag: str) -> str:
        """Borrowers per distinct OR of the masks of their rows that count them under ``flag``."""
        return (f"SELECT {', '.join(f'c.{flag}_{w} AS {w}' for w in ws)}, count(*) AS n FROM c "
                f"GROUP BY {', '.join(f'c.{flag}_{w}' for w in ws)}")

    sums = ", ".join(f"sum(u.{c}) AS {c}" for c in _SUMS)
    resums = ", ".join(f"sum(s.{c}) AS {c}" for c in _SUMS)

    def shown(k: int, name: str) -> str:
        """A result column: the measure (0 without rows), NULL for a row whose tag's measures leave it out."""
        value = f"coalesce(a.{name}, 0)"
        return f"{value} AS {name}" if measures is None else \
            f"CASE WHEN (k.reads & CAST({1 << k} AS BIGINT)) <> 0 THEN {value} END AS {name}"

    measure = {name: (f"CAST(coalesce(n{flag}.n, 0) AS BIGINT)" if flag in ("pos", "fl") else
                      f"coalesce(sa.{flag}, 0)" if name == "ytd_interest_x100" else
                      f"CAST(coalesce(sa.{flag}, 0) AS DECIMAL(38, 2))")
               for name, flag in _MEASURE_OF.items()}
    sql = f"""
        WITH closure AS (SELECT * FROM {closure}),
        u AS MATERIALIZED ({' UNION ALL '.join(branches)}),
        s AS (SELECT {', '.join(f'u.{w}' for w in ws)}, {sums} FROM u GROUP BY {', '.join(f'u.{w}' for w in ws)}),
        c AS (SELECT {ors('pos')}, {ors('fl')} FROM u WHERE u.customer_id IS NOT NULL GROUP BY u.customer_id),
        cpos AS ({counted('pos')}),
        cfl AS ({counted('fl')}),
        b AS (SELECT * FROM (VALUES {bits}) b(j, w, bit)),
        sa AS ({per_condition('s', resums)}),
        npos AS ({per_condition('cpos', 'sum(cpos.n) AS n')}),
        nfl AS ({per_condition('cfl', 'sum(cfl.n) AS n')}),
        a AS (SELECT sa.j, {', '.join(f'{sql} AS {name}' for name, sql in measure.items())}
              FROM sa LEFT JOIN npos ON npos.j = sa.j LEFT JOIN nfl ON nfl.j = sa.j)
        SELECT k.code, {', '.join(shown(k, c) for k, c in enumerate(names))}
        FROM (VALUES {keys}) k(ord, code, j, reads) LEFT JOIN a ON a.j = k.j
        ORDER BY k.ord
    """
    return wh.arrow(sql, params)


def booked_balances(wh: Warehouse, as_of: date) -> tuple[dict[str, Any], dict[str, Any]]:
    """From one scan of the date's loans, for reconciliation: (branch_id → Σ balance of the in-scope loans booked at
    that branch itself, not its subtree; the snapshot's independent totals — Σ balance of in-scope loans, their
    count, and Σ balance of every loan row). The totals are exact sums of the branches' exact sums."""
    rows = wh.rows(
        f"SELECT l.branch_id, CAST(coalesce(sum(l.balance) FILTER (WHERE {ALL_LOANS_WHERE}), 0) AS DECIMAL(38, 2)) AS own, "
        f"count(*) FILTER (WHERE {ALL_LOANS_WHERE}) AS n, CAST(coalesce(sum(l.balance), 0) AS DECIMAL(38, 2)) AS all_rows "
        "FROM loans l WHERE l.as_of = ? GROUP BY l.branch_id", [as_of])
    own = {r["branch_id"]: r["own"] for r in rows if r["n"]}
    totals = {"in_scope": sum((r["own"] for r in rows if r["n"]), Decimal("0.00")),
              "in_scope_count": sum(int(r["n"]) for r in rows),
              "all_rows": sum((r["all_rows"] for r in rows), Decimal("0.00"))}
    return own, totals


def oversized_tags(wh: Warehouse, as_of: date, profile: str,
                   counted: TagCounts | None = None) -> list[dict[str, Any]]:
    """Classified rows whose counted amount exceeds the loan's balance, or whose loan is missing. ``counted``: what
    the loan indicator statement counted of the same rows (``metrics_loans.TagCounts``), used instead of counting
    them again when it is of this date and profile and the parts are still those it read."""
    if not table_exists(wh, "loan_tags"):
        return []
    # first only counted (no row is built for the ≈ 5M matched tag rows at 10M loans): the tag rows, those that meet
    # their loan, and of those the ones above its balance — a loan's key is unique on its date (the load rejects
    # duplicate keys), so every row has its loan when the first two agree; the rows are listed only when not
    if (counted is not None and (counted.as_of, counted.profile) == (as_of, profile) and classify_kept.can_keep(wh)
            and counted.stamp == classify_kept.stamp(wh, as_of, profile)):
        total, met, above = counted.total, counted.met, counted.above
    else:
        counts = wh.rows(
            "SELECT (SELECT count(*) FROM loan_tags WHERE as_of = ? AND profile = ?) AS total, count(*) AS met, "
            "count(*) FILTER (WHERE t.amount > l.balance) AS above FROM loan_tags t JOIN loans l "
            "ON l.as_of = t.as_of AND l.loan_id = t.loan_id WHERE t.as_of = ? AND t.profile = ?",
            [as_of, profile, as_of, profile])[0]
        total, met, above = counts["total"], counts["met"], counts["above"]
    if met == total and not above:
        return []
    return wh.rows(
        "SELECT t.loan_id, t.tag, t.amount, l.balance FROM loan_tags t LEFT JOIN loans l "
        "ON l.as_of = t.as_of AND l.loan_id = t.loan_id WHERE t.as_of = ? AND t.profile = ? "
        "AND (l.loan_id IS NULL OR t.amount > l.balance) ORDER BY t.loan_id, t.tag LIMIT 1000",
        [as_of, profile],
    )


def branch_usccs(wh: Warehouse, as_of: date) -> dict[str, tuple[str | None, str | None]]:
    """branch_id → (its own 统一社会信用代码, the code it files under: its own, else the nearest ancestor's)."""
    closure, cparams = closure_sql(wh, as_of)
    rows = wh.rows(
        f"WITH closure AS (SELECT * FROM {closure}) SELECT b.branch_id, nullif(trim(b.uscc), '') AS own, u.uscc "
        f"FROM branches b LEFT JOIN ({branch_uscc_sql()}) u ON u.branch_id = b.branch_id WHERE b.as_of = ? "
        f"ORDER BY b.branch_id", [*cparams, as_of, as_of])
    return {r["branch_id"]: (r["own"], r["uscc"]) for r in rows}

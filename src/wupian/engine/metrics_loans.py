"""Every loan indicator (``<scope>.<measure>``) for every node in one set-based DuckDB statement.

The metrics planner hands over a :class:`LoanPlan` (scopes, measures, prior snapshots and the zh reasons it
wants for unavailable values); this module compiles it to SQL and returns one row per (node, scope, measure)
— value and reason — in the planner's order. Python never touches a single value.

The statement, reading each snapshot once:

* **sums** (balances, flows, weighted-rate numerators and weights): the scoped loans are reduced to one row
  per (scope, booking branch) — a small table — and only that is rolled up ``branch_closure``;
* **distinct customers**: one row per (scope, customer, booking branch) with a bit mask of the measure
  filters (bit *i* = the customer has a loan there passing filter *i*). A customer booked at a single branch
  is counted per branch and rolled up like a sum; only customers booked at several branches are expanded
  to (scope, ancestor, customer), so a customer served by two outlets counts once at their common parent;
* **prior balances** of each usable prior snapshot, per (scope, booking branch), rolled up the tree of the
  reporting date (figures restated to the current tree);
* the **grid** nodes × scopes joins these; each measure becomes an exact rational ``n / d`` (HUGEINT: fen,
  customer counts, 10⁻⁸ units for rate numerators) and is rounded *half to even* to its unit's places —
  exactly what ``Decimal.quantize`` does — with no float anywhere. Ratios, growth rates and gaps are
  recomputed from each node's own sums, never averaged.

Dates, ids, scope names and reason texts are bound parameters; column names come from the plan's own
identifiers (``_ident``) and the fixed ``VALUES``/``FILTERS`` vocabulary of :mod:`wupian.engine.metrics`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pyarrow as pa

from wupian.engine.metrics import FILTERS, VALUES, closure_sql, scoped_loans_sql
from wupian.engine.warehouse import Warehouse

BASE_KINDS = ("sum", "distinct", "weighted")
REASON_KEYS = (
    "tags_missing", "no_weight", "operand_unavailable", "zero_denominator", "current_unavailable",
    "zero_base", "gap_all_loans", "gap_unavailable",
)
MAX_DISTINCT = 62  # bits of the BIGINT customer mask


@dataclass(frozen=True, slots=True)
class MeasureSpec:
    """One measure computed for every scope. ``kind``: sum | distinct | weighted (base, from the loans) or
    ratio (numerator/denominator: sum or distinct measures) | change | growth (``measure``: a sum measure,
    against the prior balance) | gap (``measure``: a change or growth measure, scope minus all loans)."""

    id: str
    kind: str
    unit: str
    places: int
    value: str | None = None
    where: tuple[str, ...] = ()
    numerator: str | None = None
    denominator: str | None = None
    measure: str | None = None
    prior: str | None = None


@dataclass(frozen=True, slots=True)
class PriorSpec:
    """A prior snapshot: its name (referenced by measures), date, and the zh reason per scope whose
    snapshot is unusable at that date (scopes not listed are usable)."""

    name: str
    day: date
    unusable: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class LoanPlan:
    as_of: date
    profile: str
    scopes: tuple[str, ...]  # output order; "all_loans" first when present
    measures: tuple[MeasureSpec, ...]  # output order
    priors: tuple[PriorSpec, ...]
    nodes: tuple[str, ...]  # output order
    reasons: Mapping[str, str]  # REASON_KEYS → zh text
    subtree: str | None = None
    nfra_flow: bool = False
    tags_missing: bool = False  # no classification for as_of: every classified scope is unavailable


def _ident(name: str) -> str:
    if not name.replace("_", "").isalnum() or not name.isascii():
        raise ValueError(f"refusing suspicious measure id {name!r}")
    return name


def _pred(where: Sequence[str]) -> str:
    return " AND ".join(f"({FILTERS[w]})" for w in where) if where else "TRUE"


def check_plan(measures: Sequence[MeasureSpec]) -> None:
    """Raise ValueError when a measure cannot be compiled (unknown kind, forward or wrong-kind reference)."""
    seen: dict[str, str] = {}
    for m in measures:
        _ident(m.id)
        if m.kind in ("sum", "weighted") and (m.value or "amount") not in VALUES:
            raise ValueError(f"measure {m.id}: unknown value {m.value!r}")
        if any(w not in FILTERS for w in m.where):
            raise ValueError(f"measure {m.id}: unknown filter in {m.where!r}")
        wanted: dict[str, tuple[str, ...]] = {
            "ratio": ("sum", "distinct"), "change": ("sum",), "growth": ("sum",), "gap": ("change", "growth"),
        }
        if m.kind in wanted:
            refs = (m.numerator, m.denominator) if m.kind == "ratio" else (m.measure,)
            for ref in refs:
                if ref not in seen or seen[ref] not in wanted[m.kind]:
                    raise ValueError(f"measure {m.id} ({m.kind}) needs an earlier {'/'.join(wanted[m.kind])} "
                                     f"measure, got {ref!r}")
        elif m.kind not in BASE_KINDS:
            raise ValueError(f"measure {m.id}: unknown kind {m.kind!r}")
        if not 0 <= m.places <= 6:
            raise ValueError(f"measure {m.id}: {m.places} decimal places (0–6 supported)")
        seen[m.id] = m.kind
    if sum(1 for m in measures if m.kind == "distinct") > MAX_DISTINCT:
        raise ValueError(f"more than {MAX_DISTINCT} distinct-customer measures")


def _distinct_ctes(distinct: Sequence[MeasureSpec]) -> list[str]:
    """CTEs ending in ``counts_up`` (scope, branch_id, one count per distinct measure), from ``cur``'s
    (scope_no, customer_id, branch_no, mask): small integer keys stand for scope and booking branch.

    A customer booked at a single branch (min = max branch) is counted at that branch and rolled up like a
    sum; only the rows of customers booked at several branches are expanded over their ancestors."""
    counts = ", ".join(f"count(*) FILTER (WHERE mask & {1 << i} <> 0) AS {_ident(m.id)}"
                       for i, m in enumerate(distinct))
    cols = ", ".join(f"s.{_ident(m.id)}" for m in distinct)
    summed = ", ".join(f"sum({_ident(m.id)}) AS {_ident(m.id)}" for m in distinct)
    return [
        "closure_no AS (SELECT c.ancestor_id, n.no FROM closure c JOIN branch_no n ON n.branch_id = c.descendant_id)",
        "per_customer AS (SELECT scope_no, customer_id, min(branch_no) AS first_no, max(branch_no) AS last_no, "
        "bit_or(mask) AS mask FROM cur WHERE customer_id IS NOT NULL GROUP BY ALL)",
        f"single AS (SELECT scope_no, first_no AS no, {counts} FROM per_customer WHERE first_no = last_no GROUP BY ALL)",
        # materialised so that the rows of the few multi-branch customers are picked out before the closure join
        "multi_rows AS MATERIALIZED (SELECT b.scope_no, b.customer_id, b.branch_no, b.mask FROM cur b "
        "SEMI JOIN (SELECT scope_no, customer_id FROM per_customer WHERE first_no <> last_no) m "
        "USING (scope_no, customer_id))",
        "multi AS (SELECT b.scope_no, c.ancestor_id, b.customer_id, bit_or(b.mask) AS mask "
        "FROM multi_rows b JOIN closure_no c ON c.no = b.branch_no GROUP BY ALL)",
        f"counts_up AS (SELECT n.scope, u.ancestor_id AS branch_id, {summed} FROM ("
        f"SELECT s.scope_no, c.ancestor_id, {cols} FROM single s JOIN closure_no c ON c.no = s.no "
        f"UNION ALL SELECT scope_no, ancestor_id, {counts} FROM multi GROUP BY ALL) u "
        "JOIN scope_no n ON n.no = u.scope_no GROUP BY ALL)",
    ]


def _base_sql(wh: Warehouse, plan: LoanPlan, closure: str) -> tuple[str, list[Any]]:
    """CTEs: sums, distinct counts and prior balances per (scope, node), from one read of each snapshot."""
    base, params = scoped_loans_sql(wh, plan.as_of, profile=plan.profile, scopes=plan.scopes,
                                    nfra_flow=plan.nfra_flow)
    sums: list[str] = []
    rolled: list[str] = []
    for m in plan.measures:
        col = _ident(m.id)
        if m.kind == "sum":
            sums.append(f"sum(CASE WHEN {_pred(m.where)} THEN {VALUES[m.value or 'amount']} ELSE 0 END) AS {col}")
            rolled.append(f"sum(s.{col}) AS {col}")
        elif m.kind == "weighted":
            value = VALUES[m.value or "amount"]
            sums.append(f"sum(CASE WHEN {_pred(m.where)} THEN {value} * interest_rate ELSE 0 END) AS {col}__num")
            sums.append(f"sum(CASE WHEN {_pred(m.where)} THEN {value} ELSE 0 END) AS {col}__den")
            rolled += [f"sum(s.{col}__num) AS {col}__num", f"sum(s.{col}__den) AS {col}__den"]
    distinct = [m for m in plan.measures if m.kind == "distinct"]
    ctes = [
        f"closure AS (SELECT c.ancestor_id, c.descendant_id FROM {closure} c "
        "JOIN wp_loan_nodes n ON n.branch_id = c.ancestor_id)",
    ]
    if distinct:
        mask = " | ".join(f"CASE WHEN {_pred(m.where)} THEN {1 << i} ELSE 0 END" for i, m in enumerate(distinct))
        ctes += [
            f"scope_no(scope, no) AS (VALUES {', '.join(f'(?, {i})' for i in range(len(plan.scopes)))})",
            "branch_no AS (SELECT descendant_id AS branch_id, CAST(row_number() OVER () AS INTEGER) AS no "
            "FROM (SELECT DISTINCT descendant_id FROM closure))",
            f"cur AS (SELECT b.*, s.no AS scope_no, n.no AS branch_no, CAST({mask} AS BIGINT) AS mask "
            f"FROM {base} b JOIN scope_no s ON s.scope = b.scope LEFT JOIN branch_no n ON n.branch_id = b.branch_id)",
            *_distinct_ctes(distinct),
        ]
        params = [*plan.scopes, *params]
    else:
        ctes.append(f"cur AS (SELECT * FROM {base})")
    ctes += [
        f"sums AS (SELECT scope, branch_id, {', '.join(sums) or '0 AS none_'} FROM cur GROUP BY ALL)",
        f"sums_up AS (SELECT s.scope, c.ancestor_id AS branch_id, {', '.join(rolled) or '0 AS none_'} "
        "FROM sums s JOIN closure c ON c.descendant_id = s.branch_id GROUP BY ALL)",
    ]
    prior_parts: list[str] = []
    for i, p in enumerate(plan.priors):
        blocked = {s for s, _ in p.unusable}
        usable = [s for s in plan.scopes if s not in blocked]
        if not usable:
            continue
        pbase, pparams = scoped_loans_sql(wh, p.day, profile=plan.profile, scopes=usable)
        prior_parts.append(f"SELECT {i} AS prior, scope, branch_id, sum(amount) AS amount FROM {pbase} GROUP BY ALL")
        params += pparams
    if prior_parts:
        ctes.append(
            f"prior_up AS (SELECT p.prior, p.scope, c.ancestor_id AS branch_id, sum(p.amount) AS balance "
            f"FROM ({' UNION ALL '.join(prior_parts)}) p JOIN closure c ON c.descendant_id = p.branch_id "
            "GROUP BY ALL)"
        )
    else:
        ctes.append("prior_up AS (SELECT 0 AS prior, NULL::VARCHAR AS scope, NULL::VARCHAR AS branch_id, "
                    "NULL::DECIMAL(38, 2) AS balance WHERE FALSE)")
    return ",\n".join(ctes), params


def _fen(col: str) -> str:
    return f"CAST(coalesce({col}, 0) * 100 AS HUGEINT)"


def _rational(m: MeasureSpec, by_id: Mapping[str, MeasureSpec], row: str) -> tuple[str, str]:
    """(numerator, denominator) HUGEINT SQL of measure ``m`` over the wide row alias ``row``."""
    col = m.id
    if m.kind == "sum":
        return _fen(f"{row}.{col}"), "CAST(100 AS HUGEINT)"
    if m.kind == "distinct":
        return f"CAST(coalesce({row}.{col}, 0) AS HUGEINT)", "CAST(1 AS HUGEINT)"
    if m.kind == "weighted":
        num = f"CAST(coalesce({row}.{col}__num, 0) * 100000000 AS HUGEINT)"
        return num, f"({_fen(f'{row}.{col}__den')} * 1000000)"
    if m.kind == "ratio":
        nn, nd = _rational(by_id[m.numerator or ""], by_id, row)
        dn, dd = _rational(by_id[m.denominator or ""], by_id, row)
        return f"({nn} * {dd} * 100)", f"({nd} * {dn})"
    cur, _ = _rational(by_id[m.measure or ""], by_id, row)  # change / growth: current in fen
    before = _fen(f"{row}.prior_{m.id}")
    if m.kind == "change":
        return f"({cur} - {before})", "CAST(100 AS HUGEINT)"
    if m.kind == "growth":
        return f"(({cur} - {before}) * 100)", before
    ref = by_id[m.measure or ""]  # gap: scope minus all loans, one exact fraction
    c1, _ = _rational(by_id[ref.measure or ""], by_id, row)
    c2, _ = _rational(by_id[ref.measure or ""], by_id, "a")
    b1, b2 = _fen(f"{row}.prior_{ref.id}"), _fen(f"a.prior_{ref.id}")
    if ref.kind == "change":
        return f"(({c1} - {b1}) - ({c2} - {b2}))", "CAST(100 AS HUGEINT)"
    return f"(({c1} * {b2} - {c2} * {b1}) * 100)", f"({b1} * {b2})"


def _reason(m: MeasureSpec, by_id: Mapping[str, MeasureSpec], row: str) -> str:
    """SQL of the zh reason why ``m`` is unavailable at ``row`` (NULL when it is available); the texts are
    columns of the one-row relation ``rt`` (bound parameters)."""

    def text(key: str) -> str:
        assert key in REASON_KEYS
        return f"rt.{key}"

    if m.kind in ("sum", "distinct"):
        return f"{row}.tags_reason"
    if m.kind == "weighted":
        return f"coalesce({row}.tags_reason, CASE WHEN coalesce({row}.{m.id}__den, 0) = 0 THEN {text('no_weight')} END)"
    if m.kind == "ratio":
        ops = [_reason(by_id[r or ""], by_id, row) for r in (m.numerator, m.denominator)]
        dn, _ = _rational(by_id[m.denominator or ""], by_id, row)
        return (f"coalesce({row}.tags_reason, CASE WHEN ({ops[0]}) IS NOT NULL OR ({ops[1]}) IS NOT NULL "
                f"THEN {text('operand_unavailable')} WHEN {dn} = 0 THEN {text('zero_denominator')} END)")
    if m.kind in ("change", "growth"):
        current = _reason(by_id[m.measure or ""], by_id, row)
        zero = f"WHEN {_fen(f'{row}.prior_{m.id}')} = 0 THEN {text('zero_base')} " if m.kind == "growth" else ""
        return (f"coalesce({row}.tags_reason, {row}.prior_reason_{m.id}, CASE WHEN ({current}) IS NOT NULL "
                f"THEN {text('current_unavailable')} {zero}END)")
    mine = _reason(by_id[m.measure or ""], by_id, row)
    base = _reason(by_id[m.measure or ""], by_id, "a")
    return (f"coalesce({row}.tags_reason, CASE WHEN {row}.is_all THEN {text('gap_all_loans')} "
            f"WHEN a.scope IS NULL OR ({mine}) IS NOT NULL OR ({base}) IS NOT NULL "
            f"THEN {text('gap_unavailable')} END)")


def _exact_value(m: MeasureSpec, by_id: Mapping[str, MeasureSpec], row: str) -> str | None:
    """SQL of the measure's exact DECIMAL(38, 6) value when no rounding can apply (sums and changes kept to
    at least cents, customer counts); None when it must go through the rational rounding."""
    if m.kind == "distinct" or (m.kind == "sum" and m.places >= 2):
        return f"CAST(coalesce({row}.{m.id}, 0) AS DECIMAL(38, 6))"
    if m.kind == "change" and m.places >= 2:
        current = by_id[m.measure or ""].id
        return f"CAST(coalesce({row}.{current}, 0) - coalesce({row}.prior_{m.id}, 0) AS DECIMAL(38, 6))"
    return None


def _rounding_stages(k: int, places: int) -> tuple[str, str, str]:
    """Three projection stages turning the exact fraction ``n_k / d_k`` into ``v_k``: the fraction rounded
    half to even to ``places`` decimals, as DECIMAL(38, 6) (NULL when ``r_k``, the reason, is set).

    Long division in two steps keeps every intermediate below |d|·10^places (no HUGEINT overflow)."""
    scale = 10 ** places
    div = (f"abs(n_{k}) // nullif(abs(d_{k}), 0) AS q_{k}, "
           f"(abs(n_{k}) % nullif(abs(d_{k}), 0)) * {scale} AS t_{k}, "
           f"abs(d_{k}) AS b_{k}, (n_{k} < 0) <> (d_{k} < 0) AS neg_{k}")
    digits = f"q_{k} * {scale} + t_{k} // b_{k} AS f_{k}, 2 * (t_{k} % b_{k}) AS h_{k}"
    rounded = f"(f_{k} + CASE WHEN h_{k} > b_{k} OR (h_{k} = b_{k} AND f_{k} % 2 = 1) THEN 1 ELSE 0 END)"
    unit = Decimal(1).scaleb(-places)
    value = (f"CASE WHEN r_{k} IS NULL THEN CAST(CAST(CASE WHEN neg_{k} THEN -{rounded} ELSE {rounded} END "
             f"AS DECIMAL(38, 0)) * {unit} AS DECIMAL(38, 6)) END AS v_{k}")
    return div, digits, value


def loan_values(wh: Warehouse, plan: LoanPlan) -> pa.Table:
    """Columns branch_id, indicator_id, value (DECIMAL(38, 6), rounded to the unit), unit,
    unavailable_reason — one row per node × scope × measure, in the plan's order."""
    check_plan(plan.measures)
    by_id = {m.id: m for m in plan.measures}
    closure, cparams = closure_sql(wh, plan.as_of)
    ctes, bparams = _base_sql(wh, plan, "(SELECT * FROM " + closure + ")")
    prior_index = {p.name: i for i, p in enumerate(plan.priors)}
    scope_rows: list[str] = []
    sparams: list[Any] = []
    for i, s in enumerate(plan.scopes):
        classified = s != "all_loans"
        row = ["?", "?", "?", "CAST(? AS VARCHAR)"]
        sparams += [s, i, not classified, plan.reasons["tags_missing"] if classified and plan.tags_missing else None]
        for p in plan.priors:
            row.append("CAST(? AS VARCHAR)")
            sparams.append(dict(p.unusable).get(s))
        scope_rows.append(f"({', '.join(row)})")
    prior_cols = "".join(f", reason_{i}" for i in range(len(plan.priors)))
    wide_cols: list[str] = []
    joins: list[str] = []
    for m in plan.measures:
        if m.kind == "sum":
            wide_cols.append(f"su.{m.id}")
        elif m.kind == "weighted":
            wide_cols += [f"su.{m.id}__num", f"su.{m.id}__den"]
        elif m.kind == "distinct":
            wide_cols.append(f"cu.{m.id}")
        elif m.kind in ("change", "growth"):
            i = prior_index[m.prior or "year_end"]
            joins.append(f"LEFT JOIN prior_up p_{m.id} ON p_{m.id}.prior = {i} AND p_{m.id}.scope = g.scope "
                         f"AND p_{m.id}.branch_id = g.branch_id")
            wide_cols += [f"p_{m.id}.balance AS prior_{m.id}", f"g.reason_{i} AS prior_reason_{m.id}"]
    if any(m.kind == "distinct" for m in plan.measures):
        joins.append("LEFT JOIN counts_up cu ON cu.scope = g.scope AND cu.branch_id = g.branch_id")
    reasons = [f"{_reason(m, by_id, 'w')} AS r_{k}" for k, m in enumerate(plan.measures)]
    rparams = [plan.reasons[key] for key in REASON_KEYS]
    exact = {k: _exact_value(m, by_id, "w") for k, m in enumerate(plan.measures)}
    inexact = [k for k, sql in exact.items() if sql is None]
    fractions = [f"{sql} AS x_{k}" for k, sql in exact.items() if sql is not None]
    for k in inexact:
        n, d = _rational(plan.measures[k], by_id, "w")
        fractions.append(f"{n} AS n_{k}, {d} AS d_{k}")
    stages = {k: _rounding_stages(k, plan.measures[k].places) for k in inexact}
    carried = ", ".join([f"r_{k}" for k in range(len(plan.measures))] + [f"x_{k}" for k in exact if k not in stages])
    values = [stages[k][2] if k in stages else f"CASE WHEN r_{k} IS NULL THEN x_{k} END AS v_{k}" for k in exact]
    structs = ", ".join(f"{{'k': {k}, 'v': v_{k}, 'r': r_{k}}}" for k in range(len(plan.measures)))
    measure_rows = ", ".join("(?, ?, ?)" for _ in plan.measures)
    mparams: list[Any] = [x for k, m in enumerate(plan.measures) for x in (k, m.id, m.unit)]
    sql = f"""
        WITH {ctes},
        scopes(scope, scope_ord, is_all, tags_reason{prior_cols}) AS (VALUES {', '.join(scope_rows)}),
        measures(k, measure, unit) AS (VALUES {measure_rows}),
        rt({', '.join(REASON_KEYS)}) AS (VALUES ({', '.join('CAST(? AS VARCHAR)' for _ in REASON_KEYS)})),
        g AS (SELECT n.ord AS node_ord, n.branch_id, s.* FROM wp_loan_nodes n CROSS JOIN scopes s),
        wide AS (SELECT g.node_ord, g.branch_id, g.scope, g.scope_ord, g.is_all, g.tags_reason
                        {''.join(', ' + c for c in wide_cols)}
                 FROM g LEFT JOIN sums_up su ON su.scope = g.scope AND su.branch_id = g.branch_id
                 {' '.join(joins)}),
        fractions AS (SELECT w.node_ord, w.branch_id, w.scope_ord, w.scope, {', '.join(reasons)},
                             {', '.join(fractions)}
                      FROM wide w LEFT JOIN wide a ON a.branch_id = w.branch_id AND a.is_all CROSS JOIN rt),
        divided AS (SELECT node_ord, branch_id, scope_ord, scope, {carried}
                           {''.join(', ' + x[0] for x in stages.values())} FROM fractions),
        digits AS (SELECT * {''.join(', ' + x[1] for x in stages.values())} FROM divided),
        rounded AS (SELECT node_ord, branch_id, scope_ord, scope, {carried}, {', '.join(values)} FROM digits),
        derived AS (SELECT node_ord, branch_id, scope, scope_ord, unnest([{structs}]) AS x FROM rounded)
        SELECT d.branch_id, d.scope || '.' || m.measure AS indicator_id, d.x.v AS value, m.unit,
               d.x.r AS unavailable_reason
        FROM derived d JOIN measures m ON m.k = d.x.k
        ORDER BY d.node_ord, d.scope_ord, d.x.k
    """
    nodes = pa.table({"branch_id": pa.array(plan.nodes, pa.string()),
                      "ord": pa.array(range(len(plan.nodes)), pa.int64())})
    wh.register("wp_loan_nodes", nodes)
    try:
        return wh.arrow(sql, [*cparams, *bparams, *sparams, *mparams, *rparams])
    finally:
        wh.unregister("wp_loan_nodes")

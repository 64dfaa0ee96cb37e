"""Every loan indicator (``<scope>.<measure>``) for every node in one set-based DuckDB statement.

The metrics planner hands over a :class:`LoanPlan` (scopes, measures, prior snapshots and the zh reasons it
wants for unavailable values); this module compiles it to SQL and returns one row per (node, scope, measure)
— value and reason — in the planner's order. Python never touches a single value.

The statement reads each snapshot once: the date's loans into ``lrow`` (one row per loan: booking-branch number,
``in_ytd``, all-loans scope and the measure filters as bits, computed once per loan), which gives the all-loans
rows and is joined to ``loan_tags`` for the classified scopes; those rows are materialised as ``cur``:

* **sums** (balances, flows, weighted-rate numerators and weights): each value summed once per (scope, booking
  branch, combination of measure filters) — no per-loan, per-measure expressions — then per (scope, booking
  branch), a small table, and only that is rolled up ``branch_closure``;
* **distinct customers**: one row per (scope, customer) with the first and last booking branch and a bit
  mask of the measure filters (bit *i* = the customer has a loan passing filter *i*). A customer booked at a
  single branch is counted there and rolled up like a sum; only the rows of customers booked at several
  branches are expanded to (scope, ancestor, customer), so a customer served by two outlets counts once at
  their common parent. Scope and branch are small integers on this path;
* **prior balances** of each usable prior snapshot, per (scope, booking branch), rolled up the tree of the
  reporting date (figures restated to the current tree);
* the **grid** nodes × scopes joins these and :mod:`wupian.engine.metrics_derive` turns each measure into
  an exact, half-even rounded value or a reason.

Dates, ids, scope names and reason texts are bound parameters; column names come from the plan's own
identifiers (``_ident``) and the fixed ``VALUES``/``FILTERS`` vocabulary of :mod:`wupian.engine.metrics`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pyarrow as pa

from wupian.engine import classify_kept
from wupian.engine.first_loan_rule import first_loan_join, is_first_loan_sql
from wupian.engine.metrics import (
    ALL_LOANS_WHERE,
    FILTERS,
    VALUES,
    closure_sql,
    first_loans_cte,
    history_first_loans,
    scoped_loans_sql,
    table_exists,
)
from wupian.engine.metrics_derive import (
    REASON_KEYS,
    MeasureSpec,
    exact_value,
    rational,
    reason,
    rounding_stages,
)
from wupian.engine.warehouse import Warehouse

BASE_KINDS = ("sum", "distinct", "weighted")
MAX_DISTINCT = 62  # bits of the BIGINT customer mask
PACKED_BITS = 62  # the customer masks of every scope packed into one BIGINT when they fit (``_distinct_ctes``)


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


@dataclass(frozen=True, slots=True)
class TagCounts:
    """What the loan statement's join of the date's tag rows to its loans counted on the way, for the
    reconciliation's check of classified amounts against their loans (``metrics_reports.oversized_tags``): the tag
    rows of (``as_of``, ``profile``), those of them that met their loan of the date, and of those the ones whose
    amount exceeds the loan's balance — valid while the parts are the ones of ``stamp`` (``classify_kept.stamp``)."""

    as_of: date
    profile: str
    stamp: str
    total: int
    met: int
    above: int


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
            "share": ("sum",),
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


def _distinct_ctes(distinct: Sequence[MeasureSpec], scopes: int) -> list[str]:
    """CTEs ending in ``counts_up`` (scope, branch_id, one count per distinct measure), from ``cur``'s
    (scope_no, customer_id, branch_no, mask): small integer keys stand for scope and booking branch.

    A customer booked at a single branch (min = max branch) is counted at that branch and rolled up like a
    sum; only the rows of customers booked at several branches are expanded over their ancestors. When every
    scope's mask fits one BIGINT (``scopes`` × measures ≤ 62 bits) the customers are grouped once, not once per
    scope: scope *s*'s mask moves to bits *s*·*d*… (*d* measures) and one row per customer carries them all — a hash
    table of the customers instead of the (scope, customer) pairs (10M loans: 3.3M groups, not 6.2M) — and the
    single-branch customers are then counted per (branch, mask) and each scope's bits read off those few rows. A
    customer is single-branch over all its scopes' rows (it may then be counted on the multi-branch path in a scope
    where it is not: that path counts any customer right)."""
    d = len(distinct)
    cols = ", ".join(f"s.{_ident(m.id)}" for m in distinct)
    summed = ", ".join(f"sum({_ident(m.id)}) AS {_ident(m.id)}" for m in distinct)
    counts = ", ".join(f"count(*) FILTER (WHERE mask & {1 << i} <> 0) AS {_ident(m.id)}"
                       for i, m in enumerate(distinct))
    multi = [
        "multi AS (SELECT b.scope_no, c.ancestor_id, b.customer_id, bit_or(b.mask) AS mask "
        "FROM multi_rows b JOIN closure_no c ON c.no = b.branch_no GROUP BY ALL)",
        f"counts_up AS (SELECT n.scope, u.ancestor_id AS branch_id, {summed} FROM ("
        f"SELECT s.scope_no, c.ancestor_id, {cols} FROM single s JOIN closure_no c ON c.no = s.no "
        f"UNION ALL SELECT scope_no, ancestor_id, {counts} FROM multi GROUP BY ALL) u "
        "JOIN scope_no n ON n.no = u.scope_no GROUP BY ALL)",
    ]
    if scopes * d <= PACKED_BITS:
        shift = f"CAST(CASE scope_no {' '.join(f'WHEN {k} THEN {1 << (k * d)}' for k in range(scopes))} END AS BIGINT)"
        per_scope = ", ".join(f"CAST(coalesce(sum(m.n) FILTER (WHERE m.mask & (k.bit * {1 << i}) <> 0), 0) AS BIGINT) "
                              f"AS {_ident(x.id)}" for i, x in enumerate(distinct))
        scope_bits = ", ".join(f"({k}, CAST({1 << (k * d)} AS BIGINT))" for k in range(scopes))
        return [
            "per_customer AS (SELECT customer_id, min(branch_no) AS first_no, max(branch_no) AS last_no, "
            f"bit_or(mask * {shift}) AS mask FROM cur WHERE customer_id IS NOT NULL GROUP BY customer_id)",
            f"single AS (SELECT k.scope_no, m.first_no AS no, {per_scope} "
            "FROM (SELECT first_no, mask, count(*) AS n FROM per_customer WHERE first_no = last_no "
            f"GROUP BY first_no, mask) m CROSS JOIN (VALUES {scope_bits}) AS k(scope_no, bit) "
            "WHERE m.mask & (k.bit * " + str((1 << d) - 1) + ") <> 0 GROUP BY k.scope_no, m.first_no)",
            # materialised so that the rows of the few multi-branch customers are picked out before the closure join
            "multi_rows AS MATERIALIZED (SELECT b.scope_no, b.customer_id, b.branch_no, b.mask FROM cur b "
            "SEMI JOIN (SELECT customer_id FROM per_customer WHERE first_no <> last_no) m USING (customer_id))",
            *multi,
        ]
    return [
        "per_customer AS (SELECT scope_no, customer_id, min(branch_no) AS first_no, max(branch_no) AS last_no, "
        "bit_or(mask) AS mask FROM cur WHERE customer_id IS NOT NULL GROUP BY ALL)",
        f"single AS (SELECT scope_no, first_no AS no, {counts} FROM per_customer WHERE first_no = last_no GROUP BY ALL)",
        # materialised so that the rows of the few multi-branch customers are picked out before the closure join
        "multi_rows AS MATERIALIZED (SELECT b.scope_no, b.customer_id, b.branch_no, b.mask FROM cur b "
        "SEMI JOIN (SELECT scope_no, customer_id FROM per_customer WHERE first_no <> last_no) m "
        "USING (scope_no, customer_id))",
        *multi,
    ]


def _where_bits(measures: Sequence[MeasureSpec]) -> dict[tuple[str, ...], int]:
    """One bit per distinct filter combination (``where``) of the sum and weighted measures."""
    bits: dict[tuple[str, ...], int] = {}
    for m in measures:
        if m.kind in ("sum", "weighted") and tuple(m.where) not in bits:
            bits[tuple(m.where)] = len(bits)
    if len(bits) > 63:
        raise ValueError("more than 63 filter combinations in one plan")
    return bits


def _bits_sql(preds: Sequence[Sequence[str]]) -> tuple[str, int]:
    """(``bits``, ``kept``): ``bits`` sets bit *i* when the filters ``preds[i]`` (ANDed) hold, one BIGINT per loan,
    with the filter ``has_balance`` (the only one that reads the row's amount) taken as true, so that a loan's bits
    are computed before its tag amounts are known; ``kept`` has the bits of the combinations without
    ``has_balance``. A row whose own amount is not > 0 (or NULL) keeps ``bits & kept``: every combination with
    ``has_balance`` fails for it, the others do not read the amount."""
    def pred(where: Sequence[str]) -> str:
        return " AND ".join(f"({'TRUE' if w == 'has_balance' else FILTERS[w]})" for w in where) or "TRUE"
    terms = " | ".join(f"CASE WHEN {pred(w)} THEN {1 << i} ELSE 0 END" for i, w in enumerate(preds))
    return f"CAST({terms or '0'} AS BIGINT)", sum(1 << i for i, w in enumerate(preds) if "has_balance" not in w)


def _cur_sql(wh: Warehouse, plan: LoanPlan, bits: Mapping[tuple[str, ...], int], distinct: Sequence[MeasureSpec],
             needs_first: bool, counted: bool = False) -> tuple[list[str], list[Any]]:
    """The CTEs ending in ``cur`` (scope_no, branch_no, customer_id, amount, flow_amount, interest_rate, fbits, mask):
    the rows of :func:`wupian.engine.metrics.scoped_loans_sql` with the small integer scope and booking-branch
    numbers and the filter bits, computed where they are cheapest.

    The loans of the date are read once into ``lrow``: per loan the booking branch number, ``in_ytd``, whether it
    is in the all-loans scope, and the filter bits with ``has_balance`` (the only filter reading the row's amount)
    taken as true; a row whose own amount is not > 0 (or NULL, as ``amount > 0`` would say) drops the bits of the
    combinations with ``has_balance`` (:func:`_bits_sql`). The all-loans rows are its in-scope loans; the tagged
    rows are ``loan_tags`` (scope numbered on the tag rows) joined to it, so the join carries integers instead of
    the filters' text and date columns. ``lrow`` is materialised only when both kinds of rows read it.

    ``counted`` (both kinds of rows read): ``cur`` also says of each tagged row whether the tag's amount exceeds the
    loan's balance (``above``; NULL on the all-loans rows) and the CTE ``tag_check`` (total, met, above) counts the
    tag rows of the date and profile, the tagged rows of ``cur`` and those above their balance (:class:`TagCounts`)."""
    (fbits, fkept), (mask, mkept) = _bits_sql(sorted(bits, key=bits.__getitem__)), _bits_sql([m.where for m in distinct])
    tagged = [s for s in plan.scopes if s != "all_loans"]
    tagged = tagged if tagged and table_exists(wh, "loan_tags") else []
    has_all = "all_loans" in plan.scopes
    if not has_all and not tagged:
        return (["cur AS (SELECT 0 AS scope_no, 0 AS branch_no, NULL::VARCHAR AS customer_id, "
                 "NULL::DECIMAL(38,2) AS amount, NULL::DECIMAL(38,2) AS flow_amount, NULL::DECIMAL(18,6) AS interest_rate, "
                 "CAST(0 AS BIGINT) AS fbits, CAST(0 AS BIGINT) AS mask WHERE FALSE)"], [])
    restructured = " AND NOT coalesce(l.is_restructured, false)" if plan.nfra_flow else ""
    first_col, first_join = (
        (f"{is_first_loan_sql('l', 'f')} AS is_first_loan", f" LEFT JOIN first_loans f ON {first_loan_join('l', 'f')}")
        if needs_first else ("l.is_first_loan", ""))
    both = has_all and bool(tagged)
    counted = counted and both
    scoped = f", {ALL_LOANS_WHERE} AS in_scope" if both else ""
    # the loan columns the filters read, by the names FILTERS use
    loans = (f"SELECT l.loan_id, l.customer_id, n.no AS branch_no, l.balance, l.drawdown_amount, l.interest_rate, "
             f"l.drawdown_date, l.maturity_date, l.five_class, l.guarantee_type, {first_col}, "
             f"(l.drawdown_date BETWEEN ? AND ?{restructured}) AS in_ytd{scoped} "
             f"FROM loans l LEFT JOIN branch_no n ON n.branch_id = l.branch_id{first_join} WHERE l.as_of = ?"
             + ("" if both or tagged else f" AND {ALL_LOANS_WHERE}"))
    lrow = (f"SELECT loan_id, customer_id, branch_no, balance, drawdown_amount, interest_rate, in_ytd"
            f"{', in_scope' if both else ''}, "
            f"{fbits} AS fbits, {mask} AS mask FROM ({loans}) AS x")
    loan_params: list[Any] = [date(plan.as_of.year, 1, 1), plan.as_of, plan.as_of]
    params: list[Any] = []
    rel = "lrow" if both else f"({lrow})"
    parts: list[str] = []
    if has_all:
        parts.append(
            f"SELECT {plan.scopes.index('all_loans')} AS scope_no, branch_no, customer_id, balance AS amount, "
            "CASE WHEN in_ytd THEN drawdown_amount ELSE 0 END AS flow_amount, interest_rate, "
            f"CASE WHEN balance > 0 THEN fbits ELSE fbits & {fkept} END AS fbits, "
            f"CASE WHEN balance > 0 THEN mask ELSE mask & {mkept} END AS mask"
            f"{', NULL::BOOLEAN AS above' if counted else ''} "
            f"FROM {rel} AS a{' WHERE in_scope' if both else ''}")
        params += [] if both else loan_params
    if tagged:
        share = (
            "CASE WHEN l.balance > 0 AND t.t_amount < l.balance THEN CAST(CAST(("
            "CAST(round(l.drawdown_amount * 100) AS HUGEINT) * CAST(round(t.t_amount * 100) AS HUGEINT) * 2 "
            "+ CAST(round(l.balance * 100) AS HUGEINT)) // (2 * CAST(round(l.balance * 100) AS HUGEINT)) "
            "AS DECIMAL(38, 0)) * 0.01 AS DECIMAL(38, 2)) ELSE l.drawdown_amount END"
        )
        parts.append(
            "SELECT t.scope_no, l.branch_no, l.customer_id, t.amount, "
            f"CASE WHEN l.in_ytd THEN {share} ELSE 0 END AS flow_amount, l.interest_rate, "
            f"CASE WHEN t.amount > 0 THEN l.fbits ELSE l.fbits & {fkept} END AS fbits, "
            f"CASE WHEN t.amount > 0 THEN l.mask ELSE l.mask & {mkept} END AS mask"
            f"{', t.t_amount > l.balance AS above' if counted else ''} "
            "FROM (SELECT s.no AS scope_no, g.loan_id, g.amount AS t_amount, CAST(g.amount AS DECIMAL(38, 2)) AS amount "
            "FROM loan_tags g JOIN scope_no s ON s.scope = g.tag "
            f"WHERE g.as_of = ? AND g.profile = ? AND g.tag IN ({', '.join('?' for _ in tagged)})) AS t "
            f"JOIN {rel} AS l ON l.loan_id = t.loan_id")
        params += [plan.as_of, plan.profile, *tagged, *([] if both else loan_params)]
    union = " UNION ALL ".join(parts)
    # materialised when read more than once (distinct counts): only the columns the aggregates use
    cur = f"cur AS ({union})"
    if both:  # the loans read once for the all-loans rows and the tags' join
        check = ([f"tag_check AS (SELECT (SELECT count(*) FROM loan_tags WHERE as_of = ? AND profile = ?) AS total, "
                  f"count(*) FILTER (WHERE scope_no <> {plan.scopes.index('all_loans')}) AS met, "
                  "count(*) FILTER (WHERE above) AS above FROM cur)"] if counted else [])
        return ([f"lrow AS MATERIALIZED ({lrow})", cur, *check],
                [*loan_params, *params, *([plan.as_of, plan.profile] if counted else [])])
    return [cur], params


def _base_sql(wh: Warehouse, plan: LoanPlan, closure: str, counted: bool = False) -> tuple[str, list[Any]]:
    """CTEs: sums, distinct counts and prior balances per (scope, node), from one read of each snapshot.

    ``cur`` keeps only what the aggregates read: small integer scope and booking-branch numbers, the customer,
    the amounts, the rate, one bit per filter combination of the sums (``fbits``, each filter evaluated once
    per row) and one bit per distinct-customer measure (``mask``); the sums group on the two integers."""
    needs_first = any("first_loan" in m.where for m in plan.measures) and history_first_loans(wh, plan.as_of)
    first_cte, first_params = first_loans_cte(wh, plan.as_of) if needs_first else ("", [])
    bits = _where_bits(plan.measures)
    sums: list[str] = []
    rolled: list[str] = []
    for m in plan.measures:
        col = _ident(m.id)
        test = f"fbits & {1 << bits[tuple(m.where)]} <> 0" if m.kind in ("sum", "weighted") else ""
        if m.kind == "sum":
            sums.append(f"sum(CASE WHEN {test} THEN s_{VALUES[m.value or 'amount']} ELSE 0 END) AS {col}")
            rolled.append(f"sum(s.{col}) AS {col}")
        elif m.kind == "weighted":
            value = VALUES[m.value or "amount"]
            sums.append(f"sum(CASE WHEN {test} THEN w_{value} ELSE 0 END) AS {col}__num")
            sums.append(f"sum(CASE WHEN {test} THEN s_{value} ELSE 0 END) AS {col}__den")
            rolled += [f"sum(s.{col}__num) AS {col}__num", f"sum(s.{col}__den) AS {col}__den"]
    # per (scope, branch, filter bits): each value's sum and rate-weighted sum, once — the measures then sum these
    # few rows (exact decimals: the same totals as summing the loans one by one)
    used = " ".join(sums)
    # a rate-weighted value is a DECIMAL(38) product per row (≈ 60 ns): not computed where the value is 0 (the flow
    # of every loan not drawn this year) and the rate known — its product is 0 exactly; a NULL rate keeps its NULL
    presums = ", ".join([f"sum({v}) AS s_{v}" for v in VALUES.values() if f"s_{v}" in used]
                        + [f"sum(CASE WHEN {v} = 0 AND interest_rate IS NOT NULL THEN 0 ELSE {v} * interest_rate END) "
                           f"AS w_{v}" for v in VALUES.values() if f"w_{v}" in used])
    distinct = [m for m in plan.measures if m.kind == "distinct"]
    cur, params = _cur_sql(wh, plan, bits, distinct, needs_first, counted)
    ctes = [
        f"closure AS (SELECT c.ancestor_id, c.descendant_id FROM {closure} c "
        "JOIN wp_loan_nodes n ON n.branch_id = c.ancestor_id)",
        f"scope_no(scope, no) AS (VALUES {', '.join(f'(?, {i})' for i in range(len(plan.scopes)))})",
        "branch_no AS (SELECT descendant_id AS branch_id, CAST(row_number() OVER () AS INTEGER) AS no "
        "FROM (SELECT DISTINCT descendant_id FROM closure))",
        "closure_no AS (SELECT c.ancestor_id, n.no FROM closure c JOIN branch_no n ON n.branch_id = c.descendant_id)",
        *([first_cte] if needs_first else []),
        *cur,
    ]
    params = [*plan.scopes, *(first_params if needs_first else []), *params]
    if distinct:
        ctes += _distinct_ctes(distinct, len(plan.scopes))
    ctes += [
        f"presums AS (SELECT scope_no, branch_no, fbits{', ' + presums if presums else ''} FROM cur "
        "GROUP BY scope_no, branch_no, fbits)",
        f"sums AS (SELECT scope_no, branch_no, {', '.join(sums) or '0 AS none_'} FROM presums "
        "GROUP BY scope_no, branch_no)",
        f"sums_up AS (SELECT n.scope, c.ancestor_id AS branch_id, {', '.join(rolled) or '0 AS none_'} "
        "FROM sums s JOIN closure_no c ON c.no = s.branch_no JOIN scope_no n ON n.no = s.scope_no "
        "GROUP BY n.scope, c.ancestor_id)",
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


_CHECK_COLUMNS = ("check_total", "check_met", "check_above")
_CHECKED = "".join(f", tag_check.{c.removeprefix('check_')} AS {c}" for c in _CHECK_COLUMNS)


def loan_values(wh: Warehouse, plan: LoanPlan) -> tuple[pa.Table, TagCounts | None]:
    """Columns branch_id, indicator_id, value (DECIMAL(38, 6), rounded to the unit), unit,
    unavailable_reason — one row per node × scope × measure, in the plan's order; and, when the statement joined
    the date's tag rows to all its loans (the all-loans scope and a classified one; a warehouse of parts), what it
    counted of them (:class:`TagCounts`), else None."""
    check_plan(plan.measures)
    by_id = {m.id: m for m in plan.measures}
    closure, cparams = closure_sql(wh, plan.as_of)
    both = "all_loans" in plan.scopes and len(plan.scopes) > 1
    stamp = classify_kept.stamp(wh, plan.as_of, plan.profile) if both and classify_kept.can_keep(wh) else None
    ctes, bparams = _base_sql(wh, plan, "(SELECT * FROM " + closure + ")", counted=stamp is not None)
    counted = "tag_check AS (" in ctes
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
    reasons = [f"{reason(m, by_id, 'w')} AS r_{k}" for k, m in enumerate(plan.measures)]
    rparams = [plan.reasons[key] for key in REASON_KEYS]
    exact = {k: exact_value(m, by_id, "w") for k, m in enumerate(plan.measures)}
    inexact = [k for k, sql in exact.items() if sql is None]
    fractions = [f"{sql} AS x_{k}" for k, sql in exact.items() if sql is not None]
    for k in inexact:
        n, d = rational(plan.measures[k], by_id, "w")
        fractions.append(f"{n} AS n_{k}, {d} AS d_{k}")
    stages = {k: rounding_stages(k, plan.measures[k].places) for k in inexact}
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
               d.x.r AS unavailable_reason{_CHECKED if counted else ''}
        FROM derived d JOIN measures m ON m.k = d.x.k{' CROSS JOIN tag_check' if counted else ''}
        ORDER BY d.node_ord, d.scope_ord, d.x.k
    """
    nodes = pa.table({"branch_id": pa.array(plan.nodes, pa.string()),
                      "ord": pa.array(range(len(plan.nodes)), pa.int64())})
    wh.register("wp_loan_nodes", nodes)
    try:
        table = wh.arrow(sql, [*cparams, *bparams, *sparams, *mparams, *rparams])
        if not counted:
            return table, None
        found = None
        if table.num_rows and stamp is not None:  # the counts ride on every row (one row of ``tag_check``)
            first = table.slice(0, 1).select(list(_CHECK_COLUMNS)).to_pylist()[0]
            found = TagCounts(plan.as_of, plan.profile, stamp, *(int(first[c]) for c in _CHECK_COLUMNS))
        return table.drop_columns(list(_CHECK_COLUMNS)), found
    finally:
        wh.unregister("wp_loan_nodes")
        classify_kept.drop(wh)  # read once: the classification's kept tagged loans are not needed again

"""Tag every loan of a snapshot with the five priorities in one set-based pass (DuckDB), from a ClassifyPlan.

Steps (each one SQL statement over the whole snapshot):
1. ``cls_cust`` — per-customer facts (see ``classify_customers``);
2. per loan (inside step 3's statement): the facts of ``classify_facts``, one boolean per rule, one boolean and
   one amount per tag (include rules OR-ed, exclusion rules applied, union tags OR-ed over their members);
   ``cls_eval`` keeps only the loans failing a data check (``classify_checks``);
3. ``loan_tags`` — one row per (loan, tag) with the counted amount and the rule ids that fired, written by one
   statement (steps 2 and 3 are one statement: no table of every loan is materialised) as one new Parquet part
   of (as_of, profile) on DuckDB (``parts.PartStore.write``; an INSERT on Spark). On DuckDB the statement signs each
   loan with the leaves that hold and looks its tags up by signature (``_profiles_rows_sql``); a date's profiles
   together sign the loans once into a temp table and write each profile's part by a ``COPY`` of its own
   (``_write_profiles_tags``); Spark and the explanations pair every loan with the tag list (``_rows_sql``). The zh explanation
   (rendered from the rules' templates) is left NULL: ``loan_tag_rows`` renders it, by the same statement over
   the same inputs, only when asked for. Rows of (as_of, profile) are replaced atomically, with
   their ``lineage`` row (inputs and versions, see ``wupian.engine.lineage``).

Output shape (read by the indicator engine, fixed):
``loan_tags(as_of, profile, loan_id, tag, amount, rule_ids, explanation, rulebook_version)``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, NamedTuple

import pyarrow as pa

from wupian.engine import classify_kept as kept_rows
from wupian.engine import lineage
from wupian.engine.classify_checks import CHECKS
from wupian.engine.classify_customers import (
    build_customer_facts,
    build_customer_temp,
    register_size_reference,
    sharing,
)
from wupian.engine.classify_facts import CODE_FIT_COLUMNS, CUSTOMER_FACTS, FACTS, sql_literal
from wupian.engine.classify_plan import (
    AnyOf,
    ClassifyPlan,
    Condition,
    Leaf,
    NotOf,
    RulePlan,
    compile_condition,
    compile_leaf,
    compile_template,
    leaf_key,
    leaf_on_null,
    leaves,
)
from wupian.engine.classify_review import code_fits_sql, purpose_industry_sql, register_code_reference
from wupian.engine.first_loan_rule import (
    first_loan_candidates_sql,
    kept_first_loans_from_dates_sql,
    kept_first_loans_sql,
)
from wupian.engine.loan_scope import business_loan_sql
from wupian.engine.parts import derived_ddl
from wupian.engine.warehouse import Warehouse, quote_ident
from wupian.reference.green import catalogue_for, green_items

LOAN_TAGS_DDL = derived_ddl("loan_tags")

Progress = Callable[[str], None]


def stored_as_parts(wh: Warehouse) -> bool:
    """Whether this warehouse keeps the classification's tables as Parquet parts (DuckDB, read-write) rather
    than as tables of its own (Spark)."""
    return wh.parts.root is not None


def ensure_tables(wh: Warehouse) -> None:
    """The derived tables, where the engine keeps them as tables (on DuckDB they are views over parts)."""
    if not stored_as_parts(wh):
        wh.execute(LOAN_TAGS_DDL)
        wh.execute(derived_ddl("customer_facts"))


def register_green_reference(wh: Warehouse, as_of: date) -> tuple[str, bool]:
    """Temp views of the reference data the base table joins: the green catalogue of the date and the NBS
    industry mappings behind the HTP/HTS/SE/PA/EC/DE codes."""
    register_code_reference(wh)
    ds, in_force = catalogue_for(as_of)
    items = green_items(ds.name)
    wh.register(
        "ref_green_items", pa.table({"code": list(items), "name": [c.name for c in items.values()]})
    )
    return ds.name, in_force


# The green facts of a loan (code as given, its catalogue item, the counted and the raw green amount).
_GREEN_FACTS = """NULLIF(trim(l.green_code), '') AS green_code, gi.name AS green_item_name, (gi.code IS NOT NULL) AS green_valid,
    CASE WHEN gi.code IS NOT NULL THEN least(COALESCE(l.green_amount, l.balance), l.balance) END
        AS green_amount_counted,
    l.green_amount AS green_amount_raw"""


def build_base_sql(notes: bool = True, customer_leaves: tuple[str, ...] = ()) -> str:
    """SQL (one SELECT, the as-of date its last ``?``) of the per-loan fact rows; ``cls_cust``,
    ``ref_green_items`` and ``ref_industry_codes`` must exist. Without ``notes`` (``cls_cust`` built without
    them) the customer note facts are NULL. ``customer_leaves``: SQL booleans over a ``cls_cust`` row (their
    ``?`` bound before the date's), computed once per customer and carried as columns ``cl_<k>`` (NULL for a loan
    whose customer has no row)."""
    cf_notes = {n: f"cf.{n}" if notes else f"CAST(NULL AS VARCHAR) AS {n}" for n in NOTE_FACTS}
    # only the rows of the date's borrowers can join (a whole ``cls_cust`` holds every customer: 7× more at 2M)
    leaf_sel = "".join(f", {c} AS cl_{k}" for k, c in enumerate(customer_leaves))
    cust = f"(SELECT *{leaf_sel} FROM cls_cust WHERE borrower)"
    leaf_cols = "".join(f", cf.cl_{k}" for k in range(len(customer_leaves)))
    return f"""
SELECT l.loan_id, l.customer_id, l.business_type, l.product_type, l.status, l.balance, l.drawdown_amount,
    l.is_entrusted,
    {business_loan_sql('l')}
        AS is_business_loan,
    l.purpose_industry_code,
    {_GREEN_FACTS},
    l.tech_htp, l.tech_hts, l.tech_se, l.tech_pa, l.pension_code, l.pension_share, l.digital_code,
    l.digital_evidence, {", ".join(f"{code_fits_sql(c, ind='l.ind_norm')} AS {c}_fits" for c, _ in CODE_FIT_COLUMNS)},
    l.startup_guarantee, l.is_student_loan, l.is_ex_poverty_consumer,
    cf.customer_type, cf.id_code, cf.pension_revenue_share, cf.declared_size, cf.derived_size, cf.size_used,
    {cf_notes["size_note"]}, cf.credit_total, {cf_notes["credit_note"]}, cf.registries, cf.registries_note{leaf_cols}
FROM (SELECT *, {purpose_industry_sql("purpose_industry_code")} AS ind_norm FROM loans) l
LEFT JOIN ref_industry_codes ric ON ric.industry = l.ind_norm
LEFT JOIN (SELECT as_of, loan_id, list(field || '=' || trim(code)) AS items FROM code_acceptances
           GROUP BY as_of, loan_id) acc ON acc.as_of = l.as_of AND acc.loan_id = l.loan_id
LEFT JOIN {cust} cf ON cf.customer_id = l.customer_id
LEFT JOIN ref_green_items gi ON gi.code = trim(l.green_code)
WHERE l.as_of = ?
"""


# Customer facts that are zh notes: built (for every customer) only when an explanation prints them or a rule
# tests them (``needs_notes``); a classification's stored rows never hold them.
NOTE_FACTS = ("size_note", "credit_note")


def needs_notes(plan: ClassifyPlan) -> bool:
    """Whether a rule's condition reads a note fact (then the tagging pass needs them too)."""
    return any(leaf.fact in NOTE_FACTS for r in plan.rules for leaf in leaves(r.condition))


def build_base(wh: Warehouse, as_of: date) -> str:
    """``build_base_sql`` with the as-of date as ``$as_of`` (kept for callers that name their parameters)."""
    return build_base_sql().replace("WHERE l.as_of = ?", "WHERE l.as_of = $as_of")


# Column names of the tagging statement; ``pre`` tells the plans of one statement for several profiles apart
# (``_profiles_rows_sql``: ``p0_``, ``p1_``…; a one-plan statement has none).
def _r(i: int, pre: str = "") -> str:
    return f"{pre}r_{i}"


def _t(tag: str, pre: str = "") -> str:
    return quote_ident(f"{pre}t_{tag}")


def _base_tags(plan: ClassifyPlan) -> list[str]:
    return [t.id for t in plan.tags if not t.union_of]


def customer_leaves(plan: ClassifyPlan) -> dict[tuple[str, str, Any], int]:
    """The distinct leaves of the plan's rules that test a per-customer fact (``CUSTOMER_FACTS``) → their index
    ``k``: the tagging computes each once per customer (column ``cl_<k>`` joined to the loans), not once per loan
    and rule."""
    found: dict[tuple[str, str, Any], int] = {}
    for r in plan.rules:
        for leaf in leaves(r.condition):
            if leaf.fact in CUSTOMER_FACTS:
                found.setdefault(leaf_key(leaf), len(found))
    return found


def _amount_sql(plan: ClassifyPlan, tag: str, pre: str = "") -> str:
    """SQL of the counted amount of ``tag``, valid on the rows of the loans that have the tag (the statement
    evaluates it on the paired rows only): a base tag's is the largest amount of its include rules that hold, a
    union's the largest amount of its members that hold. Where all of them count the same fact it is that fact
    — the same value: the tag holds only where one of them does."""
    t = plan.tag(tag)
    if t.union_of:
        arms = [(m, _amount_sql(plan, m, pre)) for m in t.union_of]
        if len({a for _m, a in arms}) == 1:
            return arms[0][1]
        return "greatest(" + ", ".join(f"CASE WHEN {_t(m, pre)} THEN {a} END" for m, a in arms) + ")"
    inc = [(i, r) for i, r in enumerate(plan.rules) if r.kind == "include" and tag in r.tags]
    if not inc:
        return "greatest(NULL)"
    if len({r.amount for _i, r in inc}) == 1:
        return quote_ident(FACTS[inc[0][1].amount].name)
    return "greatest(" + ", ".join(f"CASE WHEN {_r(i, pre)} THEN {quote_ident(FACTS[r.amount].name)} END"
                                   for i, r in inc) + ")"


def _tag_sql(plan: ClassifyPlan, params: list[Any], cust: dict[tuple[str, str, Any], int],
             pre: str = "") -> tuple[str, str]:
    """(rule boolean columns, tag boolean/amount columns) of the tagging; the customer leaves ``cust`` read their
    columns ``cl_<k>`` (a loan without a customer row: the leaf's value on a NULL fact)."""
    def leaf_sql(leaf: Leaf) -> str | None:
        k = cust.get(leaf_key(leaf))
        if k is None:
            return None
        return f"COALESCE(cl_{k}, {'TRUE' if leaf_on_null(leaf) else 'FALSE'})"

    rule_cols = [f"{compile_condition(r.condition, params, leaf_sql)} AS {_r(i, pre)}"
                 for i, r in enumerate(plan.rules)]
    return ", ".join(rule_cols) or f"TRUE AS {pre}r_none", _tag_cols(plan, pre)


def _tag_cols(plan: ClassifyPlan, pre: str = "") -> str:
    """The base tags' boolean columns over the rule flags: an include rule holds and no exclusion does."""
    tag_cols: list[str] = []
    for tag in _base_tags(plan):
        inc = [(i, r) for i, r in enumerate(plan.rules) if r.kind == "include" and tag in r.tags]
        exc = [i for i, r in enumerate(plan.rules) if r.kind == "exclude" and tag in r.applies_to]
        hit = " OR ".join(_r(i, pre) for i, _ in inc) or "FALSE"
        cond = f"({hit})" + (f" AND NOT ({' OR '.join(_r(i, pre) for i in exc)})" if exc else "")
        tag_cols.append(f"{cond} AS {_t(tag, pre)}")
    return ", ".join(tag_cols)


def _union_cols(plan: ClassifyPlan, pre: str = "") -> str:
    cols = []
    done = set(_base_tags(plan))
    pending = [t for t in plan.tags if t.union_of]
    while pending:  # unions may build on unions (five_union over tech)
        progressed = False
        for t in list(pending):
            if all(m in done for m in t.union_of):
                cols.append(f"({' OR '.join(_t(m, pre) for m in t.union_of)}) AS {_t(t.id, pre)}")
                done.add(t.id)
                pending.remove(t)
                progressed = True
        if not progressed:
            raise ValueError("union tags refer to unknown tags: " + ", ".join(t.id for t in pending))
    return ", ".join(cols)


# Loan-level columns every run keeps (amounts, data checks).
KEPT = ("loan_id", "customer_id", "balance", "green_code", "green_valid", "green_amount_raw", "purpose_industry_code")


def _template_facts(rules: list[RulePlan] | tuple[RulePlan, ...]) -> set[str]:
    return {p.fact for r in rules for p in r.explain if p.fact is not None}


def kept_columns(plan: ClassifyPlan, *, explain: bool = True) -> list[str]:
    """Facts the tagging statement reads past the rule flags: the fixed ones, amounts, and (with ``explain``)
    every fact printed by a template (loan- or customer-level: the statement streams, so nothing wide is ever
    materialised)."""
    wanted = set(KEPT) | {r.amount for r in plan.rules} | (_template_facts(plan.rules) if explain else set())
    return list(dict.fromkeys([*KEPT, *sorted(wanted)]))


def _tagged_sql(plan: ClassifyPlan, params: list[Any], *, explain: bool = True) -> str:
    """One row per loan of ``as_of`` (the last parameter): kept facts, rule booleans ``r_<i>``, and a boolean
    ``t_<tag>`` per tag (amounts: ``_amount_sql``) (unions in an outer layer, as they refer to base tag columns)."""
    return _tagged_plans_sql([(plan, "")], params, explain=explain)


def _tagged_plans_sql(named: list[tuple[ClassifyPlan, str]], params: list[Any], *, explain: bool = True) -> str:
    """``_tagged_sql`` of several plans over one read of the loans and their facts: each plan's rule and tag
    columns under its prefix (``_r(i, pre)``, ``_t(tag, pre)``), a customer leaf the plans share computed once."""
    cust: dict[tuple[str, str, Any], int] = {}
    for plan, _pre in named:
        for key in customer_leaves(plan):
            cust.setdefault(key, len(cust))
    cols = [_tag_sql(plan, params, cust, pre) for plan, pre in named]
    rule_cols = ", ".join(r for r, _t in cols)
    tag_cols = ", ".join(t for _r, t in cols if t)
    by_index = sorted(cust.items(), key=lambda kv: kv[1])
    cust_sql = tuple(compile_leaf(Leaf(*key), params) for key, _k in by_index)  # bound after the rules' values
    union = ", ".join(u for u in (_union_cols(plan, pre) for plan, pre in named) if u)
    kept = ", ".join(f"b.{quote_ident(c)}" for c in dict.fromkeys(
        c for plan, _pre in named for c in kept_columns(plan, explain=explain)))
    notes = explain or any(needs_notes(plan) for plan, _pre in named)
    return f"""SELECT *{', ' + union if union else ''} FROM (
  SELECT *, {tag_cols} FROM (
    SELECT {kept}, {rule_cols} FROM ({build_base_sql(notes, cust_sql)}) b
  ) AS f
) AS g"""


# The data checks of a classification read only these loan facts (``classify_checks.CHECKS``).
CHECK_COLUMNS = ("loan_id", "green_code", "green_valid", "green_amount_raw", "balance", "purpose_industry_code")


def build_eval(wh: Warehouse, as_of: date, plan: ClassifyPlan) -> None:
    """Create temp table ``cls_eval``: the loans failing a data check (``classify_checks``), with the facts
    the checks print — a handful of rows, read straight from ``loans`` and the green catalogue."""
    cols = ", ".join(quote_ident(c) for c in CHECK_COLUMNS)
    anyf = " OR ".join(f"({w})" for w in CHECKS.values())
    wh.execute(
        f"""CREATE OR REPLACE TEMP TABLE cls_eval AS SELECT {cols} FROM (
  SELECT l.loan_id, l.balance, l.purpose_industry_code, {_GREEN_FACTS}
  FROM loans l LEFT JOIN ref_green_items gi ON gi.code = trim(l.green_code) WHERE l.as_of = ?
) AS c WHERE {anyf}""",
        [as_of],
    )


def _rule_ids_sql(plan: ClassifyPlan, tag: str, *, tagged: bool = False, pre: str = "") -> str:
    """The ids (comma-separated, rulebook order) of the include and marker rules of ``tag`` that hold. With
    ``tagged`` (evaluated only where the loan has the tag) a tag whose one such rule is an include rule gives its
    id as a literal: the tag holds only where that rule does."""
    rules = [(i, r) for i, r in enumerate(plan.rules) if r.kind in ("include", "marker") and tag in r.tags]
    if tagged and len(rules) == 1 and rules[0][1].kind == "include":
        return sql_literal(rules[0][1].id)
    ids = [f"CASE WHEN {_r(i, pre)} THEN {sql_literal(r.id)} END" for i, r in rules]
    return f"concat_ws(',', {', '.join(ids)})" if ids else "''"


def _explain_sql(plan: ClassifyPlan, tag: str) -> str:
    parts = [
        f"CASE WHEN {_r(i)} THEN {compile_template(r.explain)} END"
        for i, r in enumerate(plan.rules)
        if r.kind in ("include", "marker") and tag in r.tags
    ]
    return f"concat_ws('；', {', '.join(parts)})" if parts else "''"


def _members(plan: ClassifyPlan, tag: str) -> list[str]:
    t = plan.tag(tag)
    if not t.union_of:
        return [tag]
    return [m for u in t.union_of for m in _members(plan, u)]


def _row_texts(plan: ClassifyPlan, tag_id: str) -> tuple[str, str]:
    """(rule ids, zh explanation) SQL of one tag's row."""
    t = plan.tag(tag_id)
    if not t.union_of:
        return _rule_ids_sql(plan, t.id), _explain_sql(plan, t.id)
    members = _members(plan, t.id)
    rule_ids = "concat_ws(',', " + ", ".join(
        f"CASE WHEN {_t(m)} THEN {_rule_ids_sql(plan, m)} END" for m in members) + ")"
    named = ", ".join(f"CASE WHEN {_t(m)} THEN {sql_literal(plan.tag(m).label)} END" for m in t.union_of)
    explanation = (f"concat({sql_literal(t.label + '（按借据去重，计一次）：属于 ')}, "
                   f"concat_ws('、', {named}))")
    return rule_ids, explanation


def _ids(tag: str, pre: str = "") -> str:
    return quote_ident(f"{pre}ids_{tag}")


def _by_tag(plan: ClassifyPlan, value: Any) -> str:
    """``CASE k.i WHEN <tag index> THEN <value(tag)> … END`` over every tag of the plan (integer arms: the
    statement evaluates it for each tagged row)."""
    return f"CASE k.i {_arms(plan, value)} END"


def _arms(plan: ClassifyPlan, value: Any, first: int = 0) -> str:
    """The ``WHEN <index> THEN <value(tag)>`` arms of ``_by_tag``, the plan's tags numbered from ``first``."""
    return " ".join(f"WHEN {first + i:d} THEN {value(t.id)}" for i, t in enumerate(plan.tags))


def _union_ids(plan: ClassifyPlan, tag: str, pre: str = "") -> str:
    """The rule ids of a tag's row from its base tags' ``ids_<tag>`` columns (a union joins its members')."""
    if not plan.tag(tag).union_of:
        return _ids(tag, pre)
    return "concat_ws(',', " + ", ".join(
        f"CASE WHEN {_t(m, pre)} THEN {_ids(m, pre)} END" for m in _members(plan, tag)) + ")"


def _base_ids(plan: ClassifyPlan, pre: str = "") -> str:
    """Each base tag's rule ids once per loan that has it (``ids_<tag>``; a union's row joins its members')."""
    return ", ".join(f"CASE WHEN {_t(t, pre)} THEN {_rule_ids_sql(plan, t, tagged=True, pre=pre)} END AS "
                     f"{_ids(t, pre)}" for t in _base_tags(plan))


def _rows_sql(plan: ClassifyPlan, params: list[Any], *, explain: bool) -> str:
    """One streaming SELECT: every loan's rule flags, tags, amounts and rule ids (and, with ``explain``, the zh
    explanations), paired with the plan's tags (a constant list) where the loan has the tag — a bit of one
    integer per loan — so no per-loan table is materialised. Parameters bind positionally: as-of, profile,
    version, the rule values (``params`` gets them), as-of."""
    tags = ", ".join(f"({i:d}, {sql_literal(t.id)}, {1 << i:d})" for i, t in enumerate(plan.tags))
    mask = " + ".join(f"CAST({_t(t.id)} AS INTEGER) * {1 << i:d}" for i, t in enumerate(plan.tags))
    amount = _by_tag(plan, lambda t: _amount_sql(plan, t))
    rule_ids = _by_tag(plan, lambda t: _union_ids(plan, t))
    explanation = _by_tag(plan, lambda t: _row_texts(plan, t)[1]) if explain else "CAST(NULL AS VARCHAR)"
    ids = _base_ids(plan)
    return f"""SELECT CAST(? AS DATE) AS as_of, ? AS profile, e.loan_id, k.tag,
    CAST(COALESCE({amount}, 0) AS DECIMAL(38,2)) AS amount, {rule_ids} AS rule_ids, {explanation} AS explanation,
    ? AS rulebook_version
FROM (SELECT *, {mask} AS tag_mask, {ids} FROM ({_tagged_sql(plan, params, explain=explain)}) AS m) AS e
JOIN (VALUES {tags}) AS k(i, tag, bit) ON (e.tag_mask & k.bit) <> 0"""


def _amount_columns(plan: ClassifyPlan, pre: str = "") -> list[str]:
    """The columns the plan's tag amounts read (``_amount_sql``): the facts counted, and the rule flags of a tag
    whose include rules count different facts."""
    cols = [quote_ident(FACTS[r.amount].name) for r in plan.rules if r.kind == "include"]
    for tag in _base_tags(plan):
        inc = [(i, r) for i, r in enumerate(plan.rules) if r.kind == "include" and tag in r.tags]
        if len({r.amount for _i, r in inc}) > 1:
            cols += [_r(i, pre) for i, _r_ in inc]
    return cols


def _ids_rules(plan: ClassifyPlan, pre: str = "") -> list[str]:
    """The rule flags the rule ids of the plan's tags read (``_rule_ids_sql`` on a tagged row)."""
    cols: list[str] = []
    for tag in _base_tags(plan):
        rules = [(i, r) for i, r in enumerate(plan.rules) if r.kind in ("include", "marker") and tag in r.tags]
        if not (len(rules) == 1 and rules[0][1].kind == "include"):
            cols += [_r(i, pre) for i, _r_ in rules]
    return cols


def _tagged_ids(plan: ClassifyPlan, tag: str, pre: str = "") -> str:
    """The rule ids of a tagged row of ``tag`` from the rule flags (a union joins its members' that hold)."""
    if not plan.tag(tag).union_of:
        return _rule_ids_sql(plan, tag, tagged=True, pre=pre)
    return "concat_ws(',', " + ", ".join(
        f"CASE WHEN {_t(m, pre)} THEN {_rule_ids_sql(plan, m, tagged=True, pre=pre)} END"
        for m in _members(plan, tag)) + ")"


# Bits of one signature column of the tagging (a BIGINT; its sign bit unused).
SIG_BITS = 62


def _leaf_sig(keys: list[tuple[str, str, Any]], col: str) -> dict[tuple[str, str, Any], tuple[str, int]]:
    """Leaf key → (signature column, bit) of ``keys`` packed ``SIG_BITS`` to a column ``<col>_<g>``."""
    return {key: (f"{col}_{n // SIG_BITS:d}", 1 << (n % SIG_BITS)) for n, key in enumerate(keys)}


def _packed(bits: dict[tuple[str, str, Any], tuple[str, int]], value: Callable[[tuple[str, str, Any]], str]
            ) -> list[tuple[str, str]]:
    """(column, SQL) of each signature column: the sum of the bits of its leaves that hold (``value``: a leaf's
    SQL test for a ``CASE WHEN``, ``compile_leaf(…, null_as_false=True)``)."""
    cols: dict[str, list[str]] = {}
    for key, (col, bit) in bits.items():
        cols.setdefault(col, []).append(f"CASE WHEN {value(key)} THEN {bit:d} ELSE 0 END")
    return [(col, " + ".join(arms)) for col, arms in cols.items()]


def _amount_arms(plan: ClassifyPlan, tag: str, pre: str = "") -> list[tuple[str, str]]:
    """``_amount_sql`` as (condition, fact) arms: the amount is the largest of the facts whose condition holds
    (NULL where none does) — the same value, arm by arm."""
    t = plan.tag(tag)
    if t.union_of:
        if len({_amount_sql(plan, m, pre) for m in t.union_of}) == 1:
            return _amount_arms(plan, t.union_of[0], pre)
        return [(f"({_t(m, pre)} AND {cond})", fact) for m in t.union_of for cond, fact in _amount_arms(plan, m, pre)]
    inc = [(i, r) for i, r in enumerate(plan.rules) if r.kind == "include" and tag in r.tags]
    if len({r.amount for _i, r in inc}) == 1:
        return [("TRUE", FACTS[inc[0][1].amount].name)]
    return [(_r(i, pre), FACTS[r.amount].name) for i, r in inc]


def _required(cond: Condition) -> list[frozenset[tuple[str, str, Any]]]:
    """Alternatives of leaves (keys) such that wherever ``cond`` holds all the leaves of one of them hold (an
    empty alternative: nothing is required — under a ``NotOf``)."""
    if isinstance(cond, Leaf):
        return [frozenset({leaf_key(cond)})]
    if isinstance(cond, NotOf) or not cond.items:
        return [frozenset()]
    alts = [_required(c) for c in cond.items]
    if isinstance(cond, AnyOf):
        found = [a for item in alts for a in item]
        return [frozenset()] if frozenset() in found else found
    combined = [frozenset()]  # AllOf: one alternative of every item
    for item in alts:
        if len(combined) * len(item) > 64:  # keep the items of one alternative only (each is still required)
            return [frozenset().union(*(item[0] for item in alts if len(item) == 1))]
        combined = [a | b for a in combined for b in item]
    return combined


def _may_tag_sql(plans: tuple[ClassifyPlan, ...], bits: dict[tuple[str, str, Any], tuple[str, int]]) -> str | None:
    """SQL over the signature columns, TRUE wherever some include rule may hold (all the leaves of one of its
    ``_required`` alternatives hold) — every tagged loan has it; None where some include rule requires no leaf."""
    masks: list[dict[str, int]] = []
    for plan in plans:
        for r in plan.rules:
            if r.kind != "include":
                continue
            for alt in _required(r.condition):
                mask: dict[str, int] = {}
                for key in alt:
                    col, bit = bits[key]
                    mask[col] = mask.get(col, 0) | bit
                if not mask:
                    return None
                masks.append(mask)
    # an alternative that requires all of another's leaves adds nothing to the OR
    kept = [m for n, m in enumerate(masks)
            if not any(o != m and all(m.get(c, 0) & b == b for c, b in o.items()) for o in masks)
            and m not in masks[:n]]
    if not kept:
        return "FALSE"
    return " OR ".join("(" + " AND ".join(f"({c} & {b:d}) = {b:d}" for c, b in sorted(m.items())) + ")"
                       for m in kept)


def _profiles_rows_sql(plans: tuple[ClassifyPlan, ...], params: list[Any]) -> str:
    """``_rows_sql`` (without explanations) of several profiles' plans in one SELECT: rows (profile, loan_id, tag,
    amount, rule_ids), each profile's the same as its own statement gives. The only parameters are the rule
    values (``params`` gets them) and, last, the as-of date. The pieces are ``_signature_sql``'s: the signed
    loans in a materialised CTE ``e``, the lookup of the distinct signatures ``k``, their hash join.
    """
    sig = _signature_sql(plans, params)
    # the loans no include rule may tag leave before the join (whose hash table holds the loans' side: a filter
    # of the CTE's scan, the distinct signatures read it whole — so it is not pushed into the CTE)
    loans = f"(SELECT * FROM e WHERE {sig.may})" if sig.may is not None else "e"
    return (f"WITH e AS MATERIALIZED ({sig.per_loan}),\nf AS ({sig.flags('e')}),\nk AS ({sig.lookup})\n"
            f"{sig.rows(loans, 'k')}")


class _Signature(NamedTuple):
    """The pieces of the tagging by leaf signature (``_signature_sql``)."""

    per_loan: str  # SELECT loan_id, the amount facts, s_<g> — one row per loan of the date (parameters: see below)
    may: str | None  # over s_<g>: TRUE wherever some include rule may hold (None: no filter, ``_may_tag_sql``)
    flags: Callable[[str], str]  # the rule, tag and union flags of each distinct signature of the named loans
    lookup: str  # over ``f`` (the flags): (s_<g>, profile, tag, has_tag, u_<n>, rule_ids) where the tag holds
    rows: Callable[[str, str], str]  # (loans, lookup ``k``) → SELECT profile, loan_id, tag, amount, rule_ids: the join


def _signature_sql(plans: tuple[ClassifyPlan, ...], params: list[Any], extra: tuple[str, ...] = ()) -> _Signature:
    """The tagging of several profiles' plans by leaf signature, in pieces (``_profiles_rows_sql`` puts them in
    one statement, ``_write_profiles_tags`` in temp tables). ``per_loan``'s parameters are the rule values
    (``params`` gets them) and, last, the as-of date; the other pieces have none. ``extra``: more columns of
    ``build_base_sql``'s rows that ``per_loan`` keeps (the data checks' facts).

    A rule is a condition over leaves (``Leaf``: one test of one fact, never NULL), so a loan's tags, amounts'
    choice and rule ids depend only on which of the plans' distinct leaves hold. The loans are read once: each
    distinct leaf on a loan fact is one bit of the loan's signature (``s_<g>``, BIGINTs), each on a customer fact
    one bit of the customer's (``c_<g>``, packed once per customer in ``cls_cust``'s row; a loan without one takes
    each leaf's value on a NULL fact); the loans' ids, amount facts and signatures are kept in a materialised CTE.
    The rules, tags, amounts' choice and rule ids are evaluated once per distinct signature (a few hundred rows:
    ``lk``, one ``UNION ALL`` branch per (profile, tag) that holds), and joined back to the loans by signature —
    the join gives each (loan, tag) row; a loan without a tag matches nothing. Against evaluating every rule and
    tag per loan and reading the tagged loans once per tag (until session 15): the per-loan work is the distinct
    leaves and their bits, the rule-id strings are built per signature."""
    named = [(plan, f"p{n:d}_") for n, plan in enumerate(plans)]
    branches = [(plan, pre, t.id) for plan, pre in named for t in plan.tags]
    if not branches:
        raise ValueError("no tag to classify")
    cust_keys: dict[tuple[str, str, Any], Leaf] = {}
    loan_keys: dict[tuple[str, str, Any], Leaf] = {}
    for plan, _pre in named:
        for r in plan.rules:
            for leaf in leaves(r.condition):
                (cust_keys if leaf.fact in CUSTOMER_FACTS else loan_keys).setdefault(leaf_key(leaf), leaf)
    # one numbering: the customer leaves' bits first, so that a loan's signature column is its customer's bits
    # plus its own (most plans: one column)
    bits = _leaf_sig([*cust_keys, *loan_keys], "s")
    cust_bits = {key: bits[key] for key in cust_keys}
    loan_bits = {key: bits[key] for key in loan_keys}
    sig_cols = list(dict.fromkeys(col for col, _bit in bits.values())) or ["s_0"]
    # parameters in the order of the text: the loan leaves' (per loan), the customer leaves' (in ``cls_cust``'s row)
    loan_sig = _packed(loan_bits, lambda key: compile_leaf(loan_keys[key], params, null_as_false=True))
    cust_sig = _packed(cust_bits, lambda key: compile_leaf(cust_keys[key], params, null_as_false=True))
    on_null = {col: 0 for col, _sql in cust_sig}
    for key, (col, bit) in cust_bits.items():
        on_null[col] += bit if leaf_on_null(cust_keys[key]) else 0
    facts = sorted({fact for plan, pre in named for t in plan.tags for _c, fact in _amount_arms(plan, t.id, pre)})
    parts: dict[str, list[str]] = {col: [] for col in sig_cols}
    for k, (col, _sql) in enumerate(cust_sig):
        parts[col].append(f"COALESCE(cl_{k:d}, {on_null[col]:d})")
    for col, sql in loan_sig:
        parts[col].append(sql)
    loan_cols = ", ".join(f"{' + '.join(p) or '0'} AS {col}" for col, p in parts.items())
    kept = ", ".join(["loan_id", *(quote_ident(c) for c in dict.fromkeys([*facts, *extra]) if c != "loan_id")])
    per_loan = (f"SELECT {kept}, {loan_cols} FROM ({build_base_sql(False, tuple(sql for _c, sql in cust_sig))}) AS b")

    def leaf_sql(leaf: Leaf) -> str:
        col, bit = bits[leaf_key(leaf)]
        return f"(({col} & {bit:d}) <> 0)"

    rule_params: list[Any] = []  # no value is bound: every leaf reads its bit
    rule_cols = ", ".join(f"{compile_condition(r.condition, rule_params, leaf_sql)} AS {_r(i, pre)}"
                          for plan, pre in named for i, r in enumerate(plan.rules))
    assert not rule_params
    tag_cols = ", ".join(c for c in (_tag_cols(plan, pre) for plan, pre in named) if c)
    union = ", ".join(u for u in (_union_cols(plan, pre) for plan, pre in named) if u)
    sigs = ", ".join(sig_cols)
    def flags(loans: str) -> str:
        return f"""SELECT *{', ' + union if union else ''} FROM (
  SELECT *{', ' + tag_cols if tag_cols else ''} FROM (SELECT {sigs}{', ' + rule_cols if rule_cols else ''}
    FROM (SELECT DISTINCT {sigs} FROM {loans}) AS d) AS r
) AS t"""
    # one row per (signature, profile, tag) that holds: the signatures paired with the (profile, tag) list, each
    # column a CASE over the pair's index — one read of ``f`` (Spark inlines a CTE at every reference)
    def by_branch(value: Callable[[ClassifyPlan, str, str], str]) -> str:
        return "CASE b.i " + " ".join(f"WHEN {n:d} THEN {value(plan, pre, tag)}"
                                      for n, (plan, pre, tag) in enumerate(branches)) + " END"

    def uses(n: int, fact: str) -> Callable[[ClassifyPlan, str, str], str]:
        def value(plan: ClassifyPlan, pre: str, tag: str) -> str:
            conds = [c for c, f in _amount_arms(plan, tag, pre) if f == fact]
            return " OR ".join(conds) if conds else "FALSE"
        return value

    pairs = ", ".join(f"({n:d}, {sql_literal(plan.profile)}, {sql_literal(tag)})"
                      for n, (plan, pre, tag) in enumerate(branches))
    u_cols = "".join(f", {by_branch(uses(n, fact))} AS u_{n:d}" for n, fact in enumerate(facts))
    lookup = (f"SELECT * FROM (SELECT {', '.join(f'f.{c}' for c in sig_cols)}, b.profile, b.tag, "
              f"{by_branch(lambda plan, pre, tag: _t(tag, pre))} AS has_tag{u_cols}, "
              f"{by_branch(lambda plan, pre, tag: _tagged_ids(plan, tag, pre))} AS rule_ids "
              f"FROM f CROSS JOIN (VALUES {pairs}) AS b(i, profile, tag)) AS p WHERE has_tag")
    picks = [f"CASE WHEN k.u_{n:d} THEN e.{quote_ident(fact)} END" for n, fact in enumerate(facts)]
    amount = ("CAST(NULL AS DECIMAL(38,2))" if not picks else picks[0] if len(picks) == 1
              else f"greatest({', '.join(picks)})")
    on = " AND ".join(f"k.{c} = e.{c}" for c in sig_cols)

    def rows(loans: str, lookup: str) -> str:
        return (f"SELECT k.profile, e.loan_id, k.tag, CAST(COALESCE({amount}, 0) AS DECIMAL(38,2)) AS amount, "
                f"k.rule_ids FROM {loans} AS e JOIN {lookup} ON {on}")

    return _Signature(per_loan, _may_tag_sql(tuple(plans), bits), flags, lookup, rows)


def insert_sql(plan: ClassifyPlan, params: list[Any]) -> str:
    """The INSERT of a classification (an engine without parts): tags, amounts and rule ids; ``explanation`` is
    left NULL — it is rendered from the same facts only when asked for (``loan_tag_rows``)."""
    return "INSERT INTO loan_tags\n" + _rows_sql(plan, params, explain=False)


TAG_PART_COLUMNS = ("profile", "loan_id", "tag", "amount", "rule_ids", "rulebook_version")  # no explanation


def _write_tags(wh: Warehouse, as_of: date, plan: ClassifyPlan) -> None:
    """Replace the (as_of, profile) rows of ``loan_tags``: one new Parquet part on DuckDB (its manifest row in the
    open transaction), a DELETE and an INSERT elsewhere."""
    rule_params: list[Any] = []
    if stored_as_parts(wh):
        # the rows of ``_rows_sql`` by the statement of ``_profiles_rows_sql`` (its tagged loans in a CTE, a branch
        # per tag: cheaper on DuckDB), with the rulebook version; Spark and the explanations run ``_rows_sql``
        sql = (f"SELECT r.profile, r.loan_id, r.tag, r.amount, r.rule_ids, CAST(NULL AS VARCHAR) AS explanation, "
               f"? AS rulebook_version "
               f"FROM ({_profiles_rows_sql((plan,), rule_params)}) AS r")
        wh.parts.clear(wh.con, "loan_tags", as_of, plan.profile)
        # the part holds loan_id, tag, amount and rule_ids; its date, profile and rulebook version (the same on
        # every row) are its manifest row's, and explanation is not stored (NULL: ``loan_tag_rows`` renders it)
        wh.parts.write(wh.con, "loan_tags", as_of, sql,
                       [plan.rulebook_version, *rule_params, as_of], profile=plan.profile,
                       present=TAG_PART_COLUMNS,
                       constant={"profile": plan.profile, "rulebook_version": plan.rulebook_version}, ordered=False)
        return
    wh.execute("DELETE FROM loan_tags WHERE as_of = ? AND profile = ?", [as_of, plan.profile])
    sql = insert_sql(plan, rule_params)
    wh.execute(sql, [as_of, plan.profile, plan.rulebook_version, *rule_params, as_of])


# The temp tables of a date's profiles' tagging (``_write_profiles_tags``): the loans some include rule may tag with
# their signatures and amount facts, and the lookup of their distinct signatures.
SIGNED_LOANS, SIGNATURE_LOOKUP = "cls_signed_loans", "cls_signature_lookup"


def _sign_loans(wh: Warehouse, as_of: date, plans: tuple[ClassifyPlan, ...], *, checks: bool = False) -> _Signature:
    """The first half of ``_write_profiles_tags``: the loans read and signed once (``_signature_sql``) into a temp
    table — only those some include rule may tag, with their amount facts — and the lookup of their distinct
    signatures into another (``drop_signed_loans`` drops both). With ``checks`` the signed loans also keep the loans
    failing a data check, with the facts the checks read, and ``cls_eval`` (``build_eval``'s rows) is made from them:
    the loans and the green catalogue are read once for both. A loan kept for a check only matches no lookup row (no
    include rule may tag its signature).

    Called outside the transaction that writes the parts: rows a transaction has not committed yet are scanned on
    one thread, so the two ``COPY`` statements reading these tables inside that transaction ran on one core of two
    (≈ 0.26 s each at 2M loans; committed, ≈ 0.14 s each: bench/results/profile.md, session 17). The temp tables
    are this connection's scratch: nothing durable is written before the transaction."""
    params: list[Any] = []
    sig = _signature_sql(plans, params, CHECK_COLUMNS if checks else ())
    failing = " OR ".join(f"({w})" for w in CHECKS.values())
    # every loan where no filter applies (``may`` None), else those some include rule may tag (or failing a check)
    loans = sig.per_loan if sig.may is None else (
        f"SELECT * FROM ({sig.per_loan}) AS e WHERE {sig.may}{f' OR {failing}' if checks else ''}")
    try:
        wh.execute(f"CREATE OR REPLACE TEMP TABLE {SIGNED_LOANS} AS {loans}", [*params, as_of])
        if checks:
            cols = ", ".join(quote_ident(c) for c in CHECK_COLUMNS)
            wh.execute(f"CREATE OR REPLACE TEMP TABLE cls_eval AS SELECT {cols} FROM {SIGNED_LOANS} WHERE {failing}")
        wh.execute(f"CREATE OR REPLACE TEMP TABLE {SIGNATURE_LOOKUP} AS WITH f AS ({sig.flags(SIGNED_LOANS)}) "
                   f"{sig.lookup}")
    except BaseException:
        drop_signed_loans(wh)
        raise
    return sig


def drop_signed_loans(wh: Warehouse) -> None:
    """Drop ``_sign_loans``'s temp tables."""
    wh.execute(f"DROP TABLE IF EXISTS {SIGNATURE_LOOKUP}")
    wh.execute(f"DROP TABLE IF EXISTS {SIGNED_LOANS}")


def _write_profiles_tags(wh: Warehouse, as_of: date, plans: tuple[ClassifyPlan, ...], sig: _Signature) -> None:
    """``_write_tags`` of several profiles' plans (one rulebook version, one size basis) from the loans
    ``_sign_loans`` signed: each profile's part is written by a ``COPY`` of its own (``parts.PartStore.write``, as
    ``_write_tags`` writes it): the join of the signed loans with that profile's lookup rows. Each part holds the
    rows its own ``_write_tags`` would write.

    Against one statement with a partitioned ``COPY`` (session 12 to 15): DuckDB's partitioned write costs ≈ 0.45 s
    CPU more than two plain ones for the 2M bank's 2.15M rows, and the join's hash table is built on the small
    lookup (the temp table's size is known) instead of on the 409k signed loans (bench/results/profile.md,
    session 16)."""
    for plan in plans:
        wh.parts.clear(wh.con, "loan_tags", as_of, plan.profile)
        sql = (f"SELECT r.profile, r.loan_id, r.tag, r.amount, r.rule_ids, CAST(NULL AS VARCHAR) AS explanation, "
               f"? AS rulebook_version FROM ({sig.rows(SIGNED_LOANS, f'{SIGNATURE_LOOKUP} AS k')} "
               f"WHERE k.profile = ?) AS r")
        wh.parts.write(wh.con, "loan_tags", as_of, sql, [plan.rulebook_version, plan.profile],
                       profile=plan.profile, present=TAG_PART_COLUMNS,
                       constant={"profile": plan.profile, "rulebook_version": plan.rulebook_version},
                       ordered=False)


def run_plan(wh: Warehouse, as_of: date, plan: ClassifyPlan, progress: Progress | None = None, *,
             on_demand: bool = False, keep: bool = False, checks: bool | None = None) -> dict[str, Any]:
    """Classify the snapshot ``as_of`` with ``plan``; replace its ``loan_tags`` rows (and, unless ``on_demand``,
    its ``customer_facts``: the date's borrowers' facts, the only ones ``cls_cust`` holds — the tagging joins
    nothing else). With ``keep`` (and a warehouse
    that can, ``classify_kept.can_keep``) the history-decided first loans of the borrowers stay in
    ``cls_first_loans`` for the indicator statement. ``checks`` (default: unless ``on_demand``): build ``cls_eval``,
    the loans failing a data check, for the Issues (a caller that has them already passes False). Returns facts
    for issues."""
    return run_plans(wh, as_of, (plan,), progress, on_demand=on_demand, keep=keep, checks=checks)


def run_plans(wh: Warehouse, as_of: date, plans: tuple[ClassifyPlan, ...], progress: Progress | None = None, *,
              on_demand: bool = False, keep: bool = False, checks: bool | None = None) -> dict[str, Any]:
    """``run_plan`` of several profiles' plans of one date, rulebook version, size basis and registry labels (a
    month-end's two profiles): the per-customer facts, the checks and, on DuckDB, the tagging statement once for
    all (``_write_profiles_tags``); each profile's ``loan_tags`` rows and lineage row are its own, as ``run_plan``
    writes them, in one transaction. ``keep`` keeps the first loans for the last plan's profile."""
    if not plans or len({p.profile for p in plans}) != len(plans):
        raise ValueError("one plan per profile")
    if len({(p.rulebook_version, p.size_basis, p.registry_labels) for p in plans}) != 1:
        raise ValueError("plans classified together share the rulebook, size basis and registry labels")
    plan = plans[-1]
    step = progress or (lambda _msg: None)
    # whatever this classification replaces is no longer current (rows kept for another date stay: its parts are
    # not replaced, and the stamp is checked where they are read)
    kept_rows.drop(wh, None if keep else as_of)
    keep = keep and kept_rows.can_keep(wh)
    ensure_tables(wh)
    step("客户规模、单户授信、名录、首贷户")
    register_size_reference(wh, as_of, plan.registry_labels)
    build_customer_facts(wh, as_of, plan.size_basis, notes=any(needs_notes(p) for p in plans),
                         registry_labels=plan.registry_labels, store=not on_demand, borrowers_only=True)
    if keep:  # the history-decided first loans of the borrowers, for the indicators (``classify_kept``)
        borrowers = "(SELECT * FROM cls_cust WHERE borrower)"  # a shared ``cls_cust`` may hold every customer
        year_start = date(as_of.year, 1, 1)
        if on_demand:  # the table may be the lean one, without ``first_loan_id``: the loans found from the dates
            kept_sql, kept_params = kept_first_loans_from_dates_sql(borrowers), [year_start, as_of, as_of, as_of,
                                                                              year_start, as_of]
            if wh.scalar(f"SELECT count(*) FROM ({first_loan_candidates_sql(borrowers)}) AS k",
                         [year_start, as_of]) == 0:  # none: no scan of the loans for nobody
                kept_sql = ("SELECT CAST(NULL AS VARCHAR) AS first_customer_id, CAST(NULL AS VARCHAR) AS first_loan_id "
                            "WHERE FALSE")
                kept_params = []
        else:
            kept_sql, kept_params = kept_first_loans_sql(borrowers), [year_start, as_of]
        wh.execute(f"CREATE OR REPLACE TEMP TABLE {kept_rows.FIRST_LOANS_TABLE} AS {kept_sql}", kept_params)
    catalogue, in_force = register_green_reference(wh, as_of)
    if checks is None:
        checks = not on_demand
    together = len(plans) > 1 and stored_as_parts(wh)
    if checks and not together:  # the loans failing a data check: read by the Issues only
        build_eval(wh, as_of, plan)
    step("逐笔规则判定并写入 loan_tags")
    sig = _sign_loans(wh, as_of, plans, checks=checks) if together else None  # ``cls_eval`` from the same read
    try:
        with wh.transaction():
            if sig is not None:
                _write_profiles_tags(wh, as_of, plans, sig)
            else:
                for p in plans:
                    _write_tags(wh, as_of, p)
            for p in plans:
                lineage.record(wh.con, "loan_tags", as_of, p.profile,
                               versions=lineage.tag_versions(p.rulebook_version), params={"size_basis": p.size_basis})
    finally:
        if sig is not None:
            drop_signed_loans(wh)
    if keep:
        kept_rows.record(wh, as_of, plan.profile)
    return {"green_catalogue": catalogue, "green_catalogue_in_force": in_force}


def drop_work_tables(wh: Warehouse) -> None:
    """Free the per-run temp tables (``cls_eval`` holds the loans failing a data check); ``cls_cust`` stays while
    a ``sharing_customer_facts`` block may reuse it."""
    wh.execute("DROP TABLE IF EXISTS cls_eval")
    if not sharing(wh):
        wh.execute("DROP TABLE IF EXISTS cls_cust")


def tag_counts(wh: Warehouse, as_of: date, profile: str) -> list[dict[str, Any]]:
    return wh.rows(
        """SELECT tag, count(*) AS loans, sum(amount) AS amount FROM loan_tags
           WHERE as_of = ? AND profile = ? GROUP BY tag ORDER BY tag""",
        [as_of, profile],
    )


def loan_count(wh: Warehouse, as_of: date) -> int:
    return int(wh.scalar("SELECT count(*) FROM loans WHERE as_of = ?", [as_of]) or 0)


def overlap_matrix(wh: Warehouse, as_of: date, profile: str,
                   tags: tuple[str, ...] = ("tech", "green", "inclusive", "pension", "digital")) -> pa.Table:
    """Pairwise overlaps of the category tags: (tag_a, tag_b, loans, balance) with loans in both (diagonal = tag)."""
    return wh.arrow(
        """WITH t AS (SELECT loan_id, tag FROM loan_tags WHERE as_of = $as_of AND profile = $profile
                      AND list_contains($tags, tag)),
                l AS (SELECT loan_id, balance FROM loans WHERE as_of = $as_of)
           SELECT a.tag AS tag_a, b.tag AS tag_b, count(*) AS loans, COALESCE(sum(l.balance), 0) AS balance
           FROM t a JOIN t b ON a.loan_id = b.loan_id JOIN l ON l.loan_id = a.loan_id
           GROUP BY ALL ORDER BY tag_a, tag_b""",
        {"as_of": as_of, "profile": profile, "tags": list(tags)},
    )


def rule_columns(plan: ClassifyPlan) -> dict[str, str]:
    return {r.id: _r(i) for i, r in enumerate(plan.rules)}


def rules_by_id(plan: ClassifyPlan) -> dict[str, RulePlan]:
    return {r.id: r for r in plan.rules}


def loan_tag_rows(wh: Warehouse, as_of: date, plan: ClassifyPlan) -> pa.Table:
    """The stored tags of one date and profile: loan_id, tag, amount, rule_ids, explanation — ordered by loan
    and tag. Explanations are not stored by a classification (most runs never print them): they are rendered
    here by the classification's own statement over the same, still-fresh inputs (callers ensure freshness),
    with ``plan`` the one the stored rows were made with (same profile, date and size basis)."""
    register_size_reference(wh, as_of, plan.registry_labels)
    build_customer_temp(wh, as_of, plan.size_basis)
    register_green_reference(wh, as_of)
    params: list[Any] = []
    rendered = _rows_sql(plan, params, explain=True)
    try:
        return wh.arrow(
            f"""SELECT t.loan_id, t.tag, t.amount, t.rule_ids, COALESCE(t.explanation, r.explanation) AS explanation
               FROM loan_tags t LEFT JOIN ({rendered}) AS r ON r.loan_id = t.loan_id AND r.tag = t.tag
               WHERE t.as_of = ? AND t.profile = ? ORDER BY t.loan_id, t.tag""",
            [as_of, plan.profile, plan.rulebook_version, *params, as_of, as_of, plan.profile],
        )
    finally:
        wh.execute("DROP TABLE IF EXISTS cls_cust")

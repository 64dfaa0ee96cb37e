"""The tagging statement's cheaper form (issue 14) gives what the rules say, loan by loan.

The statement computes each distinct test of a per-customer fact once per customer (``cl_<k>`` joined to the
loans, a loan without a customer row taking the test's value on a NULL fact) and takes each tag's amount and
rule ids on the paired rows only. These tests hold it to the rules evaluated one loan at a time by the explanation
(``classify_explain.evaluate_loan``: every leaf compiled on the loan's own facts, nothing shared), with a loan whose
customer has no row and a rule of every kind of customer test.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from support.classify_bank import CUSTOMERS, LOANS, REGISTRIES
from wupian.engine import classify as engine
from wupian.engine.classify_explain import evaluate_loan
from wupian.engine.classify_facts import CUSTOMER_FACTS, FACTS
from wupian.engine.classify_plan import (
    AllOf,
    AnyOf,
    ClassifyPlan,
    Leaf,
    NotOf,
    RulePlan,
    TagPlan,
    compile_leaf,
    leaf_on_null,
)
from wupian.engine.warehouse import Warehouse
from wupian.rules import rulebook
from wupian.rules.compile import plan_for

AS_OF = date(2025, 12, 31)
Load = Callable[..., int]

# one test of each kind on customer facts, and the NULL case of each
LEAVES = (
    Leaf("size_used", "is_null", True), Leaf("size_used", "is_null", False),
    Leaf("registries", "has_any", ("high_tech_enterprise",)), Leaf("customer_type", "eq", "enterprise"),
    Leaf("customer_type", "ne", "enterprise"), Leaf("size_used", "in", ("small", "micro")),
    Leaf("size_used", "not_in", ("large",)), Leaf("credit_total", "le", Decimal("10000000.00")),
    Leaf("credit_total", "gt", Decimal("10000000.00")), Leaf("pension_revenue_share", "ge", Decimal("0.5")),
    Leaf("id_code", "is_null", True),
)


@pytest.mark.parametrize("leaf", LEAVES, ids=lambda leaf: f"{leaf.fact}-{leaf.op}-{leaf.value}")
def test_a_leaf_on_a_null_fact_is_what_the_statement_assumes_for_a_missing_customer(leaf: Leaf) -> None:
    params: list[object] = []
    sql = compile_leaf(leaf, params)
    with Warehouse(":memory:") as wh:
        got = wh.scalar(f"SELECT {sql} FROM (SELECT CAST(NULL AS {FACTS[leaf.fact].sql_type}) AS "
                        f"\"{leaf.fact}\") AS b", params)
    assert got is leaf_on_null(leaf)


@pytest.mark.parametrize("leaf", [*LEAVES, Leaf("is_business_loan", "is_true", True),
                                  Leaf("is_business_loan", "is_true", False), Leaf("status", "not_in", ("a", "b"))],
                         ids=lambda leaf: f"{leaf.fact}-{leaf.op}-{leaf.value}")
@pytest.mark.parametrize("value", ["null", "set"])
def test_a_leaf_packed_as_a_signature_bit_holds_where_the_leaf_does(leaf: Leaf, value: str) -> None:
    """``compile_leaf(…, null_as_false=True)``, the test inside the bit's ``CASE WHEN`` (without the outer
    ``COALESCE(…, FALSE)``): the same bit as the leaf on a NULL fact and on a value."""
    params: list[object] = []
    sql = compile_leaf(leaf, params)
    bare_params: list[object] = []
    bare = compile_leaf(leaf, bare_params, null_as_false=True)
    fact = FACTS[leaf.fact]
    given = "NULL" if value == "null" else {"VARCHAR": "'a'", "BOOLEAN": "TRUE", "VARCHAR[]": "['high_tech_enterprise']",
                                            "DECIMAL(38,2)": "20000000.00", "DECIMAL(18,6)": "0.7"}[fact.sql_type]
    with Warehouse(":memory:") as wh:
        row = wh.con.execute(
            f"SELECT {sql}, CASE WHEN {bare} THEN 1 ELSE 0 END FROM (SELECT CAST({given} AS "
            f"{fact.sql_type}) AS \"{leaf.fact}\") AS b", params + bare_params).fetchone()
    assert row is not None and row[1] == int(row[0])


def _plan() -> ClassifyPlan:
    """Rules over customer tests alone, mixed with loan tests, negated and repeated (the same test twice)."""
    biz = Leaf("is_business_loan", "is_true", True)
    rules = (
        RulePlan("r.missing_size", "", "include", ("a",), (), LEAVES[0], ()),
        RulePlan("r.sized_biz", "", "include", ("a",), (), AllOf((LEAVES[1], biz)), ()),
        RulePlan("r.registry", "", "include", ("b",), (), AnyOf((LEAVES[2], LEAVES[9])), ()),
        RulePlan("r.not_enterprise", "", "include", ("b",), (), NotOf(LEAVES[3]), ()),
        RulePlan("r.small_credit", "", "include", ("c",), (), AllOf((LEAVES[5], LEAVES[7], biz)), (),
                 "drawdown_amount"),
        RulePlan("r.others", "", "include", ("c",), (), AllOf((LEAVES[4], LEAVES[6], LEAVES[8])), ()),
        RulePlan("r.no_id", "", "marker", ("a",), (), AllOf((LEAVES[10], Leaf("size_used", "is_null", True, "未划型"))), ()),
        RulePlan("r.big", "", "exclude", (), ("b",), AllOf((LEAVES[8], NotOf(LEAVES[0]))), ()),
    )
    tags = (TagPlan("a", "A"), TagPlan("b", "B"), TagPlan("c", "C"), TagPlan("abc", "ABC", ("a", "b", "c")))
    return ClassifyPlan("test_profile", "v1", tags, rules)


def test_each_customer_test_is_computed_once_per_customer() -> None:
    plan = _plan()
    cust = engine.customer_leaves(plan)
    assert len(cust) == len(LEAVES)  # the is_null of size_used appears three times (once labelled): once
    rule_cols, _tags = engine._tag_sql(plan, [], cust)
    assert not any(f'"{f}"' in rule_cols for f in CUSTOMER_FACTS)
    for real in ("pboc_2025", "nfra_1104_2025"):
        real_plan = plan_for(rulebook(), real, AS_OF)
        cols, _ = engine._tag_sql(real_plan, [], engine.customer_leaves(real_plan))
        assert "list_has_any" not in cols and '"registries"' not in cols


@pytest.mark.parametrize("size_basis", ["declared_first", "derived_first"])
def test_tags_amounts_and_rule_ids_are_the_rules_loan_by_loan(wh: Warehouse, load: Load, size_basis: str) -> None:
    load(wh, "customers", CUSTOMERS)
    # L9's customer C9 has no customer row: every customer fact of it is NULL
    load(wh, "loans", LOANS + "L9,C9,单位贷款,F022,700000.00,3911,,,\n")
    load(wh, "registries", REGISTRIES)
    plan = _plan()
    plan = ClassifyPlan(plan.profile, plan.rulebook_version, plan.tags, plan.rules, size_basis=size_basis)
    engine.run_plan(wh, AS_OF, plan)
    stored = {(r["loan_id"], r["tag"]): (r["amount"], r["rule_ids"]) for r in wh.rows(
        "SELECT loan_id, tag, amount, rule_ids FROM loan_tags WHERE as_of = ? AND profile = ?",
        [AS_OF, plan.profile])}
    expected: dict[tuple[str, str], tuple[Decimal, str]] = {}
    for loan_id in ("L1", "L2", "L3", "L4", "L9"):
        e = evaluate_loan(wh, AS_OF, plan, loan_id)
        assert e is not None
        fired, facts = e["rules"], e["facts"]
        held: dict[str, tuple[Decimal, str]] = {}
        for tag in ("a", "b", "c"):
            inc = [r for r in plan.rules if r.kind == "include" and tag in r.tags and fired[r.id]]
            out = any(fired[r.id] for r in plan.rules if r.kind == "exclude" and tag in r.applies_to)
            if inc and not out:
                ids = ",".join(r.id for r in plan.rules if r.kind != "exclude" and tag in r.tags and fired[r.id])
                amounts = [facts[r.amount] for r in inc if facts[r.amount] is not None]
                held[tag] = (max(amounts) if amounts else Decimal("0.00"), ids)
        for tag, value in held.items():
            expected[(loan_id, tag)] = value
        if held:
            amounts = [a for a, _ in held.values()]
            expected[(loan_id, "abc")] = (max(amounts), ",".join(held[t][1] for t in ("a", "b", "c") if t in held))
    assert stored == expected
    assert {k[0] for k in expected} >= {"L9"}  # the loan without a customer row is tagged (by is_null / NOT)


def _rows(wh: Warehouse, profile: str) -> list[dict[str, object]]:
    return wh.rows("SELECT loan_id, tag, amount, rule_ids FROM loan_tags WHERE as_of = ? AND profile = ? "
                   "ORDER BY loan_id, tag", [AS_OF, profile])


def test_profiles_tagged_together_are_tagged_as_each_alone(wh: Warehouse, load: Load) -> None:
    """The several-profile statement (its tagged loans in a CTE, one branch per (profile, tag)) stores for each
    profile what that profile's own statement stores — here with a tag whose include rules count different facts
    (its amount reads their rule flags) and a second plan with other rules under the same tag names."""
    load(wh, "customers", CUSTOMERS)
    load(wh, "loans", LOANS + "L9,C9,单位贷款,F022,700000.00,3911,,,\n")
    load(wh, "registries", REGISTRIES)
    first = _plan()
    second = ClassifyPlan("other_profile", first.rulebook_version, first.tags,
                          tuple(r for r in first.rules if r.kind != "exclude")[::-1])
    assert "greatest(CASE WHEN" in engine._amount_sql(first, "c")  # the case the CTE must carry rule flags for
    alone = {}
    for plan in (first, second):
        engine.run_plan(wh, AS_OF, plan)
        alone[plan.profile] = _rows(wh, plan.profile)
    assert alone[first.profile] and alone[first.profile] != alone[second.profile]
    engine.run_plans(wh, AS_OF, (first, second))
    for plan in (first, second):
        assert _rows(wh, plan.profile) == alone[plan.profile]


def _operators(node: dict[str, object]) -> list[str]:
    """The operators from ``node`` down its first child to the first hash join (the loans' joins)."""
    names: list[str] = []
    while True:
        names.append(str(node["name"]))
        children = node.get("children") or []
        if names[-1] == "HASH_JOIN" or not children:
            return names
        node = children[0]  # type: ignore[index]


def test_the_profiles_statement_evaluates_the_rules_once_per_signature(wh: Warehouse, load: Load) -> None:
    """A plan guard (issue 14): the loans' CTE holds each loan's leaf signature, computed once — no filter pushed
    into it (below the leaves' projection, evaluating them twice) nor below the distinct signatures (the tag
    filters of the branches would evaluate every rule per loan there) — and the rows come from one hash join by
    signature, not a nested-loop join with a tag list."""
    import json

    load(wh, "customers", CUSTOMERS)
    load(wh, "loans", LOANS)
    plans = tuple(plan_for(rulebook(), p, AS_OF) for p in ("pboc_2025", "nfra_1104_2025"))
    engine.run_plans(wh, AS_OF, plans)  # leaves the temp tables and views the statement reads
    params: list[object] = []
    sql = engine._profiles_rows_sql(plans, params)
    plan = json.loads(wh.con.execute("EXPLAIN (FORMAT json) " + sql, [*params, AS_OF]).fetchall()[0][1])

    def find(node: dict[str, object], name: str) -> list[dict[str, object]]:
        found = [node] if node["name"] == name else []
        return found + [f for c in node.get("children") or [] for f in find(c, name)]  # type: ignore[union-attr]

    ctes = {str(n["extra_info"]["CTE Name"]): n for root in plan for n in find(root, "CTE")}  # type: ignore[index]
    assert set(ctes) == {"e"}  # the signatures' lookup reads ``f`` once: inlined
    loans = ctes["e"]["children"][0]  # type: ignore[index]
    assert "_r_" not in json.dumps(loans["extra_info"])  # type: ignore[index]  (no rule flag per loan)
    down = _operators(loans)
    assert "FILTER" not in down and down[-1] == "HASH_JOIN", down
    (distinct,) = find(ctes["e"]["children"][1], "HASH_GROUP_BY")  # type: ignore[index]
    assert not find(distinct, "FILTER")
    # the only pairing with a constant list is that of the distinct signatures (a few hundred rows), not the loans
    pairings = [n for root in plan for name in ("NESTED_LOOP_JOIN", "BLOCKWISE_NL_JOIN", "CROSS_PRODUCT")
                for n in find(root, name)]
    assert pairings and all(find(n, "HASH_GROUP_BY") for n in pairings)


def test_the_profiles_tagging_signs_the_loans_once_and_joins_each_profile_on_its_lookup(
        wh: Warehouse, load: Load, monkeypatch: pytest.MonkeyPatch) -> None:
    """A plan guard (issue 14, session 16): a date's profiles are tagged from one temp table of the signed loans —
    the may-tag filter above the leaves' projection (not pushed below it, which would evaluate them twice) — and
    each profile's part is the join of those loans with that profile's rows of the signatures' lookup, its hash
    table built on the lookup (the small side), written by a plain ``COPY`` (no partitioned one)."""
    import json

    load(wh, "customers", CUSTOMERS)
    head, *lines = LOANS.strip().split("\n")  # each loan 200 times: more signed loans than lookup rows
    load(wh, "loans", "\n".join([head, *(f"{line.split(',', 1)[0]}x{n},{line.split(',', 1)[1]}"
                                          for line in lines for n in range(200))]) + "\n")
    plans = tuple(plan_for(rulebook(), p, AS_OF) for p in ("pboc_2025", "nfra_1104_2025"))
    statements: list[str] = []
    real = wh.execute

    def spy(sql: str, *args: object, **kw: object) -> object:
        statements.append(sql)
        return real(sql, *args, **kw)

    monkeypatch.setattr(wh, "execute", spy)
    signed: list[object] = []
    real_sig = engine._signature_sql
    monkeypatch.setattr(engine, "_signature_sql", lambda *a: signed.append(a) or real_sig(*a))
    engine.run_plans(wh, AS_OF, plans)
    assert len(signed) == 1  # the loans are signed once for both profiles
    assert sum(s.startswith(f"CREATE OR REPLACE TEMP TABLE {engine.SIGNED_LOANS} ") for s in statements) == 1
    assert not wh.scalar("SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name IN (?, ?)",
                         [engine.SIGNED_LOANS, engine.SIGNATURE_LOOKUP])  # dropped
    monkeypatch.undo()

    params: list[object] = []
    sig = engine._signature_sql(plans, params)
    assert sig.may is not None

    def tree(sql: str, args: list[object]) -> list[dict[str, object]]:
        return json.loads(wh.con.execute("EXPLAIN (FORMAT json) " + sql, args).fetchall()[0][1])

    def find(node: dict[str, object], name: str) -> list[dict[str, object]]:
        found = [node] if node["name"] == name else []
        return found + [f for c in node.get("children") or [] for f in find(c, name)]  # type: ignore[union-attr]

    engine.build_customer_temp(wh, AS_OF, plans[0].size_basis, notes=False, borrowers_only=True)
    engine.register_green_reference(wh, AS_OF)
    (root,) = tree(f"SELECT * FROM ({sig.per_loan}) AS e WHERE {sig.may}", [*params, AS_OF])
    (top,) = find(root, "FILTER")  # one filter: the may-tag test, on the projected signatures
    below = top["children"][0]  # type: ignore[index]
    assert below["name"] == "PROJECTION" and "s_0" in json.dumps(below["extra_info"])  # type: ignore[index]
    wh.execute(f"CREATE TEMP TABLE {engine.SIGNED_LOANS} AS SELECT * FROM ({sig.per_loan}) AS e WHERE {sig.may}",
               [*params, AS_OF])
    wh.execute(f"CREATE TEMP TABLE {engine.SIGNATURE_LOOKUP} AS WITH f AS ({sig.flags(engine.SIGNED_LOANS)}) "
               f"{sig.lookup}")
    (root,) = tree(f"{sig.rows(engine.SIGNED_LOANS, f'{engine.SIGNATURE_LOOKUP} AS k')} WHERE k.profile = ?",
                   ["pboc_2025"])
    (join,) = find(root, "HASH_JOIN")
    build = join["children"][1]  # type: ignore[index]
    assert engine.SIGNATURE_LOOKUP in json.dumps(build) and engine.SIGNED_LOANS not in json.dumps(build)


def test_a_rule_requires_the_leaves_of_one_alternative_and_none_under_not() -> None:
    a, b, c = (Leaf("customer_type", "eq", v) for v in ("x", "y", "z"))
    ka, kb, kc = (engine.leaf_key(x) for x in (a, b, c))
    assert engine._required(AllOf((a, AnyOf((AllOf((b, c)), c))))) == [{ka, kb, kc}, {ka, kc}]
    assert engine._required(AnyOf((a, b))) == [{ka}, {kb}]
    assert engine._required(AllOf((NotOf(a), b))) == [{kb}]
    assert engine._required(AnyOf((NotOf(AllOf((a, b))), c))) == [set()]
    many = AllOf(tuple(AnyOf((Leaf("size_used", "eq", f"{n}a"), Leaf("size_used", "eq", f"{n}b"))) for n in range(7))
               + (a,))
    assert engine._required(many) == [{ka}]  # 2^7 alternatives: only the leaf every one of them requires


def _pairing_rows(wh: Warehouse, plan: ClassifyPlan) -> list[tuple[object, ...]]:
    """The plan's rows by ``_rows_sql`` (every loan paired with the tag list: the Spark and explanation statement)."""
    params: list[object] = []
    sql = engine._rows_sql(plan, params, explain=False)
    return sorted((r["loan_id"], r["tag"], r["amount"], r["rule_ids"]) for r in wh.rows(
        f"SELECT loan_id, tag, amount, rule_ids FROM ({sql}) AS r",
        [AS_OF, plan.profile, plan.rulebook_version, *params, AS_OF]))


@pytest.mark.parametrize("which", ["synthetic", "rulebook"])
def test_the_signature_statement_stores_what_the_pairing_statement_gives(wh: Warehouse, load: Load,
                                                                           which: str) -> None:
    """Tags, amounts and rule ids looked up by leaf signature (with the loans no include rule may tag left out
    before the join) are those of every rule evaluated per loan — for the synthetic plans (every kind of customer
    test, several amount facts under one tag, a union; no ``NOT`` among the include rules, so the filter is on)
    and for the packaged rulebook's two profiles."""
    load(wh, "customers", CUSTOMERS)
    load(wh, "loans", LOANS + "L9,C9,单位贷款,F022,700000.00,3911,,,\n")
    load(wh, "registries", REGISTRIES)
    if which == "synthetic":
        first = _plan()
        first = ClassifyPlan(first.profile, "v1", first.tags,
                             tuple(r for r in first.rules if not isinstance(r.condition, NotOf)))
        second = ClassifyPlan("other_profile", "v1", first.tags,
                              tuple(r for r in first.rules if r.kind != "exclude")[::-1])
        plans: tuple[ClassifyPlan, ...] = (first, second)
        keys = [engine.leaf_key(leaf) for p in plans for r in p.rules for leaf in engine.leaves(r.condition)]
        assert engine._may_tag_sql(plans, engine._leaf_sig(list(dict.fromkeys(keys)), "s")) is not None
    else:
        plans = tuple(plan_for(rulebook(), p, AS_OF) for p in ("pboc_2025", "nfra_1104_2025"))
    engine.run_plans(wh, AS_OF, plans)
    engine.build_customer_temp(wh, AS_OF, plans[0].size_basis)  # ``_rows_sql`` reads cls_cust (dropped by now)
    for plan in plans:
        stored = sorted((r["loan_id"], r["tag"], r["amount"], r["rule_ids"]) for r in _rows(wh, plan.profile))
        assert stored and stored == _pairing_rows(wh, plan)

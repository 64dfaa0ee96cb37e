"""``report_rows`` answers every (tag, condition) of the NFRA tables in one pass over the loans (one bit of a mask
per distinct condition, more than one mask when there are more than 62): each row's figures equal the same row asked
alone, rows that share a condition share their figures, and a condition that no loan meets gives zeros."""

from __future__ import annotations

from datetime import date
from typing import Any

from wupian.engine.loan_scope import in_scope_sql
from wupian.engine.metrics_reports import report_rows
from wupian.engine.warehouse import Warehouse
from wupian.reports.nfra import _queries, table_definitions
from wupian.rules import classify_snapshot

AS_OF = date(2026, 3, 31)


def _all_queries() -> list[tuple[str, str, Any]]:
    return [(f"{i}#{key}", tag, cond) for i, spec in enumerate(table_definitions()) for key, tag, cond in _queries(spec)]


def test_one_pass_equals_each_row_alone(bank: Warehouse) -> None:
    classify_snapshot(bank, AS_OF, "nfra_1104_2025")
    queries = _all_queries()
    distinct = {repr((tag, cond)) for _, tag, cond in queries}
    assert len(distinct) > 62  # the masks span more than one BIGINT
    together = report_rows(bank, AS_OF, profile="nfra_1104_2025", rows=queries)
    assert together.column("code").to_pylist() == [q[0] for q in queries]  # one row per query, in order
    got = {r["code"]: r for r in together.to_pylist()}
    assert any(r["balance"] > 0 for r in got.values()) and any(r["customers"] == 0 for r in got.values())
    for query in queries[::7] + queries[-3:]:  # a spread of rows, each asked on its own
        alone, = report_rows(bank, AS_OF, profile="nfra_1104_2025", rows=[query]).to_pylist()
        assert alone == got[query[0]], query


def test_rows_sharing_a_condition_share_figures_and_nothing_met_is_zero(bank: Warehouse) -> None:
    classify_snapshot(bank, AS_OF, "nfra_1104_2025")
    cond = {"size": ["small", "micro"]}
    rows = [("a", "all_loans", cond), ("b", "all_loans", cond), ("none", "all_loans", {"customer_type": ["nobody"]})]
    a, b, none = report_rows(bank, AS_OF, profile="nfra_1104_2025", rows=rows).to_pylist()
    assert {**a, "code": "b"} == b and a["balance"] > 0
    assert none["balance"] == 0 and none["customers"] == 0 and none["ytd_interest_x100"] == 0


def test_registry_and_tagged_leaves_equal_a_direct_count_and_their_negations_complete_them(bank: Warehouse) -> None:
    """The registry and tagged leaves (uncorrelated IN lists) count exactly the loans a direct query finds; a
    borrower without an id code is never on a registry, so ``not registry`` counts it."""
    classify_snapshot(bank, AS_OF, "nfra_1104_2025")
    names = [r["registry"] for r in bank.rows("SELECT DISTINCT registry FROM registries WHERE as_of = ?", [AS_OF])]
    tag = bank.scalar("SELECT min(tag) FROM loan_tags WHERE as_of = ? AND profile = 'nfra_1104_2025'", [AS_OF])
    assert names and tag
    scope = in_scope_sql("l")
    on_registry = bank.scalar(
        f"SELECT sum(l.balance) FROM loans l LEFT JOIN customers c ON c.as_of = l.as_of AND c.customer_id = l.customer_id "
        f"WHERE l.as_of = ? AND {scope} AND c.id_code IN (SELECT id_code FROM registries WHERE as_of = ? "
        "AND (valid_from IS NULL OR valid_from <= ?) AND (valid_to IS NULL OR valid_to >= ?))", [AS_OF] * 4) or 0
    tagged = bank.scalar(
        f"SELECT sum(l.balance) FROM loans l WHERE l.as_of = ? AND {scope} AND l.loan_id IN (SELECT loan_id FROM "
        "loan_tags WHERE as_of = ? AND profile = 'nfra_1104_2025' AND tag = ?)", [AS_OF, AS_OF, tag]) or 0
    total = bank.scalar(f"SELECT sum(l.balance) FROM loans l WHERE l.as_of = ? AND {scope}", [AS_OF])
    rows = [("reg", "all_loans", {"registry": names}), ("not_reg", "all_loans", {"not": {"registry": names}}),
            ("tagged", "all_loans", {"tagged": tag}), ("not_tagged", "all_loans", {"not": {"tagged": tag}}),
            ("either", "all_loans", {"any": [{"registry": names}, {"tagged": tag}]})]
    got = {r["code"]: r["balance"] for r in report_rows(bank, AS_OF, profile="nfra_1104_2025", rows=rows).to_pylist()}
    assert got["reg"] == on_registry and got["reg"] + got["not_reg"] == total
    assert got["tagged"] == tagged > 0 and got["tagged"] + got["not_tagged"] == total
    assert max(got["reg"], got["tagged"]) <= got["either"] <= got["reg"] + got["tagged"]


def test_borrowers_no_condition_can_count_are_left_out_with_the_same_figures(bank: Warehouse, monkeypatch: Any) -> None:
    """The snapshot rows of borrowers whose attributes rule out every condition of the tag (``_customer_bound``:
    loan leaves as TRUE where they count for, FALSE where against) are dropped before the grouping; the figures
    are those computed with every borrower kept, loan leaves under ``not`` included."""
    import wupian.engine.metrics_reports as mr

    classify_snapshot(bank, AS_OF, "nfra_1104_2025")
    assert mr._customer_bound({"not": {"business_loan": True}}, AS_OF, "p") == ("TRUE", [])
    assert mr._customer_bound({"all": [{"customer_type": ["farmer"]}, {"business_loan": True}]}, AS_OF, "p") == \
        ("(e.customer_type IN (?))", ["farmer"])
    assert mr._customer_bound({"not": {"all": [{"customer_type": ["farmer"]}, {"business_loan": True}]}},
                              AS_OF, "p") == ("TRUE", [])
    assert mr._customer_bound({"not": {"any": [{"customer_type": ["farmer"]}, {"business_loan": True}]}},
                              AS_OF, "p") == ("NOT coalesce((e.customer_type IN (?)), false)", ["farmer"])
    queries = [q for q in _all_queries() if q[1] == "all_loans"] + [
        ("n1", "all_loans", {"not": {"all": [{"customer_type": ["farmer"]}, {"business_loan": True}]}}),
        ("n2", "all_loans", {"all": [{"not": {"customer_type": ["enterprise", "farmer"]}}, {"not": {"business_loan": True}}]}),
        ("n3", "all_loans", {"all": [{"credit_limit_max": 1000000}, {"code_in": ["business_type", ["personal"]]}]}),
        ("r1", "rediscount", {"registry": ["tech_sme"]}),
    ]
    all_loans = [c for _, t, c in _all_queries() if t == "all_loans"]  # the NFRA tables' own
    test, params = mr._borrower_filter(bank, all_loans, AS_OF, "nfra_1104_2025")
    assert test.startswith("l.customer_id IN (")  # a loan without a borrower row meets none of them
    kept_loans = bank.scalar(f"SELECT count(*) FROM loans l WHERE l.as_of = ? AND {test}", [AS_OF, *params])
    assert 0 < kept_loans < bank.scalar("SELECT count(*) FROM loans WHERE as_of = ?", [AS_OF])
    assert mr._borrower_filter(bank, [{"business_loan": True}], AS_OF, "p") is None
    # a condition that a borrower-less loan can meet (credit limit 0 ≤ 1,000,000): such loans are kept
    test, _ = mr._borrower_filter(bank, [{"all": [{"credit_limit_max": 1000000}, {"business_loan": True}]}], AS_OF, "p")
    assert test.startswith("(l.customer_id IS NULL OR l.customer_id NOT IN (")
    pruned = report_rows(bank, AS_OF, profile="nfra_1104_2025", rows=queries).to_pylist()
    monkeypatch.setattr(mr, "_borrower_filter", lambda *a: None)
    kept = report_rows(bank, AS_OF, profile="nfra_1104_2025", rows=queries).to_pylist()
    assert pruned == kept and any(r["customers"] for r in kept)


def test_the_borrower_bound_leaves_out_what_another_part_absorbs(bank: Warehouse) -> None:
    """The OR of the NFRA ``all_loans`` rows' bounds keeps one test per customer type (the S71 credit bands' bounds
    are their type's and some more: absorbed), and absorption keeps the value of the test, NULL included: random
    trees of and/or/not over three-valued columns have the same value on every row before and after."""
    import random

    import duckdb

    import wupian.engine.metrics_reports as mr

    all_loans = [c for _, t, c in _all_queries() if t == "all_loans"]
    test, params = mr._borrower_filter(bank, all_loans, AS_OF, "nfra_1104_2025")
    assert "credit_limit_total" not in test and params.count("sole_proprietor") == 1
    assert mr._junction("or", [("leaf", "e.a", ()), ("and", (("leaf", "e.a", ()), ("leaf", "e.b", ())))]) == \
        ("or", (("leaf", "e.a", ()),))
    assert mr._junction("and", [("leaf", "e.b", ()), ("or", (("leaf", "e.b", ()), ("leaf", "e.c", ()))),
                                ("leaf", "e.b", ())]) == ("and", (("leaf", "e.b", ()),))

    rng = random.Random(14)

    def tree(depth: int) -> tuple[Any, Any]:
        """(a tree built as is, the same built through ``_junction``)."""
        pick = rng.random()
        if depth == 0 or pick < 0.3:
            leaf = rng.choice([("leaf", f"e.{x}", ()) for x in "abc"] + [mr._TRUE, mr._FALSE])
            return leaf, leaf
        if pick < 0.45:
            raw, simple = tree(depth - 1)
            return ("not", raw), (("const", not simple[1]) if simple[0] == "const" else ("not", simple))
        op = rng.choice(["and", "or"])
        kids = [tree(depth - 1) for _ in range(rng.randint(1, 4))]
        return (op, tuple(k for k, _ in kids)), mr._junction(op, [s for _, s in kids])

    con = duckdb.connect()
    values = ["TRUE", "FALSE", "NULL"]
    rows = ", ".join(f"({a}, {b}, {c})" for a in values for b in values for c in values)
    simplified = 0
    for _ in range(300):
        raw, simple = tree(4)
        before, after = mr._render(raw)[0], mr._render(simple)[0]
        simplified += len(after) < len(before)
        got = con.execute(f"SELECT list(({before}) IS NOT DISTINCT FROM ({after})) FROM (VALUES {rows}) e(a, b, c)"
                          ).fetchone()[0]
        assert all(got), (before, after)
    assert simplified > 50

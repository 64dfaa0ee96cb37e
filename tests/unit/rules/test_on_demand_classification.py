"""A classification on demand (``wupian.rules.fresh``: a reader classifying what its figures need) does less than
an explicit one (issue 14): ``cls_cust`` holds the date's borrowers only, nothing is written to ``customer_facts``
and no Issues are computed. The tags must be the ones an explicit classification stores, and the
``customer_facts`` computed where they are read the rows an explicit classification stores (notes rendered).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from support.classify_bank import CUSTOMERS, LOANS, REGISTRIES
from support.lineage_bank import altered_copy, demo_folders, double_balance
from wupian import api
from wupian.engine.classify_customers import build_customer_temp, register_size_reference
from wupian.engine.classify_facts import CUSTOMER_FACTS
from wupian.engine.warehouse import Warehouse
from wupian.ingest import load_snapshot
from wupian.rules import classify_snapshot, classifying_together, customer_facts, rulebook

AS_OF = date(2025, 12, 31)
EARLIER = date(2025, 11, 30)
PROFILES = ("pboc_2025", "nfra_1104_2025")
Load = Callable[..., int]

# C4 has no loan at all (a registry entry and a size of its own), C5 a loan at the earlier date only
MORE_CUSTOMERS = CUSTOMERS + """C4,丁软件,企业法人,91000000000000004A,6511,80,90000000.00,中型,
C5,戊商贸,企业法人,91000000000000005A,5199,12,3000000.00,,
"""
EARLIER_LOANS = LOANS + """L5,C5,单位贷款,F022,300000.00,5199,,,
"""
MORE_REGISTRIES = REGISTRIES + """tech_sme,91000000000000004A,2024-01-01,
"""


def _bank(wh: Warehouse, load: Load) -> Warehouse:
    for as_of, loans in ((EARLIER, EARLIER_LOANS), (AS_OF, LOANS)):
        load(wh, "customers", MORE_CUSTOMERS, as_of)
        load(wh, "loans", loans, as_of)
        load(wh, "registries", MORE_REGISTRIES, as_of)
    return wh


def _tags(wh: Warehouse) -> list[dict[str, Any]]:
    return wh.rows("SELECT * FROM loan_tags ORDER BY as_of, profile, loan_id, tag")


@pytest.mark.parametrize("profile", PROFILES)
def test_on_demand_stores_the_same_tags_and_no_facts_or_issues(load: Load, profile: str) -> None:
    with Warehouse(":memory:") as explicit, Warehouse(":memory:") as on_demand:
        _bank(explicit, load)
        _bank(on_demand, load)
        full = classify_snapshot(explicit, AS_OF, profile)
        lean = classify_snapshot(on_demand, AS_OF, profile, on_demand=True)
        assert _tags(on_demand) == _tags(explicit) and _tags(explicit)
        assert lean.counts == full.counts
        assert full.issues and lean.issues == ()
        # the date's borrowers' facts (C1–C3; C4 has no loan, C5 a loan at the earlier date only: issue 14)
        assert explicit.rows("SELECT customer_id FROM customer_facts ORDER BY 1") == [
            {"customer_id": c} for c in ("C1", "C2", "C3")]
        assert on_demand.scalar("SELECT count(*) FROM customer_facts") == 0
        assert on_demand.scalar("SELECT count(*) FROM lineage WHERE kind = 'customer_facts'") == 0


def _whole_and_borrowers(wh: Warehouse, load: Load, basis: str, *, notes: bool
                         ) -> tuple[dict[str, dict[str, object]], dict[str, dict[str, object]]]:
    """``cls_cust`` per customer built whole (with notes), then for the borrowers only (``notes`` as given)."""
    _bank(wh, load)
    register_size_reference(wh, AS_OF, rulebook().registries)
    build_customer_temp(wh, AS_OF, basis, notes=True)
    whole = {r["customer_id"]: r for r in wh.rows("SELECT * FROM cls_cust")}
    build_customer_temp(wh, AS_OF, basis, notes=notes, borrowers_only=True)
    return whole, {r["customer_id"]: r for r in wh.rows("SELECT * FROM cls_cust")}


@pytest.mark.parametrize("basis", ["declared_first", "derived_first"])
def test_the_borrowers_rows_are_the_whole_tables_rows(wh: Warehouse, load: Load, basis: str) -> None:
    whole, narrow = _whole_and_borrowers(wh, load, basis, notes=True)
    assert sorted(whole) == ["C1", "C2", "C3", "C4", "C5"]
    assert sorted(narrow) == ["C1", "C2", "C3"]  # C4 never borrowed, C5 not at this date
    assert narrow == {c: whole[c] for c in narrow}
    assert whole["C5"]["first_loan_id"] == "L5" and whole["C4"]["registries"] == ["tech_sme"]


@pytest.mark.parametrize("basis", ["declared_first", "derived_first"])
def test_the_lean_borrowers_table_holds_the_whole_tables_values(wh: Warehouse, load: Load, basis: str) -> None:
    # on demand without notes: one join of the customers with the loan aggregates, only the columns its readers
    # (the tagging's customer facts, the kept first loans' source and date — not the first loan's id, whose
    # ``arg_min`` pair the aggregate leaves out) read — each the value of the whole table's row
    whole, lean = _whole_and_borrowers(wh, load, basis, notes=False)
    assert sorted(lean) == ["C1", "C2", "C3"]
    columns = set(next(iter(lean.values())))
    assert columns == (CUSTOMER_FACTS - {"size_note", "credit_note"}) | {
        "customer_id", "first_loan_source", "first_loan_date", "borrower"}  # (the tagging's filter)
    assert lean == {c: {k: whole[c][k] for k in columns} for c in lean}
    assert any(r["first_loan_date"] for r in lean.values()) and any(r["credit_total"] for r in lean.values())
    assert any(whole[c]["first_loan_id"] for c in lean)  # (the whole table has them)


def test_facts_read_after_an_on_demand_run_are_what_an_explicit_run_stores(load: Load) -> None:
    with Warehouse(":memory:") as explicit, Warehouse(":memory:") as on_demand:
        _bank(explicit, load)
        _bank(on_demand, load)
        classify_snapshot(explicit, AS_OF, "pboc_2025")
        classify_snapshot(on_demand, AS_OF, "pboc_2025", on_demand=True)
        want = customer_facts(explicit, AS_OF).to_pylist()
        assert [r["customer_id"] for r in want] == ["C1", "C2", "C3", "C4", "C5"]
        assert any(r["size_note"] for r in want)  # the notes are rendered on read
        assert customer_facts(on_demand, AS_OF).to_pylist() == want


def _builds(wh: Warehouse) -> list[str]:
    statements: list[str] = []
    real = wh.execute

    def spy(sql: str, params: Any = None) -> Any:
        statements.append(sql)
        return real(sql, params)

    wh.execute = spy  # type: ignore[method-assign]
    return statements


def test_a_shared_block_reuses_a_whole_table_for_the_borrowers_but_not_the_other_way(load: Load) -> None:
    def built(statements: list[str]) -> int:
        return sum("CREATE OR REPLACE TEMP TABLE cls_cust" in s for s in statements)

    with Warehouse(":memory:") as wh, Warehouse(":memory:") as alone:
        _bank(wh, load)
        _bank(alone, load)
        expected = classify_snapshot(alone, AS_OF, "nfra_1104_2025")
        statements = _builds(wh)
        with classifying_together(wh):
            classify_snapshot(wh, AS_OF, "pboc_2025")
            classify_snapshot(wh, AS_OF, "nfra_1104_2025", on_demand=True)
        assert built(statements) == 1  # the whole table serves the borrowers' classification
        statements.clear()
        with classifying_together(wh):
            classify_snapshot(wh, AS_OF, "pboc_2025", on_demand=True)
            report = classify_snapshot(wh, AS_OF, "nfra_1104_2025")
        assert built(statements) == 2  # the borrowers' table does not serve a classification that stores facts
        assert [(i.code, i.message) for i in report.issues] == [(i.code, i.message) for i in expected.issues]
        assert wh.rows("SELECT * FROM customer_facts ORDER BY customer_id") == \
            alone.rows("SELECT * FROM customer_facts ORDER BY customer_id")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[date, Path]:
    return demo_folders(tmp_path_factory.mktemp("demo"), scale=0.01)


def _facts_lineage(wh: Warehouse, day: date) -> int:
    return int(wh.scalar("SELECT count(*) FROM lineage WHERE kind = 'customer_facts' AND as_of = ?", [day]) or 0)


def test_cold_indicators_store_no_facts_and_the_facts_are_stored_where_read(demo: dict[date, Path],
                                                                             tmp_path: Path) -> None:
    day = max(demo)
    with api.open_warehouse(str(tmp_path / "explicit.duckdb")) as explicit:
        load_snapshot(explicit, day, demo[day])
        classify_snapshot(explicit, day, "pboc_2025")
        want = api.customer_facts(explicit, day).to_pylist()
    with api.open_warehouse(str(tmp_path / "w.duckdb")) as wh:
        load_snapshot(wh, day, demo[day])
        api.compute_indicators(wh, day, ids=["tech.balance"])  # classifies on demand
        assert _facts_lineage(wh, day) == 0
        borrowers = wh.scalar("SELECT count(DISTINCT customer_id) FROM loans WHERE as_of = ?", [day])
        customers = wh.scalar("SELECT count(*) FROM customers WHERE as_of = ?", [day])
        assert borrowers < customers  # a real-shaped bank: many customers have no loan
        written: list[str] = []
        real_write = wh.parts.write

        def spy_write(con: Any, name: str, *args: Any, **kw: Any) -> int:
            written.append(name)
            return real_write(con, name, *args, **kw)

        wh.parts.write = spy_write  # type: ignore[method-assign]
        assert api.customer_facts(wh, day).to_pylist() == want
        assert written == ["customer_facts"] and _facts_lineage(wh, day) == 1  # stored where read
        assert api.customer_facts(wh, day).to_pylist() == want
        assert written == ["customer_facts"]  # fresh: not written again
        # the borrowers' rows are stored (each equal to the row read, the notes left NULL)
        stored = wh.rows("SELECT * FROM customer_facts WHERE as_of = ? ORDER BY customer_id", [day])
        assert len(stored) == borrowers
        assert stored == [{**r, "size_note": None} for r in want if r["customer_id"] in
                          {s["customer_id"] for s in stored}]


def test_a_reload_makes_the_facts_read_follow_the_new_data(demo: dict[date, Path], tmp_path: Path) -> None:
    day = max(demo)
    with api.open_warehouse(str(tmp_path / "w.duckdb")) as wh:
        load_snapshot(wh, day, demo[day])
        api.compute_indicators(wh, day, ids=["tech.balance"])
        before = api.customer_facts(wh, day).to_pylist()
        load_snapshot(wh, day, altered_copy(demo[day], tmp_path / "same", lambda r: r))
        assert _facts_lineage(wh, day) == 0  # the reload invalidated the stored facts
        assert api.customer_facts(wh, day).to_pylist() == before  # the same data again: the same facts
        load_snapshot(wh, day, altered_copy(demo[day], tmp_path / "doubled", double_balance))
        assert _facts_lineage(wh, day) == 0
        after = {r["customer_id"]: r for r in api.customer_facts(wh, day).to_pylist()}
        derived = [r for r in before if r["credit_source"] == "loans"]
        assert derived  # 单户授信 derived from the loans (the larger of balances and drawn amounts) follows them
        grown = [r for r in derived if after[r["customer_id"]]["credit_total"] > r["credit_total"]]
        assert grown and all(after[r["customer_id"]]["credit_total"] >= r["credit_total"] for r in derived)
        assert _facts_lineage(wh, day) == 1


def _built_sql(wh: Warehouse, **options: Any) -> str:
    """The ``CREATE … cls_cust`` statement ``build_customer_temp`` runs with ``options`` (executed as well)."""
    seen: list[str] = []
    run = wh.execute

    def spy(sql: str, params: Any = None) -> Any:
        seen.append(sql)
        return run(sql, params) if params is not None else run(sql)

    wh.execute = spy  # type: ignore[method-assign]
    try:
        build_customer_temp(wh, AS_OF, **options)
    finally:
        del wh.execute
    return next(s for s in seen if "TEMP TABLE cls_cust" in s)


@pytest.mark.parametrize("options", [{"notes": False, "borrowers_only": True, "stored_columns": True},
                                     {"notes": True}, {"notes": False, "borrowers_only": True}])
def test_the_size_is_an_outer_join_with_the_groups_not_a_join_back_on_customer_id(
        wh: Warehouse, load: Load, options: dict[str, Any]) -> None:
    # issue 14, session 14: the sized customers were joined back to the customers on ``customer_id`` (the CTE of
    # the customers materialised to be read twice: ≈ 1 s CPU at 3.3M borrowers); now one outer join with the
    # size groups — the only join on ``customer_id`` left is the customers' with the loan aggregates
    _bank(wh, load)
    register_size_reference(wh, AS_OF, rulebook().registries)
    sql = _built_sql(wh, **options).replace("CREATE OR REPLACE TEMP TABLE cls_cust AS", "", 1)
    params = {"as_of": AS_OF, "reg_as_of": AS_OF, "year_start": date(AS_OF.year, 1, 1)}
    plan = "\n".join(str(r[1]) for r in wh.con.execute(
        "EXPLAIN " + sql, {k: v for k, v in params.items() if f"${k}" in sql}).fetchall())
    assert "CTE_SCAN" not in plan
    assert plan.count("customer_id = customer_id") == 1


def test_a_classifications_table_without_notes_leaves_the_size_figures_out(wh: Warehouse, load: Load) -> None:
    # the size figures feed the notes only: a stored classification's table (borrowers, no notes) has six columns
    # less to materialise; a table with notes, or of every customer, keeps them
    _bank(wh, load)
    register_size_reference(wh, AS_OF, rulebook().registries)
    figures = {"uses_emp", "uses_rev", "uses_ast", "emp", "rev", "ast"}

    def columns() -> set[str]:
        return {r["column_name"] for r in wh.rows("SELECT column_name FROM duckdb_columns() "
                                                  "WHERE table_name = 'cls_cust'")}

    build_customer_temp(wh, AS_OF, notes=False, borrowers_only=True, stored_columns=True)
    stored = columns()
    assert not stored & figures and {"first_loan_id", "size_group", "derived_size", "credit_source"} <= stored
    for options in ({"notes": True, "borrowers_only": True}, {"notes": False}):
        build_customer_temp(wh, AS_OF, **options)  # type: ignore[arg-type]
        assert figures <= columns()

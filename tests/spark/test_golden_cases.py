"""The golden classification cases (tests/golden/classify/<case>) on both engines: every case's snapshot is loaded
into one DuckDB warehouse (its loan ids prefixed ``<case>/``; the cases' customer ids and registry codes are
distinct, so each loan classifies as in its own case), copied into one Spark warehouse, classified under both
profiles on each engine once (classifying on Spark is the slow part: one set-up instead of one per case), and the
loan tags (tag, amount, rule ids, Chinese explanation, rulebook version) and the customer facts of each case must
be identical, no tolerance. Parametrized by case, so a failure names the case, the table and the first differing
row."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from wupian.engine.spark_publish import copy_warehouse
from wupian.engine.warehouse import Warehouse
from wupian.rules import classify_snapshot

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "classify"
AS_OF = date(2025, 12, 31)  # the golden cases' as-of date (tests/golden/classify/test_golden_classify.py)
PROFILES = ("pboc_2025", "nfra_1104_2025")
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "expected.csv").exists())

_spec = importlib.util.spec_from_file_location("classify_snapshot_csv_spark", GOLDEN / "snapshot_csv.py")
assert _spec and _spec.loader
snapshot_csv = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(snapshot_csv)

# One case's rows: its loans by their prefix, its customers as the borrowers of those loans.
TAGS = "SELECT * FROM loan_tags WHERE starts_with(loan_id, ?) ORDER BY as_of, profile, loan_id, tag"
FACTS = ("SELECT * FROM customer_facts WHERE customer_id IN (SELECT customer_id FROM loans WHERE "
         "starts_with(loan_id, ?)) ORDER BY as_of, customer_id")


@pytest.fixture(scope="module")
def engines(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Warehouse, Any]]:
    """Every case loaded into DuckDB as one snapshot, copied into a Spark warehouse, and classified on both."""
    from wupian.engine.spark_warehouse import SparkWarehouse

    duck = Warehouse(":memory:")
    snapshot_csv.load_cases(duck, [GOLDEN / case for case in CASES], AS_OF)
    sw = SparkWarehouse(tmp_path_factory.mktemp("golden-cases") / "wh")
    copy_warehouse(duck, sw)
    for wh in (duck, sw):
        for profile in PROFILES:
            classify_snapshot(wh, AS_OF, profile)
    yield duck, sw
    sw.close()
    duck.close()


def _differences(duck: Warehouse, sw: Any, sql: str, case: str) -> tuple[int, str | None]:
    want, got = duck.arrow(sql, [f"{case}/"]), sw.arrow(sql, [f"{case}/"])
    if got.column_names != want.column_names:
        return want.num_rows, f"columns: DuckDB {want.column_names}, Spark {got.column_names}"
    w, g = want.to_pylist(), got.to_pylist()
    for i, (a, b) in enumerate(zip(w, g, strict=False)):
        if a != b:
            return len(w), f"row {i}: DuckDB {a}\n           Spark  {b}"
    if len(w) != len(g):
        return len(w), f"{len(w)} rows on DuckDB, {len(g)} on Spark"
    return len(w), None


def test_every_case_is_in_the_union(engines: tuple[Warehouse, Any]) -> None:
    """No case lost or merged into another: the union holds each case's loans under its prefix, and the cases'
    customers are distinct (else one case's customer facts would be another's)."""
    duck, _ = engines
    loans = duck.rows("SELECT loan_id, customer_id FROM loans WHERE as_of = ?", [AS_OF])
    assert {r["loan_id"].split("/")[0] for r in loans} == set(CASES)
    owner = {r["customer_id"]: r["loan_id"].split("/")[0] for r in loans}
    assert all(owner[r["customer_id"]] == r["loan_id"].split("/")[0] for r in loans)


@pytest.mark.parametrize("case", CASES)
def test_golden_case_identical_on_spark(engines: tuple[Warehouse, Any], case: str) -> None:
    duck, sw = engines
    n_tags, tags = _differences(duck, sw, TAGS, case)
    n_facts, facts = _differences(duck, sw, FACTS, case)
    assert tags is None, f"golden case {case}: loan_tags differ, {tags}"
    assert facts is None, f"golden case {case}: customer_facts differ, {facts}"
    assert n_facts > 0 and n_tags > 0, f"golden case {case}: nothing classified ({n_tags} tags, {n_facts} facts)"

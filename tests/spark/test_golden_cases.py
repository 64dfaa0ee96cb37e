"""The golden classification cases (tests/golden/classify/<case>) one by one on both engines: each case's snapshot
is classified under both profiles on DuckDB and on Spark, and the loan tags (tag, amount, rule ids, Chinese
explanation, rulebook version) and the customer facts must be identical, no tolerance. Parametrized by case, so a
failure names the case, the table and the first differing row."""

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

TAGS = "SELECT * FROM loan_tags ORDER BY as_of, profile, loan_id, tag"
FACTS = "SELECT * FROM customer_facts ORDER BY as_of, customer_id"


@pytest.fixture
def engines(spark: Any, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Warehouse, Any]]:
    """The case loaded into DuckDB, copied into a fresh Spark warehouse, and classified on both."""
    from wupian.engine.spark_warehouse import SparkWarehouse

    case = request.param
    duck = Warehouse(":memory:")
    snapshot_csv.load_case(duck, GOLDEN / case, AS_OF)
    sw = SparkWarehouse(tmp_path / "wh")
    copy_warehouse(duck, sw)
    for wh in (duck, sw):
        for profile in PROFILES:
            classify_snapshot(wh, AS_OF, profile)
    yield duck, sw
    sw.close()
    duck.close()


def _differences(duck: Warehouse, sw: Any, sql: str) -> tuple[int, str | None]:
    want, got = duck.arrow(sql), sw.arrow(sql)
    if got.column_names != want.column_names:
        return want.num_rows, f"columns: DuckDB {want.column_names}, Spark {got.column_names}"
    w, g = want.to_pylist(), got.to_pylist()
    for i, (a, b) in enumerate(zip(w, g, strict=False)):
        if a != b:
            return len(w), f"row {i}: DuckDB {a}\n           Spark  {b}"
    if len(w) != len(g):
        return len(w), f"{len(w)} rows on DuckDB, {len(g)} on Spark"
    return len(w), None


@pytest.mark.parametrize("engines", CASES, indirect=True, ids=CASES)
def test_golden_case_identical_on_spark(engines: tuple[Warehouse, Any], request: pytest.FixtureRequest) -> None:
    duck, sw = engines
    case = request.node.callspec.id
    n_tags, tags = _differences(duck, sw, TAGS)
    n_facts, facts = _differences(duck, sw, FACTS)
    assert tags is None, f"golden case {case}: loan_tags differ, {tags}"
    assert facts is None, f"golden case {case}: customer_facts differ, {facts}"
    assert n_facts > 0 and n_tags > 0, f"golden case {case}: nothing classified ({n_tags} tags, {n_facts} facts)"

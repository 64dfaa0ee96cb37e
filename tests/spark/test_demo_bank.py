"""End to end on the demo bank: a small demo bank's month-end files are loaded (with every check), classified
under both profiles and measured on DuckDB and on Spark through the same public API — Spark's load being the real
one (checked in a staging DuckDB, then published to the Parquet warehouse) — and the loan tags, customer facts,
snapshot rows, every indicator value and every month-end report file (PBOC ``.dat`` files and logs byte for byte,
NFRA tables and workbook cell by cell, Markdown briefing byte for byte, Word briefing paragraph and table cell by
cell) must be identical, no tolerance. The bank is built once per module
(``SCALE``/``MONTHS`` keep CI time down: every Spark statement is a job, so the cost is the statement count, not
the rows)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from support.engine_rows import assert_same_report_files, assert_same_rows
from wupian import api
from wupian.core.errors import DataError
from wupian.demo.build import build_demo
from wupian.demo.pipeline import DEMO_USCC
from wupian.engine.warehouse import Warehouse
from wupian.ingest import load_snapshot
from wupian.reports.run import generate_reports

SCALE, MONTHS, SEED = 0.005, 1, 20260331
PROFILES = ("pboc_2025", "nfra_1104_2025")


def _load_and_classify(wh: Any, snapshots: list[tuple[date, Path]]) -> None:
    for as_of, folder in snapshots:
        try:
            load_snapshot(wh, as_of, folder)
        except DataError:
            pass  # the demo plants bad rows: they are quarantined (compared below), the date is loaded
    api.ensure_fresh(wh, snapshots[-1][0], PROFILES)


@pytest.fixture(scope="module")
def demo(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Warehouse, Any, date]]:
    from wupian.engine.spark_warehouse import SparkWarehouse

    work = tmp_path_factory.mktemp("demo")
    manifest = build_demo(work / "bank", seed=SEED, scale=SCALE, months=MONTHS)
    snapshots = list(zip(manifest.month_ends, manifest.snapshot_dirs, strict=True))
    duck = Warehouse(work / "duck.duckdb")
    sw = SparkWarehouse(work / "spark-wh")
    for wh in (duck, sw):
        _load_and_classify(wh, snapshots)
    yield duck, sw, snapshots[-1][0]
    sw.close()
    duck.close()


@pytest.fixture(scope="module")
def reports(demo: tuple[Warehouse, Any, date], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The month-end reports (``--kind all``, the whole bank, the run's time fixed) written from each warehouse:
    what ``wupian month-end`` writes after classifying, and the dates are classified already."""
    duck, sw, as_of = demo
    out = tmp_path_factory.mktemp("demo-month-end")
    return {name: (out / name, generate_reports(wh, as_of, "all", out / name, uscc=DEMO_USCC,
                                                created_at=datetime(2026, 4, 1, 9, 30)))
            for name, wh in (("duckdb", duck), ("spark", sw))}


def test_loaded_snapshot_identical(demo: tuple[Warehouse, Any, date]) -> None:
    duck, sw, as_of = demo
    assert assert_same_rows(duck, sw, "SELECT * FROM loans WHERE as_of = ? ORDER BY loan_id", [as_of]) > 100
    assert assert_same_rows(duck, sw, "SELECT table_name, file, line, row_key, issues_json FROM quarantine "
                           "WHERE as_of = ? ORDER BY table_name, line", [as_of]) > 0  # planted bad rows


def test_loan_tags_identical(demo: tuple[Warehouse, Any, date]) -> None:
    duck, sw, as_of = demo
    assert assert_same_rows(duck, sw, "SELECT * FROM loan_tags WHERE as_of = ? ORDER BY profile, loan_id, tag", [as_of]) > 100


def test_customer_facts_identical(demo: tuple[Warehouse, Any, date]) -> None:
    duck, sw, as_of = demo
    # classified on demand: the facts are computed (and stored) where read
    want = api.customer_facts(duck, as_of)
    got = api.customer_facts(sw, as_of)
    assert got.num_rows > 50 and got.to_pylist() == want.to_pylist()
    assert assert_same_rows(duck, sw, "SELECT * FROM customer_facts WHERE as_of = ? ORDER BY customer_id", [as_of]) > 50


def test_indicator_values_identical(demo: tuple[Warehouse, Any, date]) -> None:
    """nfra_1104_2025's every indicator value (pboc_2025's are the month-end run's: compared below, computing
    them again would cost the suite half a minute)."""
    duck, sw, as_of = demo
    want = api.compute_indicators(duck, as_of, profile="nfra_1104_2025", store=False).to_arrow()
    got = api.compute_indicators(sw, as_of, profile="nfra_1104_2025", store=False).to_arrow()
    assert got.schema == want.schema
    assert got.to_pylist() == want.to_pylist()
    assert want.num_rows > 1000


def test_month_end_indicator_values_identical(reports: dict[str, Any]) -> None:
    """pboc_2025's every indicator value of the whole tree, as the month-end run computed (and stored) them."""
    drun, srun = reports["duckdb"][1], reports["spark"][1]
    assert srun.result.profile == drun.result.profile == "pboc_2025"
    want, got = drun.result.to_arrow(), srun.result.to_arrow()
    assert got.schema == want.schema
    assert got.to_pylist() == want.to_pylist()
    assert want.num_rows > 1000


def test_month_end_report_files_identical(reports: dict[str, Any]) -> None:
    (dout, drun), (sout, srun) = reports["duckdb"], reports["spark"]
    compared = assert_same_report_files(dout, drun.files, sout, srun.files)
    assert compared.get(".dat", 0) >= 10 and compared.get(".log", 0) >= 10
    assert {".xlsx", ".md", ".docx"} <= set(compared)
    assert any(str(p.relative_to(dout)).startswith("nfra/") for p in drun.files)


def test_month_end_issues_identical(reports: dict[str, Any]) -> None:
    drun, srun = reports["duckdb"][1], reports["spark"][1]
    assert [str(i) for i in srun.issues] == [str(i) for i in drun.issues]

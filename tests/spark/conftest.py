"""The Spark conformance suite's one shared local SparkSession (local[2], 2g driver), started once per test run
and stopped at the end. Every test here is marked ``spark``; without pyspark or Java they are skipped with the
reason (CI installs both: scripts/install.sh --dev)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).parent == HERE:
            item.add_marker(pytest.mark.spark)


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    pytest.importorskip("pyspark", reason="the [spark] extra is not installed")
    if shutil.which("java") is None:
        pytest.skip("no Java runtime (Debian: openjdk-17-jre-headless)")
    from wupian.engine import spark_session

    s = spark_session.session("local[2]")
    yield s
    spark_session.stop()


@pytest.fixture
def spark_wh(spark: Any, tmp_path: Path) -> Iterator[Any]:
    """An empty Spark warehouse (a folder of Parquet tables) on the shared session."""
    from wupian.engine.spark_warehouse import SparkWarehouse

    wh = SparkWarehouse(tmp_path / "spark-wh")
    yield wh
    wh.close()


@pytest.fixture(scope="session")
def golden_engines(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The golden report bank in an in-memory DuckDB and copied into a Spark warehouse, both classified under
    both profiles on their own engine (shared by the end-to-end and month-end tests: classifying on Spark is the
    slow part)."""
    from datetime import date

    from support.golden_bank import load_bank
    from wupian.engine.spark_publish import copy_warehouse
    from wupian.engine.spark_warehouse import SparkWarehouse
    from wupian.engine.warehouse import Warehouse
    from wupian.rules import classify_snapshot

    duck = Warehouse(":memory:")
    load_bank(duck)
    sw = SparkWarehouse(tmp_path_factory.mktemp("golden") / "wh")
    copy_warehouse(duck, sw)
    for wh in (duck, sw):
        for profile in ("pboc_2025", "nfra_1104_2025"):
            classify_snapshot(wh, date(2026, 3, 31), profile)
    yield duck, sw
    sw.close()
    duck.close()

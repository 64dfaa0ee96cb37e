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

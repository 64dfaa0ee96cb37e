"""Two Spark warehouses on one session, used in turn: each statement sees its own warehouse's tables, whichever
was opened last (the session's catalog holds one warehouse at a time; a statement re-registers its own)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wupian.engine.spark_warehouse import SparkWarehouse


def test_each_warehouse_sees_its_own_rows(spark: Any, tmp_path: Path) -> None:
    a = SparkWarehouse(tmp_path / "a")
    a.execute("CREATE TABLE probe (x INTEGER)")
    a.execute("INSERT INTO probe VALUES (1)")
    b = SparkWarehouse(tmp_path / "b")  # takes the session's catalog
    b.execute("CREATE TABLE probe (x INTEGER)")
    b.execute("INSERT INTO probe VALUES (2), (3)")
    try:
        assert a.arrow("SELECT x FROM probe ORDER BY x").column("x").to_pylist() == [1]
        assert b.arrow("SELECT x FROM probe ORDER BY x").column("x").to_pylist() == [2, 3]
        assert a.arrow("SELECT count(*) AS n FROM branches").column("n").to_pylist() == [0]
    finally:
        a.close()
        b.close()

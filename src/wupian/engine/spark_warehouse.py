"""The Spark warehouse: the same :class:`~wupian.engine.warehouse.Warehouse` interface over a directory of Parquet
tables, run by a SparkSession (``--engine spark``; ``--db`` names the directory, ``--spark-master`` the master).

The engine's SQL is unchanged: :class:`~wupian.engine.spark_con.SparkConnection` stands where the DuckDB
connection stands and transpiles each statement. One SparkWarehouse per process at a time (it owns the session's
catalog).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from wupian.contract import EVENT_TABLES, SNAPSHOT_TABLES
from wupian.core.errors import UsageError
from wupian.engine import spark_session
from wupian.engine.spark_con import CATALOG_FILE, SparkConnection
from wupian.engine.spark_publish import DATED_SYSTEM_TABLES
from wupian.engine.warehouse import SYSTEM_DDL, Warehouse, table_ddl

ENGINES = ("duckdb", "spark")
# Tables kept in one folder per as-of date (replace-a-date overwrites that folder only).
DATED_TABLES = frozenset({*(t.name for t in SNAPSHOT_TABLES if t.kind == "snapshot"), *DATED_SYSTEM_TABLES})
ENGINE_ENV = "WUPIAN_ENGINE"


def default_engine() -> str:
    return os.environ.get(ENGINE_ENV) or "duckdb"


def is_spark_warehouse(path: str | os.PathLike[str]) -> bool:
    return (Path(path) / CATALOG_FILE).exists()


class SparkWarehouse(Warehouse):
    """A directory of Parquet tables (``<path>/<table>/``, catalog in ``<path>/_catalog.json``) on Spark."""

    engine = "spark"

    def __init__(self, path: str | os.PathLike[str], *, read_only: bool = False, master: str | None = None) -> None:
        self.path = str(path)
        self._lock = None
        self.read_only = read_only
        root = Path(self.path)
        if root.exists() and not root.is_dir():
            raise UsageError(f"--engine spark needs a warehouse folder, {root} is a file")
        if not root.parent.resolve().exists():
            raise UsageError(f"warehouse folder does not exist: {root.parent.resolve()}")
        self.con = SparkConnection(spark_session.session(master), root, DATED_TABLES)  # type: ignore[assignment]
        if not read_only:
            self.ensure_schema()

    @classmethod
    def overlay(cls, path: str | os.PathLike[str]) -> Warehouse:
        return cls(path, read_only=True)

    def close(self) -> None:
        self.con.close()

    def ensure_schema(self) -> None:
        for t in (*SNAPSHOT_TABLES, *EVENT_TABLES):
            self.con.execute(table_ddl(t))
        for ddl in SYSTEM_DDL:
            self.con.execute(ddl)

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """Spark has no multi-statement transactions: statements run as they come (each one atomic per table)."""
        yield self.con

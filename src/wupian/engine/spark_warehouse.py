"""The Spark warehouse: the same :class:`~wupian.engine.warehouse.Warehouse` interface over a directory of Parquet
tables, run by a SparkSession (``--engine spark``; ``--db`` names the directory — a local folder or a URI such as
``hdfs://…`` or ``s3a://…``, :mod:`wupian.engine.spark_fs` —, ``--spark-master`` the master).

The engine's SQL is unchanged: :class:`~wupian.engine.spark_con.SparkConnection` stands where the DuckDB
connection stands and transpiles each statement. One SparkWarehouse per process at a time (it owns the session's
catalog).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from wupian.contract import EVENT_TABLES, SNAPSHOT_TABLES
from wupian.core.errors import UsageError
from wupian.engine import spark_session
from wupian.engine.spark_con import CATALOG_FILE, SparkConnection
from wupian.engine.spark_fs import WarehouseFS, join, local_path, location
from wupian.engine.spark_publish import DATED_SYSTEM_TABLES
from wupian.engine.warehouse import SYSTEM_DDL, Warehouse, table_ddl

ENGINES = ("duckdb", "spark")
# Tables kept in one folder per as-of date (replace-a-date overwrites that folder only).
DATED_TABLES = frozenset({*(t.name for t in SNAPSHOT_TABLES if t.kind == "snapshot"), *DATED_SYSTEM_TABLES})
ENGINE_ENV = "WUPIAN_ENGINE"


def default_engine() -> str:
    return os.environ.get(ENGINE_ENV) or "duckdb"


def is_spark_warehouse(path: str | os.PathLike[str], *, master: str | None = None,
                       conf: dict[str, str] | None = None) -> bool:
    """Whether ``path`` holds a Spark warehouse (its catalog file). A local path is looked at directly; a remote
    URI only through Hadoop's FileSystem, which needs the session: it is started."""
    local = local_path(path)
    if local is not None:
        return (local / CATALOG_FILE).is_file()
    root = location(path)
    return WarehouseFS(spark_session.session(master, conf), root).is_file(join(root, CATALOG_FILE))


class SparkWarehouse(Warehouse):
    """A directory of Parquet tables (``<path>/<table>/``, catalog in ``<path>/_catalog.json``) on Spark;
    ``path`` a local folder or any URI a Hadoop FileSystem of the session serves."""

    engine = "spark"

    def __init__(self, path: str | os.PathLike[str], *, read_only: bool = False, master: str | None = None,
                 conf: dict[str, str] | None = None) -> None:
        self.path = os.fspath(path)
        self._lock = None
        self.read_only = read_only
        local = local_path(self.path)
        if local is not None:  # checked before Spark starts: a local mistake costs no JVM
            if local.exists() and not local.is_dir():
                raise UsageError(f"--engine spark needs a warehouse folder, {local} is a file")
            if not local.parent.exists():
                raise UsageError(f"warehouse folder does not exist: {local.parent}")
        spark = spark_session.session(master, conf)
        root = location(self.path)
        fs = WarehouseFS(spark, root)
        if local is None and fs.is_file(root):
            raise UsageError(f"--engine spark needs a warehouse folder, {root} is a file")
        self.con = SparkConnection(spark, root, DATED_TABLES, fs)  # type: ignore[assignment]
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

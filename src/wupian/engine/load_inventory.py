"""What the load domain has put in the warehouse: loaded snapshots, quarantined rows, registry members.

The SQL behind ``wupian.ingest.inventory`` (``wupian snapshots``, ``wupian quarantine``) and behind the
"is it loaded?" guards of classification and coverage. Read-only; values are bound as parameters and the only
identifiers are our own table names. Plain portable SQL (it runs unchanged on DuckDB and Spark).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from wupian.engine.warehouse import Warehouse


def snapshot_rows(wh: Warehouse) -> list[dict[str, Any]]:
    """Every row of ``snapshots`` (one per loaded as-of date), oldest first."""
    return wh.rows("SELECT * FROM snapshots ORDER BY as_of")


def quarantine_rows(wh: Warehouse, as_of: date | None, table: str | None,
                    limit: int) -> tuple[int, list[dict[str, Any]]]:
    """(total, first ``limit`` rows) of ``quarantine`` for ``as_of`` (None = event loads), optionally one table,
    ordered by table and line."""
    where = "as_of = ?" if as_of is not None else "as_of IS NULL"
    params: list[Any] = [as_of] if as_of is not None else []
    if table is not None:
        where += " AND table_name = ?"
        params.append(table)
    total = int(wh.scalar(f"SELECT count(*) FROM quarantine WHERE {where}", params))
    rows = wh.rows(f"SELECT * FROM quarantine WHERE {where} ORDER BY table_name, line LIMIT ?", [*params, limit])
    return total, rows


def registry_member_count(wh: Warehouse, as_of: date, registry: str) -> int:
    """Rows of ``registry`` in the registries snapshot of ``as_of`` (0 when none)."""
    return int(wh.scalar("SELECT count(*) FROM registries WHERE as_of = ? AND registry = ?", [as_of, registry])
               or 0)


"""The stored indicators (``indicator_values``): the complete whole-bank result of one date and profile, kept in
computation order with its lineage, and served again only while that lineage is fresh.

``indicator_values(as_of, profile, branch_id, indicator_id, value, unit, unavailable_reason, computed_at, ord)``.
Only complete results (every indicator, every node of the bank) are stored, so a stored set is never a mix of
a subtree's and the bank's figures or of two computations; the zh notes of the result are kept in the lineage
row's ``params``. A result that read operational data (screening requests and cases) is never served again.
"""

from __future__ import annotations

import json
from datetime import date

import pyarrow as pa
import pyarrow.compute as pc

from wupian.engine import lineage
from wupian.engine.warehouse import Warehouse

DDL = """CREATE TABLE IF NOT EXISTS indicator_values (
    as_of DATE, profile VARCHAR, branch_id VARCHAR, indicator_id VARCHAR,
    value DECIMAL(38, 6), unit VARCHAR, unavailable_reason VARCHAR, computed_at TIMESTAMP, ord BIGINT)"""
MIGRATE = "ALTER TABLE indicator_values ADD COLUMN IF NOT EXISTS ord BIGINT"  # tables from before lineage
COLUMNS = ("branch_id", "indicator_id", "value", "unit", "unavailable_reason")
# Operational tables some indicators read (``fraud.*``): written by events loads and by case actions, not by
# snapshot loads, so no load id covers them — a result that read them is never served from the store.
OPS_TABLES = ("screening_requests", "screening_cases", "screening_case_requests", "screening_case_events")


def reads_ops_data(wh: Warehouse) -> bool:
    """Whether any operational table holds rows (then indicators are always computed, never served stored)."""
    present = {r[0] for r in wh.con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE list_contains(?, table_name)", [list(OPS_TABLES)]).fetchall()}
    return any(wh.scalar(f"SELECT count(*) FROM (SELECT 1 FROM {t} LIMIT 1)") for t in OPS_TABLES if t in present)


def store_indicator_values(wh: Warehouse, as_of: date, profile: str, rows: pa.Table, versions: str,
                           notes: tuple[str, ...] = ()) -> None:
    """Replace the stored values of (as_of, profile) with ``rows`` (a complete result) and record their lineage."""
    wh.execute(DDL)
    wh.execute(MIGRATE)
    table = rows.select(list(COLUMNS)).append_column("ord", pa.array(range(rows.num_rows), pa.int64()))
    wh.register("wp_new_values", table)
    try:
        with wh.transaction() as con:
            con.execute("DELETE FROM indicator_values WHERE as_of = ? AND profile = ?", [as_of, profile])
            con.execute(
                "INSERT INTO indicator_values (as_of, profile, branch_id, indicator_id, value, unit, "
                "unavailable_reason, computed_at, ord) SELECT ?, ?, branch_id, indicator_id, value, unit, "
                "unavailable_reason, current_timestamp, ord FROM wp_new_values", [as_of, profile])
            lineage.record(con, "indicator_values", as_of, profile, versions=versions, keyed=True,
                           params={"notes": list(notes)})
    finally:
        wh.unregister("wp_new_values")


def in_ord_order(table: pa.Table) -> pa.Table:
    """``table`` (with an ``ord`` column of distinct values) in ascending ``ord``, without the ``ord`` column; no
    sort when it is in that order already."""
    ords = table.column("ord")
    if len(ords) > 1 and not pc.all(pc.greater(ords.slice(1), ords.slice(0, len(ords) - 1))).as_py():
        table = table.sort_by("ord")
    return table.drop_columns(["ord"])


def stored_indicator_values(wh: Warehouse, as_of: date, profile: str,
                            versions: str) -> tuple[pa.Table, tuple[str, ...]] | None:
    """(values in computation order, notes) of a loaded date when the stored set is fresh — computed from the
    snapshots loaded now with ``versions`` — else None."""
    if not lineage.is_loaded(wh, as_of) or reads_ops_data(wh):
        return None
    if lineage.stale_dates(wh, "indicator_values", [as_of], profile, versions, keyed=True):
        return None
    columns = {d[0] for d in wh.con.execute("SELECT * FROM indicator_values LIMIT 0").description}
    if "ord" not in columns:
        return None
    # Rows come back in insertion order (DuckDB's preserve_insertion_order), which is ``ord`` order: checking that
    # is ≈ 1 ms where ``ORDER BY ord`` cost ≈ 0.03 s CPU of a warm 2M ``indicators``; any other order is sorted.
    table = in_ord_order(wh.arrow(
        f"SELECT {', '.join(COLUMNS)}, ord FROM indicator_values WHERE as_of = ? AND profile = ?",
        [as_of, profile],
    ))
    params = json.loads(str(wh.scalar(
        "SELECT params FROM lineage WHERE kind = 'indicator_values' AND as_of = ? AND profile = ?", [as_of, profile]
    ) or "{}"))
    return table, tuple(params.get("notes", ()))

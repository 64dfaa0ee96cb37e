"""Moving checked rows into a Spark warehouse: one as-of date replaced (``publish_snapshot``), keyed rows upserted,
or a whole DuckDB warehouse copied (``copy_warehouse``, for trying Spark on an existing bank and for the
conformance suite).

A Spark load reads and checks the files exactly as a DuckDB load does — the same code, in a private staging
DuckDB on the machine that holds the files — and then publishes the accepted rows, the quarantine, the branch
closure and the ``snapshots`` row of that date here, and invalidates the derived results that read it
(``wupian.engine.lineage``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pyarrow as pa

from wupian.contract import EVENT_TABLES, SNAPSHOT_TABLES
from wupian.engine import lineage, parts
from wupian.engine.warehouse import Warehouse, quote_ident

DATED_SYSTEM_TABLES = ("quarantine", "branch_closure", "snapshots")
# Rows handed to Spark per DataFrame when publishing: Spark holds a DataFrame made from Arrow whole in the driver
# JVM's heap, so a 10M-loan date is sent in slices (measured: one 10M-row frame needs more than a 2g driver).
PUBLISH_CHUNK_ROWS = 1_000_000


def _frame(wh: Any, name: str, data: pa.Table) -> Any:
    """``data`` as a Spark DataFrame with the stored table's column names and types."""
    wh.con.ensure_active()
    target = wh.con.spark.table(name)
    df = wh.con.spark.createDataFrame(data)
    return df.select(*[df[f.name].cast(f.dataType).alias(f.name) for f in target.schema.fields])


def replace_date(wh: Any, name: str, as_of: date, data: pa.Table) -> None:
    """The rows of ``name`` for ``as_of`` become ``data`` (the other dates are kept)."""
    wh.con.ensure_active()
    if wh.con.is_dated(name):  # a partition overwrite: only the folder of as_of is written, slice by slice
        for i, start in enumerate(range(0, max(data.num_rows, 1), PUBLISH_CHUNK_ROWS)):
            chunk = data.slice(start, PUBLISH_CHUNK_ROWS)
            wh.con.write_date(name, as_of, _frame(wh, name, chunk), append=i > 0)
        return
    spark = wh.con.spark  # a table created before date folders: rewritten whole
    kept = spark.table(name).where(spark.table(name)["as_of"] != as_of)
    wh.con.overwrite(name, kept.unionByName(_frame(wh, name, data)))


def upsert(wh: Any, name: str, keys: tuple[str, ...], data: pa.Table) -> None:
    """Rows of ``data`` replace the stored rows with the same key (NULL keys match NULL); the rest are appended."""
    new = wh.con.materialise(_frame(wh, name, data))
    old = wh.con.spark.table(name)
    cond = None
    for k in keys:
        c = old[k].eqNullSafe(new[k])
        cond = c if cond is None else cond & c
    kept = old.join(new.select(*keys), on=cond, how="left_anti") if cond is not None else old
    wh.con.overwrite(name, kept.unionByName(new))


def publish_snapshot(stage: Warehouse, wh: Any, as_of: date) -> None:
    """Publish what a staging DuckDB load of ``as_of`` accepted into the Spark warehouse ``wh``."""
    keyed = False
    for t in SNAPSHOT_TABLES:
        if t.kind == "keyed":
            rows = stage.arrow(f"SELECT * FROM {quote_ident(t.name)}")
            if rows.num_rows:
                keyed = True
                upsert(wh, t.name, tuple(t.key), rows)
            continue
        replace_date(wh, t.name, as_of, stage.arrow(f"SELECT * FROM {quote_ident(t.name)} WHERE as_of = ?",
                                                    [as_of]))
    for name in DATED_SYSTEM_TABLES:
        replace_date(wh, name, as_of, stage.arrow(f"SELECT * FROM {name} WHERE as_of = ?", [as_of]))
    lineage.invalidate_from(wh.con, as_of, keyed=keyed)


def _copy_into(stage: Warehouse, table: str, rows: Any) -> None:
    """Append the Arrow ``rows`` to the staging DuckDB's ``table`` by column name (nothing when empty)."""
    if not rows.num_rows:
        return
    stage.insert_arrow(table, rows)  # by name; loans and customers are Parquet parts there (engine.parts)


def stage_events(wh: Any, stage: Warehouse) -> dict[str, int]:
    """Before an event load checked in the staging DuckDB ``stage``: copy in the Spark warehouse's events (the
    duplicate checks WP-LOAD-029/030 compare new ids with them) and the keys the events refer to (accounts,
    customers, branches of any loaded date; WP-LOAD-023). Returns each event table's row count before the load."""
    before: dict[str, int] = {}
    wh.con.ensure_active()
    for t in EVENT_TABLES:
        data = wh.con.spark.table(t.name).toArrow()
        before[t.name] = data.num_rows
        _copy_into(stage, t.name, data)
    targets = {(r.target_table, r.target_columns[0]) for t in EVENT_TABLES for r in t.references
               if r.target_table not in before}
    for name, column in sorted(targets):
        keys = wh.arrow(f"SELECT DISTINCT as_of, {quote_ident(column)} FROM {quote_ident(name)}")
        _copy_into(stage, name, keys)
    return before


def publish_events(stage: Warehouse, wh: Any, before: dict[str, int]) -> None:
    """Append to the Spark warehouse the events the staging load accepted (the rows after the copied ones, in
    load order) and the quarantine rows it wrote (as on DuckDB, an event load invalidates no derived result)."""
    for t in EVENT_TABLES:
        new = stage.arrow(f"SELECT * FROM {quote_ident(t.name)} WHERE rowid >= ? ORDER BY rowid", [before[t.name]])
        if new.num_rows:
            _append(wh, t.name, new)
    rejected = stage.arrow("SELECT * FROM quarantine")
    if rejected.num_rows:
        _append(wh, "quarantine", rejected)


def _append(wh: Any, name: str, data: pa.Table) -> None:
    df = _frame(wh, name, data)
    if wh.con.is_dated(name):
        wh.con.append_rows(name, df)
    else:
        df.write.insertInto(name)
        wh.con.spark.sql(f"REFRESH TABLE `{name}`")


def copy_warehouse(source: Warehouse, wh: Any) -> list[str]:
    """Copy every stored table of the DuckDB warehouse ``source`` into the (empty) Spark warehouse ``wh``;
    returns the table names copied."""
    names = [r[0] for r in source.con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary "
        "ORDER BY table_name").fetchall()]
    # loans, customers and the derived loan_tags / customer_facts are views over Parquet parts on DuckDB (their
    # manifest is DuckDB's own bookkeeping); the Spark warehouse keeps them as tables of its own
    names = sorted({*(n for n in names if n != parts.MANIFEST), *parts.PART_TABLES, *parts.DERIVED_PARTS})
    for name in names:
        data = source.arrow(f"SELECT * FROM {quote_ident(name)}")
        if name not in wh.con.catalog:
            ddl = parts.derived_ddl(name) if name in parts.DERIVED_PARTS else source.scalar(
                "SELECT sql FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = ?", [name])
            wh.execute(ddl)
        if data.num_rows:
            wh.con.overwrite(name, _frame(wh, name, data))
    return names

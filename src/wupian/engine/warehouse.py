"""The embedded DuckDB warehouse: connection, schema of stored tables, transactions and parameterised queries.

Layout of the warehouse (every snapshot table carries the ``as_of`` date it belongs to):

* ``<table>`` for each snapshot table of the contract (branches, customers, loans, …), columns
  ``as_of DATE`` + the contract's columns in contract order; ``loans`` and ``customers`` are views over
  immutable Parquet files beside the DuckDB file, listed in ``stored_parts`` (``wupian.engine.parts``);
* ``<table>`` for each event table (transactions, mandates, merchants), the contract's columns, de-duplicated
  on their key, plus ``loaded_at``;
* ``quarantine`` — every rejected row with its reasons (nothing is dropped silently);
* ``snapshots`` — one row per loaded as-of date with row and rejection counts and its ``load_id`` (new on every
  load of the date);
* ``lineage`` — what every stored derived result was computed from (see ``wupian.engine.lineage``);
* ``branch_closure`` — (as_of, ancestor_id, descendant_id, depth) for "this subtree" queries.

This module is the only place (with its siblings in ``wupian.engine``) that imports duckdb.
User text never becomes SQL: values are always bound as parameters, identifiers come from the contract.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from wupian.contract import EVENT_TABLES, SNAPSHOT_TABLES, Table
from wupian.core.errors import UsageError
from wupian.engine import parts, published, sql_log
from wupian.engine.parts import PART_TABLES, STORED_AS_PARTS, PartStore
from wupian.engine.stoppable import stoppable
from wupian.engine.without_pandas import pandas_free

DEFAULT_DB = "wupian.duckdb"
DB_ENV = "WUPIAN_DB"
SQL_LOG_ENV = sql_log.ENV  # a file: every statement the engine executes is appended to it (wupian.engine.sql_log)


def _logged(con: Any) -> Any:
    """The connection as the warehouse uses it: its binding calls run without pandas (``without_pandas``), and
    every statement is logged when ``$WUPIAN_SQL_LOG`` names a file."""
    return sql_log.logged(pandas_free(con), os.environ.get(SQL_LOG_ENV))


def default_db_path() -> str:
    """``$WUPIAN_DB`` or ``./wupian.duckdb``."""
    return os.environ.get(DB_ENV) or DEFAULT_DB


def quote_ident(name: str) -> str:
    """Quote an identifier that comes from our own definitions (never from user text)."""
    if not name.replace("_", "").replace(".", "").isalnum():
        raise ValueError(f"refusing suspicious identifier {name!r}")
    return '"' + name + '"'


def table_ddl(table: Table) -> str:
    cols = [f"{quote_ident(c.name)} {c.type.sql_type}" for c in table.columns]
    if table.kind == "snapshot":
        cols.insert(0, '"as_of" DATE NOT NULL')
    else:
        cols.append('"loaded_at" TIMESTAMP')
    return f"CREATE TABLE IF NOT EXISTS {quote_ident(table.name)} ({', '.join(cols)})"


SYSTEM_DDL = (
    """CREATE TABLE IF NOT EXISTS quarantine (
        as_of DATE, table_name VARCHAR, file VARCHAR, line BIGINT, row_key VARCHAR,
        row_json VARCHAR, issues_json VARCHAR, loaded_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS snapshots (
        as_of DATE PRIMARY KEY, loaded_at TIMESTAMP, source_dir VARCHAR,
        row_counts_json VARCHAR, rejected_counts_json VARCHAR, issue_counts_json VARCHAR, load_id VARCHAR)""",
    # warehouses written before load ids existed
    "ALTER TABLE snapshots ADD COLUMN IF NOT EXISTS load_id VARCHAR",
    """CREATE TABLE IF NOT EXISTS branch_closure (
        as_of DATE, ancestor_id VARCHAR, descendant_id VARCHAR, depth INTEGER)""",
    """CREATE TABLE IF NOT EXISTS lineage (
        kind VARCHAR NOT NULL, as_of DATE NOT NULL, profile VARCHAR NOT NULL, inputs VARCHAR NOT NULL,
        versions VARCHAR NOT NULL, params VARCHAR, computed_at TIMESTAMP, PRIMARY KEY (kind, as_of, profile))""",
)
LINEAGE_DDL = SYSTEM_DDL[-1]
# How many columns each system table has once SYSTEM_DDL ran (a test checks it against the DDL).
SYSTEM_COLUMN_COUNTS = {"quarantine": 8, "snapshots": 7, "branch_closure": 4, "lineage": 7}


class Warehouse:
    """A DuckDB file (or ``:memory:``) holding every loaded snapshot and event.

    Use as a context manager or call ``close()``. One Warehouse = one connection.
    """

    engine = "duckdb"  # the Spark warehouse (wupian.engine.spark_warehouse) says "spark"
    parts = PartStore(None)  # the Parquet parts of loans and customers (set per connection; never written here)

    def __init__(self, path: str | os.PathLike[str] | None = None, *, read_only: bool = False,
                 lock: bool = True) -> None:
        """``lock=False`` only for immutable published copies (``wupian.engine.published``)."""
        self.path = str(path) if path is not None else default_db_path()
        self._lock: published.WarehouseLock | None = None
        self.read_only = read_only
        self.parts = PartStore.for_path(self.path, read_only=read_only)
        if self.path != ":memory:":
            parent = Path(self.path).resolve().parent
            if not parent.exists():
                raise UsageError(f"warehouse folder does not exist: {parent}")
            if lock:  # wait for other wupian processes instead of failing with "Could not set lock"
                self._lock = published.acquire(self.path, shared=read_only)
        try:
            self.con = _logged(duckdb.connect(self.path, read_only=read_only))
        except duckdb.Error as exc:  # locked, corrupt, not a database …
            if self._lock is not None:
                self._lock.release()
            self.parts.close()
            raise UsageError(f"cannot open warehouse {self.path}: {exc}") from exc
        # DuckDB would print its progress bar to stdout, into machine-readable output (csv/json).
        self.con.execute("SET enable_progress_bar = false")
        try:
            if not read_only:
                self.ensure_schema()
            parts.bind(self.con, self.path, read_only=read_only)
        except UsageError:
            self.close()
            raise

    @classmethod
    def overlay(cls, path: str | os.PathLike[str]) -> Warehouse:
        """Read an immutable warehouse file (a published copy) through a private in-memory database: reads fall
        through to the file, tables a reader creates (scratch tables of an explanation) stay in memory."""
        self = cls.__new__(cls)
        self.path, self._lock, self.read_only = str(path), None, True
        self.parts = PartStore(None)
        self.con = _logged(duckdb.connect(":memory:"))
        literal = "'" + str(Path(path).resolve()).replace("'", "''") + "'"
        try:
            self.con.execute(f"ATTACH {literal} AS published (READ_ONLY)")
        except duckdb.Error as exc:
            self.con.close()
            raise UsageError(f"cannot open warehouse {self.path}: {exc}") from exc
        self.con.execute("SET search_path = 'memory.main,published.main'")
        self.con.execute("SET enable_progress_bar = false")
        try:  # a generation moved with its primary reads the files where they are now (temporary views)
            parts.bind(self.con, str(path), read_only=True)
        except UsageError:
            self.con.close()
            raise
        return self

    def cursor(self) -> Warehouse:
        """The same warehouse through a new DuckDB cursor of this connection, for one other thread (a DuckDB
        connection must not run statements from two threads at once; each thread takes its own cursor).

        The cursor sees what the database holds — committed tables, the persisted views over the Parquet parts,
        attached files — and this connection's search path and temporary views (copied: the read-only parts
        views, a published copy's overlay); not this connection's temporary tables nor its registered Arrow
        tables, nor anything this Warehouse object keeps per object (``classify_kept``: a reader then computes
        what was kept). ``close()`` closes the cursor only; the lock, the parts and the connection stay with
        this Warehouse, which must outlive its cursors."""
        other = object.__new__(type(self))
        other.__dict__.update(self.__dict__)
        other._lock = None
        other._cursor_of = self
        con = self.con.cursor()  # PandasFreeConnection/LoggedConnection pass it to the DuckDB connection
        other.con = stoppable(_logged(con))  # its ``interrupt()`` is final (``engine.stoppable``)
        try:
            other.con.execute("SET enable_progress_bar = false")
            path = self.con.execute("SELECT current_setting('search_path')").fetchone()
            if path and path[0]:
                other.con.execute("SET search_path = " + "'" + str(path[0]).replace("'", "''") + "'")
            for (sql,) in self.con.execute("SELECT sql FROM duckdb_views() WHERE temporary AND NOT internal").fetchall():
                other.con.execute(sql)
        except BaseException:
            con.close()
            raise
        return other

    def interrupt(self) -> None:
        """Interrupt the statement this connection (or cursor) is running, from another thread: it raises
        ``duckdb.InterruptException`` in its own thread. On a cursor (``cursor()``) this is final: every later
        statement of the cursor raises it too, so an interrupt that lands between two statements is not lost
        (``engine.stoppable``). On the warehouse's own connection only a running statement is stopped."""
        self.con.interrupt()

    # -- lifecycle -----------------------------------------------------------------------------------
    def close(self) -> None:
        if self.__dict__.get("_cursor_of") is not None:  # a cursor (``cursor()``): its owner closes the rest
            self.con.close()
            return
        self.con.close()
        self.parts.close()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def ensure_schema(self) -> None:
        native = [t for t in (*SNAPSHOT_TABLES, *EVENT_TABLES) if t.name not in PART_TABLES]
        # Columns are only ever added (below), so a table with as many columns as it should have has them all:
        # then one cheap catalogue query replaces the DDL (duckdb_columns() would bind the Parquet views too).
        counts = dict(self.con.execute(
            "SELECT table_name, column_count FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary"
        ).fetchall())
        if all(counts.get(t.name) == len(t.columns) + 1 for t in native) and all(
                counts.get(name) == n for name, n in SYSTEM_COLUMN_COUNTS.items()):
            self.parts.ensure(self.con)
            return
        for t in native:
            self.con.execute(table_ddl(t))
        # Optional columns added to the contract after a warehouse was created (e.g. branches.uscc): add them,
        # empty, so older warehouses keep working.
        have = {(r[0], r[1]) for r in self.con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'main'").fetchall()}
        for t in native:
            for c in t.columns:
                if (t.name, c.name) not in have:
                    self.con.execute(f"ALTER TABLE {quote_ident(t.name)} ADD COLUMN {quote_ident(c.name)} "
                                     f"{c.type.sql_type}")
        for ddl in SYSTEM_DDL:
            self.con.execute(ddl)
        self.parts.ensure(self.con)  # views over the Parquet parts; native tables of an older file migrated

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All-or-nothing: commit on success, roll back on any exception."""
        self.con.execute("BEGIN TRANSACTION")
        self.parts.begin()
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            self.parts.rolled_back()
            raise
        else:
            self.con.execute("COMMIT")
            self.parts.committed(self.con)

    # -- queries -------------------------------------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> None:
        self.con.execute(sql, params or [])

    def arrow(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pa.Table:
        """Run a query with bound parameters and return an Arrow table (exact decimals preserved)."""
        result = self.con.execute(sql, params or [])
        if hasattr(result, "to_arrow_table"):  # duckdb >= 1.4
            return result.to_arrow_table()
        return result.fetch_arrow_table()

    def rows(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run a query and return a list of dicts (Decimal for DECIMAL columns)."""
        cur = self.con.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def scalar(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Any:
        row = self.con.execute(sql, params or []).fetchone()
        return None if row is None else row[0]

    def register(self, name: str, data: pa.Table) -> None:
        """Expose an Arrow table to SQL under ``name`` for this connection."""
        self.con.register(name, data)

    def unregister(self, name: str) -> None:
        self.con.unregister(name)

    def insert_rows(self, name: str, columns: Sequence[str] | None, query: str,
                    params: Sequence[Any] | dict[str, Any] | None = None) -> int:
        """``INSERT INTO name (columns) <query>`` (``columns`` None: by name) for any stored table: a table kept as
        Parquet parts (``parts.STORED_AS_PARTS``) gets one new part per as-of date (and profile) of the rows.
        Returns how many rows."""
        if name in STORED_AS_PARTS and self.parts.root is not None:
            named = f"SELECT * FROM ({query}) AS q({', '.join(quote_ident(c) for c in columns)})" if columns else query
            return self.parts.append_rows(self.con, name, self.arrow(named, params))
        target = f"({', '.join(quote_ident(c) for c in columns)})" if columns else "BY NAME"
        row = self.con.execute(f"INSERT INTO {quote_ident(name)} {target} {query}", params or []).fetchone()
        return int(row[0]) if row else 0

    def insert_arrow(self, name: str, data: pa.Table) -> int:
        """Add the Arrow rows ``data`` to the stored table ``name`` by column name (missing columns NULL)."""
        self.register("_wp_insert_rows", data)
        try:
            return self.insert_rows(name, None, "SELECT * FROM _wp_insert_rows")
        finally:
            self.unregister("_wp_insert_rows")

    def replace_rows(self, name: str, query: str, params: Sequence[Any] | dict[str, Any] | None = None) -> None:
        """Every row of the stored table ``name`` becomes the rows of ``query`` (which may read ``name``), in one
        transaction — how a test edits a table kept as Parquet parts, whose files are never changed in place."""
        with self.transaction():
            data = self.arrow(query, params)
            if name in STORED_AS_PARTS and self.parts.root is not None:
                for (as_of,) in self.con.execute(f"SELECT DISTINCT as_of FROM {quote_ident(name)}").fetchall():
                    self.parts.clear(self.con, name, as_of)
                self.parts.append_rows(self.con, name, data)
            else:
                self.con.execute(f"DELETE FROM {quote_ident(name)}")
                self.insert_arrow(name, data)

    def delete_date(self, name: str, as_of: Any) -> None:
        """Remove every row of ``as_of`` from the dated table ``name``."""
        if name in STORED_AS_PARTS and self.parts.root is not None:
            self.parts.clear(self.con, name, as_of)
        else:
            self.con.execute(f"DELETE FROM {quote_ident(name)} WHERE as_of = ?", [as_of])

    def snapshot_dates(self) -> list[Any]:
        return [r[0] for r in self.con.execute("SELECT as_of FROM snapshots ORDER BY as_of").fetchall()]

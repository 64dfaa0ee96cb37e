"""A connection-shaped front of a Spark warehouse: ``execute(sql, params)`` takes the engine's DuckDB SQL,
transpiles it (:mod:`wupian.engine.dialect`) and runs it on Spark, so every engine module runs unchanged.

How DuckDB statements map onto a directory of Parquet tables:

* ``CREATE TABLE t (…)`` → an external Parquet table at ``<warehouse>/t`` (its DDL kept in
  ``<warehouse>/_catalog.json`` so the next process finds it); constraints are not enforced by Spark, the
  primary key is remembered for ``INSERT OR REPLACE``;
* ``CREATE TEMP TABLE x AS SELECT`` → a temp view over a materialised result: a reliable checkpoint in
  ``spark.checkpoint.dir`` when one is set (it survives a lost executor), else a local checkpoint held by the
  executors;
* a *dated* table (the snapshot tables, quarantine, branch closure, snapshots) keeps each as-of date in its own
  folder ``<warehouse>/t/as_of=YYYY-MM-DD/``: replace-a-date overwrites that folder only, an ``INSERT`` appends
  each row to its date's folder;
* ``DELETE FROM t WHERE c`` → the table rewritten without the matching rows (one overwrite);
* ``INSERT OR REPLACE`` → rows with the same key removed, then the rows appended;
* ``BEGIN``/``COMMIT``/``ROLLBACK``, ``SET`` → nothing: Spark has no multi-statement transactions (each
  statement is atomic per table; see docs/spark.md, known limits).

Bound parameters become typed SQL literals written by sqlglot (quoted and escaped by it), never pasted text; they
are put in place on the statement text, outside strings and comments, before it is parsed.
Results reach Python through Arrow (``DataFrame.toArrow``), so DECIMAL values stay exact. The warehouse location is
any URI Hadoop's FileSystem serves (:mod:`wupian.engine.spark_fs`): every file operation here goes through it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa
from sqlglot import exp

from wupian.engine import dialect
from wupian.engine.dated_layout import date_part
from wupian.engine.spark_fs import WarehouseFS, join, sql_string

CATALOG_FILE = "_catalog.json"
CAPTURE: list[str] | None = None  # set to a list by the conformance suite to record executed statements


def literal(value: Any) -> exp.Expression:
    """A bound value as a typed SQL literal."""
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int):
        return exp.Literal.number(value)
    if isinstance(value, Decimal):
        return exp.Literal.number(format(value, "f"))
    if isinstance(value, float):
        return exp.cast(exp.Literal.number(repr(value)), "DOUBLE")
    if isinstance(value, datetime):
        return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), "TIMESTAMP")
    if isinstance(value, date):
        return exp.cast(exp.Literal.string(value.isoformat()), "DATE")
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(value, list | tuple):
        return exp.Array(expressions=[literal(v) for v in value])
    raise TypeError(f"cannot bind a {type(value).__name__} parameter on Spark")


_PARAM = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|/\*.*?\*/|\$(\w+)|(\?)""", re.S)


def bind_text(sql: str, params: Sequence[Any] | dict[str, Any] | None) -> str:
    """``sql`` with each placeholder (``?`` in order, ``$name``, ``$N``) outside string literals, quoted
    identifiers and comments replaced by the typed SQL literal of its value, written by sqlglot (quoted and
    escaped by it, never pasted text). Done on the text, before parsing: sqlglot's DuckDB tokenizer misreads a
    ``$name`` placeholder followed later by ``''`` as a dollar-quoted string."""
    if params is None or (not params and "?" not in sql and "$" not in sql):
        return sql
    positional = list(params) if not isinstance(params, dict) else []
    named = params if isinstance(params, dict) else {}
    counter = iter(range(len(positional) + 1))

    def sub(m: re.Match[str]) -> str:
        name, mark = m.group(1), m.group(2)
        if mark:
            i = next(counter)
            if i >= len(positional):
                raise ValueError(f"too few parameters for {sql!r}")
            return literal(positional[i]).sql(dialect.READ)
        if name is None:
            return m.group(0)
        if name.isdigit() and positional:
            return literal(positional[int(name) - 1]).sql(dialect.READ)
        if name in named:
            return literal(named[name]).sql(dialect.READ)
        raise ValueError(f"no value bound for ${name}")
    return _PARAM.sub(sub, sql)


class Result:
    """A finished statement: the cursor surface the engine reads (``fetchone``/``fetchall``/``description``,
    ``to_arrow_table``)."""

    def __init__(self, table: pa.Table | None) -> None:
        self._table = table if table is not None else pa.table({})
        self.description = [(n, None) for n in self._table.column_names]
        self._rows: list[tuple[Any, ...]] | None = None
        self._i = 0

    def to_arrow_table(self) -> pa.Table:
        return self._table

    fetch_arrow_table = to_arrow_table

    def _all(self) -> list[tuple[Any, ...]]:
        if self._rows is None:
            cols = [c.to_pylist() for c in self._table.columns]
            self._rows = list(zip(*cols, strict=True)) if cols else []
        return self._rows

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows = self._all()[self._i:]
        self._i = len(self._all())
        return rows

    def fetchone(self) -> tuple[Any, ...] | None:
        rows = self._all()
        if self._i >= len(rows):
            return None
        self._i += 1
        return rows[self._i - 1]


# The connection whose tables a SparkSession's catalog holds now, by session (one warehouse at a time).
_ACTIVE: dict[int, SparkConnection] = {}


class SparkConnection:
    """Runs the engine's DuckDB SQL on a SparkSession over the Parquet tables under ``root`` (a Hadoop path
    string, :func:`wupian.engine.spark_fs.location`)."""

    def __init__(self, spark: Any, root: str, dated: frozenset[str] = frozenset(),
                 fs: WarehouseFS | None = None) -> None:
        self.spark, self.root, self.dated = spark, root, dated
        self.fs = fs or WarehouseFS(spark, root)
        self.catalog: dict[str, dict[str, Any]] = {}
        self.temps: set[str] = set()  # temp views made by this connection (listing Spark's catalog is slow)
        self._catalog_rows: list[tuple[str, str]] | None = None
        path = join(root, CATALOG_FILE)
        if self.fs.exists(path):
            self.catalog = json.loads(self.fs.read_text(path))
        self.activate()

    def activate(self) -> None:
        """Make this warehouse's tables the session catalog's (the session holds one warehouse's tables at a
        time): drop every table and temp view registered by another warehouse and register this one's tables.
        Runs on opening and again whenever a statement comes after another warehouse was opened on the session."""
        spark = self.spark
        for name in list(spark.catalog.listTables()):
            if name.isTemporary:
                spark.catalog.dropTempView(name.name)
            else:
                spark.sql(f"DROP TABLE IF EXISTS `{name.name}`")
        self.temps.clear()
        self._catalog_rows = None
        for name, entry in self.catalog.items():
            spark.sql(entry["ddl"])
            spark.sql(f"REFRESH TABLE `{name}`")
        _ACTIVE[id(spark)] = self

    def ensure_active(self) -> None:
        """Re-register this warehouse's tables if another warehouse took the session's catalog since."""
        if _ACTIVE.get(id(self.spark)) is not self:
            self.activate()

    # -- the DuckDB connection surface --------------------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Result:
        self.ensure_active()
        result = Result(None)
        for tree in dialect.parse(bind_text(sql, params)):
            result = self._run(tree)
        return result

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        for r in rows:
            self.execute(sql, r)

    def register(self, name: str, data: pa.Table) -> None:
        self.ensure_active()
        self.spark.createDataFrame(data).createOrReplaceTempView(name)
        self.temps.add(name)

    def unregister(self, name: str) -> None:
        self.spark.catalog.dropTempView(name)
        self.temps.discard(name)

    def materialise(self, df: Any) -> Any:
        """``df`` computed once and kept: a reliable checkpoint when the session has a checkpoint directory
        (``spark.checkpoint.dir``; survives a lost executor, cleaned when no longer referenced), else a local
        checkpoint in the executors' block managers (memory, spilled to local disk)."""
        if self.spark.sparkContext.getCheckpointDir():
            return df.checkpoint(eager=True)
        return df.localCheckpoint(eager=True)

    def close(self) -> None:
        for name in (*self.temps, dialect.CATALOG_VIEW):
            self.spark.catalog.dropTempView(name)
        self.temps.clear()
        self._catalog_rows = None

    # -- statements ------------------------------------------------------------------------------------------
    def _sql(self, tree: exp.Expression) -> Any:
        text = dialect.to_spark_tree(tree).sql(dialect.WRITE)
        if CAPTURE is not None:
            CAPTURE.append(text)
        if dialect.CATALOG_VIEW in text:
            self._refresh_catalog_view()
        return self.spark.sql(text)

    def _run(self, tree: exp.Expression) -> Result:
        if isinstance(tree, exp.Transaction | exp.Commit | exp.Rollback | exp.Set | exp.Pragma):
            return Result(None)
        if isinstance(tree, exp.Command) and str(tree.this).upper() in ("SET", "BEGIN", "CHECKPOINT", "PRAGMA"):
            return Result(None)
        if isinstance(tree, exp.Create):
            return self._create(tree)
        if isinstance(tree, exp.Drop):
            return self._drop(tree)
        if isinstance(tree, exp.Delete):
            return self._delete(tree)
        if isinstance(tree, exp.Insert):
            return self._insert(tree)
        if isinstance(tree, exp.Alter):
            return self._alter(tree)
        return Result(self._sql(tree).toArrow())

    def _table_name(self, node: exp.Expression) -> str:
        table = node.find(exp.Table)
        if table is None:
            raise ValueError(f"no table in {node.sql(dialect.READ)}")
        return str(table.name)

    def _is_temp(self, name: str) -> bool:
        return name in self.temps

    def _create(self, tree: exp.Create) -> Result:
        kind = str(tree.args.get("kind") or "").upper()
        name = self._table_name(tree.this)
        props = tree.args.get("properties")
        temporary = props is not None and any(isinstance(p, exp.TemporaryProperty) for p in props.expressions)
        replace = bool(tree.args.get("replace"))
        query = tree.expression
        if kind == "VIEW" or (temporary and query is not None):
            df = self._sql(query)
            if kind != "VIEW":
                df = self.materialise(df)
            df.createOrReplaceTempView(name)
            self.temps.add(name)
            return Result(None)
        if kind != "TABLE":
            raise ValueError(f"CREATE {kind} is not supported on Spark")
        exists = name in self.catalog
        if exists and not replace:
            if tree.args.get("exists"):
                return Result(None)
            raise ValueError(f"table {name} already exists")
        if exists:
            self._drop_table(name)
        if query is not None:
            df = self.materialise(self._sql(query))
            columns = ", ".join(f"`{f.name}` {f.dataType.simpleString()}" for f in df.schema.fields)
            self._define(name, columns, [])
            self.overwrite(name, df)
        else:
            schema: exp.Schema = tree.this
            cols, keys = [], []
            for c in schema.expressions:
                if isinstance(c, exp.ColumnDef):
                    dtype = dialect.to_spark_tree(c.args["kind"].copy()).sql(dialect.WRITE)
                    cols.append(f"`{c.name}` {dtype}")
                    if any(isinstance(k.kind, exp.PrimaryKeyColumnConstraint) for k in c.constraints):
                        keys.append(c.name)
                elif isinstance(c, exp.PrimaryKey):
                    keys.extend(str(e.name) for e in c.expressions)
            self._define(name, ", ".join(cols), keys)
        return Result(None)

    def _define(self, name: str, columns: str, keys: list[str]) -> None:
        location = join(self.root, name)
        dated = name in self.dated and "`as_of` DATE" in columns
        # A dated table keeps each as-of date in its own folder <table>/as_of=YYYY-MM-DD/ (replace-a-date writes
        # that folder only). The folders are read recursively rather than as Hive partitions, so the table keeps
        # the column order of its DDL (a partition column would move to the end); Parquet min/max statistics on
        # as_of skip the other dates' files.
        options = "OPTIONS (recursiveFileLookup 'true') " if dated else ""
        ddl = f"CREATE TABLE IF NOT EXISTS `{name}` ({columns}) USING parquet {options}LOCATION {sql_string(location)}"
        self.spark.sql(ddl)
        self.catalog[name] = {"ddl": ddl, "keys": keys, "dated": dated}
        self._save()

    def is_dated(self, name: str) -> bool:
        return bool(self.catalog.get(name, {}).get("dated"))

    def date_folder(self, name: str, as_of: Any) -> str:
        """The folder (a Hadoop path string) holding the rows of ``as_of`` of the dated table ``name``."""
        return join(self.root, name, date_part(as_of))

    def write_date(self, name: str, as_of: date, df: Any, *, append: bool = False) -> None:
        """The rows of ``as_of`` of the dated table ``name`` become ``df`` (in the table's column order; with
        ``append`` they are added to that date's rows): only that date's folder is written, the other dates'
        files are not touched."""
        df.write.mode("append" if append else "overwrite").parquet(self.date_folder(name, as_of))
        self.spark.sql(f"REFRESH TABLE `{name}`")

    def append_rows(self, name: str, df: Any) -> None:
        """Append ``df`` (the table's columns) to the dated table ``name``, each row in its date's folder."""
        self._append_dated(name, df)

    def _append_dated(self, name: str, df: Any) -> None:
        df = self.materialise(df)
        for (day,) in df.select("as_of").distinct().collect():
            part = df.where(df["as_of"].isNull() if day is None else df["as_of"] == day)
            part.write.mode("append").parquet(self.date_folder(name, day))
        self.spark.sql(f"REFRESH TABLE `{name}`")

    def _save(self) -> None:
        self.fs.mkdirs(self.root)
        self.fs.write_text(join(self.root, CATALOG_FILE), json.dumps(self.catalog, indent=1, ensure_ascii=False))

    def _drop(self, tree: exp.Drop) -> Result:
        name = self._table_name(tree)
        if self._is_temp(name):
            self.spark.catalog.dropTempView(name)
            self.temps.discard(name)
        elif name in self.catalog:
            self._drop_table(name)
        elif not tree.args.get("exists"):
            raise ValueError(f"no table {name}")
        return Result(None)

    def _drop_table(self, name: str) -> None:
        self.spark.sql(f"DROP TABLE IF EXISTS `{name}`")
        del self.catalog[name]
        self._save()
        self.fs.delete(join(self.root, name))

    def overwrite(self, name: str, df: Any) -> None:
        """Replace the rows of ``name`` with ``df`` (computed first, so it may read ``name``)."""
        if not self.is_dated(name):
            self.materialise(df).write.insertInto(name, overwrite=True)
            self.spark.sql(f"REFRESH TABLE `{name}`")
            return
        cols = [f.name for f in self.spark.table(name).schema.fields]
        df = self.materialise(df.select(*cols))
        self.fs.delete(join(self.root, name))
        self.fs.mkdirs(join(self.root, name))
        self._append_dated(name, df)

    def _delete(self, tree: exp.Delete) -> Result:
        name = self._table_name(tree.this)
        where = tree.args.get("where")
        if self._is_temp(name):
            raise ValueError(f"DELETE from temp table {name} is not supported on Spark")
        cond = f"WHERE NOT coalesce(({where.this.sql(dialect.READ)}), false)" if where is not None else "WHERE false"
        keep = self._sql(dialect.parse(f"SELECT * FROM {name} {cond}")[0])
        self.overwrite(name, keep)
        return Result(None)

    def _insert(self, tree: exp.Insert) -> Result:
        name = self._table_name(tree.this)
        replace = str(tree.args.get("alternative") or "").upper() == "REPLACE"
        if not replace and not self.is_dated(name):
            self._sql(tree)
            self.spark.sql(f"REFRESH TABLE `{name}`")
            return Result(None)
        if not replace:
            self._append_dated(name, self._insert_rows(name, tree))
            return Result(None)
        keys = self.catalog[name]["keys"]
        cols = [f.name for f in self.spark.table(name).schema.fields]
        source = tree.expression
        new = self.materialise(self._sql(source).toDF(*cols))
        kept = self.spark.table(name).join(new.select(*keys), on=keys, how="left_anti")
        self.overwrite(name, kept.unionByName(new))
        return Result(None)

    def _insert_rows(self, name: str, tree: exp.Insert) -> Any:
        """The rows an ``INSERT INTO name [(cols)] query`` adds, in the table's column order and types."""
        fields = self.spark.table(name).schema.fields
        target = tree.this
        named = [str(c.name) for c in target.expressions] if isinstance(target, exp.Schema) else None
        src = self._sql(tree.expression)
        src = src.toDF(*(named or [f.name for f in fields][:len(src.columns)]))
        from pyspark.sql import functions as F

        return src.select(*[(src[f.name] if f.name in src.columns else F.lit(None)).cast(f.dataType).alias(f.name)
                            for f in fields])

    def _alter(self, tree: exp.Alter) -> Result:
        name = self._table_name(tree)
        have = {f.name for f in self.spark.table(name).schema.fields}
        for action in tree.args.get("actions") or []:
            if isinstance(action, exp.ColumnDef):
                if action.name in have:
                    continue
                dtype = dialect.to_spark_tree(action.args["kind"].copy()).sql(dialect.WRITE)
                self.spark.sql(f"ALTER TABLE `{name}` ADD COLUMNS (`{action.name}` {dtype})")
                self.catalog[name]["ddl"] = self.catalog[name]["ddl"].replace(
                    ") USING parquet", f", `{action.name}` {dtype}) USING parquet")
                self._save()
            else:
                raise ValueError(f"ALTER TABLE {action.sql(dialect.READ)} is not supported on Spark")
        return Result(None)

    def _refresh_catalog_view(self) -> None:
        rows = sorted((n, "main") for n in {*self.catalog, *self.temps})
        if rows == self._catalog_rows:
            return
        self._catalog_rows = rows
        schema = "table_name STRING, schema_name STRING"
        self.spark.createDataFrame(rows, schema).createOrReplaceTempView(dialect.CATALOG_VIEW)

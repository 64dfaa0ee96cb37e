"""Statement-level capture and replay: record every statement (with its bound parameters) and every registered
table a DuckDB run executes (``WUPIAN_SQL_LOG``, :mod:`wupian.engine.sql_log`), then replay them in order on two
warehouses that start from the same state — a DuckDB copy and a Spark warehouse, each through its own connection
(the Spark one transpiles through :mod:`wupian.engine.dialect`) — and compare after every statement:

* a query (SELECT / WITH / UNION …): its rows — in the order of its ORDER BY keys when it has one (rows that
  tie on the keys may come in any order), as a multiset otherwise — and the names of its columns where DuckDB's name is an alias or a column (a name DuckDB makes up
  for an unnamed expression, ``count_star()``, is not compared), clock columns (``CLOCK_COLUMNS``: filled by
  ``now()``/``current_timestamp``) left out;
* a write (CREATE TABLE/VIEW, INSERT, DELETE, UPDATE): the whole resulting table, as a multiset, clock columns
  left out;
* a statement that fails on one engine only.

DuckDB's own storage bookkeeping of the tables it keeps as Parquet parts (``wupian.engine.parts``: the manifest
``stored_parts``, the ``COPY … TO`` of a part, the view over the files) has no statement of its own on Spark, which
keeps those tables as tables: a part's ``COPY (q) TO '<db>.parts/<table>/…'`` runs there as ``INSERT INTO <table>
q`` (a part whose constant columns its manifest row holds copies ``SELECT <held> FROM (r) AS part_row``: Spark
inserts the whole row ``r``), clearing a part (``DELETE FROM stored_parts WHERE table_name = ? AND as_of = ? [AND profile = ?]``) as the
``DELETE`` of those rows, and the other manifest statements not at all; the table is compared when DuckDB re-creates
its view (``CREATE OR REPLACE VIEW <table>``).

The first difference stops the replay and is returned as a :class:`Divergence` naming the statement: its index in
the log, an excerpt of its SQL, and a sample row found on one engine and not on the other.
Values are compared exactly: DECIMAL and integer values by their number (a HUGEINT reaches Python as ``int`` from
DuckDB and as a scale-0 ``Decimal`` from Spark), a float never equals a Decimal.
"""

from __future__ import annotations

import os
import re
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlglot import exp

from wupian.engine import dialect, sql_log
from wupian.engine.parts import STORED_AS_PARTS
from wupian.engine.warehouse import Warehouse

CLOCK_COLUMNS = frozenset({"computed_at", "loaded_at"})
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PART_COPY = re.compile(r"^\s*COPY \((?P<query>.*)\) TO '[^']*\.parts/(?P<table>[a-z_]+)/as_of=[^']*' \([^)]*\)\s*$",
                        re.DOTALL)
_PART_ROW = re.compile(r"^SELECT [^()]* FROM \((?P<row>.*)\) AS part_row$", re.DOTALL)  # the held columns of r
_PART_VIEW = re.compile(r'^\s*CREATE OR REPLACE VIEW "?(?P<table>[a-z_]+)"? AS ')  # over the parts, or empty
_PART_CLEAR = re.compile(r"^DELETE FROM stored_parts WHERE table_name = \? AND as_of = \?( AND profile = \?)?$")
SKIP = object()  # a DuckDB storage statement Spark has no counterpart of


def spark_form(sql: str, params: Any) -> tuple[str, Any] | object:
    """The statement Spark runs for the DuckDB statement ``sql`` (see the module docstring): itself, the INSERT or
    DELETE a part's bookkeeping stands for, or ``SKIP``."""
    copy = _PART_COPY.match(sql)
    if copy:
        held = _PART_ROW.match(copy["query"])
        return f"INSERT INTO {copy['table']} {held['row'] if held else copy['query']}", params
    clear = _PART_CLEAR.match(sql.strip())
    if clear:
        return (f"DELETE FROM {params[0]} WHERE as_of = ?" + (" AND profile = ?" if clear.group(1) else ""),
                list(params[1:]))
    view = _PART_VIEW.match(sql)
    if "stored_parts" in sql or (view and view["table"] in STORED_AS_PARTS):
        return SKIP
    return sql, params


@dataclass(frozen=True)
class Divergence:
    """The first statement whose result differs between DuckDB and Spark."""

    index: int
    total: int
    sql: str
    reason: str
    duckdb_only: list[tuple[Any, ...]] = field(default_factory=list)
    spark_only: list[tuple[Any, ...]] = field(default_factory=list)

    def __str__(self) -> str:
        text = " ".join(self.sql.split())
        lines = [f"statement #{self.index} of {self.total} diverges: {self.reason}",
                 f"  SQL: {text[:400]}{' …' if len(text) > 400 else ''}"]
        if self.duckdb_only:
            lines.append(f"  DuckDB only ({len(self.duckdb_only)} rows), e.g. {self.duckdb_only[0]}")
        if self.spark_only:
            lines.append(f"  Spark only ({len(self.spark_only)} rows), e.g. {self.spark_only[0]}")
        return "\n".join(lines)


@dataclass(frozen=True)
class ReplayReport:
    """What a replay did: statements replayed and compared (queries, writes) and the first divergence, if any."""

    replayed: int
    queries: int
    writes: int
    divergence: Divergence | None


def capture(db: Path, log: Path, run: Callable[[Warehouse], Any]) -> list[sql_log.Event]:
    """Run ``run`` on the DuckDB warehouse file ``db`` with the statement log on; the logged events."""
    old = os.environ.get(sql_log.ENV)
    os.environ[sql_log.ENV] = str(log)
    try:
        with Warehouse(db) as wh:
            log.write_text("", encoding="utf-8")  # opening the warehouse is not part of the run
            run(wh)
    finally:
        if old is None:
            del os.environ[sql_log.ENV]
        else:
            os.environ[sql_log.ENV] = old
    return sql_log.read_log(log)


def copy_db(db: Path, to: Path) -> Path:
    """A copy of a (closed) DuckDB warehouse file: the replay's DuckDB side starts where the captured run did."""
    shutil.copyfile(db, to)
    return to


# -- comparing values -------------------------------------------------------------------------------------
def norm(v: Any) -> str:
    """An exact, engine-neutral text of a value (sortable; equal texts ⇔ equal values of the same kind)."""
    if v is None:
        return "∅"
    if isinstance(v, bool):
        return f"b:{v}"
    if isinstance(v, int | Decimal):
        return f"n:{Decimal(v).normalize()}"
    if isinstance(v, float):
        return f"f:{v!r}"
    if isinstance(v, datetime):
        return f"t:{v.isoformat()}"
    if isinstance(v, date):
        return f"d:{v.isoformat()}"
    if isinstance(v, str):
        return f"s:{v}"
    if isinstance(v, list | tuple):
        return "l:[" + ",".join(norm(x) for x in v) + "]"
    if isinstance(v, dict):
        return "m:{" + ",".join(f"{k}={norm(x)}" for k, x in sorted(v.items())) + "}"
    return f"{type(v).__name__}:{v!r}"


def _rows(table: pa.Table, skip: frozenset[str] = frozenset()) -> list[tuple[str, ...]]:
    keep = [i for i, n in enumerate(table.column_names) if n not in skip]
    cols = [table.column(i).to_pylist() for i in keep]
    return [tuple(norm(v) for v in row) for row in zip(*cols, strict=True)] if cols else []


def diff_tables(want: pa.Table, got: pa.Table, *, ordered: bool | list[int], skip: frozenset[str] = frozenset(),
                names: bool = True) -> tuple[str, list[Any], list[Any]] | None:
    """``None`` when equal; else (reason, rows only DuckDB has, rows only Spark has). ``ordered``: the row order
    counts (``True``), or only the order of these sort-key columns (a list of column positions: rows that tie on
    them may come in any order, as SQL allows), or not at all (``False``)."""
    if names:
        wn = [n.lower() for n in want.column_names]
        gn = [n.lower() for n in got.column_names]
        if len(wn) != len(gn) or any(_IDENT.match(a) and a != b for a, b in zip(wn, gn, strict=False)):
            return f"columns differ: DuckDB {want.column_names}, Spark {got.column_names}", [], []
    w, g = _rows(want, skip), _rows(got, skip)
    if isinstance(ordered, list):  # sort-key positions among the columns compared (clock columns left out)
        kept = [i for i, n in enumerate(want.column_names) if n not in skip]
        ordered = [kept.index(k) for k in ordered if k in kept]
        keys_w, keys_g = [tuple(r[k] for k in ordered) for r in w], [tuple(r[k] for k in ordered) for r in g]
        for i, (a, b) in enumerate(zip(keys_w, keys_g, strict=False)):
            if a != b:
                return f"row {i} differs in its sort key (ordered result)", [w[i]], [g[i]]
        ordered = False  # same key sequence: the rows themselves may tie, compare them as a multiset
    if ordered:
        for i, (a, b) in enumerate(zip(w, g, strict=False)):
            if a != b:
                return f"row {i} differs (ordered result)", [a], [b]
        if len(w) != len(g):
            return f"{len(w)} rows on DuckDB, {len(g)} on Spark", w[len(g):], g[len(w):]
        return None
    cw, cg = Counter(w), Counter(g)
    if cw == cg:
        return None
    only_w, only_g = sorted((cw - cg).elements()), sorted((cg - cw).elements())
    return f"{len(w)} rows on DuckDB, {len(g)} on Spark; {len(only_w)} and {len(only_g)} differ", only_w, only_g


# -- what a statement is ------------------------------------------------------------------------------------
def written_table(tree: exp.Expression) -> str | None:
    """The table or view a write statement leaves behind (``None`` for queries and everything else)."""
    if isinstance(tree, exp.Create) and str(tree.args.get("kind") or "").upper() in ("TABLE", "VIEW"):
        target = tree.this
    elif isinstance(tree, exp.Insert | exp.Delete | exp.Update):
        target = tree.this
    else:
        return None
    table = target if isinstance(target, exp.Table) else target.find(exp.Table)
    return str(table.name) if table is not None else None


def is_query(tree: exp.Expression) -> bool:
    return isinstance(tree, exp.Query)


def sort_keys(tree: exp.Expression, columns: list[str]) -> bool | list[int]:
    """How a query's result is ordered: ``False`` (no ORDER BY), the positions of its sort-key columns (ORDER BY
    positions or output column names), or ``True`` when a key is an expression not in the output (then the
    rows must come in exactly the same order)."""
    order = tree.args.get("order") if isinstance(tree, exp.Query) else None
    if order is None:
        return False
    lower = [c.lower() for c in columns]
    keys: list[int] = []
    for o in order.expressions:
        key = o.this
        if isinstance(key, exp.Literal) and key.is_int:
            keys.append(int(key.this) - 1)
        elif isinstance(key, exp.Column) and key.name.lower() in lower:
            keys.append(lower.index(key.name.lower()))
        else:
            return True
    return keys


def _arrow(result: Any) -> pa.Table:
    if hasattr(result, "to_arrow_table"):
        return result.to_arrow_table()
    return result.fetch_arrow_table()


def _table(con: Any, name: str) -> pa.Table:
    return _arrow(con.execute(f"SELECT * FROM {name}"))


# -- the replay -------------------------------------------------------------------------------------------
def replay(events: list[sql_log.Event], duck: Any, spark: Any) -> ReplayReport:
    """Replay ``events`` in order on the connections ``duck`` (DuckDB) and ``spark`` (the Spark warehouse's),
    comparing after each statement; stops at the first divergence."""
    total = sum(1 for e in events if e.sql is not None)
    replayed = queries = writes = 0

    def report(div: Divergence | None) -> ReplayReport:
        return ReplayReport(replayed, queries, writes, div)

    for ev in events:
        if ev.register is not None:
            duck.register(ev.register, ev.table)
            spark.register(ev.register, ev.table)
            continue
        if ev.unregister is not None:
            duck.unregister(ev.unregister)
            spark.unregister(ev.unregister)
            continue
        assert ev.sql is not None
        replayed += 1
        index = replayed
        runs = ev.params if ev.many else [ev.params]
        results, errors = [None, None], [None, None]
        for side, con in enumerate((duck, spark)):
            try:
                for params in runs:
                    form = spark_form(ev.sql, params or []) if side else (ev.sql, params or [])
                    if form is not SKIP:
                        assert isinstance(form, tuple)
                        results[side] = con.execute(*form)
            except Exception as exc:  # noqa: BLE001 - a failure on one engine only is a divergence
                errors[side] = exc
        if errors[0] is not None or errors[1] is not None:
            if errors[0] is not None and errors[1] is not None:
                continue  # failed on both (the captured run caught it): same behaviour
            which = "Spark" if errors[1] is not None else "DuckDB"
            return report(Divergence(index, total, ev.sql, f"fails on {which} only: "
                                     f"{str(errors[1] or errors[0]).splitlines()[0][:300]}"))
        if "stored_parts" in ev.sql or _PART_COPY.match(ev.sql):
            continue  # DuckDB's part bookkeeping: compared when the table's view is re-created
        trees = dialect.parse(ev.sql)
        last = trees[-1] if trees else None
        if last is None:
            continue
        if is_query(last):
            queries += 1
            want = _arrow(results[0])
            d = diff_tables(want, _arrow(results[1]), ordered=sort_keys(last, want.column_names),
                            skip=CLOCK_COLUMNS)
        else:
            name = written_table(last)
            if name is None:
                continue
            writes += 1
            d = diff_tables(_table(duck, name), _table(spark, name), ordered=False, skip=CLOCK_COLUMNS)
            if d is not None:
                d = (f"table {name} after the statement: {d[0]}", d[1], d[2])
        if d is not None:
            return report(Divergence(index, total, ev.sql, d[0], d[1], d[2]))
    return report(None)

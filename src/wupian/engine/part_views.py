"""How the Parquet parts of a DuckDB warehouse are read: the manifest, each part's projection and the views.

Every reader of a table kept as parts (the views, ``bind`` after a move, published generations and overlays,
which read the persisted views, the replay harness, garbage collection through ``referenced_files``) goes through
the SQL this module makes from the manifest (``stored_parts``), so a part may hold less, or other, than the
contract's columns:

* ``projection`` NULL (every part written before projections, and every part holding all the contract's
  columns): the file has ``as_of`` and the contract's columns by name, typed as the contract types them;
* a ``Projection``: the file has only ``columns`` (the others are typed NULLs in the view) — a part written from
  a source that lacks some columns — and, for a **adopted** part (``dated`` false: a byte copy of a clean Parquet
  source whose columns type as exact casts, ``stage_parts``), the casts that give each column its contract type
  (``CAST(tech_hts AS VARCHAR)``, decimal widening, text to BOOLEAN …) and no ``as_of`` column: the view gives the
  manifest row's date;
* a part's **constant columns** (``values``: a ``loan_tags`` part's ``profile`` and ``rulebook_version``, the
  same on every row of the part) are held by the projection, not by the file, which then has no ``as_of``
  either (``dated`` false): the view gives each as a typed literal. A Parquet writer encodes a constant column
  row by row (dictionary and statistics of 1.08M equal strings: ≈ 0.25 s CPU for a 2M bank's pboc tags, its
  four constant columns together); a literal in the view costs nothing, and a filter on it prunes the branch
  when the statement is planned.

A view is the ``UNION ALL`` of one ``read_parquet`` per group of parts that share a projection (and, for parts
without ``as_of``, a date), in manifest order; a filter on ``as_of`` prunes the other branches.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from wupian.contract import Table, table
from wupian.core.errors import UsageError

PART_TABLES = ("loans", "customers")
# Results derived from the snapshots (the classification's), kept as parts too: one part per as-of date (and
# profile, for ``loan_tags``); their columns are defined here, once (the Spark warehouse creates them from
# ``parts.derived_ddl``).
DERIVED_PARTS: dict[str, tuple[tuple[str, str], ...]] = {
    "loan_tags": (
        ("as_of", "DATE"), ("profile", "VARCHAR"), ("loan_id", "VARCHAR"), ("tag", "VARCHAR"),
        ("amount", "DECIMAL(38,2)"), ("rule_ids", "VARCHAR"), ("explanation", "VARCHAR"),
        ("rulebook_version", "VARCHAR"),
    ),
    "customer_facts": (
        ("as_of", "DATE"), ("customer_id", "VARCHAR"), ("customer_type", "VARCHAR"), ("industry_code", "VARCHAR"),
        ("size_group", "VARCHAR"), ("declared_size", "VARCHAR"), ("derived_size", "VARCHAR"),
        ("size_used", "VARCHAR"), ("size_source", "VARCHAR"), ("size_note", "VARCHAR"),
        ("credit_total", "DECIMAL(38,2)"), ("credit_source", "VARCHAR"), ("registries", "VARCHAR"),
        ("is_first_loan_customer", "BOOLEAN"), ("first_loan_date", "DATE"), ("first_loan_id", "VARCHAR"),
        ("first_loan_source", "VARCHAR"),
    ),
}
STORED_AS_PARTS = (*PART_TABLES, *DERIVED_PARTS)
MANIFEST = "stored_parts"
_SQL_TYPE = re.compile(r"[A-Z]+(\(\d+(,\d+)?\))?")


PUBLISHED_SUFFIX = ".published"  # a warehouse's published generations: ``<db>.published/<n>.duckdb``


def parts_root(db_path: str | os.PathLike[str]) -> Path:
    """``<db>.parts`` beside the warehouse file. A published generation (``<db>.published/<n>.duckdb``,
    ``wupian.engine.published``) lists the primary's files, so its parts folder is the primary's ``<db>.parts``:
    a pair moved or restored together with its ``.published`` folder still reads — and garbage collection still
    keeps — the files its generations list."""
    p = Path(db_path).resolve()
    if p.parent.name.endswith(PUBLISHED_SUFFIX) and len(p.parent.name) > len(PUBLISHED_SUFFIX):
        primary = p.parent.with_name(p.parent.name[: -len(PUBLISHED_SUFFIX)])
        return primary.with_name(primary.name + ".parts")
    return p.with_name(p.name + ".parts")


def q(name: str) -> str:
    """A quoted identifier of our own (contract columns, table names); anything else is refused."""
    if not name.replace("_", "").isalnum():
        raise ValueError(f"refusing suspicious identifier {name!r}")
    return '"' + name + '"'


def path_literal(path: Path | str) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def columns(name: str) -> list[tuple[str, str]]:
    """(column, SQL type) of a table kept as parts, ``as_of`` first."""
    if name in DERIVED_PARTS:
        return list(DERIVED_PARTS[name])
    t: Table = table(name)
    return [("as_of", "DATE"), *((c.name, c.type.sql_type) for c in t.columns)]


@dataclass(frozen=True, slots=True)
class Projection:
    """What one part's file holds, when not the contract's columns with ``as_of`` (see the module docstring).

    ``columns``: the contract columns the file has, each with the casts, applied in order, that give its contract
    type from the file's column (empty: stored as the contract types it). ``dated``: the file has ``as_of``; else
    the view gives the date of the part's manifest row. ``sources``: (column, name in the file) for the columns
    the file holds under another of the contract's own names for it (``Column.aliases``, e.g. ``贷款余额`` for
    ``balance``); every other column is under its contract name. ``values``: (column, text) of the columns whose
    value is the same on every row of the part, held here instead of in the file (the view casts the text to the
    column's contract type)."""

    columns: tuple[tuple[str, tuple[str, ...]], ...]
    dated: bool = True
    sources: tuple[tuple[str, str], ...] = ()
    values: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> str:
        doc: dict[str, object] = {"dated": self.dated, "columns": [[c, list(casts)] for c, casts in self.columns]}
        if self.sources:
            doc["sources"] = [list(pair) for pair in self.sources]
        if self.values:
            doc["values"] = [list(pair) for pair in self.values]
        return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | None) -> Projection | None:
        if text is None:
            return None
        doc = json.loads(text)
        return cls(tuple((str(c), tuple(str(t) for t in casts)) for c, casts in doc["columns"]), bool(doc["dated"]),
                   tuple((str(c), str(n)) for c, n in doc.get("sources", ())),
                   tuple((str(c), str(v)) for c, v in doc.get("values", ())))

    @classmethod
    def present(cls, name: str, have: set[str] | list[str] | tuple[str, ...] | None) -> Projection | None:
        """The projection of a part written with the contract types of ``have`` only (None: every column)."""
        if have is None:
            return None
        wanted = set(have)
        cols = [c for c, _ in columns(name)[1:]]
        if all(c in wanted for c in cols):
            return None
        return cls(tuple((c, ()) for c in cols if c in wanted))

    @classmethod
    def constant(cls, name: str, have: set[str] | list[str] | tuple[str, ...] | None,
                 values: dict[str, str]) -> Projection:
        """The projection of a part whose file holds the contract types of ``have`` (None: every column) except
        ``values`` (column → its text, the same on every row) and ``as_of``."""
        cols = [c for c, _ in columns(name)[1:]]
        unknown = set(values) - set(cols)
        if unknown:
            raise ValueError(f"{name} has no column {sorted(unknown)}")
        wanted = set(cols if have is None else have)
        return cls(tuple((c, ()) for c in cols if c in wanted and c not in values), dated=False,
                   values=tuple((c, values[c]) for c in cols if c in values))

    def expr(self, column: str, sql_type: str, ref: str = "") -> str:
        """The view's SQL for ``column`` (contract type ``sql_type``) of a file read with this projection."""
        for c, text in self.values:
            if c == column:
                if not _SQL_TYPE.fullmatch(sql_type):
                    raise ValueError(f"refusing suspicious SQL type {sql_type!r}")
                return f"CAST({path_literal(text)} AS {sql_type}) AS {q(c)}"
        for c, casts in self.columns:
            if c == column:
                held = dict(self.sources).get(c, c)
                out = ref + q(held)
                for t in casts:
                    if not _SQL_TYPE.fullmatch(t):
                        raise ValueError(f"refusing suspicious SQL type {t!r}")
                    out = f"CAST({out} AS {t})"
                return out if not casts and not ref and held == c else f"{out} AS {q(c)}"
        return f"CAST(NULL AS {sql_type}) AS {q(column)}"


@dataclass(frozen=True, slots=True)
class ManifestRow:
    table: str
    as_of: dt.date
    file: str
    origin: str | None
    projection: str | None


def resolve(own_root: Path | None, file: str, origin: str | None) -> Path:
    """Where the part ``file`` (a manifest row) is read from: the warehouse's own parts folder ``own_root`` when
    the file is there, else the folder it was written under (``origin``); an absolute ``file`` (a manifest not
    migrated yet) as it is. A file found nowhere resolves into ``own_root`` (``bind`` refuses it)."""
    path = Path(file)
    if path.is_absolute():
        return path
    here = own_root / path if own_root is not None else None
    if here is not None and here.exists():
        return here
    if origin is not None and (Path(origin) / path).exists():
        return Path(origin) / path
    return here if here is not None else Path(origin or ".") / path


def manifest(con: Any, name: str | None = None) -> list[ManifestRow]:
    """The manifest rows (of ``name``), in the views' order; ``origin``/``projection`` None for a manifest written
    before they existed (opened read-only, not migrated)."""
    where, params = ("WHERE table_name = ? ", [name]) if name is not None else ("", [])
    try:
        cur = con.execute(f"SELECT * FROM {MANIFEST} {where}ORDER BY table_name, as_of, written_at, file", params)
    except duckdb.CatalogException:  # a warehouse (or published copy) from before parts
        return []
    cols = [d[0] for d in cur.description]
    at = {c: cols.index(c) for c in ("table_name", "as_of", "file", "origin", "projection") if c in cols}
    return [ManifestRow(r[at["table_name"]], r[at["as_of"]], r[at["file"]],
                        r[at["origin"]] if "origin" in at else None,
                        r[at["projection"]] if "projection" in at else None) for r in cur.fetchall()]


def part_files(con: Any, name: str, own_root: Path | None) -> list[str]:
    """The files of ``name`` as its view reads them (absolute, ``resolve``d), in as-of order."""
    return [str(resolve(own_root, m.file, m.origin)) for m in manifest(con, name)]


def referenced_files(con: Any, own_root: Path | None) -> set[str]:
    """Every file the manifest of ``con`` lists, as read (``resolve``) by a warehouse whose parts folder is
    ``own_root``."""
    return {str(resolve(own_root, m.file, m.origin)) for m in manifest(con)}


def view_sql(con: Any, name: str, own_root: Path | None) -> str:
    """The SELECT of the view ``name``: one ``read_parquet`` per group of parts sharing a projection (and a date,
    for parts without ``as_of``), in manifest order, ``UNION ALL``; the contract's columns, typed."""
    cols = columns(name)
    groups: dict[tuple[str | None, dt.date | None], list[str]] = {}
    for m in manifest(con, name):
        proj = Projection.from_json(m.projection)
        key = (m.projection, None if proj is None or proj.dated else m.as_of)
        groups.setdefault(key, []).append(str(resolve(own_root, m.file, m.origin)))
    if not groups:
        return "SELECT " + ", ".join(f"CAST(NULL AS {ty}) AS {q(c)}" for c, ty in cols) + " WHERE false"
    branches = []
    for (text, day), files in groups.items():
        proj = Projection.from_json(text)
        listed = ", ".join(path_literal(f) for f in files)
        if proj is None:
            select = ", ".join(q(c) for c, _ in cols)
        else:
            date = q("as_of") if proj.dated else f"CAST({path_literal(str(day))} AS DATE) AS {q('as_of')}"
            select = ", ".join([date, *(proj.expr(c, ty) for c, ty in cols[1:])])
        branches.append(f"SELECT {select} FROM read_parquet([{listed}], hive_partitioning = false)")
    return " UNION ALL ".join(branches)


def refresh_view(con: Any, name: str, own_root: Path | None) -> None:
    """(Re)create the view ``name`` over the files the manifest lists for it (an empty relation of the contract's
    columns when there are none), each read from where ``resolve`` finds it, through its projection."""
    con.execute(f"CREATE OR REPLACE VIEW {q(name)} AS {view_sql(con, name, own_root)}")


def bind(con: Any, db_path: str, *, read_only: bool) -> None:
    """On open: UsageError (exit 2) when a file the manifest lists is found nowhere (``resolve``) — a damaged
    warehouse is refused with the file named, never read as if the rows were not there; and when the warehouse
    was moved or copied with its parts folder, the views re-pointed at the files where they are now (persisted
    views read-write, temporary views shadowing them read-only), each part through its projection. In place: one
    manifest query, one catalogue query."""
    own = parts_root(db_path) if db_path != ":memory:" else None
    rows = manifest(con)
    if not rows:
        return
    found: dict[str, list[Path]] = {name: [] for name in STORED_AS_PARTS}
    for m in rows:
        path = resolve(own, m.file, m.origin)
        if not path.exists():
            raise UsageError(f"warehouse {db_path}: its Parquet file {path} is missing (the folder "
                             f"{path.parents[2]} must stay beside the warehouse file; restore it from a backup)")
        found.setdefault(m.table, []).append(path)
    views = dict(con.execute("SELECT view_name, sql FROM duckdb_views() WHERE NOT temporary AND schema_name = 'main' "
                             f"AND view_name IN ({', '.join(repr(n) for n in STORED_AS_PARTS)})").fetchall())
    for name, paths in found.items():
        sql = views.get(name)
        if sql is None or all(path_literal(p) in sql for p in paths):
            continue  # not a view (a native table, read as it is) or already reading these files
        temp = "TEMP " if read_only else ""
        con.execute(f"CREATE OR REPLACE {temp}VIEW {q(name)} AS {view_sql(con, name, own)}")

"""Staging a Parquet file of a table kept as parts (``loans``, ``customers``): read once, and not rewritten at all
when it need not be.

* **Adopted** (``ADOPT``): a source whose columns are named as the contract names them is first copied byte for
  byte into the parts folder (``shutil.copyfile``: never a link to the bank's file, which may change after the
  load). One aggregate over that copy types and row-checks every value and proves, set-based, that each column's
  contract value is an exact cast of the file's value (``typed_sql.inexact_bit``: the typed value equals
  ``TRY_CAST`` of the file's value, on every row). When no row is flagged and every column is exact the copy
  becomes the date's part as it is: its ``part_views.Projection`` (the casts, no ``as_of``) is recorded in the
  manifest and the views apply it. The checks (keys, references, as-of, rates) read their few columns back from
  the copy through that projection (``_wp_t_<key>``), the rows rejected by them by row number; rejected rows
  make the insert write a part of the other rows through the same projection (``_wp_a_<key>``).
* **Written** (anything else: a row flagged by a row-level check, a column needing more than a cast, columns
  under names other than the contract's own — its English names or Chinese labels, exactly as written): one ``COPY`` types every column, flags every row and writes the part (``as_of``, the
  columns the source has, typed, then ``__line``, ``__bad``, ``__warn``, ``__raw``); the checks read it back.
  A file that was a candidate for adoption but failed the proof pays this pass on top of the aggregate.

CSV, Excel and Parquet files of other tables keep ``stage.stage_table``'s paths.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb

from wupian.contract import Table
from wupian.engine.checks import check_columns, lit
from wupian.engine.part_views import Projection
from wupian.engine.stage import RawInput, RawReadError, StagedTable, _parquet_direct, _source
from wupian.engine.stage_clean import CleanTests, clean_tests
from wupian.engine.typed_sql import direct_expr, inexact_masks, typed_table_sql
from wupian.engine.warehouse import quote_ident

# A clean Parquet source whose every column types as an exact cast is adopted as its part by a byte copy; off,
# every Parquet source is written (the reference the property tests compare adoption with).
ADOPT = True
PROBE_ROWS = 4_096  # rows proved first (a cheap early no: two vectors; 65,536 cost 0.14 s CPU of 2M loans), before the whole file


@dataclass(frozen=True, slots=True)
class PartTarget:
    """Where a staged part goes: a temporary file (``PartStore.staging_file``) and the snapshot date of the load
    (the written part's ``as_of`` column)."""

    path: Path
    as_of: dt.date


def _copy_path(part: PartTarget) -> Path:
    """The byte copy of the source, beside the staged part (same temporary suffix: garbage collection takes it
    if the process dies)."""
    return part.path.with_name("src-" + part.path.name)


def _described(con: duckdb.DuckDBPyConnection, path: Path) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()]


def adoption(table: Table, raw: RawInput, described: list[tuple[str, str]]) -> Projection | None:
    """The projection a source with columns ``described`` (name, DuckDB type) would be adopted with, or None when
    a column of the contract is under a name that is not exactly one of the contract's own names for it
    (``Column.aliases``: the English name or the Chinese label): the view names the file's column, and only our
    own text is ever put in a view — a header matched loosely (other case, spaces) is user text, and such a file is
    written. Each present column's casts are the route the typing takes (the file's value, or its text) then the
    contract type."""
    by_col = {col: pos for pos, col in raw.positions}
    cols: list[tuple[str, tuple[str, ...]]] = []
    sources: list[tuple[str, str]] = []
    for c in table.columns:
        if c.name not in by_col:
            continue
        pos = by_col[c.name]
        if pos >= len(described):
            return None
        held = next((a for a in c.aliases if a == described[pos][0]), None)  # the contract's text, not the file's
        if held is None or not held.replace("_", "").isalnum():
            return None
        if held != c.name:
            sources.append((c.name, held))
        source_type = described[pos][1]
        via = source_type if source_type == "VARCHAR" or direct_expr(c, source_type, "v") is not None else "VARCHAR"
        casts = () if via == source_type else ("VARCHAR",)
        cols.append((c.name, casts if via == c.type.sql_type else (*casts, c.type.sql_type)))
    return Projection(tuple(cols), dated=False, sources=tuple(sources))


def stage_parquet_part(con: duckdb.DuckDBPyConnection, raw: RawInput, key: str, part: PartTarget) -> StagedTable:
    """Stage ``raw`` (a Parquet file of a table kept as parts) for the load of ``part.as_of``: adopted when it can
    be, else written (see the module docstring); RawReadError if DuckDB refuses it."""
    assert raw.path is not None
    try:
        plan = adoption(raw.table, raw, _described(con, raw.path)) if ADOPT else None
    except duckdb.Error as exc:
        raise RawReadError(str(exc).splitlines()[0]) from exc
    if plan is None:
        return _stage_written(con, raw, key, part)
    copy = _copy_path(part)
    try:
        shutil.copyfile(raw.path, copy)
    except OSError:  # no room for the copy (or the file went away): the written path reads the file itself
        copy.unlink(missing_ok=True)
        return _stage_written(con, raw, key, part)
    source = replace(raw, path=copy)
    try:
        if adoption(raw.table, raw, _described(con, copy)) != plan:  # changed since it was first read
            return _stage_written(con, source, key, part, reread=copy)
        st = _stage_adopted(con, source, key, copy, plan)
    except (duckdb.Error, RawReadError) as exc:
        copy.unlink(missing_ok=True)
        raise exc if isinstance(exc, RawReadError) else RawReadError(str(exc).splitlines()[0]) from exc
    return st if st is not None else _stage_written(con, source, key, part, reread=copy)


@dataclass(frozen=True, slots=True)
class ProofSql:
    """The statements proving a source adoptable under ``plan``: ``source`` (a FROM item of the raw columns, with
    ``params``), ``clean`` (``stage_clean.clean_tests`` over the alias ``p`` of ``source``; None: no row is plainly
    clean) and ``typed(src)``, the full typing of a FROM item like ``source`` with the row flags and the
    ``masks`` of inexact columns."""

    table: Table
    source: str
    params: tuple[object, ...]
    clean: CleanTests | None
    direct: dict[str, str]
    present: tuple[str, ...]
    exact_as: dict[str, str]

    @property
    def masks(self) -> list[str]:
        return [m for m, _ in inexact_masks(self.present)]

    def typed(self, src: str) -> str:
        return typed_table_sql(self.table, src, line=True, keep_raw=True, direct=self.direct, exact=self.present,
                               exact_as=self.exact_as)


def proof_sql(con: duckdb.DuckDBPyConnection, raw: RawInput, plan: Projection) -> ProofSql:
    """The proof statements of ``raw`` (a Parquet file) adopted under ``plan``."""
    direct = _parquet_direct(con, raw)
    source, params, _ = _source(raw, direct)
    present = tuple(c for c, _ in plan.columns)
    final = {c: casts[-1] for c, casts in plan.columns if casts and casts[-1] != "VARCHAR"}
    return ProofSql(raw.table, source, tuple(params), clean_tests(raw.table, "p", set(present), direct, final),
                    direct, present, final)


def _stage_adopted(con: duckdb.DuckDBPyConnection, raw: RawInput, key: str, copy: Path,
                   plan: Projection) -> StagedTable | None:
    """The proof pass over the copy; None when a row is flagged or a column is not an exact cast (then the file
    is written), else the staged relations reading the copy through ``plan``."""
    table = raw.table
    ps = proof_sql(con, raw, plan)
    params = list(ps.params)

    def proof(src: str) -> bool:
        """Whether every row of ``src`` is clean and every column an exact cast."""
        row = con.execute(
            "SELECT count(*) FILTER (WHERE z.__bad OR z.__warn)"
            + "".join(f", coalesce(bit_or(z.{m}), 0)" for m in ps.masks) + f" FROM ({ps.typed(src)}) AS z",
            params,
        ).fetchone()
        assert row is not None
        return not row[0] and not any(int(v) for v in row[1:])

    # The file's first rows first, a cheap early no (a file sending a code as an alias on most rows is usually
    # found there): the rows among them not plainly clean (``stage_clean``, every test per row) get the full
    # proof. Then the whole file: the tests reading one column ask its statistics or its distinct values once;
    # when none fails, the per-row pass needs only the others; the rows not plainly clean, if any, get the full
    # proof.
    full = "false" if ps.clean is None else ps.clean.full_sql()
    first = f"(SELECT * FROM (SELECT * FROM {ps.source} AS p LIMIT {PROBE_ROWS:d}) AS p WHERE NOT {full})"
    probed = con.execute(f"SELECT count(*) FROM {first} AS p", params).fetchone()
    if probed is not None and probed[0] and not proof(first):  # (the full proof's statement costs its planning)
        return None
    clean = full
    if ps.clean is not None:
        failing = con.execute(ps.clean.column_sql(ps.source, "p"), params * ps.clean.branches).fetchone()
        clean = ps.clean.row_sql() if failing is not None and not failing[0] else full
    counted = con.execute(f"SELECT count(*), count(*) FILTER (WHERE NOT {clean}) FROM {ps.source} AS p",
                          params).fetchone()
    assert counted is not None
    rows, unclean = int(counted[0]), int(counted[1])
    if unclean and not proof(f"(SELECT * FROM {ps.source} AS p WHERE NOT {clean})"):
        return None
    read = f"read_parquet({lit(str(copy))}, file_row_number = true)"
    line = "CAST(r.file_row_number AS BIGINT) + 1 AS __line"
    narrow = ", ".join(plan.expr(c, table.column(c).type.sql_type, "r.") for c in check_columns(table))
    con.execute(f"CREATE OR REPLACE TEMP VIEW {quote_ident('_wp_t_' + key)} AS SELECT {line}, {narrow}, "
                f"false AS __bad, false AS __warn, CAST(NULL AS VARCHAR[]) AS __raw FROM {read} AS r")
    every = ", ".join(plan.expr(c.name, c.type.sql_type, "r.") for c in table.columns)
    con.execute(f"CREATE OR REPLACE TEMP VIEW {quote_ident('_wp_a_' + key)} AS SELECT {line}, {every} FROM {read} AS r")
    return StagedTable(key, f"_wp_t_{key}", None, rows, file_label=raw.file_label, part=str(copy),
                       projection=plan.to_json(), present=ps.present, reread=str(copy))


def _stage_written(con: duckdb.DuckDBPyConnection, raw: RawInput, key: str, part: PartTarget,
                   reread: Path | None = None) -> StagedTable:
    """One read of a Parquet file into its part: a single ``COPY`` types every column, flags every row and writes
    the part (``as_of``, the contract's columns the file has, typed, then ``__line``, ``__bad``, ``__warn`` and
    ``__raw``, the raw texts of flagged rows); the checks then read the few columns they need back from it through
    the view ``_wp_t_<key>``. The part is adopted as it is when no row is rejected, else rewritten without the
    rejected lines (``PartStore.adopt``); the staged file stays readable until ``drop_staged``."""
    assert raw.path is not None
    table = raw.table
    present = {c for _, c in raw.positions}
    kept = [c for c in table.columns if c.name in present]
    try:
        direct = _parquet_direct(con, raw)
        source, params, _ = _source(raw, direct)
        typed = typed_table_sql(table, source, line=True, keep_raw=True, direct=direct)
        cols = "".join(f", CAST(z.{quote_ident(c.name)} AS {c.type.sql_type}) AS {quote_ident(c.name)}" for c in kept)
        row = con.execute(
            f"COPY (SELECT CAST(? AS DATE) AS as_of{cols}, z.__line, z.__bad, z.__warn, z.__raw FROM ({typed}) AS z) "
            f"TO {lit(str(part.path))} (FORMAT parquet, COMPRESSION zstd)",
            [part.as_of, *params],
        ).fetchone()
    except duckdb.Error as exc:
        part.path.unlink(missing_ok=True)
        if reread is not None:
            reread.unlink(missing_ok=True)
        raise RawReadError(str(exc).splitlines()[0]) from exc
    # A view, not a copy: each check decodes only its own columns (statistics and filters prune the rest).
    narrow = ", ".join(quote_ident(c) if c in present else
                       f"CAST(NULL AS {table.column(c).type.sql_type}) AS {quote_ident(c)}" for c in check_columns(table))
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {quote_ident('_wp_t_' + key)} AS SELECT __line, {narrow}, __bad, __warn, __raw "
        f"FROM read_parquet({lit(str(part.path))})"
    )
    projection = Projection.present(table.name, [c.name for c in kept])
    return StagedTable(key, f"_wp_t_{key}", None, int(row[0]) if row else 0, file_label=raw.file_label,
                       part=str(part.path), projection=projection.to_json() if projection is not None else None,
                       present=tuple(c.name for c in kept), reread=str(reread) if reread is not None else None)

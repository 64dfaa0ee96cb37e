"""Staging one input file in DuckDB: typed once, in one statement, with its raw text kept only where needed.

The reader (``wupian.ingest``) decides *how* a file is read and describes it as a ``RawInput``; this module
turns it into SQL relations, so that every later check runs set-based in DuckDB:

* ``stage_table`` creates the relation ``_wp_t_<key>``: ``__line`` (1-based physical line), the contract
  columns typed, ``__bad`` (some row-level check fails), ``__warn`` and ``__raw`` (the row's raw texts as a
  list, kept for ``__bad``/``__warn`` rows only). Clean UTF-8 CSV files are read, typed and checked in a single
  ``CREATE TABLE … AS SELECT … FROM read_csv`` (every column: the insert reads it). A Parquet file of a table
  kept as Parquet parts is staged by ``stage_parts`` (adopted by a byte copy, or typed and written as the
  date's part in one read). Another Parquet file is
  written once: the check pass keeps only the columns the later checks read (``checks.check_columns``) and
  the rows' ``inexact`` masks, and the insert types the file again straight from ``read_parquet``
  (``StagedTable.source``, ``typed_sql.insert_sql``), taking the columns found exact as they come. Rows parsed
  in Python (Excel, a carefully re-read broken CSV) and CSV files whose quoted fields hold newlines are
  first staged as text (``stage_raw``) and typed from there;
* ``raw_rows`` materialises the raw text of a given set of lines (for issue messages and the quarantine):
  from ``__raw``, from the text stage, or — for lines rejected later (duplicate keys, references) in a file
  that was never staged as text — by re-reading just that file as text.

Line numbers: for CSV, the row's position plus the header offset (a temp table created by one CTAS keeps
the file's order), corrected for newlines inside quoted fields; for Parquet, the file row number + 1.
Only identifiers from the contract (and our own ``c<i>`` positional names) ever appear in the SQL text.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import pyarrow as pa

from wupian.contract import Table
from wupian.core.errors import DataError
from wupian.core.issues import Issue
from wupian.engine.checks import check_columns, lit
from wupian.engine.load_codes import make_issue
from wupian.engine.typed_sql import direct_expr, fast_candidates, inexact_masks, insert_sql, typed_table_sql
from wupian.engine.warehouse import quote_ident

# Parquet files are read once into their part (tables kept as parts) or inserted taking the text columns found
# exact as they come; off, a narrow check pass then an insert typing every column again (the reference path the
# tests compare the fast ones with — same tables, same quarantine).
FAST_PATH = True


class RawReadError(Exception):
    """DuckDB's strict reader refused the file; the caller re-reads it carefully (CSV line by line)."""


@dataclass(frozen=True, slots=True)
class ReadReject:
    """A physical row the reader could not turn into fields (bad bytes, wrong field count)."""

    line: int
    text: str
    issues: tuple[Issue, ...]


@dataclass(frozen=True, slots=True)
class RawInput:
    """A readable input file, described for staging.

    ``positions`` maps a source column position to a contract column. For ``kind == "csv"`` DuckDB
    reads ``path`` (UTF-8) itself; for ``kind == "parquet"`` DuckDB reads ``path`` (columns by position);
    for ``kind == "arrow"`` ``data`` holds string columns ``c<i>`` plus ``__line``. ``data_lines`` (CSV with
    quotes only) is the number of physical lines after the header: when the file yields fewer records,
    some quoted field holds a newline and line numbers need correcting. ``skip_lines`` are physical lines
    the reader replaced by empty fields in a repaired copy (``path``) after refusing them (``rejects``);
    their placeholder rows are removed once staged.
    """

    table: Table
    file_label: str
    kind: str
    positions: tuple[tuple[int, str], ...]
    path: Path | None = None
    delimiter: str = ","
    n_fields: int = 0
    header_line: int = 1
    multiline: bool = False
    data: pa.Table | None = None
    rejects: tuple[ReadReject, ...] = ()
    data_lines: int | None = None
    skip_lines: tuple[int, ...] = ()  # CSV lines blanked by the reader (quarantined as ``rejects``): not rows


@dataclass(frozen=True, slots=True)
class StagedTable:
    """The relations staged for one file: ``typed`` (a view) and, when staged as text, ``text``.

    ``source`` (Parquet) is a SELECT of every typed column and ``__line`` straight from the file, with its
    parameters ``params``; ``typed`` then holds only the columns the checks read (``checks.check_columns``).
    Without it (CSV, text stages) ``typed`` holds every column. ``stamp`` is the file's (size, mtime) when
    checked: a file changed before its insert re-read it is refused. ``part`` (Parquet into a table kept as
    Parquet parts): the file was read once, typed, flagged and written as that temporary part; ``typed`` holds
    the columns the checks read, read back from it."""

    key: str
    typed: str
    text: str | None
    rows: int
    source: str | None = None
    params: tuple[object, ...] = ()
    stamp: tuple[int, int] | None = None
    file_label: str = ""
    # A Parquet file of a table kept as parts (``stage_parts``): ``part`` the file to become the date's part (the
    # typed part written while staging, or the byte copy of the source to adopt), ``projection`` what it holds
    # (``part_views.Projection`` as JSON; None: the typed columns of ``present``, by name), ``present`` the contract
    # columns the source has, ``reread`` the copy of the source that rejected rows' raw texts are read back from.
    part: str | None = None
    projection: str | None = None
    present: tuple[str, ...] | None = None
    reread: str | None = None


def _names(key: str) -> tuple[str, str, str]:
    """(typed view, typed table, text stage) names for ``key``."""
    return f"_wp_t_{key}", f"_wp_tt_{key}", f"_wp_s_{key}"


def _csv_reader(raw: RawInput) -> str:
    struct = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(raw.n_fields))
    return (
        "read_csv(?, header=true, auto_detect=false, delim=?, quote='\"', escape='\"', "
        f"strict_mode=true, null_padding=false, columns={{{struct}}})"
    )


def _text_columns(raw: RawInput, ref: str) -> str:
    """Every contract column as raw text; ``ref`` formats the SQL of a source column from ``{pos}`` (0-based)
    or ``{pos1}`` (1-based); contract columns missing from the file are NULL."""
    by_col = {col: pos for pos, col in raw.positions}
    parts = []
    for col in raw.table.columns:
        q = quote_ident(col.name)
        if col.name in by_col:
            pos = by_col[col.name]
            parts.append(f"{ref.format(pos=pos, pos1=pos + 1)} AS {q}")
        else:
            parts.append(f"CAST(NULL AS VARCHAR) AS {q}")
    return ", ".join(parts)


def _source(raw: RawInput, direct: dict[str, str] | None = None) -> tuple[str, list[object], bool]:
    """(FROM item giving contract columns as raw text, its parameters, whether it has ``__line``); Parquet
    columns named in ``direct`` come as they are (typed)."""
    assert raw.path is not None
    if raw.kind == "csv":
        cols = _text_columns(raw, "r.c{pos}")
        return f"(SELECT {cols} FROM {_csv_reader(raw)} AS r)", [str(raw.path), raw.delimiter], False
    # Parquet columns by 1-based position (their names are user text); the file row number comes last.
    by_col = {col: pos for pos, col in raw.positions}
    parts = []
    for col in raw.table.columns:
        q = quote_ident(col.name)
        if col.name not in by_col:
            parts.append(f"CAST(NULL AS VARCHAR) AS {q}")
        elif col.name in (direct or {}):
            parts.append(f"#{by_col[col.name] + 1:d} AS {q}")
        else:
            parts.append(f"CAST(#{by_col[col.name] + 1:d} AS VARCHAR) AS {q}")
    cols = ", ".join(parts)
    line = f"CAST(#{raw.n_fields + 1:d} AS BIGINT) + 1 AS __line"
    return f"(SELECT {line}, {cols} FROM read_parquet(?, file_row_number=true))", [str(raw.path)], True


def _parquet_direct(con: duckdb.DuckDBPyConnection, raw: RawInput) -> dict[str, str]:
    """Contract columns whose Parquet type can be taken as it is (``typed_sql.direct_expr``) → that type."""
    assert raw.path is not None
    types = [r[1] for r in con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(raw.path)]).fetchall()]
    out = {}
    for pos, name in raw.positions:
        if pos < len(types) and direct_expr(raw.table.column(name), types[pos], "v") is not None:
            out[name] = types[pos]
    return out


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> int:
    row = con.execute(sql, params or []).fetchone()
    return int(row[0]) if row else 0


def _base_rowid(con: duckdb.DuckDBPyConnection, qtable: str) -> int:
    """The rowid of the first row of a temp table made by one CTAS (0, or a large transaction-local offset
    when created inside an open transaction); later rows follow it in the file's order."""
    return _count(con, f"SELECT coalesce(min(rowid), 0) FROM {qtable}")


def _swallowed_records(con: duckdb.DuckDBPyConnection, raw: RawInput, src: str) -> bool:
    """Records read vs physical lines: does a field of ``src`` (quoted name) holding newlines hold a whole line with as many
    delimiters as a record (a stray quote opened it and swallowed the following records)?"""
    if raw.n_fields < 2:
        return False
    delim = lit(raw.delimiter)  # ',' or '|', chosen by the reader (never user text)
    tests = " OR ".join(
        f"(position(chr(10) IN c{i}) > 0 AND list_max(list_transform(string_split(c{i}, chr(10)), "
        f"lambda l: length(l) - length(replace(l, {delim}, '')))) >= {raw.n_fields - 1:d})"
        for i in range(raw.n_fields)
    )
    return _count(con, f"SELECT count(*) FROM {src} WHERE {tests}") > 0


def stage_raw(con: duckdb.DuckDBPyConnection, raw: RawInput, name: str) -> int:
    """Create temp relation ``name`` (``__line`` + every contract column as raw VARCHAR); return its rows."""
    q = quote_ident(name)
    cols = ", ".join(quote_ident(c.name) for c in raw.table.columns)
    if raw.kind == "csv":
        assert raw.path is not None
        src = quote_ident(name + "_src")
        fields = ", ".join(f"r.c{i} AS c{i}" for i in range(raw.n_fields))
        try:
            n = _count(
                con,
                f"CREATE OR REPLACE TEMP TABLE {src} AS SELECT {_text_columns(raw, 'r.c{pos}')}"
                f"{', ' + fields if raw.multiline else ''} FROM {_csv_reader(raw)} AS r",
                [str(raw.path), raw.delimiter],
            )
        except duckdb.Error as exc:
            raise RawReadError(str(exc).splitlines()[0]) from exc
        if raw.multiline and _swallowed_records(con, raw, src):
            con.execute(f"DROP TABLE {src}")
            raise RawReadError("a quoted field holds whole records: a stray quote; re-read line by line")
        first = raw.header_line + 1 - _base_rowid(con, src)
        if not raw.multiline:
            con.execute(f"CREATE OR REPLACE TEMP VIEW {q} AS SELECT rowid + {first:d} AS __line, {cols} FROM {src}")
        else:
            # Newlines inside quoted fields of every field (unknown columns too) push later lines down.
            newlines = " + ".join(
                f"coalesce(length(c{i}) - length(replace(c{i}, chr(10), '')), 0)" for i in range(raw.n_fields)
            ) or "0"
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {q} AS SELECT rowid + {first:d} + coalesce(sum({newlines}) OVER "
                f"(ORDER BY rowid ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS __line, {cols} "
                f"FROM {src}"
            )
            con.execute(f"DROP TABLE {src}")
        return n
    if raw.kind == "parquet":
        source, params, _ = _source(raw)
        try:
            return _count(con, f"CREATE OR REPLACE TEMP TABLE {q} AS SELECT * FROM {source} AS r", params)
        except duckdb.Error as exc:
            raise RawReadError(str(exc).splitlines()[0]) from exc
    assert raw.data is not None
    arrow_name = name + "_arrow"
    con.register(arrow_name, raw.data)
    try:
        text = _text_columns(raw, "CAST(a.c{pos} AS VARCHAR)")
        return _count(
            con,
            f"CREATE OR REPLACE TEMP TABLE {q} AS SELECT CAST(a.__line AS BIGINT) AS __line, {text} "
            f"FROM {quote_ident(arrow_name)} AS a",
        )
    finally:
        con.unregister(arrow_name)


def stage_table(con: duckdb.DuckDBPyConnection, raw: RawInput, key: str) -> StagedTable:
    """Type (and row-check) the whole file once into ``_wp_t_<key>``; RawReadError if DuckDB refuses it. (A
    Parquet file of a table kept as parts is staged by ``stage_parts.stage_parquet_part`` instead.)"""
    view, tt, text = _names(key)
    qv, qt = quote_ident(view), quote_ident(tt)
    if raw.kind == "parquet":
        return _stage_parquet(con, raw, key)
    if raw.kind == "csv":
        try:
            source, params, has_line = _source(raw)
            rows = _count(
                con,
                f"CREATE OR REPLACE TEMP TABLE {qt} AS "
                f"{typed_table_sql(raw.table, source, line=has_line, keep_raw=True)}",
                params,
            )
        except duckdb.Error as exc:
            raise RawReadError(str(exc).splitlines()[0]) from exc
        if raw.data_lines is None or raw.data_lines == rows:
            first = raw.header_line + 1 - _base_rowid(con, qt)
            if raw.skip_lines:
                con.execute(f"DELETE FROM {qt} WHERE rowid + {first:d} IN (SELECT unnest(?))", [list(raw.skip_lines)])
            con.execute(f"CREATE OR REPLACE TEMP VIEW {qv} AS SELECT rowid + {first:d} AS __line, * FROM {qt}")
            return StagedTable(key, view, None, rows - len(raw.skip_lines))
        con.execute(f"DROP TABLE {qt}")  # a quoted field holds a newline: stage as text, count them
    rows = stage_raw(con, raw, text)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {qt} AS {typed_table_sql(raw.table, quote_ident(text), line=True)}")
    if raw.skip_lines:
        con.execute(f"DELETE FROM {qt} WHERE __line IN (SELECT unnest(?))", [list(raw.skip_lines)])
    con.execute(f"CREATE OR REPLACE TEMP VIEW {qv} AS SELECT * FROM {qt}")
    return StagedTable(key, view, text, rows - len(raw.skip_lines))


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def _stage_parquet(con: duckdb.DuckDBPyConnection, raw: RawInput, key: str) -> StagedTable:
    """The check pass of a Parquet file: ``_wp_tt_<key>`` holds ``__line``, the columns the checks read, the
    row flags, the raw texts of flagged rows and the ``inexact`` masks; the insert reads the file again
    through ``StagedTable.source``, taking as they come the text columns that were exact on every row not
    ``__bad`` (with ``FAST_PATH`` off it types every column again: the reference the fast path is tested
    against)."""
    assert raw.path is not None
    view, tt, _ = _names(key)
    qv, qt = quote_ident(view), quote_ident(tt)
    table = raw.table
    stamp = _stamp(raw.path)
    try:
        direct = _parquet_direct(con, raw)
        source, params, _ = _source(raw, direct)
        present = {c for _, c in raw.positions}
        candidates = fast_candidates(table, present, direct) if FAST_PATH else []
        check_sql = typed_table_sql(
            table, source, line=True, keep_raw=True, direct=direct, columns=check_columns(table), exact=candidates
        )
        rows = _count(con, f"CREATE OR REPLACE TEMP TABLE {qt} AS {check_sql}", params)
    except duckdb.Error as exc:
        raise RawReadError(str(exc).splitlines()[0]) from exc
    fast: list[str] = []
    masks = inexact_masks(candidates)
    if masks:
        found = con.execute(
            "SELECT " + ", ".join(f"coalesce(bit_or({m}) FILTER (WHERE NOT __bad), 0)" for m, _ in masks) + f" FROM {qt}"
        ).fetchone()
        assert found is not None
        fast = [c for (_, bits), got in zip(masks, found, strict=True) for bit, c in bits if not int(got) & bit]
    con.execute(f"CREATE OR REPLACE TEMP VIEW {qv} AS SELECT * FROM {qt}")
    return StagedTable(
        key, view, None, rows, params=tuple(params),
        source=insert_sql(table, source, direct=direct, fast=fast, missing=set(table.column_names) - present),
        stamp=stamp, file_label=raw.file_label,
    )


def staged_source(st: StagedTable) -> tuple[str, list[object]]:
    """(FROM item of every typed column and ``__line`` of ``st``, its parameters). A Parquet file is read again:
    it must be the file that was checked (same size and modification time), else a structural ERROR."""
    if st.source is None:
        return quote_ident(st.typed), []
    path = Path(str(st.params[0]))
    if _stamp(path) != st.stamp:
        issue = make_issue(
            "WP-LOAD-003", f"{st.file_label} changed while it was being loaded; nothing was loaded",
            file=st.file_label, suggestion="load the folder again once the file is complete",
        )
        raise DataError(f"{st.file_label} changed while it was being loaded", (issue,))
    return f"({st.source})", list(st.params)


def raw_rows(con: duckdb.DuckDBPyConnection, raw: RawInput, st: StagedTable, lines: str, out: str) -> int:
    """Temp table ``out`` (``__line`` + raw text columns) of the staged rows whose line is in ``lines`` (a
    SELECT of one column ``line``); return its row count."""
    qo = quote_ident(out)
    cols = ", ".join(quote_ident(c.name) for c in raw.table.columns)
    if st.text is not None:
        return _count(
            con,
            f"CREATE OR REPLACE TEMP TABLE {qo} AS SELECT __line, {cols} FROM {quote_ident(st.text)} "
            f"WHERE __line IN ({lines})",
        )
    fields = ", ".join(f"x.__raw[{i + 1:d}] AS {quote_ident(c.name)}" for i, c in enumerate(raw.table.columns))
    n = _count(
        con,
        f"CREATE OR REPLACE TEMP TABLE {qo} AS SELECT x.__line, {fields} FROM {quote_ident(st.typed)} AS x "
        f"WHERE x.__raw IS NOT NULL AND x.__line IN ({lines})",
    )
    # Rows rejected after typing (duplicate keys, references) have no ``__raw``: re-read the file as text.
    # (The condition names the typed relation, not ``out``: an INSERT must not read its own target.)
    missing = f"__line IN ({lines}) AND __line NOT IN (SELECT __line FROM {quote_ident(st.typed)} WHERE __raw IS NOT NULL)"
    if _count(con, f"SELECT count(*) FROM ({lines}) AS l WHERE l.line NOT IN (SELECT __line FROM {qo})") == 0:
        return n
    reread = f"_wp_rr_{st.key}"
    # Typed straight from the file means its records and lines agree: no newline inside a quoted field. A Parquet
    # source of a part is read back from the copy that was checked (``st.reread``), never from the bank's file.
    source = replace(raw, multiline=False, path=Path(st.reread) if st.reread is not None else raw.path)
    stage_raw(con, source, reread)
    try:
        n += _count(con, f"INSERT INTO {qo} SELECT __line, {cols} FROM {quote_ident(reread)} WHERE {missing}")
    finally:
        _drop(con, reread)
    return n


def _drop(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop the text stage ``name`` (a view over ``<name>_src`` or a table)."""
    kind = con.execute(
        "SELECT table_type FROM information_schema.tables WHERE table_name = ? AND table_catalog = 'temp'", [name]
    ).fetchone()
    if kind is not None:
        con.execute(f"DROP {'VIEW' if kind[0] == 'VIEW' else 'TABLE'} IF EXISTS {quote_ident(name)}")
    con.execute(f"DROP TABLE IF EXISTS {quote_ident(name + '_src')}")


def drop_staged(con: duckdb.DuckDBPyConnection, st: StagedTable) -> None:
    """Drop every temp relation created for ``st``."""
    view, tt, text = _names(st.key)
    for staged in (st.part, st.reread):
        if staged is not None:  # adopted (hard-linked or rewritten), or a refused load's
            Path(staged).unlink(missing_ok=True)
    con.execute(f"DROP VIEW IF EXISTS {quote_ident('_wp_a_' + st.key)}")
    con.execute(f"DROP VIEW IF EXISTS {quote_ident(view)}")
    con.execute(f"DROP TABLE IF EXISTS {quote_ident(tt)}")
    if st.text is not None:
        _drop(con, text)

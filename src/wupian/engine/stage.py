"""Stage one input file as a text-only DuckDB relation ``<name>`` with a ``__line`` column.

The reader (``wupian.ingest``) decides *how* a file is read and describes it as a ``RawInput``; this module
turns it into SQL relations, so that every later check runs set-based in DuckDB:

* CSV (UTF-8) goes through DuckDB's own parallel CSV reader with every column as VARCHAR; the 1-based
  line number is the row's position plus the header offset, corrected for newlines inside quoted fields;
* rows already parsed in Python (Excel, Parquet, carefully re-read broken CSV) arrive as an Arrow table of
  strings with their line numbers.

Only identifiers from the contract (and our own ``c<i>`` positional names) ever appear in the SQL text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from wupian.contract import Table
from wupian.core.issues import Issue
from wupian.engine.warehouse import quote_ident


class RawReadError(Exception):
    """DuckDB's strict CSV reader refused the file; the caller re-reads it carefully, line by line."""


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
    reads ``path`` (UTF-8) itself; for ``kind == "arrow"`` ``data`` holds string columns ``c<i>`` plus
    ``__line``.
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


def _column_list(raw: RawInput, source: str) -> str:
    by_col = {col: pos for pos, col in raw.positions}
    parts = []
    for col in raw.table.columns:
        q = quote_ident(col.name)
        if col.name in by_col:
            parts.append(f"{source}.c{by_col[col.name]} AS {q}")
        else:
            parts.append(f"CAST(NULL AS VARCHAR) AS {q}")
    return ", ".join(parts)


def stage_raw(con: duckdb.DuckDBPyConnection, raw: RawInput, name: str) -> int:
    """Create temp relation ``name`` (``__line`` + every contract column as VARCHAR); return its row count."""
    q = quote_ident(name)
    if raw.kind == "csv":
        assert raw.path is not None
        struct = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(raw.n_fields))
        src = quote_ident(name + "_src")
        try:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {src} AS SELECT {_column_list(raw, 'r')} "
                f"FROM read_csv(?, header=true, auto_detect=false, delim=?, quote='\"', escape='\"', "
                f"strict_mode=true, null_padding=false, columns={{{struct}}}) AS r",
                [str(raw.path), raw.delimiter],
            )
        except duckdb.Error as exc:
            raise RawReadError(str(exc).splitlines()[0]) from exc
        cols = ", ".join(quote_ident(c.name) for c in raw.table.columns)
        first = raw.header_line + 1
        if not raw.multiline:
            con.execute(f"CREATE OR REPLACE TEMP VIEW {q} AS SELECT rowid + {first:d} AS __line, {cols} FROM {src}")
        else:
            newlines = " + ".join(
                f"coalesce(length({quote_ident(c.name)}) - length(replace({quote_ident(c.name)}, chr(10), '')), 0)"
                for c in raw.table.columns
            )
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {q} AS SELECT rowid + {first:d} + coalesce(sum({newlines}) OVER "
                f"(ORDER BY rowid ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS __line, {cols} "
                f"FROM {src}"
            )
    else:
        assert raw.data is not None
        arrow_name = name + "_arrow"
        con.register(arrow_name, raw.data)
        by_col = {col: pos for pos, col in raw.positions}
        parts = []
        for col in raw.table.columns:
            qc = quote_ident(col.name)
            if col.name in by_col:
                parts.append(f"CAST(a.c{by_col[col.name]} AS VARCHAR) AS {qc}")
            else:
                parts.append(f"CAST(NULL AS VARCHAR) AS {qc}")
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {q} AS SELECT CAST(a.__line AS BIGINT) AS __line, "
            f"{', '.join(parts)} FROM {quote_ident(arrow_name)} AS a"
        )
        con.unregister(arrow_name)
    return int(con.execute(f"SELECT count(*) FROM {q}").fetchone()[0])  # type: ignore[index]


def drop_staged(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop the temp relations created for ``name`` (view or table, and the CSV source table)."""
    q = quote_ident(name)
    kind = con.execute(
        "SELECT table_type FROM information_schema.tables WHERE table_name = ? AND table_schema = 'main' "
        "AND table_catalog = 'temp'",
        [name],
    ).fetchone()
    if kind is not None:
        con.execute(f"DROP {'VIEW' if kind[0] == 'VIEW' else 'TABLE'} IF EXISTS {q}")
    con.execute(f"DROP TABLE IF EXISTS {quote_ident(name + '_src')}")

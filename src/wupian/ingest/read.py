"""Read one table file (CSV, XLSX or Parquet) into a ``RawInput`` ready for staging, plus reading issues.

Everything is read as text first (no reader ever infers floats); every row keeps its 1-based source line
(CSV physical line, Excel sheet row, Parquet row number). Large clean CSV files are left to DuckDB's
parallel reader; only non-UTF-8 files are transcoded (streaming). A file DuckDB refuses because of stray
quotes is repaired around those lines only (``csvrepair``: the stray lines quarantined, DuckDB reads a copy);
any other broken file is re-read in Python (``csvsafe.read_careful``) so that each bad line becomes a
located issue.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pyarrow as pa

from wupian.contract import Table
from wupian.core.issues import Issue
from wupian.engine.load_codes import make_issue
from wupian.engine.stage import RawInput
from wupian.ingest.csvsafe import read_careful
from wupian.ingest.encoding import detect_encoding, scan_layout, transcode_to_utf8
from wupian.ingest.headers import map_headers
from wupian.ingest.xlsx import read_xlsx


@dataclass(frozen=True, slots=True)
class Prepared:
    """A file ready to stage, and how to re-read it more carefully if DuckDB's strict reader refuses it
    (which may itself name a still more careful reader)."""

    raw: RawInput | None
    issues: tuple[Issue, ...]
    reread: Callable[[], Prepared] | None = None


def _empty(label: str) -> Issue:
    return make_issue(
        "WP-LOAD-002", "file is empty: no header row", file=label, suggestion="re-export the table with its header"
    )


def sniff_delimiter(header_line: str) -> str:
    """',' or '|', whichever occurs more often in the header line."""
    return "|" if header_line.count("|") > header_line.count(",") else ","


def _careful(path: Path, encoding: str, delimiter: str, table: Table, label: str) -> Prepared:
    header, data, rejects, issues = read_careful(path, encoding, delimiter, label)
    if not header:
        return Prepared(None, (*issues, _empty(label)) if not rejects else (*issues, *_flat(rejects)))
    positions, hissues = map_headers(table, header, label, 1)
    raw = RawInput(table, label, "arrow", positions, data=data, rejects=rejects, n_fields=len(header))
    return Prepared(raw, (*issues, *hissues, *_flat(rejects)))


def _flat(rejects: tuple) -> tuple[Issue, ...]:  # type: ignore[type-arg]
    return tuple(i for r in rejects for i in r.issues)


def read_csv_file(path: Path, table: Table, workdir: Path) -> Prepared:
    label = path.name
    with path.open("rb") as raw_fh:
        head = raw_fh.read(4096)
    if not head.replace(b"\xef\xbb\xbf", b"").strip():
        return Prepared(None, (_empty(label),))
    encoding = detect_encoding(path)
    utf8 = path
    if encoding not in ("utf-8", "utf-8-sig"):
        utf8 = workdir / f"{table.name}.utf8.csv"
        if not transcode_to_utf8(path, encoding, utf8):
            first = head.split(b"\n", 1)[0].decode(encoding, errors="replace")
            return _careful(path, encoding, sniff_delimiter(first), table, label)
    with utf8.open("r", encoding="utf-8-sig", errors="replace", newline="") as fh:
        first_line = fh.readline()
    delimiter = sniff_delimiter(first_line)
    header = next(csv.reader([first_line], delimiter=delimiter), [])
    if not any(h.strip() for h in header):
        return Prepared(None, (_empty(label),))
    positions, hissues = map_headers(table, header, label, 1)
    layout = scan_layout(utf8)

    def careful() -> Prepared:
        return _careful(path, encoding, delimiter, table, label)

    if layout.has_blank_lines:
        return careful()

    def repaired() -> Prepared:
        """Only stray quotes? Quarantine those lines and let DuckDB read a repaired copy (else: careful)."""
        # imported here: it needs NumPy, which a load that never repairs a refused CSV does not import at all
        from wupian.ingest.csvrepair import repair_stray_quotes

        fixed = repair_stray_quotes(utf8, delimiter, len(header), label, workdir / f"{table.name}.repaired.csv")
        if fixed is None:
            return careful()
        copy, rejects, skip = fixed
        again = replace(raw, path=copy, rejects=rejects, skip_lines=skip)
        return Prepared(again, (*hissues, *_flat(rejects)), careful)

    raw = RawInput(
        table,
        label,
        "csv",
        positions,
        path=utf8,
        delimiter=delimiter,
        n_fields=len(header),
        multiline=layout.has_quotes,
        data_lines=None if layout.lines is None else layout.lines - 1,
    )
    return Prepared(raw, hissues, repaired if layout.has_quotes else careful)


def _parquet_arrow(path: Path, table: Table) -> Prepared:
    """Read the whole Parquet file with PyArrow (used when DuckDB's reader refuses it)."""
    import pyarrow.parquet as pq

    label = path.name
    try:
        data = pq.read_table(path)
    except Exception as exc:  # not a Parquet file, or corrupt
        return Prepared(None, (make_issue("WP-LOAD-003", f"cannot read Parquet file: {exc}", file=label),))
    if data.num_columns == 0:
        return Prepared(None, (_empty(label),))
    positions, hissues = map_headers(table, data.column_names, label, 1)
    arrays: dict[str, pa.ChunkedArray | pa.Array] = {f"c{pos}": data.column(pos) for pos, _ in positions}
    # the line numbers through the buffer protocol: pyarrow of a lean process (``cli.lean_process``: ``wupian
    # load``) is without NumPy and cannot convert an ndarray itself
    import numpy as np  # imported here only: a load that never needs this fallback does not pay for NumPy

    lines = np.arange(1, data.num_rows + 1, dtype=np.int64)
    arrays["__line"] = pa.Array.from_buffers(pa.int64(), data.num_rows, [None, pa.py_buffer(lines)])
    raw = RawInput(table, label, "arrow", positions, data=pa.table(arrays), n_fields=data.num_columns)
    return Prepared(raw, hissues)


def read_parquet_file(path: Path, table: Table) -> Prepared:
    """Header from the Parquet metadata; DuckDB reads the columns itself (PyArrow only as the fallback)."""
    import pyarrow.parquet as pq

    label = path.name
    try:
        names = pq.ParquetFile(path).schema_arrow.names
    except Exception as exc:  # not a Parquet file, or corrupt
        return Prepared(None, (make_issue("WP-LOAD-003", f"cannot read Parquet file: {exc}", file=label),))
    if not names:
        return Prepared(None, (_empty(label),))
    positions, hissues = map_headers(table, names, label, 1)

    raw = RawInput(table, label, "parquet", positions, path=path, n_fields=len(names))
    return Prepared(raw, hissues, lambda: _parquet_arrow(path, table))


def read_xlsx_file(path: Path, table: Table) -> Prepared:
    label = path.name
    header, data, header_row, issues, rejects = read_xlsx(path, table, label)
    if data is None:
        return Prepared(None, issues or (_empty(label),))
    positions, hissues = map_headers(table, header, label, header_row)
    raw = RawInput(
        table, label, "arrow", positions, data=data, rejects=rejects, header_line=header_row, n_fields=len(header)
    )
    return Prepared(raw, (*issues, *hissues, *_flat(rejects)))


def read_table_file(path: Path, table: Table, workdir: Path) -> Prepared:
    """Dispatch on the file suffix; ``workdir`` holds temporary transcoded files."""
    suffix = path.suffix.casefold()
    if path.stat().st_size == 0:
        return Prepared(None, (_empty(path.name),))
    if suffix == ".csv":
        return read_csv_file(path, table, workdir)
    if suffix == ".parquet":
        return read_parquet_file(path, table)
    return read_xlsx_file(path, table)

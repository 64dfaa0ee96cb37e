"""How wupian writes values in machine-readable output, for both shells (CLI ``--format csv|json``, web exports):
``None`` as an empty CSV cell / JSON null, Decimal as exact text (never a float), dates as ISO text; CSV always
has its header row (also when there are no rows, if the columns are known), and a text cell a spreadsheet would run
as a formula starts with an apostrophe (:mod:`wupian.core.csv_guard`; numbers such as ``-12.50`` stay numbers)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from wupian.core.csv_guard import guard_array, guard_text, text_data_contains


def cell_text(value: object) -> str:
    """CSV/table text of a value: '' for None, exact Decimal, ISO dates."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def json_value(value: object) -> Any:
    """JSON-compatible value: Decimal and dates as text, everything else unchanged."""
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, date):
        return value.isoformat()
    return value


def _json_default(value: object) -> Any:
    converted = json_value(value)
    if converted is value:
        raise TypeError(f"not JSON serialisable: {type(value).__name__}")
    return converted


def to_json(payload: object, indent: int = 1) -> str:
    """Indented UTF-8 JSON (Chinese kept as is) with Decimal/dates as text."""
    return json.dumps(payload, ensure_ascii=False, default=_json_default, indent=indent)


# the characters that make a cell quoted: ',', '"', LF and CR (CR too on every Python: 3.11's ``csv`` module leaves
# a lone CR unquoted when the line end is LF, and a reader then splits the record in two)
QUOTED_CHARS = '[,"\n\r]'
QUOTED_BYTES = (b",", b'"', b"\n", b"\r")  # the same characters, for a search of a column's data


class _LfRows:
    """The file ``csv.writer`` writes to when its rows end in CRLF (so that it quotes CR and LF alike): each record
    arrives in one ``write`` call and is kept with an LF line end, as wupian's CSV text has."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, record: str) -> None:
        self.parts.append(record[:-2] + "\n" if record.endswith("\r\n") else record)

    def text(self) -> str:
        return "".join(self.parts)


def _writer(out: _LfRows) -> Any:
    return csv.writer(out, lineterminator="\r\n")


def csv_text_of_strings(table: Any) -> str:
    """The CSV ``csv_text`` writes, for an Arrow table whose columns are all text (a null is written as an empty
    cell) — built on the columns (guarded and quoted exactly as ``csv_text`` does), not a Python row per line."""
    return csv_bytes_of_strings(table).decode("utf-8")


def csv_bytes_of_strings(table: Any) -> bytes:
    """:func:`csv_text_of_strings` as UTF-8 bytes: the lines are joined by Arrow and copied out of its data buffer
    once (no Python object per row or cell)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    names = list(table.column_names)
    if len(names) < 2:  # one column: the csv module quotes an empty cell ('""'); take its own path
        return csv_text(table.to_pylist(), names).encode("utf-8")
    head = _LfRows()
    _writer(head).writerow(names)
    if table.num_rows == 0:
        return head.text().encode("utf-8")
    text = pa.large_string()  # 64-bit offsets: a file of any size

    def lit(s: str) -> Any:
        return pa.scalar(s, text)

    cols = []
    for name in names:
        col = table.column(name)
        col = col.combine_chunks() if hasattr(col, "combine_chunks") else col
        col = guard_array(pc.fill_null(col.cast(text), ""))
        needs = pc.match_substring_regex(col, QUOTED_CHARS) if text_data_contains(col, QUOTED_BYTES) else None
        if needs is not None and pc.any(needs).as_py():
            quoted = pc.binary_join_element_wise(lit('"'), pc.replace_substring(col, '"', '""'), lit('"'), lit(""))
            col = pc.if_else(needs, quoted, col)
        cols.append(col)
    lines = pc.binary_join_element_wise(*cols, lit(","))
    lines = pc.binary_join_element_wise(lines, lit(""), lit("\n"))  # every line ends with its newline
    return head.text().encode("utf-8") + _string_data(lines)


def _string_data(lines: Any) -> bytes:
    """The bytes of a large_string array without nulls, its values one after another (one copy, no row objects)."""
    _, offsets, data = lines.buffers()
    bounds = memoryview(offsets).cast("q")
    return bytes(memoryview(data)[bounds[lines.offset]:bounds[lines.offset + len(lines)]])


def text_columns(table: Any, columns: Sequence[str] | None = None) -> Any | None:
    """The columns of an Arrow table (``columns``, in that order; a name the table lacks is a column of empty
    cells) as text exactly as :func:`cell_text` writes each value — '' for null, exact decimals, ISO dates,
    integers, True/False, text as is — computed on the columns; None when a column's type has no exact Arrow
    rendering (floats, timestamps, nested values): then render the rows in Python."""
    import pyarrow as pa
    import pyarrow.compute as pc

    names = list(columns) if columns is not None else list(table.column_names)
    if len(set(names)) != len(names):
        return None
    present = set(table.column_names)
    out = {}
    for name in names:
        if name not in present:
            out[name] = pa.array([""] * table.num_rows, pa.string())
            continue
        col = table.column(name)
        ty = col.type
        if pa.types.is_boolean(ty):
            col = pc.if_else(col, "True", "False")
        elif not (pa.types.is_string(ty) or pa.types.is_large_string(ty) or pa.types.is_integer(ty)
                  or pa.types.is_decimal(ty) or pa.types.is_date32(ty) or pa.types.is_null(ty)):
            return None
        out[name] = pc.fill_null(col.cast(pa.string()), "")
    return pa.table(out) if out else None


def csv_text(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None,
             cell: Callable[[object], str] = cell_text) -> str:
    """CSV with a header, LF line ends, a cell quoted when it holds ',', '"', LF or CR; '' when there are neither
    rows nor columns; every cell guarded (:func:`guard_text`)."""
    names = list(columns) if columns is not None else (list(rows[0]) if rows else [])
    if not names:
        return ""
    out = _LfRows()
    writer = _writer(out)
    writer.writerow(names)
    for row in rows:
        writer.writerow([guard_text(cell(row.get(c))) for c in names])
    return out.text()

"""Write demo tables as CSV files the way bank systems export them.

The normal export is UTF-8 with the contract's English headers. ``write_legacy_gbk`` writes one table the way
an older branch system would: GBK, Chinese headers, Chinese enum labels, ``YYYYMMDD`` dates and 是/否 — all of
which the loader accepts, so users see the contract's tolerance in use.
"""

from __future__ import annotations

import io
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from wupian.contract import ColumnType, table


def _csv_bytes(tbl: pa.Table, header: list[str]) -> bytes:
    buf = io.BytesIO()
    buf.write((",".join(header) + "\n").encode("utf-8"))
    pacsv.write_csv(tbl, buf, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
    return buf.getvalue()


def write_csv(tbl: pa.Table, path: Path) -> int:
    """UTF-8, English headers; returns the number of rows written."""
    path.write_bytes(_csv_bytes(tbl, list(tbl.column_names)))
    return tbl.num_rows


def write_legacy_gbk(tbl: pa.Table, name: str, path: Path) -> int:
    """GBK, Chinese headers and labels, compact dates — an older branch export of the same data."""
    spec = table(name)
    cols = []
    for col_name in tbl.column_names:
        col = spec.column(col_name)
        arr = tbl[col_name]
        if col.enum:
            mapping = {ev.value: ev.zh for ev in col.enum}
            keys = pa.array(list(mapping))
            labels = pa.array(list(mapping.values()))
            arr = pc.take(labels, pc.index_in(arr, value_set=keys))
        elif col.type is ColumnType.DATE:
            arr = pc.strftime(arr, format="%Y%m%d")
        elif col.type is ColumnType.BOOL:
            arr = pc.if_else(arr, "是", "否")
        cols.append(arr)
    out = pa.table(cols, names=list(tbl.column_names))
    text = _csv_bytes(out, [spec.column(c).zh or c for c in tbl.column_names]).decode("utf-8")
    path.write_bytes(text.encode("gbk"))
    return tbl.num_rows

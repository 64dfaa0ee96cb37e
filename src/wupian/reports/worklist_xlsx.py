"""A registry worklist (uncovered members) as an xlsx sheet: text cells written as strings (ids keep their
leading zeros, nothing is a formula), bold filtered header, frozen first row, landscape one page wide."""

from __future__ import annotations

from os import PathLike
from pathlib import Path
from typing import IO

import pyarrow as pa
import xlsxwriter


def write_worklist(worklist: pa.Table, target: str | PathLike[str] | IO[bytes], sheet: str = "待拓展清单") -> None:
    """Write ``worklist`` to a file path (its folder is created) or to a binary stream."""
    if isinstance(target, str | PathLike):
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        target = str(target)
    wb = xlsxwriter.Workbook(target, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False})
    ws = wb.add_worksheet(sheet)
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    for j, name in enumerate(worklist.column_names):
        ws.write_string(0, j, name, head)
    for i, row in enumerate(worklist.to_pylist(), start=1):
        for j, v in enumerate(row.values()):
            ws.write_string(i, j, "" if v is None else str(v))
    ws.autofilter(0, 0, max(worklist.num_rows, 1), max(len(worklist.column_names) - 1, 0))
    ws.freeze_panes(1, 0)
    ws.set_column(0, max(len(worklist.column_names) - 1, 0), 18)
    ws.set_landscape()
    ws.repeat_rows(0)
    ws.fit_to_pages(1, 0)
    wb.close()

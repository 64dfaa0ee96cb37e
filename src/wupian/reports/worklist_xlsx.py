"""The coverage worklist (registry members not yet served) as an xlsx sheet ``待拓展清单``: a header row, one row per
member, autofilter, frozen header, A4 landscape. Every cell is written with ``write_string`` — names, ids and
codes stay text (a name starting with ``=`` never becomes a formula, an 18-digit id never becomes a number)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import xlsxwriter


def write_worklist(worklist: pa.Table, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("待拓展清单")
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
    ws.set_paper(9)
    ws.repeat_rows(0)
    ws.fit_to_pages(1, 0)
    wb.close()
    return path

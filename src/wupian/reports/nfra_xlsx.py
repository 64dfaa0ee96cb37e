"""Writing the NFRA 1104 tables of :mod:`wupian.reports.nfra` as xlsx, one workbook per table
(``<id>_<title>_<YYYYMMDD>.xlsx``): title, 填报机构 / 报表日期 / 单位, per part a header row of column letters and one
of column names, the items with their codes, and note rows for items the contract's data cannot support.
Every text cell is written with ``write_string`` (a name starting with ``=`` never becomes a formula)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import xlsxwriter

from wupian.reports.nfra import UNIT_TEXT, NfraTable

COLUMN_WIDTH = 16


def _formats(wb: Any) -> dict[str, Any]:
    font = {"font_name": "宋体"}
    return {
        "title": wb.add_format({**font, "bold": True, "font_size": 14, "align": "center"}),
        "head": wb.add_format({**font, "bold": True, "border": 1, "align": "center", "valign": "vcenter",
                               "text_wrap": True, "bg_color": "#D9E1F2"}),
        "part": wb.add_format({**font, "bold": True}),
        "text": wb.add_format({**font, "border": 1, "valign": "vcenter"}),
        "note": wb.add_format({**font, "border": 1, "italic": True, "font_color": "#7F7F7F", "text_wrap": True,
                               "align": "left", "valign": "vcenter"}),
        "money": wb.add_format({**font, "border": 1, "num_format": "#,##0.00"}),
        "count": wb.add_format({**font, "border": 1, "num_format": "#,##0"}),
        "plain": wb.add_format(font),
        "right": wb.add_format({**font, "align": "right"}),
    }


def write_nfra_xlsx(tables: list[NfraTable], out_dir: Path, as_of: date, *, institution: str) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for t in tables:
        path = out_dir / f"{t.id}_{t.title.split(' ', 1)[1]}_{as_of:%Y%m%d}.xlsx"
        wb = xlsxwriter.Workbook(str(path))
        ws = wb.add_worksheet(t.id)
        fmt = _formats(wb)
        last = max(len(p.columns) for p in t.parts) + 1
        ws.merge_range(0, 0, 0, last, t.title, fmt["title"])
        ws.write_string(1, 0, f"填报机构：{institution}", fmt["plain"])
        ws.write_string(1, 2, f"报表日期：{as_of:%Y-%m-%d}", fmt["plain"])
        ws.write_string(1, last, UNIT_TEXT, fmt["right"])
        row = 2
        for part in t.parts:
            if part.heading:
                row += 1
                ws.write_string(row, 0, part.heading, fmt["part"])
                row += 1
            ws.write_string(row, 0, "项目", fmt["head"])
            ws.write_string(row, 1, "", fmt["head"])
            ws.write_string(row + 1, 0, "序号", fmt["head"])
            ws.write_string(row + 1, 1, "项目名称", fmt["head"])
            for j, (letter, label) in enumerate(part.columns, start=2):
                ws.write_string(row, j, letter, fmt["head"])
                ws.write_string(row + 1, j, label, fmt["head"])
            ws.set_row(row + 1, 48)
            row += 2
            for item in part.rows:
                indent = item.code.count(".")
                ws.write_string(row, 0, item.code, fmt["text"])
                ws.write_string(row, 1, ("  " * indent) + (("其中：" if indent else "") + item.label), fmt["text"])
                if item.note is not None:
                    ws.merge_range(row, 2, row, 1 + len(part.columns), item.note, fmt["note"])
                    per_line = max(1, len(part.columns) * COLUMN_WIDTH // 2 - 1)  # CJK characters per line
                    ws.set_row(row, 15 * -(-len(item.note) // per_line))
                for j, v in enumerate(item.values, start=2):
                    if isinstance(v, int):
                        ws.write_number(row, j, v, fmt["count"])
                    elif v is not None:
                        ws.write_number(row, j, float(v), fmt["money"])
                row += 1
        ws.set_column(0, 0, 8)
        ws.set_column(1, 1, 34)
        ws.set_column(2, last, COLUMN_WIDTH)
        ws.freeze_panes(4, 2)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(2, 3)
        wb.close()
        paths.append(path)
    return paths

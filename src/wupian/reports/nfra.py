"""NFRA 1104 S70 科技金融 / S73 养老金融 / S74 数字金融 / S75 普惠贷款 tables as xlsx, laid out like the forms:
title, 填报机构 / 报表日期 / 单位, a header row of column letters and one of column names, then the report
items with their codes. Rows and columns are data (``nfra_tables.yaml``); figures come from
``wupian.engine.metrics_reports.report_rows`` (NFRA flow rules: restructured loans are not disbursements).

The NFRA profile's classification (``nfra_1104_2025``) is used when present for the date; otherwise the
PBOC classification is used and a WARNING says so. Money in 元 with two decimals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter

from wupian.core.issues import Issue, Level, Source
from wupian.engine.metrics import has_rows
from wupian.engine.metrics_reports import report_rows
from wupian.engine.warehouse import Warehouse
from wupian.reports.layouts import nfra_tables

COUNT_MEASURES = ("customers", "ytd_disbursed_customers")


@dataclass(frozen=True, slots=True)
class NfraTable:
    id: str
    title: str
    columns: tuple[tuple[str, str], ...]  # (letter, label)
    rows: tuple[tuple[str, str, tuple[Decimal | int | None, ...]], ...]  # (code, label, values)


def table_definitions() -> list[dict[str, Any]]:
    """The validated table layouts (``layouts.nfra_tables``)."""
    return nfra_tables()


def nfra_profile(wh: Warehouse, as_of: date) -> tuple[str, list[Issue]]:
    if has_rows(wh, "loan_tags", as_of, "nfra_1104_2025"):
        return "nfra_1104_2025", []
    return "pboc_2025", [Issue(
        "WP-NFRA-001", Level.WARNING,
        "缺少 NFRA 口径（nfra_1104_2025）分类结果，1104 报表按人民银行口径（pboc_2025）分类编制",
        Source("loan_tags", None, f"as_of={as_of.isoformat()}"), "运行分类时加选 nfra_1104_2025 口径",
    )]


def compute_tables(wh: Warehouse, as_of: date, branch_id: str | None = None) -> tuple[list[NfraTable], list[Issue]]:
    profile, issues = nfra_profile(wh, as_of)
    out = []
    for spec in table_definitions():
        rows = [(r["code"], r["tag"], r.get("when")) for r in spec["rows"]]
        data = {r["code"]: r for r in report_rows(wh, as_of, profile=profile, rows=rows, subtree=branch_id).to_pylist()}
        table_rows = []
        for r in spec["rows"]:
            got = data[r["code"]]
            values: list[Decimal | int | None] = []
            for col in spec["columns"]:
                m = col["measure"]
                if m == "rediscount":
                    values.append(Decimal("0.00"))  # 转贴现 is outside every category in wupian's scope rules
                elif m == "ytd_interest_income":
                    values.append((Decimal(got["ytd_interest_x100"]) / 100).quantize(Decimal("0.01")))
                elif m in COUNT_MEASURES:
                    values.append(int(got[m]))
                else:
                    values.append(Decimal(got[m]))
            table_rows.append((r["code"], r["label"], tuple(values)))
        out.append(NfraTable(spec["id"], spec["title"],
                             tuple((c["code"], c["label"]) for c in spec["columns"]), tuple(table_rows)))
    return out, issues


def write_nfra_xlsx(
    tables: list[NfraTable], out_dir: Path, as_of: date, *, institution: str
) -> list[Path]:
    """One workbook per table, ``<id>_<title>_<YYYYMMDD>.xlsx``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for t in tables:
        path = out_dir / f"{t.id}_{t.title.split(' ', 1)[1]}_{as_of:%Y%m%d}.xlsx"
        wb = xlsxwriter.Workbook(str(path))
        ws = wb.add_worksheet(t.id)
        title = wb.add_format({"bold": True, "font_size": 14, "align": "center", "font_name": "宋体"})
        head = wb.add_format({"bold": True, "border": 1, "align": "center", "valign": "vcenter",
                              "text_wrap": True, "bg_color": "#D9E1F2", "font_name": "宋体"})
        text = wb.add_format({"border": 1, "font_name": "宋体"})
        money = wb.add_format({"border": 1, "num_format": "#,##0.00", "font_name": "宋体"})
        count = wb.add_format({"border": 1, "num_format": "#,##0", "font_name": "宋体"})
        last = len(t.columns) + 1
        ws.merge_range(0, 0, 0, last, t.title, title)
        ws.write(1, 0, f"填报机构：{institution}", wb.add_format({"font_name": "宋体"}))
        ws.write(1, 2, f"报表日期：{as_of:%Y-%m-%d}", wb.add_format({"font_name": "宋体"}))
        ws.write(1, last, "单位：元、户", wb.add_format({"font_name": "宋体", "align": "right"}))
        ws.write(2, 0, "项目", head)
        ws.write(2, 1, "", head)
        ws.write(3, 0, "序号", head)
        ws.write(3, 1, "项目名称", head)
        for j, (letter, label) in enumerate(t.columns, start=2):
            ws.write(2, j, letter, head)
            ws.write(3, j, label, head)
        for i, (code, label, values) in enumerate(t.rows, start=4):
            ws.write(i, 0, code, text)
            indent = code.count(".")
            ws.write(i, 1, ("  " * indent) + (("其中：" if indent else "") + label), text)
            for j, v in enumerate(values, start=2):
                if isinstance(v, int):
                    ws.write_number(i, j, v, count)
                elif v is not None:
                    ws.write_number(i, j, float(v), money)
        ws.set_column(0, 0, 8)
        ws.set_column(1, 1, 34)
        ws.set_column(2, last, 18)
        ws.set_row(3, 36)
        ws.freeze_panes(4, 2)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(2, 3)
        wb.close()
        paths.append(path)
    return paths

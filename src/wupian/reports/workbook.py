"""The management workbook (xlsx, xlsxwriter): an overview sheet for the chosen branch (five categories and
the all-loan line, with a native column chart) and one sheet per category listing every node of the
subtree (indented by depth) with its balance, change, growth, gap, customers, flows, rate, NPL ratio and
first-loan customers, plus a bar chart of the direct children's balances.

Amounts in 亿元 on the overview and 万元 on the category sheets (converted from exact yuan, rounded half-up
to two decimals before they become Excel numbers). Printing: A4 landscape, fit to one page wide, header rows
repeated, gridlines off, footer with page numbers. Unavailable values are left blank with a comment.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter

from wupian.core.money import to_wan, to_yi
from wupian.metrics import IndicatorResult, definitions
from wupian.reports.fraud_sheet import write_fraud_sheet

CATEGORY_SHEETS = (("tech", "科技金融"), ("green", "绿色金融"), ("inclusive", "普惠金融"),
                   ("pension", "养老金融"), ("digital", "数字金融"), ("five_union", "五篇合计"))
# (measure, header, kind) kind: wan | yi | pct | count | rate | pp
CATEGORY_COLUMNS = (
    ("balance", "余额（万元）", "wan"), ("ytd_change", "较年初增量（万元）", "wan"),
    ("ytd_growth", "比年初增速（%）", "pct"), ("ytd_growth_gap", "较各项贷款增速差（个百分点）", "pp"),
    ("yoy_growth", "同比增速（%）", "pct"), ("customers", "贷款户数（户）", "count"),
    ("ytd_disbursed", "当年累放（万元）", "wan"), ("avg_rate_balance", "加权平均利率（%）", "rate"),
    ("npl_ratio", "不良率（%）", "pct"), ("first_loan_customers", "当年首贷户（户）", "count"),
)
OVERVIEW_COLUMNS = (
    ("balance", "余额（亿元）", "yi"), ("ytd_change", "较年初增量（亿元）", "yi"),
    ("ytd_growth", "比年初增速（%）", "pct"), ("ytd_growth_gap", "高于各项贷款增速（个百分点）", "pp"),
    ("customers", "贷款户数（户）", "count"), ("ytd_disbursed", "当年累放（亿元）", "yi"),
    ("avg_rate_balance", "加权平均利率（%）", "rate"), ("npl_ratio", "不良率（%）", "pct"),
    ("first_loan_customers", "当年首贷户（户）", "count"), ("balance.rank_peers", "余额同业排名", "count"),
)


def cell_number(value: Decimal | None, kind: str) -> float | None:
    """The number written to the cell (None = blank): yuan → 万元/亿元, percents and counts as they are."""
    if value is None:
        return None
    if kind == "wan":
        return float(to_wan(value))
    if kind == "yi":
        return float(to_yi(value))
    if kind in ("pct", "pp"):
        return float(value.quantize(Decimal("0.01")))
    if kind == "rate":
        return float(value.quantize(Decimal("0.0001")))
    return float(value)


def _formats(wb: Any) -> dict[str, Any]:
    base = {"font_name": "宋体", "font_size": 10, "border": 1}
    return {
        "title": wb.add_format({"font_name": "黑体", "font_size": 16, "bold": True}),
        "sub": wb.add_format({"font_name": "宋体", "font_size": 10, "italic": True}),
        "head": wb.add_format({**base, "bold": True, "bg_color": "#DDEBF7", "text_wrap": True,
                               "align": "center", "valign": "vcenter"}),
        "text": wb.add_format(base),
        "wan": wb.add_format({**base, "num_format": "#,##0.00"}),
        "yi": wb.add_format({**base, "num_format": "#,##0.00"}),
        "pct": wb.add_format({**base, "num_format": "0.00"}),
        "pp": wb.add_format({**base, "num_format": "+0.00;-0.00;0.00"}),
        "rate": wb.add_format({**base, "num_format": "0.0000"}),
        "count": wb.add_format({**base, "num_format": "#,##0"}),
    }


def _print_setup(ws: Any, header_rows: tuple[int, int]) -> None:
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(*header_rows)
    ws.hide_gridlines(0)
    ws.set_footer("&C第 &P 页，共 &N 页")
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)


def _write(ws: Any, row: int, col: int, value: Decimal | None, kind: str, fmt: dict[str, Any], reason: str | None) -> None:
    number = cell_number(value, kind)
    if number is None:
        ws.write_blank(row, col, None, fmt[kind])
        if reason:
            ws.write_comment(row, col, reason)
    else:
        ws.write_number(row, col, number, fmt[kind])


def write_workbook(
    result: IndicatorResult, tree: list[dict[str, Any]], path: Path, *, branch_id: str, bank_name: str
) -> Path:
    """Write the workbook for ``branch_id``'s subtree; ``tree`` = rows of branch_nodes (id, name, parent, depth)."""
    defs = definitions()
    labels = {s.id: s.label for s in defs.scopes}
    as_of: date = result.as_of
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    fmt = _formats(wb)
    ws = wb.add_worksheet("总览")
    ws.write(0, 0, f"{bank_name}“五篇大文章”经营情况（{as_of:%Y年%m月%d日}）", fmt["title"])
    ws.write(1, 0, "口径：人民银行 2025 年五篇大文章专项统计；金额单位：亿元", fmt["sub"])
    ws.write(3, 0, "类别", fmt["head"])
    for j, (_, head, _) in enumerate(OVERVIEW_COLUMNS, start=1):
        ws.write(3, j, head, fmt["head"])
    scopes = ("all_loans", "tech", "green", "inclusive", "inclusive_micro", "pension", "digital", "five_union")
    for i, scope in enumerate(scopes, start=4):
        ws.write(i, 0, labels[scope], fmt["text"])
        for j, (measure, _, kind) in enumerate(OVERVIEW_COLUMNS, start=1):
            got = result.get(branch_id, f"{scope}.{measure}")
            _write(ws, i, j, got.value if got else None, kind, fmt, got.unavailable_reason if got else "无数据")
    ws.set_column(0, 0, 22)
    ws.set_column(1, len(OVERVIEW_COLUMNS), 13)
    ws.set_row(3, 32)
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"name": "余额（亿元）", "categories": ["总览", 5, 0, 4 + len(scopes) - 2, 0],
                      "values": ["总览", 5, 1, 4 + len(scopes) - 2, 1], "data_labels": {"value": True}})
    chart.add_series({"name": "较年初增量（亿元）", "categories": ["总览", 5, 0, 4 + len(scopes) - 2, 0],
                      "values": ["总览", 5, 2, 4 + len(scopes) - 2, 2]})
    chart.set_title({"name": "五篇大文章贷款余额与较年初增量（亿元）", "name_font": {"name": "黑体", "size": 12}})
    chart.set_x_axis({"num_font": {"name": "宋体"}})
    chart.set_legend({"position": "bottom", "font": {"name": "宋体"}})
    ws.insert_chart(4 + len(scopes) + 1, 0, chart, {"x_scale": 1.6, "y_scale": 1.2})
    _print_setup(ws, (3, 3))

    nodes = [r for r in tree]
    top_depth = min((r["tree_depth"] for r in nodes), default=0)
    children = [r for r in nodes if r["parent_id"] == branch_id]
    for scope, sheet in CATEGORY_SHEETS:
        ws = wb.add_worksheet(sheet)
        ws.write(0, 0, f"{labels[scope]}分机构情况（{as_of:%Y年%m月%d日}）", fmt["title"])
        ws.write(1, 0, "金额单位：万元；户数按机构辖内去重，上级机构户数不等于下级之和", fmt["sub"])
        ws.write(3, 0, "机构号", fmt["head"])
        ws.write(3, 1, "机构名称", fmt["head"])
        for j, (_, head, _) in enumerate(CATEGORY_COLUMNS, start=2):
            ws.write(3, j, head, fmt["head"])
        for i, node in enumerate(nodes, start=4):
            ws.write(i, 0, node["branch_id"], fmt["text"])
            ws.write(i, 1, "　" * (node["tree_depth"] - top_depth) + str(node["name"]), fmt["text"])
            for j, (measure, _, kind) in enumerate(CATEGORY_COLUMNS, start=2):
                got = result.get(node["branch_id"], f"{scope}.{measure}")
                _write(ws, i, j, got.value if got else None, kind, fmt, got.unavailable_reason if got else None)
        ws.set_column(0, 0, 10)
        ws.set_column(1, 1, 24)
        ws.set_column(2, 1 + len(CATEGORY_COLUMNS), 12)
        ws.set_row(3, 42)
        ws.freeze_panes(4, 2)
        if children:
            first = 4 + nodes.index(children[0])
            rows_idx = [4 + nodes.index(c) for c in children]
            if rows_idx == list(range(first, first + len(rows_idx))):
                bar = wb.add_chart({"type": "bar"})
                bar.add_series({"name": "余额（万元）", "categories": [sheet, first, 1, rows_idx[-1], 1],
                                "values": [sheet, first, 2, rows_idx[-1], 2], "data_labels": {"value": True}})
                bar.set_title({"name": f"下级机构{labels[scope]}余额（万元）", "name_font": {"name": "黑体", "size": 11}})
                bar.set_legend({"none": True})
                ws.insert_chart(4 + len(nodes) + 1, 1, bar, {"x_scale": 1.4, "y_scale": 1.1})
        _print_setup(ws, (3, 3))
    write_fraud_sheet(wb, fmt, result, nodes, as_of, _write)  # 柜面反诈 (issue 11), when anything was screened
    wb.close()
    return path

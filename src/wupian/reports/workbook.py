"""The management workbook (xlsx, xlsxwriter): an overview sheet for the chosen branch (five categories and the
all-loan line, with a native column chart) and one sheet per category listing every node of the subtree
(indented by depth, with a 本级 row for each node's own booked loans) and a bar chart of the direct children.

Amounts in 亿元 on the overview and 万元 on the category sheets; shown values and differences follow
:mod:`wupian.reports.workbook_rows`. Rates say how they are weighted. Printing: A4 landscape, fit to one page
wide, header rows repeated, footer with page numbers. Unavailable values are blank; their reasons are cell comments
placed by :func:`workbook_rows.column_notes` — a reason most blanks of a table column share is said once, on the
column's header cell, and only blanks with another reason carry a comment of their own. Every text cell is written with ``write_string`` (a branch name starting with ``=`` stays text).
"""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import xlsxwriter

from wupian.metrics import IndicatorResult, definitions
from wupian.reports.fraud_sheet import write_fraud_sheet
from wupian.reports.workbook_cells import put_row, worksheet_class
from wupian.reports.workbook_rows import Cell, Column, SheetRow, column_notes, node_cells, sheet_rows, shown
from wupian.reports.workbook_vml import faster_comments, write_comment

CATEGORY_SHEETS = (("tech", "科技金融"), ("green", "绿色金融"), ("inclusive", "普惠金融"),
                   ("pension", "养老金融"), ("digital", "数字金融"), ("five_union", "五篇合计"))
CATEGORY_COLUMNS = (
    Column("balance", "余额（万元）", "wan"), Column("mom_change", "较上月增量（万元）", "wan"),
    Column("ytd_change", "较年初增量（万元）", "wan"), Column("ytd_growth", "比年初增速（%）", "pct"),
    Column("gap_shown", "增速较各项贷款（个百分点，按所示增速相减）", "pp"),
    Column("yoy_growth", "同比增速（%）", "pct"), Column("share_of_all_loans", "占各项贷款比重（%）", "pct"),
    Column("customers", "贷款户数（户，辖内去重）", "count"), Column("ytd_disbursed", "当年累放（万元）", "wan"),
    Column("avg_rate_balance", "余额加权平均利率（%）", "rate"),
    Column("avg_rate_ytd_disbursed", "当年累放加权平均利率（%）", "rate"),
    Column("npl_ratio", "不良率（%）", "pct"), Column("first_loan_customers", "当年首贷户（户）", "count"),
    Column("balance.rank_siblings", "余额系统内同级排名", "count"),
    Column("ytd_change.rank_siblings", "较年初增量系统内同级排名", "count"),
    Column("balance.target_completion", "余额任务完成率（%）", "pct"),
    Column("ytd_change.target_completion", "增量任务完成率（%）", "pct"),
)
OVERVIEW_COLUMNS = (
    Column("balance", "余额（亿元）", "yi"), Column("mom_change", "较上月增量（亿元）", "yi"),
    Column("ytd_change", "较年初增量（亿元）", "yi"), Column("ytd_growth", "比年初增速（%）", "pct"),
    Column("gap_shown", "增速较各项贷款（个百分点，按所示增速相减）", "pp"),
    Column("share_of_all_loans", "占各项贷款比重（%）", "pct"), Column("customers", "贷款户数（户）", "count"),
    Column("ytd_disbursed", "当年累放（亿元）", "yi"), Column("avg_rate_balance", "余额加权平均利率（%）", "rate"),
    Column("avg_rate_ytd_disbursed", "当年累放加权平均利率（%）", "rate"), Column("npl_ratio", "不良率（%）", "pct"),
    Column("first_loan_customers", "当年首贷户（户）", "count"),
    Column("balance.rank_peers", "余额同业排名", "count"), Column("ytd_change.rank_peers", "增量同业排名", "count"),
    Column("balance.rank_siblings", "余额系统内排名", "count"),
    Column("ytd_change.rank_siblings", "增量系统内排名", "count"),
    Column("balance.target_completion", "余额任务完成率（%）", "pct"),
    Column("ytd_change.target_completion", "增量任务完成率（%）", "pct"),
)
CHART_SCOPES = ("tech", "green", "inclusive", "pension", "digital")
OVERVIEW_SCOPES = ("all_loans", "five_union", *CHART_SCOPES, "inclusive_micro")
NUMBER_FORMATS = {"wan": "#,##0.00", "yi": "#,##0.00", "pct": "0.00", "pp": "+0.00;-0.00;0.00", "rate": "0.00",
                  "count": "#,##0"}


def _formats(wb: Any) -> dict[str, Any]:
    base = {"font_name": "宋体", "font_size": 10, "border": 1}
    out = {
        "title": wb.add_format({"font_name": "黑体", "font_size": 16, "bold": True}),
        "sub": wb.add_format({"font_name": "宋体", "font_size": 10, "italic": True}),
        "head": wb.add_format({**base, "bold": True, "bg_color": "#DDEBF7", "text_wrap": True,
                               "align": "center", "valign": "vcenter"}),
        "text": wb.add_format(base),
        "own": wb.add_format({**base, "italic": True, "font_color": "#595959"}),
    }
    for kind, num in NUMBER_FORMATS.items():
        out[kind] = wb.add_format({**base, "num_format": num})
    return out


def _print_setup(ws: Any, header_rows: tuple[int, int]) -> None:
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(*header_rows)
    ws.hide_gridlines(2)
    ws.set_footer("&C第 &P 页，共 &N 页")
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)


HEADER_ROW = 3  # the header row of every sheet's main table (the 反诈 sheet's too)
HEADER_NOTE_BOX = {"x_scale": 1.8}  # a column's note: 230 × 74 px, four lines of ≈ 17 characters


class Blanks:
    """The unavailable cells of the workbook's tables, by table column, until their comments are placed."""

    def __init__(self) -> None:
        self.columns: dict[tuple[str, int, int], tuple[Any, list[tuple[int, str | None]]]] = {}

    def add(self, ws: Any, header_row: int, row: int, col: int, reason: str | None) -> None:
        key = (ws.name, header_row, col)
        column = self.columns.get(key)
        if column is None:
            column = self.columns[key] = (ws, [])
        column[1].append((row, reason))

    def write_comments(self) -> None:
        """Each table column's comments as :func:`workbook_rows.column_notes` places them."""
        for (_, header_row, col), (ws, blanks) in self.columns.items():
            notes = column_notes(blanks)
            if notes.header:  # a wider box: the note is longer than a cell's reason
                ws.write_comment(header_row, col, notes.header, HEADER_NOTE_BOX)
            for row, reason in notes.cells:
                write_comment(ws, row, col, reason)


def _write_cells(ws: Any, row: int, first_col: int, cells: tuple[Cell, ...], columns: tuple[Column, ...],
                 fmt: dict[str, Any], blanks: Blanks, header_row: int = HEADER_ROW) -> None:
    if len(cells) != len(columns):
        raise ValueError(f"{len(cells)} cells for {len(columns)} columns")
    put_row(ws, row, first_col, [None if c.value is None else float(c.value) for c in cells],
            [fmt[col.kind] for col in columns])
    for j, c in enumerate(cells, start=first_col):
        if c.value is None:
            blanks.add(ws, header_row, row, j, c.reason)


def _write(ws: Any, row: int, col: int, value: Decimal | None, kind: str, fmt: dict[str, Any],
           reason: str | None, *, blanks: Blanks) -> None:
    """One cell from an exact value (the writer other sheets use, their table's header on :data:`HEADER_ROW`):
    shown as :func:`workbook_rows.shown`, blank with its reason kept for the comments when unavailable."""
    _write_cells(ws, row, col, (Cell(shown(value, kind), reason),), (Column("", "", kind),), fmt, blanks)


def _overview(wb: Any, fmt: dict[str, Any], result: IndicatorResult, branch_id: str, institution: str,
              labels: dict[str, str], blanks: Blanks) -> None:
    ws = wb.add_worksheet("总览")
    ws.write_string(0, 0, f"{institution}“五篇大文章”经营情况（{result.as_of:%Y年%m月%d日}）", fmt["title"])
    ws.write_string(1, 0, f"填报机构：{institution}；口径：人民银行 2025 年五篇大文章专项统计；金额单位：亿元；"
                          "增速差按所示增速相减；排名 1 为最高", fmt["sub"])
    ws.write_string(HEADER_ROW, 0, "类别", fmt["head"])
    for j, col in enumerate(OVERVIEW_COLUMNS, start=1):
        ws.write_string(HEADER_ROW, j, col.header, fmt["head"])
    for i, scope in enumerate(OVERVIEW_SCOPES, start=HEADER_ROW + 1):
        ws.write_string(i, 0, labels[scope], fmt["text"])
        _write_cells(ws, i, 1, node_cells(result, branch_id, scope, OVERVIEW_COLUMNS), OVERVIEW_COLUMNS, fmt,
                     blanks)
    ws.set_column(0, 0, 22)
    ws.set_column(1, len(OVERVIEW_COLUMNS), 11)
    ws.set_row(3, 44)
    first = 4 + OVERVIEW_SCOPES.index("tech")  # the five categories are contiguous rows
    last = first + len(CHART_SCOPES) - 1
    chart = wb.add_chart({"type": "column"})
    for j, name in ((1, "余额（亿元）"), (3, "较年初增量（亿元）")):
        chart.add_series({"name": name, "categories": ["总览", first, 0, last, 0],
                          "values": ["总览", first, j, last, j], "data_labels": {"value": True}})
    chart.set_title({"name": "五篇大文章贷款余额与较年初增量（亿元）", "name_font": {"name": "黑体", "size": 12}})
    chart.set_x_axis({"num_font": {"name": "宋体"}})
    chart.set_legend({"position": "bottom", "font": {"name": "宋体"}})
    ws.insert_chart(4 + len(OVERVIEW_SCOPES) + 1, 0, chart, {"x_scale": 1.6, "y_scale": 1.2})
    _print_setup(ws, (3, 3))


def _category_sheet(wb: Any, fmt: dict[str, Any], result: IndicatorResult, tree: list[dict[str, Any]],
                    branch_id: str, scope: str, sheet: str, label: str, institution: str, blanks: Blanks) -> None:
    ws = wb.add_worksheet(sheet)
    ws.write_string(0, 0, f"{label}分机构情况（{result.as_of:%Y年%m月%d日}）", fmt["title"])
    ws.write_string(1, 0, f"填报机构：{institution}；金额单位：万元；户数按机构辖内去重，上级户数不等于下级之和；"
                          "“本级”= 本机构直接经办（上级所示金额 − 各下级所示金额）", fmt["sub"])
    ws.write_string(HEADER_ROW, 0, "机构号", fmt["head"])
    ws.write_string(HEADER_ROW, 1, "机构名称", fmt["head"])
    for j, col in enumerate(CATEGORY_COLUMNS, start=2):
        ws.write_string(HEADER_ROW, j, col.header, fmt["head"])
    rows: list[SheetRow] = sheet_rows(result, tree, scope, CATEGORY_COLUMNS)
    for i, r in enumerate(rows, start=HEADER_ROW + 1):
        style = fmt["own"] if r.own else fmt["text"]
        ws.write_string(i, 0, "" if r.own else r.branch_id, style)
        ws.write_string(i, 1, "　" * r.depth + r.name, style)
        _write_cells(ws, i, 2, r.cells, CATEGORY_COLUMNS, fmt, blanks)
    ws.set_column(0, 0, 10)
    ws.set_column(1, 1, 26)
    ws.set_column(2, 1 + len(CATEGORY_COLUMNS), 10)
    ws.set_row(3, 56)
    ws.freeze_panes(4, 2)
    children = [r for r in rows if not r.own and r.depth == 1]
    if children:
        start = 4 + len(rows) + 2  # chart data: the direct children, visible under the table
        ws.write_string(start, 1, "下级机构（图表数据）", fmt["head"])
        ws.write_string(start, 2, "余额（万元）", fmt["head"])
        for k, child in enumerate(children, start=start + 1):
            ws.write_string(k, 1, child.name, fmt["text"])
            _write_cells(ws, k, 2, child.cells[:1], CATEGORY_COLUMNS[:1], fmt, blanks, start)
        end = start + len(children)
        bar = wb.add_chart({"type": "bar"})
        bar.add_series({"name": "余额（万元）", "categories": [sheet, start + 1, 1, end, 1],
                        "values": [sheet, start + 1, 2, end, 2], "data_labels": {"value": True}})
        bar.set_title({"name": f"下级机构{label}余额（万元）", "name_font": {"name": "黑体", "size": 11}})
        bar.set_legend({"none": True})
        bar.set_y_axis({"reverse": True, "num_font": {"name": "宋体"}})
        ws.insert_chart(start, 4, bar, {"x_scale": 1.5, "y_scale": max(1.0, len(children) / 10)})
    _print_setup(ws, (3, 3))


def write_workbook(
    result: IndicatorResult, tree: list[dict[str, Any]], path: Path, *, branch_id: str, bank_name: str
) -> Path:
    """Write the workbook for ``branch_id``'s subtree; ``tree`` = rows of branch_nodes (id, name, parent, depth)
    in reading order; ``bank_name`` is the 填报机构 (the branch's own name for a ``--branch`` run)."""
    labels = {s.id: s.label for s in definitions().scopes}
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    wb.worksheet_class = worksheet_class()  # every sheet's cells written with less work (the same bytes)
    fmt = _formats(wb)
    blanks = Blanks()
    _overview(wb, fmt, result, branch_id, bank_name, labels, blanks)
    for scope, sheet in CATEGORY_SHEETS:
        _category_sheet(wb, fmt, result, tree, branch_id, scope, sheet, labels[scope], bank_name, blanks)
    # 柜面反诈 (issue 11), when anything was screened; its cells go through the same writer
    write_fraud_sheet(wb, fmt, result, tree, result.as_of, partial(_write, blanks=blanks))
    blanks.write_comments()
    with faster_comments():  # the comments' VML written with less work, the same bytes
        wb.close()
    return path

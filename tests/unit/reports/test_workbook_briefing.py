"""Management workbook cell values and the briefing text, against golden files."""

from __future__ import annotations

import json
import zipfile
from datetime import date
from pathlib import Path

from docx import Document
from openpyxl import load_workbook

from wupian.engine.metrics import branch_nodes
from wupian.engine.warehouse import Warehouse
from wupian.metrics import compute_indicators
from wupian.reports.briefing import build_briefing, to_markdown, write_briefing
from wupian.reports.run import dfs_order
from wupian.reports.workbook import write_workbook

from .golden import check_golden  # type: ignore[import-not-found]

AS_OF = date(2026, 3, 31)


def _workbook(bank: Warehouse, tmp_path: Path, name: str = "沧州分行") -> Path:
    r = compute_indicators(bank, AS_OF)
    tree = dfs_order(branch_nodes(bank, AS_OF).to_pylist(), "H")
    return write_workbook(r, tree, tmp_path / "wb.xlsx", branch_id="H", bank_name=name)


def test_workbook_cells_golden(bank: Warehouse, tmp_path: Path) -> None:
    path = _workbook(bank, tmp_path)
    wb = load_workbook(path)
    cells = {ws.title: [[c for c in row] for row in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    check_golden("workbook_cells.json", json.dumps(cells, ensure_ascii=False, indent=0, default=str) + "\n")
    ov = wb["总览"]
    heads = [c.value for c in ov[4]]
    row = {ov.cell(i, 1).value: {h: ov.cell(i, j + 1).value for j, h in enumerate(heads)} for i in range(5, 13)}
    assert row["绿色贷款"]["余额（亿元）"] == 0.32  # 绿色贷款 32,000,000 元 = 0.32 亿元
    gap = "增速较各项贷款（个百分点，按所示增速相减）"
    for label, values in row.items():  # the shown gap is the difference of the shown growths
        if values[gap] is not None:
            assert round(values["比年初增速（%）"] - row["各项贷款"]["比年初增速（%）"], 2) == values[gap], label
    assert row["绿色贷款"]["余额同业排名"] == 1 and row["绿色贷款"]["增量同业排名"] == 1
    assert ov["A2"].value.startswith("填报机构：沧州分行")
    assert ov.print_title_rows == "$4:$4"
    assert all(c.number_format in ("0.00", "General") for c in ov["K"][4:12])  # rates with two decimals


def test_workbook_own_rows_add_up_and_every_sheet_has_a_chart(bank: Warehouse, tmp_path: Path) -> None:
    path = _workbook(bank, tmp_path)
    ws = load_workbook(path)["绿色金融"]
    rows = [(ws.cell(i, 2).value, ws.cell(i, 3).value) for i in range(5, ws.max_row + 1) if ws.cell(i, 2).value]
    names = [n for n, _ in rows]
    assert names[:3] == ["沧州分行", "　本级", "　运河支行"]
    table = rows[:names.index("下级机构（图表数据）")]
    top = table[0][1]
    children = [v for n, v in table if n.startswith("　") and not n.startswith("　　")]  # 本级 + direct children
    assert round(sum(children), 2) == top
    with zipfile.ZipFile(path) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 7  # 总览 + six category sheets


def test_workbook_text_cells_are_strings(bank: Warehouse, tmp_path: Path) -> None:
    bank.execute("UPDATE branches SET name = '=HYPERLINK(\"http://x\")支行' WHERE branch_id = 'A1'")
    path = _workbook(bank, tmp_path, name="=1+1沧州分行")
    wb = load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            assert all(c.data_type != "f" for c in row), ws.title
    names = [c.value for c in wb["科技金融"]["B"] if isinstance(c.value, str)]
    assert any(n.endswith("=HYPERLINK(\"http://x\")支行") for n in names)
    assert wb["总览"]["A1"].value.startswith("=1+1沧州分行")


def test_briefing_text_golden_and_only_backed_sentences(bank: Warehouse, tmp_path: Path) -> None:
    r = compute_indicators(bank, AS_OF)
    b = build_briefing(r, "H", "沧州分行")
    check_golden("briefing_H.md", to_markdown(b, None, None))
    text = "".join(t for _, t in b.paragraphs)
    assert "绿色贷款余额达3200万元，较年初增加300万元，贷款余额和增量均保持同业第一" in text
    assert "个人养老金" not in text  # no such accounts: the sentence is left out
    md, docx, _ = write_briefing(r, "H", "沧州分行", tmp_path)
    assert "科技金融" in md.read_text("utf-8")
    assert any("绿色贷款" in p.text for p in Document(str(docx)).paragraphs)


def test_briefing_skips_ytd_sentences_without_prior_snapshot(bank: Warehouse) -> None:
    bank.execute("DELETE FROM loans WHERE as_of = DATE '2025-12-31'")
    text = "".join(t for _, t in build_briefing(compute_indicators(bank, AS_OF), "H", "沧州分行").paragraphs)
    assert "绿色贷款余额达3200万元" in text and "较年初增加300万元" not in text

"""Management workbook cell values and the briefing text, against golden files."""

from __future__ import annotations

import json
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


def test_workbook_cells_golden(bank: Warehouse, tmp_path: Path) -> None:
    r = compute_indicators(bank, AS_OF)
    tree = dfs_order(branch_nodes(bank, AS_OF).to_pylist(), "H")
    path = write_workbook(r, tree, tmp_path / "wb.xlsx", branch_id="H", bank_name="沧州分行")
    wb = load_workbook(path)
    cells = {ws.title: [[c for c in row] for row in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    check_golden("workbook_cells.json", json.dumps(cells, ensure_ascii=False, indent=0, default=str) + "\n")
    assert wb["总览"]["B7"].value == 0.32  # 绿色贷款 32,000,000 元 = 0.32 亿元
    assert wb["绿色金融"]["C5"].value == 3200.0  # 万元
    assert wb["总览"].print_title_rows == "$4:$4"


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

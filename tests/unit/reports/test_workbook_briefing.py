"""Management workbook cell values and the briefing text, against golden files."""

from __future__ import annotations

import json
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from support.edit_rows import update
from wupian.engine.metrics import branch_nodes
from wupian.engine.warehouse import Warehouse
from wupian.metrics import compute_indicators
from wupian.reports.briefing import briefing_name, build_briefing, to_markdown, write_briefing
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


def _text(b: object) -> str:
    return "".join(t for _, t in b.paragraphs)  # type: ignore[attr-defined]


def test_briefing_text_golden_and_only_backed_sentences(bank: Warehouse, tmp_path: Path) -> None:
    r = compute_indicators(bank, AS_OF)
    b = build_briefing(r, "H", "沧州分行")
    check_golden("briefing_H.md", to_markdown(b, None, None))
    text = _text(b)
    assert "该行绿色贷款余额达3200万元，较年初增加300万元" in text and "贷款余额和增量均保持同业第一" in text
    assert "个人养老金" not in text  # no such accounts: the sentence is left out
    assert text.count("沧州分行") == 1 and text.count("该行") >= 5  # the name once, then 该行
    for jargon in ("去重", "名录内", "清单式管理", "系统内"):  # no siblings given: no system-internal rank
        assert jargon not in text, jargon
    assert "新发放贷款加权平均利率3.28%" in text and "压缩至2个工作日内" in text
    assert "辖内高新技术企业1家，其中1家在该行获得贷款，获贷率100%。" in text  # for_each: {r} in text and when
    md, docx, _ = write_briefing(r, "H", "沧州分行", tmp_path)
    assert "科技金融" in md.read_text("utf-8")
    doc = Document(str(docx))
    assert any("绿色贷款" in p.text for p in doc.paragraphs)


def test_briefing_docx_is_a4_with_heading_styles_and_sources(bank: Warehouse, tmp_path: Path) -> None:
    _, docx, b = write_briefing(compute_indicators(bank, AS_OF), "H", "沧州分行", tmp_path)
    doc = Document(str(docx))
    section = doc.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    styles = [(p.style.name, p.text) for p in doc.paragraphs]
    assert styles[0] == ("Heading 1", b.title)
    assert [t for s, t in styles if s == "Heading 2"][:2] == ["科技金融：激活科创动能　赋能产业升级",
                                                            "绿色金融：厚植生态底色　助力绿色转型"]
    assert ("Heading 2", "数据来源（指标编号）") in styles
    assert any(t.startswith("green.balance") for _, t in styles)


def test_briefing_states_both_calibers_where_they_differ(bank: Warehouse) -> None:
    bank.insert_rows("loan_tags", None, "SELECT as_of, 'nfra_1104_2025' AS profile, loan_id, tag, "
                     "CASE WHEN tag IN ('tech', 'tech_industry') AND loan_id = 'L01' THEN amount - 1000000 "
                     "ELSE amount END AS amount, rule_ids, explanation, rulebook_version FROM loan_tags "
                     "WHERE profile = 'pboc_2025'")
    pboc = compute_indicators(bank, AS_OF)
    nfra = compute_indicators(bank, AS_OF, profile="nfra_1104_2025", ids=["*.balance"], store=False)
    b = build_briefing(pboc, "H", "沧州分行", nfra=nfra)
    text = _text(b)
    assert "科技贷款余额3510万元（人民银行口径；金融监管总局1104口径为3410万元）" in text
    assert "绿色贷款余额达3200万元，" in text  # same figure under both: no remark
    assert "nfra:tech.balance" in b.used


def test_briefing_leaves_out_declines_zero_channels_and_ranks_without_siblings(bank: Warehouse) -> None:
    bank.execute("UPDATE processes SET channel = 'offline' WHERE process = 'corporate_account_opening'")
    update(bank, "loans", {"balance": "1000000"}, "as_of = DATE '2026-03-31' AND loan_id = 'L09'")
    update(bank, "loan_tags", {"amount": "1000000"}, "as_of = DATE '2026-03-31' AND loan_id = 'L09'")
    r = compute_indicators(bank, AS_OF)
    assert r.value("H", "pension.ytd_change") is not None and r.value("H", "pension.ytd_change") < 0  # type: ignore[operator]
    text = _text(build_briefing(r, "H", "沧州分行", siblings=3))
    assert "线上渠道" not in text and "对公开户平均办理时长30分钟。" in text
    assert "该行养老产业贷款余额6100万元。" in text and "减少" not in text
    assert "系统内" not in text  # the root has no sibling ranks
    branch = _text(build_briefing(r, "A1", "运河支行", siblings=2))
    assert "居系统内同级机构第" in branch and "同业" not in branch  # whole-bank peers are not ranked against a branch


def test_briefing_skips_ytd_sentences_without_prior_snapshot(bank: Warehouse) -> None:
    bank.delete_date("loans", date(2025, 12, 31))
    text = _text(build_briefing(compute_indicators(bank, AS_OF), "H", "沧州分行"))
    assert "绿色贷款余额达3200万元" in text and "较年初增加300万元" not in text


def test_briefing_name_of_a_head_office() -> None:
    assert briefing_name("五篇示范银行总行") == "五篇示范银行" and briefing_name("沧州分行") == "沧州分行"


def test_workbook_shows_ranks_completion_and_mom_reasons(bank: Warehouse, tmp_path: Path) -> None:
    r = compute_indicators(bank, AS_OF)
    wb = load_workbook(_workbook(bank, tmp_path))
    ov = wb["总览"]
    heads = [c.value for c in ov[4]]
    green = next(i for i in range(5, 13) if ov.cell(i, 1).value == "绿色贷款")
    completion = r.value("H", "green.ytd_change.target_completion")  # the fixture's target is on the increment
    cell = ov.cell(green, heads.index("增量任务完成率（%）") + 1)
    assert completion is not None and cell.value == float(completion.quantize(Decimal("0.01")))
    mom = ov.cell(green, heads.index("较上月增量（亿元）") + 1)
    assert mom.value is None and mom.comment is None  # no February snapshot: blank, the reason on the column
    head = ov.cell(4, heads.index("较上月增量（亿元）") + 1).comment
    assert head is not None and head.text.startswith("本列空白单元格") and "2026-02-28" in head.text
    ws = wb["绿色金融"]
    sheet_heads = [c.value for c in ws[4]]
    col = sheet_heads.index("余额系统内同级排名") + 1
    ranks = {ws.cell(i, 1).value: ws.cell(i, col).value for i in range(5, ws.max_row + 1) if ws.cell(i, 1).value}
    assert ranks["A"] == float(r.value("A", "green.balance.rank_siblings"))  # type: ignore[arg-type]
    assert ranks["B"] == float(r.value("B", "green.balance.rank_siblings"))  # type: ignore[arg-type]



def test_briefing_chart_writes_amounts_as_the_text_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each bar's label is its balance in 亿元 rounded half-up to two places, trailing zeros dropped — the form the
    briefing's sentences use (``numbers.trim``) — never a float's six significant digits (11365.74 shown as
    11365.7)."""
    from wupian.reports import briefing
    from wupian.reports.briefing import cjk_font, write_chart

    if cjk_font() is None:
        pytest.skip("no CJK font: the briefing has no chart")
    balances = {"tech.balance": Decimal("154068000000.00"), "green.balance": Decimal("1136574019500.00"),
                "inclusive.balance": Decimal("1921754000000.00"), "pension.balance": Decimal("16914499.99"),
                "digital.balance": Decimal("5000000.00")}

    class Result:  # the two things the chart reads of an IndicatorResult
        as_of = AS_OF

        def value(self, branch_id: str, indicator_id: str) -> Decimal | None:
            return balances.get(indicator_id) if branch_id == "H" else None

    drawn = []
    real = briefing.draw_chart
    monkeypatch.setattr(briefing, "draw_chart", lambda *a: drawn.append(real(*a)) or drawn[-1])
    assert write_chart(Result(), "H", tmp_path / "chart.png") is not None  # type: ignore[arg-type]
    texts = [t.text for t in drawn[0].texts]
    labels = texts[1:11:2]  # after the title: each bar's amount, then its category name
    assert labels == ["1540.68", "11365.74", "19217.54", "0.17", "0.05"]
    assert texts[2:11:2] == ["科技贷款", "绿色贷款", "普惠贷款", "养老产业贷款", "数字经济产业贷款"]

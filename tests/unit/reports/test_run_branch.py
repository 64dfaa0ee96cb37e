"""``generate_reports`` for a branch subtree (``--branch``): the branch's own name as 填报机构 everywhere, clean
reconciliation, and the new indicators behind the workbook and briefing (较上月, 占比, 名录客户贷款余额)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook

from wupian.engine.warehouse import Warehouse
from wupian.metrics import compute_indicators
from wupian.reports.run import generate_reports

AS_OF = date(2026, 3, 31)


def test_branch_run_files_carry_the_branch_name(bank: Warehouse, tmp_path: Path) -> None:
    name = bank.rows("SELECT name FROM branches WHERE as_of = ? AND branch_id = 'A'", [AS_OF])[0]["name"]
    run = generate_reports(bank, AS_OF, "all", tmp_path, branch_id="A", uscc="91130900MA0BANK010")
    assert [i.code for i in run.issues if i.level.name == "ERROR"] == []
    s70 = load_workbook(next(p for p in run.files if p.name.startswith("S70"))).active
    assert s70["A2"].value == f"填报机构：{name}"
    wb = load_workbook(next(p for p in run.files if p.name.startswith("workbook_A_")))
    assert wb["总览"]["A2"].value.startswith(f"填报机构：{name}") and wb["科技金融"]["B5"].value == name
    md = next(p for p in run.files if p.suffix == ".md").read_text("utf-8")
    assert md.startswith(f"# {name}") and "同业" not in md  # whole-bank peers are not compared with a branch


def test_share_month_and_registry_loan_balance_indicators(bank: Warehouse) -> None:
    r = compute_indicators(bank, AS_OF)
    green, total = r.value("H", "green.balance"), r.value("H", "all_loans.balance")
    assert green is not None and total is not None
    assert r.value("H", "green.share_of_all_loans") == (green * 100 / total).quantize(Decimal("0.0001"))
    assert r.value("H", "all_loans.share_of_all_loans") == Decimal("100.0000")
    mom = r.get("H", "green.mom_change")
    assert mom is not None and mom.value is None and "2026-02-28" in (mom.unavailable_reason or "")
    # 沧州市中心医院 (C06) is on the medical-insurance registry; its loan L07 is 60,000,000 元
    assert r.value("H", "coverage.medical_insurance_institution.loan_balance") == Decimal("60000000.00")

"""NFRA 1104 tables (golden values, xlsx layout) and reconciliation failures."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from openpyxl import load_workbook

from wupian.core.issues import Level
from wupian.engine.warehouse import Warehouse
from wupian.metrics import compute_indicators
from wupian.reports.nfra import compute_tables, write_nfra_xlsx
from wupian.reports.reconcile import reconcile

from .golden import check_golden  # type: ignore[import-not-found]

AS_OF = date(2026, 3, 31)


def test_nfra_tables_golden_and_layout(bank: Warehouse, tmp_path: Path) -> None:
    tables, issues = compute_tables(bank, AS_OF)
    assert [i.code for i in issues] == ["WP-NFRA-001"]  # no nfra_1104_2025 classification in the fixture
    data = {t.id: [[code, label, *[str(v) for v in values]] for code, label, values in t.rows] for t in tables}
    check_golden("nfra_tables.json", json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    s75 = {code: values for code, _, values in next(t for t in tables if t.id == "S75").rows}
    assert str(s75["1.1.4"][0]) == "150000.00"  # 农户 L06
    paths = write_nfra_xlsx(tables, tmp_path, AS_OF, institution="沧州分行")
    ws = load_workbook(paths[0]).active
    assert ws["A1"].value == "S70 科技金融情况表" and ws["C3"].value == "A" and ws["F4"].value == "贷款余额"
    assert ws["A5"].value == "1" and ws["F5"].value == 35100000.0


def test_reconciliation_is_clean_then_catches_differences(bank: Warehouse) -> None:
    assert reconcile(bank, compute_indicators(bank, AS_OF)) == []
    bank.execute("UPDATE loan_tags SET amount = 200000000 WHERE as_of = DATE '2026-03-31' AND loan_id = 'L07' AND tag = 'pension'")
    codes = {i.code for i in reconcile(bank, compute_indicators(bank, AS_OF)) if i.level == Level.ERROR}
    assert {"WP-RECON-001", "WP-RECON-002", "WP-RECON-005"} <= codes


def test_reconciliation_catches_a_broken_branch_tree(bank: Warehouse) -> None:
    bank.execute("DELETE FROM branch_closure WHERE as_of = DATE '2026-03-31' AND ancestor_id = 'H' AND descendant_id = 'A1'")
    codes = {i.code for i in reconcile(bank, compute_indicators(bank, AS_OF))}
    assert "WP-RECON-006" in codes and "WP-RECON-004" in codes

"""NFRA 1104 tables (golden values in 万元, xlsx layout, note rows, 转贴现 column, 长辈客群) and reconciliation failures."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from support.edit_rows import update
from wupian.core.issues import Level
from wupian.engine.warehouse import Warehouse
from wupian.metrics import compute_indicators
from wupian.reports.nfra import NfraTable, check_tables, compute_tables, wan
from wupian.reports.nfra_xlsx import write_nfra_xlsx
from wupian.reports.reconcile import reconcile

from .golden import check_golden  # type: ignore[import-not-found]

AS_OF = date(2026, 3, 31)


def _table(tables: list[NfraTable], table_id: str) -> NfraTable:
    return next(t for t in tables if t.id == table_id)


def _cells(tables: list[NfraTable], table_id: str) -> dict[str, tuple[Decimal | int | None, ...]]:
    return {r.code: r.values for r in _table(tables, table_id).rows}


def test_nfra_tables_golden_in_wan(bank: Warehouse) -> None:
    tables, issues = compute_tables(bank, AS_OF)
    assert [i.code for i in issues] == ["WP-NFRA-001"]  # no nfra_1104_2025 classification in the fixture
    data = {t.id: [[p.heading, [[r.code, r.label, *[str(v) for v in r.values], r.note] for r in p.rows]]
                   for p in t.parts] for t in tables}
    check_golden("nfra_tables.json", json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    s70, s75 = _cells(tables, "S70"), _cells(tables, "S75")
    assert s75["1.1.4"][0] == Decimal("15.00")  # 农户 L06: 150,000 元 = 15.00 万元
    assert s70["1"][3] == Decimal("3510.00")  # 科技贷款余额 35,100,000 元
    assert s70["1"][7] == Decimal("21.01")  # 年化利息收益 210,100 元 = 21.01 万元
    assert check_tables(tables) == []


def test_s70_column_i_counts_rediscounted_bills_of_the_row(bank: Warehouse) -> None:
    # L10: 转贴现 of 1,000,000 元, borrower C02 is a 高新技术企业 — outside every category, but in column I
    s70 = _cells(compute_tables(bank, AS_OF)[0], "S70")
    assert s70["1"][8] == s70["1.1"][8] == s70["1.1.1"][8] == Decimal("100.00")
    assert s70["1.1.2"][8] == s70["1.2"][8] == Decimal("0.00")
    update(bank, "loans", {"status": "'written_off'"}, "loan_id = 'L10'")
    assert _cells(compute_tables(bank, AS_OF)[0], "S70")["1"][8] == Decimal("0.00")


def test_s73_elderly_loans_and_note_rows(bank: Warehouse) -> None:
    tables = compute_tables(bank, AS_OF)[0]
    s73 = _table(tables, "S73")
    assert [p.heading is None for p in s73.parts] == [True, False]
    rows = {r.code: r for r in s73.parts[1].rows}
    assert rows["9.2"].values == (0, Decimal("0.00"))  # no birth dates in the fixture
    assert rows["7.1"].values == (None, None) and "存款" in (rows["7.1"].note or "")
    update(bank, "customers", {"birth_date": "DATE '1971-06-30'"}, "customer_id = 'C07'")  # 2026 − 1971 = 55
    rows = {r.code: r for r in _table(compute_tables(bank, AS_OF)[0], "S73").parts[1].rows}
    assert rows["9.2"].values == (1, Decimal("90.00"))  # L08 900,000 元 (L11 is written off)
    update(bank, "customers", {"birth_date": "DATE '1972-01-01'"}, "customer_id = 'C07'")  # 54
    rows = {r.code: r for r in _table(compute_tables(bank, AS_OF)[0], "S73").parts[1].rows}
    assert rows["9.2"].values == (0, Decimal("0.00"))


def test_wan_rounds_half_up_from_exact_yuan() -> None:
    assert wan(Decimal("12345.00")) == Decimal("1.23") and wan(Decimal("12350.00")) == Decimal("1.24")
    assert wan(Decimal("50064701728.12")) == Decimal("5006470.17")


def test_check_tables_catches_a_sub_item_above_its_parent(bank: Warehouse) -> None:
    tables = compute_tables(bank, AS_OF)[0]
    s70 = _table(tables, "S70")
    part = s70.parts[0]
    bad_rows = tuple(replace(r, values=(r.values[0] + 99, *r.values[1:])) if r.code == "1.1.1" else r  # type: ignore[operator]
                     for r in part.rows)
    broken = [replace(s70, parts=(replace(part, rows=bad_rows),))]
    assert [i.code for i in check_tables(broken)] == ["WP-RECON-008"]
    r = compute_indicators(bank, AS_OF)
    assert check_tables(tables, {"tech": r.value("H", "tech.balance")}) == []  # type: ignore[dict-item]
    issues = check_tables(tables, {"tech": Decimal("1.00")})
    assert [i.code for i in issues] == ["WP-RECON-009"] and issues[0].level == Level.ERROR


def test_nfra_xlsx_layout_unit_and_text_cells(bank: Warehouse, tmp_path: Path) -> None:
    tables = compute_tables(bank, AS_OF)[0]
    paths = write_nfra_xlsx(tables, tmp_path, AS_OF, institution="=HYPERLINK(\"x\")沧州分行")
    ws = load_workbook(paths[0]).active
    assert ws["A1"].value == "S70 科技金融情况表" and ws["C3"].value == "A" and ws["F4"].value == "贷款余额"
    assert ws["A5"].value == "1" and ws["F5"].value == 3510.0 and ws["K5"].value == 100.0
    assert ws["A2"].value == "填报机构：=HYPERLINK(\"x\")沧州分行" and ws["A2"].data_type == "s"
    assert ws.cell(2, 11).value == "单位：万元、户"
    s73 = load_workbook(next(p for p in paths if p.name.startswith("S73"))).active
    texts = [c.value for row in s73.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(t.startswith("养老金融服务") for t in texts) and any("本表未填报" in t for t in texts)
    for path in paths:
        for row in load_workbook(path).active.iter_rows():
            assert all(c.data_type != "f" for c in row)


def test_reconciliation_is_clean_then_catches_differences(bank: Warehouse) -> None:
    assert reconcile(bank, compute_indicators(bank, AS_OF)) == []
    update(bank, "loan_tags", {"amount": "200000000"},
           "as_of = DATE '2026-03-31' AND loan_id = 'L07' AND tag = 'pension'")
    codes = {i.code for i in reconcile(bank, compute_indicators(bank, AS_OF)) if i.level == Level.ERROR}
    assert {"WP-RECON-001", "WP-RECON-002", "WP-RECON-005"} <= codes


def test_reconciliation_catches_a_broken_branch_tree(bank: Warehouse) -> None:
    bank.execute("DELETE FROM branch_closure WHERE as_of = DATE '2026-03-31' AND ancestor_id = 'H' AND descendant_id = 'A1'")
    codes = {i.code for i in reconcile(bank, compute_indicators(bank, AS_OF))}
    assert "WP-RECON-006" in codes and "WP-RECON-004" in codes


def test_s71_credit_bands_upper_bound_inclusive_and_no_bills(bank: Warehouse) -> None:
    cols = [c for c, _ in _table(compute_tables(bank, AS_OF)[0], "S71").parts[0].columns]

    def row1() -> dict[str, Decimal | int | None]:
        return dict(zip(cols, _cells(compute_tables(bank, AS_OF)[0], "S71")["1"], strict=True))

    r = row1()  # C03 micro 300万 (L04 150万 + bill L13 60万), C02 small 800万 (L03 500万), C08 small 600万 (L09 400万)
    assert (r["A2"], r["A3"], r["A5"], r["B5"]) == (Decimal("210.00"), Decimal("900.00"), Decimal("1050.00"), 3)
    update(bank, "customers", {"credit_limit_total": "10000000"}, "as_of = DATE '2026-03-31' AND customer_id = 'C02'")
    assert row1()["A3"] == Decimal("900.00")  # exactly 1000万: still ≤ 1000万
    update(bank, "customers", {"credit_limit_total": "10000001"}, "as_of = DATE '2026-03-31' AND customer_id = 'C02'")
    r = row1()
    assert (r["A3"], r["A4"], r["A5"]) == (Decimal("400.00"), Decimal("500.00"), Decimal("550.00"))


def test_the_snapshot_total_is_the_exact_sum_of_the_in_scope_balances(bank: Warehouse) -> None:
    """WP-RECON-004 names the snapshot's in-scope total (summed per booking branch in one scan, then exactly)."""
    from wupian.engine.loan_scope import in_scope_sql

    bank.execute("DELETE FROM branch_closure WHERE as_of = DATE '2026-03-31' AND ancestor_id = 'H' AND descendant_id = 'A1'")
    want = bank.scalar("SELECT CAST(sum(balance) AS DECIMAL(38, 2)) FROM loans l "
                       f"WHERE as_of = DATE '2026-03-31' AND {in_scope_sql('l')}")
    found = [i.message for i in reconcile(bank, compute_indicators(bank, AS_OF)) if i.code == "WP-RECON-004"]
    assert len(found) == 1 and found[0].endswith(f"与快照贷款余额合计 {want} 不符") and "." in str(want)


def _rows_logged(bank: Warehouse, monkeypatch: Any) -> list[str]:
    """The statements ``bank.rows`` runs from now on, in order (it still runs them)."""
    ran: list[str] = []
    rows = bank.rows

    def spy(sql: str, params: Any = None) -> Any:
        ran.append(sql)
        return rows(sql, params)

    monkeypatch.setattr(bank, "rows", spy)
    return ran


def test_oversized_tags_counted_first_listed_only_when_found(bank: Warehouse, monkeypatch: Any) -> None:
    """WP-RECON-005: a tag amount equal to its loan's balance is clean, a cent above is found, and so is a tag row
    whose loan is missing; the rows are listed (the second statement) only when the counts find one."""
    import wupian.engine.metrics_reports as mr

    ran = _rows_logged(bank, monkeypatch)
    assert mr.oversized_tags(bank, AS_OF, "pboc_2025") == [] and len(ran) == 1
    where = "as_of = DATE '2026-03-31' AND loan_id = 'L07' AND tag = 'pension'"
    balance = "(SELECT balance FROM loans WHERE as_of = DATE '2026-03-31' AND loan_id = 'L07')"
    update(bank, "loan_tags", {"amount": balance}, where)
    assert mr.oversized_tags(bank, AS_OF, "pboc_2025") == []
    update(bank, "loan_tags", {"amount": f"{balance} + 0.01"}, where)
    ran.clear()
    found = mr.oversized_tags(bank, AS_OF, "pboc_2025")
    assert [(r["loan_id"], r["tag"], r["amount"] - r["balance"]) for r in found] == [("L07", "pension", Decimal("0.01"))]
    assert len(ran) == 2
    update(bank, "loan_tags", {"amount": balance, "loan_id": "'L07-gone'"}, where)
    found = mr.oversized_tags(bank, AS_OF, "pboc_2025")
    assert [(r["loan_id"], r["tag"], r["balance"]) for r in found] == [("L07-gone", "pension", None)]
    issues = [i for i in reconcile(bank, compute_indicators(bank, AS_OF)) if i.code == "WP-RECON-005"]
    assert [i.message for i in issues] == ["分类结果引用的借据在快照中不存在"]


def test_oversized_tags_read_the_counts_of_the_indicator_statement(bank: Warehouse, monkeypatch: Any) -> None:
    """WP-RECON-005 without a second join of the tag rows to the loans: the loan indicator statement counts them
    on its way (``metrics_loans.TagCounts``), the same figures as the check's own count; counts of other parts (a
    re-classification since) are not trusted, and a finding is still listed with its message."""
    import wupian.engine.metrics_reports as mr

    count_sql = ("SELECT (SELECT count(*) FROM loan_tags WHERE as_of = ? AND profile = ?) AS total, count(*) AS met, "
                 "count(*) FILTER (WHERE t.amount > l.balance) AS above FROM loan_tags t JOIN loans l "
                 "ON l.as_of = t.as_of AND l.loan_id = t.loan_id WHERE t.as_of = ? AND t.profile = ?")

    def own_count() -> tuple[int, int, int]:
        r = bank.rows(count_sql, [AS_OF, "pboc_2025", AS_OF, "pboc_2025"])[0]
        return r["total"], r["met"], r["above"]

    result = compute_indicators(bank, AS_OF)
    counted = result.tag_counts
    assert counted is not None and (counted.total, counted.met, counted.above) == own_count()
    assert counted.total > 0 and counted.met == counted.total and counted.above == 0
    ran = _rows_logged(bank, monkeypatch)
    assert mr.oversized_tags(bank, AS_OF, "pboc_2025", counted) == [] and ran == []
    assert not [i for i in reconcile(bank, result) if i.code == "WP-RECON-005"]
    assert not [s for s in ran if "FROM loan_tags t" in s]  # neither the count nor the listing ran
    assert mr.oversized_tags(bank, AS_OF, "nfra_1104_2025", counted) == [] and len(ran) >= 1  # another profile: counted
    where = "as_of = DATE '2026-03-31' AND loan_id = 'L07' AND tag = 'pension'"
    balance = "(SELECT balance FROM loans WHERE as_of = DATE '2026-03-31' AND loan_id = 'L07')"
    update(bank, "loan_tags", {"amount": f"{balance} + 0.01"}, where)
    ran.clear()
    # the old counts stand for other parts: counted again, and found
    found = mr.oversized_tags(bank, AS_OF, "pboc_2025", counted)
    assert [(r["loan_id"], r["tag"]) for r in found] == [("L07", "pension")] and len(ran) == 2
    fresh = compute_indicators(bank, AS_OF).tag_counts
    assert fresh is not None and (fresh.total, fresh.met, fresh.above) == own_count() and fresh.above == 1
    ran.clear()
    found = mr.oversized_tags(bank, AS_OF, "pboc_2025", fresh)
    assert [(r["loan_id"], r["tag"]) for r in found] == [("L07", "pension")] and len(ran) == 1  # the listing only
    update(bank, "loan_tags", {"amount": balance, "loan_id": "'L07-gone'"}, where)
    result = compute_indicators(bank, AS_OF)
    assert result.tag_counts is not None and result.tag_counts.met == result.tag_counts.total - 1
    issues = [i for i in reconcile(bank, result) if i.code == "WP-RECON-005"]
    assert [i.message for i in issues] == ["分类结果引用的借据在快照中不存在"]

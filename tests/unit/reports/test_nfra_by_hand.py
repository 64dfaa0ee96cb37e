"""NFRA S75 (普惠贷款情况表) of the fixture bank, every cell worked out by hand from tests/golden/reports/bank
(independent of the golden JSON): 万元 with two decimals, half-up, from exact yuan; 户数 distinct customers.

At 2026-03-31 (balance × rate = annualised interest of what was disbursed this year):
  L03 C02 small enterprise (授信 800万)   balance 5,000,000 @3.45  drawn 2026-01-15  → interest 172,500
  L04 C03 micro enterprise (授信 300万)   balance 1,500,000 @3.80  drawn 2025-05-20, substandard (不良)
  L09 C08 small enterprise (授信 600万)   balance 4,000,000 @3.30  drawn 2026-03-20 but 重组 (not a new loan)
  L12 C03                                balance 0 (settled)      drawn 2026-01-10 800,000 @3.50 → 28,000
  L13 C03 票据直贴                        balance   600,000 @1.60  drawn 2026-03-05  → interest 9,600
  L05 C04 个体工商户 (授信 50万)          balance   300,000 @3.65  drawn 2026-03-01  → interest 10,950
  L06 C05 农户 (授信 30万)                balance   150,000 @4.10  drawn 2025-09-01
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from support.edit_rows import update
from wupian.engine.warehouse import Warehouse
from wupian.reports.nfra import compute_tables

AS_OF = date(2026, 3, 31)


def s75(bank: Warehouse) -> dict[str, tuple[object, ...]]:
    table = next(t for t in compute_tables(bank, AS_OF)[0] if t.id == "S75")
    assert [c for c, _ in table.parts[0].columns] == ["A", "B", "C", "D", "E"]
    return {r.code: r.values for r in table.parts[0].rows}


def test_s75_every_cell_by_hand(bank: Warehouse) -> None:
    cells = s75(bank)
    # 1.1.1: L03 500 + L04 150 + L09 400 + L13 60 = 1110万元; C02, C03, C08; 不良 L04 150;
    #        累放 L03 500 + L12 80 + L13 60 = 640 (L09 is a 重组); interest 172,500 + 28,000 + 9,600 = 210,100元
    assert cells["1.1.1"] == (D("1110.00"), 3, D("150.00"), D("640.00"), D("21.01"))
    assert cells["1.1.2"] == (D("30.00"), 1, D("0.00"), D("30.00"), D("1.10"))  # 10,950元 = 1.095 → 1.10 half-up
    assert cells["1.1.3"] == (D("0.00"), 0, D("0.00"), D("0.00"), D("0.00"))
    assert cells["1.1.4"] == (D("15.00"), 1, D("0.00"), D("0.00"), D("0.00"))  # drawn last year: no 累放
    assert cells["1.2"] == (D("0.00"), 0, D("0.00"), D("0.00"), D("0.00"))
    # 1 and 1.1: the sum of their parts, interest rounded once from 221,050元 (22.105 → 22.11)
    assert cells["1"] == cells["1.1"] == (D("1155.00"), 5, D("150.00"), D("670.00"), D("22.11"))


def test_s75_follows_the_rows_it_is_made_of(bank: Warehouse) -> None:
    update(bank, "loans", {"is_restructured": "false"}, "as_of = DATE '2026-03-31' AND loan_id = 'L09'")
    cells = s75(bank)  # L09 now counts as disbursed this year: + 400万, + 132,000元 interest
    assert cells["1.1.1"] == (D("1110.00"), 3, D("150.00"), D("1040.00"), D("34.21"))
    update(bank, "loans", {"five_class": "'normal'"}, "as_of = DATE '2026-03-31' AND loan_id = 'L04'")
    update(bank, "loans", {"balance": "1050.00"}, "as_of = DATE '2026-03-31' AND loan_id = 'L06'")
    update(bank, "loan_tags", {"amount": "1050.00"}, "as_of = DATE '2026-03-31' AND loan_id = 'L06'")
    cells = s75(bank)
    assert cells["1.1.1"][2] == D("0.00") and cells["1"][2] == D("0.00")
    assert cells["1.1.4"][0] == D("0.11")  # 1,050元 = 0.105万元 → 0.11 half-up (never 0.10, banker's rounding)
    assert cells["1"][0] == D("1140.11")  # 11,400,000 + 1,050 = 1140.105万元 → 1140.11

"""``fraud.*`` indicators for a branch subtree and month (with sibling ranks), the 反诈 briefing paragraph and the
workbook sheet, from screened requests and cases worked to their outcomes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from support import screening_bank as bank
from wupian.engine.warehouse import Warehouse
from wupian.metrics import compute_indicators
from wupian.monitor.screening import WarehouseCaseStore, move, open_or_join, screen_all
from wupian.reports.briefing import build_briefing
from wupian.reports.workbook import write_workbook

JAN = dt.datetime(2026, 1, 20, 10, 0)


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    reqs = [
        bank.request("J-HIGH", "K0104", "A104", "cash_withdrawal", "50000.00", JAN),
        bank.request("J-MED", "K0002", "A001", "cash_withdrawal", "30000.00", JAN, branch_id="O002"),
        bank.request("J-LOW", "K0103", "A103", "cash_withdrawal", "20000.00", JAN),
        bank.request("F-OUT", "K0104", "A104", "cash_withdrawal", "20000.00", dt.datetime(2026, 2, 3, 10)),
    ]
    obs = [("J-HIGH", "authority_story", ""), ("J-HIGH", "on_call", ""), ("J-MED", "anxious", ""),
           ("J-MED", "evasive", ""), ("J-MED", "purpose_inconsistent", "")]
    w = bank.build(tmp_path_factory.mktemp("ind"), requests=reqs, observations=obs)
    store = WarehouseCaseStore(w)
    decisions = {d.request_id: d for d in screen_all(w, date_to=dt.date(2026, 1, 31))}
    assert {k: d.band for k, d in decisions.items()} == {"J-HIGH": "high", "J-MED": "medium", "J-LOW": "low"}
    high = open_or_join(store, decisions["J-HIGH"])
    med = open_or_join(store, decisions["J-MED"])
    assert high and med and open_or_join(store, decisions["J-LOW"]) is None
    move(store, high.case_id, "police_contacted", actor="T1", note="96110", at=JAN + dt.timedelta(minutes=12))
    move(store, high.case_id, "closed", actor="T1", note="放弃取现", outcome="prevented", amount=Decimal("50000"),
         second_actor="S1", at=JAN + dt.timedelta(minutes=40))
    move(store, med.case_id, "closed", actor="T2", note="有购房合同", outcome="not_fraud", second_actor=None,
         exempt_days=30, at=JAN + dt.timedelta(minutes=30))
    return w


def test_fraud_indicators_roll_up_with_ranks(wh: Warehouse) -> None:
    res = compute_indicators(wh, bank.AS_OF, ids=["fraud.*"], store=False)
    v = res.value
    assert v("H001", "fraud.screened") == 3  # February's request is not in January
    assert v("O001", "fraud.screened") == 2 and v("O002", "fraud.screened") == 1
    assert (v("H001", "fraud.alerts_high"), v("H001", "fraud.alerts_medium")) == (1, 1)
    assert v("H001", "fraud.alert_rate") == Decimal("66.6667")
    assert v("H001", "fraud.prevented_count") == 1 and v("H001", "fraud.prevented_amount") == Decimal("50000.00")
    assert v("O002", "fraud.not_fraud_count") == 1 and v("O002", "fraud.prevented_count") == 0
    assert v("H001", "fraud.median_minutes_to_police") == Decimal("12.00")
    assert v("O002", "fraud.median_minutes_to_police") is None
    assert v("O001", "fraud.prevented_amount.rank_siblings") == 1
    assert v("O002", "fraud.prevented_amount.rank_siblings") == 2


def test_no_screening_no_fraud_values(wh: Warehouse) -> None:
    res = compute_indicators(wh, dt.date(2025, 12, 31), ids=["fraud.*"], store=False) \
        if wh.scalar("SELECT count(*) FROM branches WHERE as_of = '2025-12-31'") else None
    assert res is None or not res.to_arrow().num_rows


def test_briefing_and_workbook_section(wh: Warehouse, tmp_path: Path) -> None:
    res = compute_indicators(wh, bank.AS_OF, store=False)
    b = build_briefing(res, "H001", "测试银行")
    text = dict((h, t) for h, t in b.paragraphs if h)["金融为民：守好群众“钱袋子”　柜面反诈见实效"]
    assert "柜面筛查大额交易3笔" in text and "柜面成功劝阻1起，避免损失5万元" in text
    tree = wh.rows("SELECT branch_id, name, parent_id, 0 AS tree_depth FROM branches WHERE as_of = ? "
                   "ORDER BY parent_id NULLS FIRST, branch_id", [bank.AS_OF])
    path = write_workbook(res, tree, tmp_path / "w.xlsx", branch_id="H001", bank_name="测试银行")
    ws = openpyxl.load_workbook(path)["柜面反诈"]
    header = [c.value for c in ws[4]]
    assert header[2] == "筛查笔数" and ws.cell(5, 1).value == "H001"
    assert ws.cell(5, 3).value == 3 and ws.cell(5, 10).value == 5  # 劝阻成功金额 5万元
    assert header[-2:] == ["劝阻笔数同级排名", "劝阻金额同级排名"]
    rows = {ws.cell(r, 1).value: [c.value for c in ws[r]] for r in range(5, ws.max_row + 1)}
    assert rows["O001"][-1] == 1 and rows["O002"][-1] == 2  # 5万元 prevented at O001, none at O002

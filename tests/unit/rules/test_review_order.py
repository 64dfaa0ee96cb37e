"""Review worklist reasons list the matching catalogue entries in code-then-name order, every run (they used to
come in hash order, so the same inputs could print a different CSV)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from wupian.engine.warehouse import Warehouse
from wupian.rules import review_worklist

CUSTOMERS = """客户号,客户名称,客户类型,证件代码,所属行业,从业人员数,营业收入,企业规模
C1,甲医药,企业法人,91000000000000001A,8412,45,23000000.00,小型
"""
LOANS = """贷款借据编码,客户号,业务类别,贷款产品类别,贷款余额,贷款实际投向
L1,C1,单位贷款,F022,4000000.00,8412
"""


def test_possibly_missed_reason_lists_entries_in_order(wh: Warehouse, load: Callable[..., int]) -> None:
    load(wh, "customers", CUSTOMERS)
    load(wh, "loans", LOANS)
    rows = [r for r in review_worklist(wh, date(2025, 12, 31)).to_pylist() if r["field"] == "tech_se"]
    assert len(rows) == 1
    reason = rows[0]["reason"]
    inner = reason[reason.index("（") + 1: reason.index("）")].split("、")
    assert len(inner) >= 2 and inner == sorted(inner), reason
    assert "SE04 生物医学工程相关服务、SE04 生物医药相关服务" in reason

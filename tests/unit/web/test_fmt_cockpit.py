"""Banker's number forms on the pages and the cockpit's table/ranking helpers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from wupian.web import cockpit, fmt


@pytest.mark.parametrize("value,unit,text", [
    ("16272000000.00", "yuan", "162.72亿元"), ("2620000", "yuan", "262万元"), ("850.5", "yuan", "850.5元"),
    ("7.3858", "percent", "7.39%"), ("3.93227", "rate_percent", "3.93%"), ("-8.2449", "percent_points",
                                                                          "低于8.24个百分点"),
    ("1.2", "percent_points", "高于1.2个百分点"), ("3", "rank", "第3名"), ("474200", "households", "47.42万户"),
    ("938", "households", "938户"), (None, "yuan", "—"), ("", "percent", "—"),
])
def test_values(value: str | None, unit: str, text: str) -> None:
    assert fmt.value(value, unit) == text


def test_changes_and_chart_figures() -> None:
    assert fmt.change("2853000000", "yuan") == "增加28.53亿元"
    assert fmt.change("-30000000", "yuan") == "减少3000万元"
    assert fmt.change("0", "yuan") == "持平"
    assert fmt.change("-12", "households") == "减少12户"
    assert fmt.yi("16272000000.00") == "162.72" and fmt.yi(None) == ""
    assert fmt.value(Decimal("1E+2"), "yuan") == "100元"


def row(branch: str, iid: str, value: str | None, unit: str = "yuan") -> dict:
    return {"branch_id": branch, "indicator_id": iid, "value": value, "unit": unit, "unavailable_reason": None}


def test_table_has_every_category_and_marks_drillable_cells() -> None:
    rows = [row("B", "tech.balance", "100"), row("B", "tech.balance.rank_siblings", "2", "rank"),
            row("B", "green.ytd_growth", "1.5", "percent"), row("C", "tech.balance", "7")]
    table = cockpit.table(rows, "B")
    assert [scope for scope, _, _ in table] == ["tech", "green", "inclusive_micro", "pension", "digital",
                                                "all_loans"]
    tech = table[0][2]
    assert tech[0] is not None and tech[0].value == "100" and tech[0].drill
    rank = tech[[m for m, _, _ in cockpit.COLUMNS].index("balance.rank_siblings")]
    assert rank is not None and not rank.drill
    assert table[1][2][0] is None  # green.balance missing → no cell


def test_children_ranked_by_balance_with_short_names() -> None:
    tree = [{"branch_id": "P", "name": "某银行总行", "parent_id": None},
            {"branch_id": "A", "name": "某银行甲支行", "parent_id": "P"},
            {"branch_id": "B", "name": "某银行乙支行", "parent_id": "P"},
            {"branch_id": "C", "name": "某银行丙支行", "parent_id": "P"}]
    rows = [row("A", "green.balance", "5"), row("B", "green.balance", "50"), row("C", "green.balance", None)]
    kids = cockpit.children(rows, "P", tree, "green")
    assert [k["branch_id"] for k in kids] == ["B", "A", "C"]
    assert [k["short"] for k in kids] == ["乙支行", "甲支行", "丙支行"]
    assert kids[0]["yi"] == "0"  # 50 yuan in 亿元, two decimals

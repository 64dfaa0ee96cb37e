"""The Arrow-backed IndicatorResult, the loan plan's checks and the set-based sibling ranks."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pyarrow as pa
import pytest

from wupian.engine.metrics_loans import MeasureSpec, check_plan
from wupian.engine.metrics_ranks import sibling_ranks
from wupian.engine.warehouse import Warehouse
from wupian.metrics import IndicatorResult, IndicatorValue, compute_indicators
from wupian.metrics.result import values_table

AS_OF = date(2026, 3, 31)
ROWS = (
    IndicatorValue(AS_OF, "H", "green.balance", Decimal("12.50"), "yuan"),
    IndicatorValue(AS_OF, "H", "green.npl_ratio", Decimal("1.2500"), "percent"),
    IndicatorValue(AS_OF, "A", "green.customers", Decimal("3"), "households"),
    IndicatorValue(AS_OF, "A", "green.ytd_growth", None, "percent", "比较期余额为零，增速无意义"),
    IndicatorValue(AS_OF, "A", "green.avg_rate_balance", Decimal("-3.08125"), "rate_percent"),
)


def test_result_from_a_table_behaves_like_one_from_records() -> None:
    by_records = IndicatorResult(AS_OF, "pboc_2025", ROWS)
    by_table = IndicatorResult.from_table(AS_OF, "pboc_2025", values_table(ROWS))
    assert len(by_table) == len(by_records) == 5
    for r in (by_table, by_records):
        # values come back at their unit's places (12.50, not 12.500000)
        assert [str(v.value) for v in r] == ["12.50", "1.2500", "3", "None", "-3.08125"]
        assert r.get("A", "green.ytd_growth") == ROWS[3]
        assert str(r.value("H", "green.balance")) == "12.50"
        assert r.value("H", "nowhere") is None
        assert set(r.for_branch("A")) == {"green.customers", "green.ytd_growth", "green.avg_rate_balance"}
    assert by_table.rows == by_records.rows
    assert by_table.to_arrow().equals(by_records.to_arrow())


def test_single_look_ups_before_and_after_building_all_records(bank: Warehouse) -> None:
    r = compute_indicators(bank, AS_OF, store=False)
    first = r.get("H", "all_loans.balance")
    assert first is not None and str(first.value) == "110450000.00"
    assert str(r.value("H", "all_loans.npl_ratio")) == "1.3581"
    assert str(r.value("H", "all_loans.customers")) == "8"
    assert len(r.rows) == len(r) == r.to_arrow().num_rows
    assert r.get("H", "all_loans.balance") == first


def test_plan_rejects_measures_it_cannot_compile() -> None:
    balance = MeasureSpec("balance", "sum", "yuan", 2, value="amount")
    rate = MeasureSpec("rate", "weighted", "rate_percent", 5, value="amount")
    check_plan([balance, MeasureSpec("growth", "growth", "percent", 4, measure="balance", prior="year_end")])
    with pytest.raises(ValueError, match="earlier"):  # a reference to a later measure
        check_plan([MeasureSpec("share", "ratio", "percent", 4, numerator="balance", denominator="balance"),
                    balance])
    with pytest.raises(ValueError, match="change/growth"):  # a gap of a sum
        check_plan([balance, MeasureSpec("gap", "gap", "percent_points", 4, measure="balance")])
    with pytest.raises(ValueError, match="sum/distinct"):  # a ratio of a weighted rate
        check_plan([balance, rate, MeasureSpec("x", "ratio", "percent", 4, numerator="rate", denominator="balance")])
    with pytest.raises(ValueError, match="unknown kind"):
        check_plan([MeasureSpec("m", "median", "yuan", 2)])
    with pytest.raises(ValueError, match="suspicious"):
        check_plan([MeasureSpec("x; DROP TABLE loans", "sum", "yuan", 2)])


def test_sibling_ranks_share_ties_and_follow_the_tree_order() -> None:
    tree = pa.table({"branch_id": ["H", "B", "A", "C", "A1", "A2"], "parent_id": [None, "H", "H", "H", "A", "A"],
                     "ord": [0, 1, 2, 3, 4, 5]})
    values = pa.table({
        "branch_id": ["A", "B", "C", "A1", "A2", "H", "A", "B"],
        "indicator_id": ["x", "x", "x", "x", "x", "x", "y", "y"],
        "value": pa.array([Decimal(5), Decimal(7), Decimal(5), Decimal(1), None, Decimal(9), Decimal(2), Decimal(2)],
                          pa.decimal128(38, 6)),
    })
    with Warehouse(":memory:") as wh:
        got = sibling_ranks(wh, values, tree, ["x", "y"]).to_pylist()
    assert [(r["branch_id"], r["ranked_id"], r["rank"]) for r in got] == [
        ("B", "x.rank_siblings", 1), ("A", "x.rank_siblings", 2), ("C", "x.rank_siblings", 2),  # tie shares 2
        ("A1", "x.rank_siblings", 1),  # A2 has no value: not ranked; the root has no parent
        ("B", "y.rank_siblings", 1), ("A", "y.rank_siblings", 1),
    ]

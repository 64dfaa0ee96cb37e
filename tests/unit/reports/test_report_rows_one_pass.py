"""``report_rows`` answers every (tag, condition) of the NFRA tables in one pass over the loans (one bit of a mask
per distinct condition, more than one mask when there are more than 62): each row's figures equal the same row asked
alone, rows that share a condition share their figures, and a condition that no loan meets gives zeros."""

from __future__ import annotations

from datetime import date
from typing import Any

from wupian.engine.metrics_reports import report_rows
from wupian.engine.warehouse import Warehouse
from wupian.reports.nfra import _queries, table_definitions
from wupian.rules import classify_snapshot

AS_OF = date(2026, 3, 31)


def _all_queries() -> list[tuple[str, str, Any]]:
    return [(f"{i}#{key}", tag, cond) for i, spec in enumerate(table_definitions()) for key, tag, cond in _queries(spec)]


def test_one_pass_equals_each_row_alone(bank: Warehouse) -> None:
    classify_snapshot(bank, AS_OF, "nfra_1104_2025")
    queries = _all_queries()
    distinct = {repr((tag, cond)) for _, tag, cond in queries}
    assert len(distinct) > 62  # the masks span more than one BIGINT
    together = report_rows(bank, AS_OF, profile="nfra_1104_2025", rows=queries)
    assert together.column("code").to_pylist() == [q[0] for q in queries]  # one row per query, in order
    got = {r["code"]: r for r in together.to_pylist()}
    assert any(r["balance"] > 0 for r in got.values()) and any(r["customers"] == 0 for r in got.values())
    for query in queries[::7] + queries[-3:]:  # a spread of rows, each asked on its own
        alone, = report_rows(bank, AS_OF, profile="nfra_1104_2025", rows=[query]).to_pylist()
        assert alone == got[query[0]], query


def test_rows_sharing_a_condition_share_figures_and_nothing_met_is_zero(bank: Warehouse) -> None:
    classify_snapshot(bank, AS_OF, "nfra_1104_2025")
    cond = {"size": ["small", "micro"]}
    rows = [("a", "all_loans", cond), ("b", "all_loans", cond), ("none", "all_loans", {"customer_type": ["nobody"]})]
    a, b, none = report_rows(bank, AS_OF, profile="nfra_1104_2025", rows=rows).to_pylist()
    assert {**a, "code": "b"} == b and a["balance"] > 0
    assert none["balance"] == 0 and none["customers"] == 0 and none["ytd_interest_x100"] == 0

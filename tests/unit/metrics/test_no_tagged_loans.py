"""A current classification that tags no loan at all (a bank whose one loan is in no category) gives the
categories' figures as 0 — not "classification missing" — and a stale one still says it is missing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from support.lineage_bank import tiny_folder
from wupian import api
from wupian.metrics.loan_values import reasons

DAY = date(2026, 3, 31)


def _values(wh: api.Warehouse) -> dict[str, tuple[object, object]]:
    result = api.compute_indicators(wh, DAY, store=False)
    return {r.indicator_id: (r.value, r.unavailable_reason) for r in result.rows if r.branch_id == "H"}


def test_no_tagged_loan_is_zero_not_missing(tmp_path: Path) -> None:
    with api.open_warehouse(str(tmp_path / "w.duckdb")) as wh:
        api.load_snapshot(wh, DAY, tiny_folder(tmp_path, DAY.isoformat()))
        values = _values(wh)
        assert api.loan_tags(wh, DAY).num_rows == 0  # L1 has no category
    missing = reasons("pboc_2025")["tags_missing"]
    for scope in ("tech", "green", "inclusive", "pension", "digital", "five_union"):
        assert values[f"{scope}.balance"] == (0, None), scope
        assert values[f"{scope}.customers"] == (0, None), scope
        assert values[f"{scope}.share_of_all_loans"][0] == 0, scope
    assert values["all_loans.balance"] == (100, None)
    assert not any(reason == missing for _, reason in values.values())


def test_a_stale_classification_is_still_reported_missing(tmp_path: Path) -> None:
    """The metrics layer itself (no ensure_fresh): a re-load makes the tags stale, and the figures say so."""
    from wupian import metrics

    with api.open_warehouse(str(tmp_path / "w.duckdb")) as wh:
        api.load_snapshot(wh, DAY, tiny_folder(tmp_path, "a", green="G01"))
        api.ensure_fresh(wh, DAY, comparisons=False)
        api.load_snapshot(wh, DAY, tiny_folder(tmp_path, "b", balance="200.00", green="G01"))  # tags now stale
        result = metrics.compute_indicators(wh, DAY, store=False)
        by_id = {r.indicator_id: r for r in result.rows if r.branch_id == "H"}
    assert by_id["green.balance"].value is None
    assert by_id["green.balance"].unavailable_reason == reasons("pboc_2025")["tags_missing"]
    assert by_id["all_loans.balance"].value == 200

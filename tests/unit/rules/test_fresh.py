"""rules.fresh — classify on demand: what is missing or stale among the as-of date and its comparison dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from support.lineage_bank import tiny_folder
from wupian.api import compute_indicators, loan_tags, open_warehouse
from wupian.ingest import load_snapshot
from wupian.rules import classify_snapshot
from wupian.rules.fresh import ensure_classified, stale_classifications

FEB_2024, YEAR_END, FEB_2025 = date(2024, 2, 29), date(2024, 12, 31), date(2025, 2, 28)


def test_february_compares_with_the_leap_year_february_month_end(tmp_path: Path) -> None:
    """Issue 9: for 2025-02-28 the month-end job classified 2024-02-28 while yoy_growth read 2024-02-29."""
    with open_warehouse(str(tmp_path / "w.duckdb")) as wh:
        load_snapshot(wh, FEB_2024, tiny_folder(tmp_path, "a", balance="50.00", green="9.1.2"))
        load_snapshot(wh, YEAR_END, tiny_folder(tmp_path, "b", balance="80.00", green="9.1.2"))
        load_snapshot(wh, FEB_2025, tiny_folder(tmp_path, "c", balance="100.00", green="9.1.2"))
        todo = stale_classifications(wh, FEB_2025, ("pboc_2025",))
        assert todo == [(FEB_2024, "pboc_2025"), (YEAR_END, "pboc_2025"), (FEB_2025, "pboc_2025")]
        result = compute_indicators(wh, FEB_2025, ids=["green.*"])  # classifies all three on demand
        assert stale_classifications(wh, FEB_2025, ("pboc_2025",)) == []
        assert result.value("H", "green.balance") == Decimal("100.00")
        assert result.value("H", "green.ytd_change") == Decimal("20.00")
        assert result.value("H", "green.yoy_growth") == Decimal("100.0000")  # 50 → 100, read from 2024-02-29


def test_only_loaded_dates_are_classified_and_a_second_call_does_nothing(tmp_path: Path) -> None:
    with open_warehouse(str(tmp_path / "w.duckdb")) as wh:
        load_snapshot(wh, FEB_2025, tiny_folder(tmp_path, "c", green="9.1.2"))
        done = ensure_classified(wh, FEB_2025)
        assert [(r.as_of, r.profile) for r in done] == [(FEB_2025, "nfra_1104_2025"), (FEB_2025, "pboc_2025")]
        assert ensure_classified(wh, FEB_2025) == ()
        load_snapshot(wh, FEB_2025, tiny_folder(tmp_path, "c2", green=""))  # re-loaded without the green code
        assert loan_tags(wh, FEB_2025).column("tag").to_pylist() == []


def test_a_what_if_size_basis_is_replaced_by_the_official_one_on_read(tmp_path: Path) -> None:
    with open_warehouse(str(tmp_path / "w.duckdb")) as wh:
        load_snapshot(wh, FEB_2025, tiny_folder(tmp_path, "c", green="9.1.2"))
        classify_snapshot(wh, FEB_2025, "pboc_2025", size_basis="derived_first")
        assert stale_classifications(wh, FEB_2025, ("pboc_2025",), comparisons=False) == [(FEB_2025, "pboc_2025")]
        ensure_classified(wh, FEB_2025, ("pboc_2025",))
        assert stale_classifications(wh, FEB_2025, ("pboc_2025",), comparisons=False) == []

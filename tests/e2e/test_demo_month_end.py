"""End to end: the demo bank is generated, loaded, classified, measured and reported, and the numbers agree.

This is job 1 of the product (month-end statistics) run the way a user runs it, on a small demo bank.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from wupian.api import open_warehouse
from wupian.core.issues import Level
from wupian.core.periods import comparison_dates
from wupian.demo import PLANTED, run_demo
from wupian.demo.pipeline import DEMO_USCC

AS_OF = date(2026, 3, 31)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    work = tmp_path_factory.mktemp("demo")
    db = str(work / "w.duckdb")
    return run_demo(db, work / "bank", seed=7, scale=0.01, months=4), work


def test_only_the_planted_rows_are_rejected(demo) -> None:  # type: ignore[no-untyped-def]
    result, _ = demo
    assert result.rejected == len(PLANTED)


def test_month_end_reconciles_and_writes_every_report(demo) -> None:  # type: ignore[no-untyped-def]
    result, work = demo
    me = result.month_end
    assert me is not None and me.as_of == AS_OF
    errors = [i for i in me.issues if i.level == Level.ERROR]
    # the only ERRORs are the planted HTP03 contradictions the demo's statistics officer has not accepted, each in
    # the worklist; every PBOC file passed the validator and was written
    assert {i.code for i in errors} <= {"WP-RECON-007"}
    names = {p.name for p in me.files}
    worklist = [p for p in me.files if p.name.startswith("code_contradictions_")]
    assert len(worklist) == (1 if errors else 0)
    if errors:
        text = worklist[0].read_text("utf-8-sig")
        assert all(i.source.key in text for i in errors)
    assert not any("rejected" in p.parts for p in me.files)
    # the contradictions the demo accepts in code_acceptances.csv are counted and are not errors
    with open_warehouse(result.db_path, read_only=True) as wh:
        accepted = [r["loan_id"] for r in wh.rows("SELECT loan_id FROM code_acceptances WHERE as_of = ?", [AS_OF])]
        counted = {r["loan_id"] for r in wh.rows(
            "SELECT loan_id FROM loan_tags WHERE as_of = ? AND profile = 'pboc_2025' AND tag = 'tech_industry' "
            "AND list_contains(string_split(rule_ids, ','), 'tech.industry.htp')", [AS_OF])}
    assert accepted and set(accepted) <= counted
    assert not any(i.source.key == f"loan_id={loan}" for loan in accepted for i in errors)
    assert sum(1 for n in names if n.startswith(f"{DEMO_USCC}_") and n.endswith(".dat")) == 10
    assert any(n.startswith("S70_") and n.endswith(".xlsx") for n in names)
    assert any(n.startswith("workbook_") for n in names)
    md = next(p for p in me.files if p.suffix == ".md")
    text = md.read_text(encoding="utf-8")
    assert text.count("截至2026年3月末") >= 1
    # every profile is classified for the as-of date and for the year-start comparison date
    done = {(r.as_of, r.profile) for r in me.classified}
    assert {(AS_OF, "pboc_2025"), (AS_OF, "nfra_1104_2025"), (date(2025, 12, 31), "pboc_2025")} <= done
    assert all(Path(p).exists() for p in me.files)
    assert work.exists()


def test_headline_balances_trace_to_the_loans(demo) -> None:  # type: ignore[no-untyped-def]
    result, _ = demo
    me = result.month_end
    top = me.indicators.rows[0].branch_id
    with open_warehouse(result.db_path, read_only=True) as wh:
        green = wh.scalar(
            "SELECT sum(amount) FROM loan_tags WHERE as_of = ? AND profile = 'pboc_2025' AND tag = 'green'", [AS_OF]
        )
        union = wh.scalar(
            "SELECT count(*) FROM loan_tags WHERE as_of = ? AND profile = 'pboc_2025' AND tag = 'five_union'", [AS_OF]
        )
    assert me.indicators.value(top, "green.balance") == green
    assert union > 0
    all_loans = me.indicators.value(top, "all_loans.balance")
    assert all_loans is not None and all_loans >= me.indicators.value(top, "five_union.balance") > Decimal(0)
    # YTD change is available because the previous 31 December is loaded
    assert me.indicators.get(top, "green.ytd_change").unavailable_reason is None


def test_comparison_dates() -> None:
    assert comparison_dates(date(2026, 3, 31)) == (date(2025, 3, 31), date(2025, 12, 31))
    assert comparison_dates(date(2025, 12, 31)) == (date(2024, 12, 31),)
    assert comparison_dates(date(2028, 2, 29)) == (date(2027, 2, 28), date(2027, 12, 31))

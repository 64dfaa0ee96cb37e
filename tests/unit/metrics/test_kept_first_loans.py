"""首贷户 kept by a classification on demand for the indicators (``engine.classify_kept``, issue 14).

``api.compute_indicators`` classifies on demand with ``keep``: the history-decided first loans of the date's
borrowers are taken from the classification's per-customer facts instead of a second and third aggregate over the
loan history. The kept rows must be exactly the rule's (``first_loan_rule.first_loan_ids_relation``) for those
customers, the figures the same as a computation without them, and a kept relation must never be read once its
inputs changed (an edit, a re-load). The rule is per customer: a loan counts as a first loan when it is its own
customer's first loan (a loan id that was another customer's first loan earlier does not make this one's).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from support.edit_rows import update
from wupian import api, metrics
from wupian.engine import classify_kept
from wupian.engine.first_loan_rule import first_loan_ids_relation
from wupian.engine.warehouse import Warehouse

JAN, YEAR_END, AS_OF = date(2026, 1, 31), date(2025, 12, 31), date(2026, 3, 31)
BRANCHES = "branch_id,name,parent_id\nH,总行,\nB1,一分行,H\nB2,二分行,H\n"
CUSTOMERS = "customer_id,name,customer_type\n" + "".join(f"K{i},客户{i},enterprise\n" for i in range(1, 7))
HEAD = ("loan_id,customer_id,branch_id,business_type,drawdown_date,drawdown_amount,maturity_date,balance,"
        "interest_rate,five_class\n")
# K1: first loan this year · K2: a 2020 loan and a new one · K3: drawn 2019 · K4: first loan this year, repaid ·
# K5: first loan L7 drawn in January, which by March belongs to K6 (a customer borrowing since 2020)
YEAR_END_LOANS = [("L2", "K2", "B1", "2020-05-01", "500.00"), ("L8", "K6", "B2", "2020-03-01", "90.00")]
JAN_LOANS = [*YEAR_END_LOANS, ("L7", "K5", "B1", "2026-01-15", "70.00")]
AS_OF_LOANS = [("L1", "K1", "B1", "2026-02-01", "100.00"), ("L2", "K2", "B1", "2020-05-01", "400.00"),
               ("L5", "K2", "B2", "2026-03-01", "50.00"), ("L3", "K3", "B2", "2019-01-01", "80.00"),
               ("L4", "K4", "B2", "2026-01-10", "0.00"), ("L8", "K6", "B2", "2020-03-01", "90.00"),
               ("L7", "K6", "B1", "2026-01-15", "60.00")]
FIGURE = "all_loans.first_loan_customers"


def _folder(root: Path, name: str, loans: list[tuple[str, ...]]) -> Path:
    folder = root / name
    folder.mkdir()
    (folder / "branches.csv").write_text(BRANCHES, encoding="utf-8")
    (folder / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
    body = "".join(f"{lid},{cid},{bid},corporate,{drawn},1000.00,2030-01-01,{bal},3.5,normal\n"
                   for lid, cid, bid, drawn, bal in loans)
    (folder / "loans.csv").write_text(HEAD + body, encoding="utf-8")
    return folder


def _bank(tmp_path: Path) -> Warehouse:
    wh = api.open_warehouse(str(tmp_path / "w.duckdb"))
    for day, loans in ((YEAR_END, YEAR_END_LOANS), (JAN, JAN_LOANS), (AS_OF, AS_OF_LOANS)):
        api.load_snapshot(wh, day, _folder(tmp_path, day.isoformat(), loans))
    return wh


def _rule_rows(wh: Warehouse) -> set[tuple[str, str]]:
    """The rule's first loans (every customer, history aggregated again) of the date's borrowers."""
    rows = wh.rows(f"SELECT * FROM {first_loan_ids_relation()} AS f WHERE first_customer_id IN "
                   "(SELECT customer_id FROM loans WHERE as_of = ?)",
                   [AS_OF, AS_OF, date(2026, 1, 1), AS_OF, AS_OF])
    return {(r["first_customer_id"], r["first_loan_id"]) for r in rows}


def _kept_rows(wh: Warehouse) -> set[tuple[str, str]]:
    return {(r["first_customer_id"], r["first_loan_id"])
            for r in wh.rows(f"SELECT * FROM {classify_kept.FIRST_LOANS_TABLE}")}


def _values(table: pa.Table) -> list[tuple[object, ...]]:
    return sorted(zip(*(table.column(c).to_pylist() for c in
                        ("branch_id", "indicator_id", "value", "unavailable_reason")), strict=True),
                  key=lambda r: (r[0], r[1]))


def test_the_kept_first_loans_are_the_rule_for_the_borrowers(tmp_path: Path) -> None:
    with _bank(tmp_path) as wh:
        api.ensure_fresh(wh, AS_OF, ("pboc_2025",), keep=True)
        assert classify_kept.kept_first_loans(wh, AS_OF)
        assert not classify_kept.kept_first_loans(wh, JAN)  # another date is never served
        # K5's January first loan L7 is the rule's too, but K5 has no loan in March: not a borrower
        assert _kept_rows(wh) == _rule_rows(wh) == {("K1", "L1"), ("K4", "L4")}


def test_figures_from_the_kept_rows_equal_a_computation_without_them(tmp_path: Path) -> None:
    with _bank(tmp_path) as wh:
        kept = api.compute_indicators(wh, AS_OF).to_arrow()
        assert not classify_kept.kept_first_loans(wh, AS_OF)  # read once, then freed
        again = metrics.compute_indicators(wh, AS_OF, store=False).to_arrow()
        assert _values(kept) == _values(again)
        figures = {b: v for b, i, v, _ in _values(kept) if i == FIGURE}
        # K1 (B1) and K4 (B2); K6 borrowed in 2020, so L7 — K5's first loan in January — is not K6's
        assert figures == {"H": 2, "B1": 1, "B2": 1}


def test_the_drill_counts_a_loan_only_for_its_own_customer(tmp_path: Path) -> None:
    with _bank(tmp_path) as wh:
        rows = api.explain_indicator(wh, FIGURE, AS_OF, "H").to_pylist()
    assert sorted((r["loan_id"], r["customer_id"]) for r in rows) == [("L1", "K1"), ("L4", "K4")]


def test_kept_rows_are_not_read_once_an_edit_changes_the_loans(tmp_path: Path) -> None:
    with _bank(tmp_path) as wh:
        api.ensure_fresh(wh, AS_OF, ("pboc_2025",), keep=True)
        update(wh, "loans", {"drawdown_date": "DATE '2019-02-01'"}, "loan_id = 'L1'")  # K1 borrowed in 2019
        assert not classify_kept.kept_first_loans(wh, AS_OF)
        assert wh.scalar("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?",
                         [classify_kept.FIRST_LOANS_TABLE]) == 0  # dropped
        r = metrics.compute_indicators(wh, AS_OF, ids=[FIGURE], store=False)
        assert r.value("H", FIGURE) == 1 and r.value("B1", FIGURE) == 0


def test_kept_rows_are_not_read_after_a_reload(tmp_path: Path) -> None:
    with _bank(tmp_path) as wh:
        api.ensure_fresh(wh, AS_OF, ("pboc_2025",), keep=True)
        api.load_snapshot(wh, AS_OF, _folder(tmp_path, "reload", [r for r in AS_OF_LOANS if r[0] != "L4"]))
        assert not classify_kept.kept_first_loans(wh, AS_OF)
        assert api.compute_indicators(wh, AS_OF, ids=[FIGURE]).value("H", FIGURE) == 1  # K4's loan is gone


def test_only_a_reader_of_the_indicators_gets_kept_rows(tmp_path: Path) -> None:
    with _bank(tmp_path) as wh:
        api.ensure_fresh(wh, AS_OF, ("pboc_2025",))  # e.g. the tags or the overlap: nothing kept
        assert not classify_kept.kept_first_loans(wh, AS_OF)
        api.ensure_fresh(wh, AS_OF, ("nfra_1104_2025",), keep=True)
        assert classify_kept.kept_first_loans(wh, AS_OF)
        assert api.ensure_fresh(wh, AS_OF, ("nfra_1104_2025",), keep=True) == ()  # fresh: nothing classified
    with Warehouse(str(tmp_path / "w.duckdb"), read_only=True) as ro:
        assert not classify_kept.can_keep(ro)


def test_month_end_indicators_read_the_rows_its_last_classification_kept(tmp_path: Path, monkeypatch) -> None:
    from wupian import pipeline

    seen: list[bool] = []
    real = classify_kept.kept_first_loans

    def spy(wh: Warehouse, as_of: date) -> bool:
        seen.append(real(wh, as_of))
        return seen[-1]

    with _bank(tmp_path) as wh:
        api.ensure_fresh(wh, YEAR_END)  # the comparison date: month-end then classifies the as-of date only, last
        assert [d for d, _ in pipeline.dates_to_classify(wh, AS_OF)] == [AS_OF, AS_OF]
        monkeypatch.setattr(classify_kept, "kept_first_loans", spy)
        done = pipeline.run_month_end(wh, AS_OF, tmp_path / "out", uscc="91110000100000000X", kind="workbook")
        assert seen and all(seen)  # the indicators read the kept first loans, not the loan history again
        monkeypatch.setattr(classify_kept, "kept_first_loans", real)
        assert not classify_kept.kept_first_loans(wh, AS_OF)  # read once, then freed
        again = metrics.compute_indicators(wh, AS_OF, store=False).to_arrow()
        assert _values(done.indicators.to_arrow()) == _values(again)
        assert {b: v for b, i, v, _ in _values(again) if i == FIGURE} == {"H": 2, "B1": 1, "B2": 1}

def test_an_explicit_classification_keeps_the_borrowers_rows_too(tmp_path: Path) -> None:
    # month-end classifies explicitly (the borrowers' facts, stored) and keeps the first loans for its indicators
    from wupian.rules import classify_snapshot, classifying_together

    with _bank(tmp_path) as wh:
        with classifying_together(wh):
            classify_snapshot(wh, AS_OF, "pboc_2025")
            classify_snapshot(wh, AS_OF, "nfra_1104_2025", keep=True)
            assert wh.scalar("SELECT count(*) FROM cls_cust WHERE NOT borrower") == 0  # K5 (no loan): not built
            classify_snapshot(wh, JAN, "pboc_2025")  # another date's classification leaves them
        assert classify_kept.kept_first_loans(wh, AS_OF)
        assert _kept_rows(wh) == _rule_rows(wh) == {("K1", "L1"), ("K4", "L4")}
        classify_snapshot(wh, AS_OF, "pboc_2025")  # a classification of the date drops them
        assert not classify_kept.kept_first_loans(wh, AS_OF)
        assert wh.scalar("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?",
                         [classify_kept.FIRST_LOANS_TABLE]) == 0


def test_month_end_indicators_read_the_first_loans_its_classification_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from wupian import pipeline

    read: list[bool] = []
    real = classify_kept.kept_first_loans

    def spy(wh: Warehouse, as_of: date) -> bool:
        found = real(wh, as_of)
        read.append(found and as_of == AS_OF)
        return found

    monkeypatch.setattr(classify_kept, "kept_first_loans", spy)
    with _bank(tmp_path) as wh:
        result = pipeline.run_month_end(wh, AS_OF, tmp_path / "out", uscc="91110000100000000X", kind="workbook")
        assert any(read)  # the indicators took the first loans from the classification
        assert result.indicators.value("H", FIGURE) == 2
        assert not classify_kept.kept_first_loans(wh, AS_OF)  # freed after the indicators

"""Property: a Parquet loans file is read once (one COPY types, flags and writes it as the date's part; the checks
read it back; rejected lines are left out by a rewrite) and still loads, rejects and quarantines exactly like

* the reference path: a narrow check pass, then an insert typing every column again (``stage.FAST_PATH`` off), and
* the same rows as a CSV file (lines shifted by the CSV header),

whatever mix of clean values, aliases, padded or full-width ids, bad values, duplicates and broken references
the file holds. A fast path that dropped, kept or mangled a row would differ from both.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from wupian.core.errors import DataError
from wupian.engine import stage
from wupian.engine.warehouse import Warehouse
from wupian.ingest import load_snapshot

AS_OF = dt.date(2026, 3, 31)
GOOD = Path(__file__).resolve().parents[1] / "golden" / "ingest" / "good_minimal" / "input"

# Each column: clean values first, then aliases, padding, full-width or invisible characters, and bad values.
COLUMNS: dict[str, list[str | None]] = {
    "loan_id": ["L1", "L2", "L3", "L4", "l1", " L5 ", "Ｌ6", "L\u200b7", "L 8", None],
    "customer_id": ["K0001", "K0002", "K0003", " K0001", "Ｋ0002", "K9999"],
    "branch_id": ["O001", "O002", "O001 ", "X9"],
    "business_type": ["corporate", "personal", "C01", "个人贷款", " Corporate", "bogus", None],
    "drawdown_date": ["2025-06-30", "20250115", "2025/01/01", None],
    "drawdown_amount": ["8000000.00", "300000", "1,000.00", "-5", "abc"],
    "maturity_date": ["2027-06-29", "2024-01-01"],
    "balance": ["7500000.00", " 12.5 ", "0", "12.345"],
    "interest_rate": ["3.45", "0.0345", "40", "x"],
    "guarantee_type": [None, "D", "B", "zz"],
    "five_class": ["normal", "FQ01", "正常", "NORMAL", "bad"],
    "is_first_loan": ["1", "0", "Y", "是", "maybe", None],
    "product_name": ["经营贷", "\u3000消费贷 ", "", None],
}
row = st.fixed_dictionaries({c: st.sampled_from(v) for c, v in COLUMNS.items()})


def _folders(rows: list[dict[str, str | None]], work: Path) -> tuple[Path, Path]:
    as_csv, as_parquet = work / "csv", work / "parquet"
    for folder in (as_csv, as_parquet):
        shutil.copytree(GOOD, folder)
        (folder / "loans.csv").unlink()
    with (as_csv / "loans.csv").open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(list(COLUMNS))
        out.writerows([r[c] or "" for c in COLUMNS] for r in rows)
    data = pa.table({c: pa.array([r[c] or None for r in rows], pa.string()) for c in COLUMNS})
    pq.write_table(data, as_parquet / "loans.parquet")
    return as_csv, as_parquet


def _load(folder: Path, db: Path) -> dict[str, object]:
    with Warehouse(db) as wh:
        try:
            report = load_snapshot(wh, AS_OF, folder)
            issues = [(i.code, i.level.name, i.source.line, i.source.key, i.source.column, i.message)
                      for i in report.issues if i.source.file and i.source.file.startswith("loans")]
        except DataError as exc:  # a structural refusal must be the same on every path too
            issues = [("refused", str(exc))]
        return {
            "issues": issues,
            "loans": wh.con.execute("SELECT * FROM loans").fetchall(),  # stored order included
            "quarantine": wh.con.execute(
                "SELECT line, row_key, row_json, issues_json FROM quarantine WHERE table_name = 'loans' ORDER BY line"
            ).fetchall(),
        }


def _shift(result: dict[str, object]) -> dict[str, object]:
    """The Parquet result with CSV line numbers (a header line comes first in the CSV), in the issues' lines
    and in the lines their messages name ("also on line 3, 5")."""

    def text(s: str) -> str:
        return re.sub(r"line ([\d, ]*\d)", lambda m: "line " + ", ".join(str(int(n) + 1) for n in m[1].split(", ")), s)

    issues = [(c, lv, None if ln is None else ln + 1, key, col, text(msg)) for c, lv, ln, key, col, msg in result["issues"]]  # type: ignore[attr-defined]
    quarantine = [(ln + 1, key, row, text(found)) for ln, key, row, found in result["quarantine"]]  # type: ignore[attr-defined]
    return {**result, "issues": issues, "quarantine": quarantine}




def _row(**change: str | None) -> dict[str, str | None]:
    """A clean row (every column its first value), with ``change`` applied."""
    return {**{c: v[0] for c, v in COLUMNS.items()}, **change}


# Pinned (run every time, whatever the random draw; random rows are almost never clean): a clean file (the
# fast path writes every row), aliases and padding that normalise to clean values, and a file with a duplicate
# key, a broken reference, an unparseable amount and a missing id. The random examples explore the mixes.
@example(rows=[_row(), _row(loan_id="L2", customer_id="K0002", branch_id="O002", is_first_loan="0")])
@example(rows=[_row(loan_id=" L5 ", customer_id="Ｋ0002", business_type="C01", drawdown_date="20250115",
                    drawdown_amount="1,000.00", five_class="FQ01", is_first_loan="是", product_name="\u3000消费贷 "),
               _row(loan_id="Ｌ6", business_type="个人贷款", five_class="正常")])
@example(rows=[_row(), _row(loan_id="l1"), _row(loan_id="L3", customer_id="K9999"),
               _row(loan_id="L4", drawdown_amount="abc", balance="12.345"), _row(loan_id=None)])
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row, min_size=1, max_size=8))
def test_parquet_fast_path_loads_like_the_reference_and_like_csv(
    rows: list[dict[str, str | None]], monkeypatch: pytest.MonkeyPatch
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        as_csv, as_parquet = _folders(rows, work)
        fast = _load(as_parquet, work / "fast.duckdb")
        with monkeypatch.context() as m:
            m.setattr(stage, "FAST_PATH", False)
            reference = _load(as_parquet, work / "reference.duckdb")
        text = _load(as_csv, work / "csv.duckdb")
    assert fast == reference
    assert _shift(fast) == text

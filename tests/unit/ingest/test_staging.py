"""Staging paths of the loader: typed straight from read_csv/read_parquet, raw text only where needed.

Rows rejected after typing (duplicate keys, references) get their raw text by re-reading the file; Parquet
columns of any type load like their text; a newline inside a quoted field of an unknown column still moves
later line numbers.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from wupian.engine.warehouse import Warehouse
from wupian.ingest import check_snapshot, load_snapshot
from wupian.ingest.inventory import list_quarantine

AS_OF = dt.date(2026, 3, 31)


def _loans(folder: Path) -> str:
    return (folder / "loans.csv").read_text(encoding="utf-8")


def test_duplicate_key_in_a_file_without_quotes_keeps_raw_text(wh: Warehouse, good_dir: Path) -> None:
    text = _loans(good_dir).replace('"500,000.00"', "500000.00")
    lines = text.splitlines()
    dup = lines[1].replace("7500000.00", " 7500000.00 ")  # same loan_id, raw text with spaces
    (good_dir / "loans.csv").write_text("\n".join([*lines, dup]) + "\n", encoding="utf-8")
    report = load_snapshot(wh, AS_OF, good_dir)
    assert report.rejected["loans"] == 2 and report.loaded["loans"] == 2
    rows, total = list_quarantine(wh, AS_OF, "loans")
    assert total == 2
    assert [r.line for r in rows] == [2, 5]
    assert dict(rows[1].values)["balance"] == " 7500000.00 "  # the raw text, not the typed value
    assert {r.issues[0]["code"] for r in rows} == {"WP-LOAD-022"}
    assert "also on line 5" in rows[0].issues[0]["message"]


def test_row_error_and_reference_error_in_one_file(wh: Warehouse, good_dir: Path) -> None:
    text = _loans(good_dir).replace("K0003,O001", "K0099,O001").replace("3.1,B", "abc,B")
    (good_dir / "loans.csv").write_text(text, encoding="utf-8")
    for _ in range(2):  # and idempotent
        report = load_snapshot(wh, AS_OF, good_dir)
        assert report.rejected["loans"] == 2 and report.loaded["loans"] == 1
        rows, _ = list_quarantine(wh, AS_OF, "loans")
        got = {(r.line, r.issues[0]["code"], dict(r.values)["interest_rate"]) for r in rows}
        assert got == {(3, "WP-LOAD-017", "abc"), (4, "WP-LOAD-023", "4.35")}


def test_newline_in_a_quoted_unknown_column_moves_later_lines(good_dir: Path) -> None:
    text = (good_dir / "customers.csv").read_text(encoding="utf-8").splitlines()
    out = [text[0] + ",备注"]
    out += [line + (',"第一行\n第二行"' if i == 0 else ",") for i, line in enumerate(text[1:])]
    body = "\n".join(out) + "\n"
    (good_dir / "customers.csv").write_text(body.replace("K0003,南山小吃店,个体工商户", "K0003,南山小吃店,小店"),
                                            encoding="utf-8")
    [issue] = [i for i in check_snapshot(good_dir).issues if i.code == "WP-LOAD-020"]
    assert issue.source.line == 5  # header 1, K0001 2–3, K0002 4, K0003 5


def _typed_parquet(good_dir: Path, target: Path) -> None:
    """The good folder as Parquet, with loans.csv's columns in their natural Parquet types."""
    import csv

    target.mkdir()
    for f in good_dir.iterdir():
        with f.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        cols: dict[str, pa.Array] = {h: pa.array([r[i] or None for r in rows[1:]]) for i, h in enumerate(rows[0])}
        if f.stem == "loans":
            cols["drawdown_date"] = pa.array([dt.date(2025, 6, 30), dt.date(2025, 1, 15), dt.date(2026, 1, 10)])
            cols["drawdown_amount"] = pa.array(
                [Decimal("8000000.00"), Decimal("300000.00"), Decimal("500000.00")], type=pa.decimal128(18, 2)
            )
            cols["interest_rate"] = pa.array([3.45, 3.1, 4.35], type=pa.float64())
            cols["is_first_loan"] = pa.array([True, False, True])
            cols["applied_at"] = pa.array(
                [dt.datetime(2025, 6, 20, 9, 30), dt.datetime(2025, 1, 10, 10, 0), None], type=pa.timestamp("us")
            )
        pq.write_table(pa.table(cols), target / f"{f.stem}.parquet")


def test_typed_parquet_columns_load_like_their_text(tmp_path: Path, good_dir: Path) -> None:
    pq_dir = tmp_path / "pq"
    _typed_parquet(good_dir, pq_dir)
    query = (
        "SELECT loan_id, drawdown_date, drawdown_amount, interest_rate, is_first_loan, applied_at "
        "FROM loans ORDER BY loan_id"
    )
    with Warehouse(tmp_path / "a.duckdb") as wh:
        assert load_snapshot(wh, AS_OF, good_dir).ok
        reference = wh.rows(query)
    with Warehouse(tmp_path / "b.duckdb") as wh:
        report = load_snapshot(wh, AS_OF, pq_dir)
        assert report.ok, report.issues
        assert wh.rows(query) == reference


def test_parquet_issues_name_row_numbers_and_keep_raw_text(wh: Warehouse, tmp_path: Path, good_dir: Path) -> None:
    pq_dir = tmp_path / "pq"
    _typed_parquet(good_dir, pq_dir)
    data = pq.read_table(pq_dir / "loans.parquet")
    balance = pa.array(["7500000.00", "-3.00", "500000.00"])
    data = data.set_column(data.column_names.index("balance"), "balance", balance)
    pq.write_table(data, pq_dir / "loans.parquet")
    report = load_snapshot(wh, AS_OF, pq_dir)
    [issue] = [i for i in report.issues if i.code == "WP-LOAD-007"]
    assert issue.source.line == 2 and issue.source.key == "loan_id=L000002"
    [row], _ = list_quarantine(wh, AS_OF, "loans")
    assert dict(row.values)["balance"] == "-3.00" and dict(row.values)["drawdown_amount"] == "300000.00"


def test_corrupt_parquet_is_refused_with_a_located_issue(tmp_path: Path, good_dir: Path) -> None:
    (good_dir / "loans.csv").unlink()
    (good_dir / "loans.parquet").write_bytes(b"PAR1 this is not really parquet PAR1")
    report = check_snapshot(good_dir)
    [issue] = [i for i in report.issues if i.code == "WP-LOAD-003"]
    assert issue.source.file == "loans.parquet"


def test_typed_parquet_values_are_checked_like_text(wh: Warehouse, tmp_path: Path, good_dir: Path) -> None:
    pq_dir = tmp_path / "pq"
    _typed_parquet(good_dir, pq_dir)
    data = pq.read_table(pq_dir / "customers.parquet")
    employees = pa.array([45, -1, 3], type=pa.int32())
    data = data.set_column(data.column_names.index("employees"), "employees", employees)
    pq.write_table(data, pq_dir / "customers.parquet")
    loans = pq.read_table(pq_dir / "loans.parquet")
    maturity = pa.array([dt.date(2027, 6, 29), dt.date(2024, 1, 1), dt.date(2027, 1, 9)])
    loans = loans.set_column(loans.column_names.index("maturity_date"), "maturity_date", maturity)
    pq.write_table(loans, pq_dir / "loans.parquet")
    report = load_snapshot(wh, AS_OF, pq_dir)
    codes = sorted((i.code, i.source.file, i.source.line, i.message) for i in report.issues if i.level.name == "ERROR")
    assert codes == [
        ("WP-LOAD-007", "customers.parquet", 2, "expected whole number ≥ 0, got -1"),
        ("WP-LOAD-023", "loans.parquet", 2,
         "customer_id K0002 not found in customers (that row of customers was rejected; see its own issues)"),
        ("WP-LOAD-027", "loans.parquet", 2, "expected drawdown_date ≤ maturity_date 2024-01-01, got 2025-01-15"),
    ]
    rows, _ = list_quarantine(wh, AS_OF, "customers")
    assert [dict(r.values)["employees"] for r in rows] == ["-1"]

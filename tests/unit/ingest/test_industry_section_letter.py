"""WP-LOAD-046: an industry code whose 门类 letter is not its 大类's section (``A3911``: 39 is in C) is loaded with
a located warning, on the CSV path and on the Parquet path whose clean rows skip the full typing proof."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from support.adopt_bank import typed_loans_bank
from wupian.engine.warehouse import Warehouse
from wupian.ingest import check_snapshot, load_snapshot
from wupian.reference.industry import normalise_industry_code, sections_by_division

AS_OF = dt.date(2026, 3, 31)
GOOD = Path(__file__).resolve().parents[2] / "golden" / "ingest" / "good_minimal" / "input"


def _with_customer_industry(folder: Path, code: str) -> Path:
    shutil.copytree(GOOD, folder)
    path = folder / "customers.csv"
    text = path.read_text(encoding="utf-8")
    assert ",C3911," in text
    path.write_text(text.replace(",C3911,", f",{code},", 1), encoding="utf-8")
    return folder


def test_every_division_has_one_section() -> None:
    sections = sections_by_division()
    assert len(sections) == 97
    assert sections["39"] == "C" and sections["01"] == "A" and sections["97"] == "T"


@pytest.mark.parametrize("code", ["A3911", "B39", "D3911"])
def test_a_wrong_section_letter_is_a_located_warning_and_the_row_is_kept(tmp_path: Path, code: str) -> None:
    folder = _with_customer_industry(tmp_path / "snap", code)
    report = check_snapshot(folder)
    found = [i for i in report.issues if i.code == "WP-LOAD-046"]
    assert len(found) == 1
    [issue] = found
    assert (issue.level.name, issue.source.file, issue.source.line, issue.source.column) == (
        "WARNING", "customers.csv", 2, "industry_code")
    assert issue.message == f"expected section letter C for division 39, got '{code}'; the digits are used"
    assert not report.rejected["customers"]
    assert normalise_industry_code(code) == code[1:]  # the digits are the code


@pytest.mark.parametrize("code", ["C3911", "3911", "C39", "39", "C", "C99"])
def test_a_right_or_missing_letter_raises_no_warning(tmp_path: Path, code: str) -> None:
    folder = _with_customer_industry(tmp_path / "snap", code)
    report = check_snapshot(folder)
    assert [i for i in report.issues if i.code == "WP-LOAD-046"] == []


def test_the_parquet_path_warns_too_and_loads_the_row(tmp_path: Path) -> None:
    source = typed_loans_bank(tmp_path / "in")
    data = pq.read_table(source)
    data = data.append_column("purpose_industry_code", pa.array(["C3911", "A3911", None]))
    pq.write_table(data, source)
    with Warehouse(tmp_path / "w.duckdb") as wh:
        report = load_snapshot(wh, AS_OF, source.parent)
        [issue] = [i for i in report.issues if i.code == "WP-LOAD-046"]
        assert (issue.source.file, issue.source.line, issue.source.column) == (
            "loans.parquet", 2, "purpose_industry_code")  # Parquet lines count data rows
        assert report.loaded["loans"] == 3
        assert wh.scalar("SELECT purpose_industry_code FROM loans WHERE loan_id = 'L2'") == "A3911"


def test_the_sql_flags_exactly_the_pairs_the_reference_data_calls_wrong() -> None:
    """Every letter A–T with every two-digit division 00–99 (and a four-digit class of it): the check's SQL
    flags a code iff the division exists and its section is another letter — the CASE over ranges of divisions
    says what the reference data says, division by division."""
    import duckdb

    from wupian.contract import table
    from wupian.engine.checks import _section_letter_failure

    col = table("customers").column("industry_code")
    failure = _section_letter_failure(col, "x.code")
    sections = sections_by_division()
    codes = [f"{letter}{d:02d}{tail}" for letter in "ABCDEFGHIJKLMNOPQRST" for d in range(100) for tail in ("", "11")]
    codes += ["39", "3911", "U39", "c39", "", "A", "A3", "A39111"]
    con = duckdb.connect()
    con.execute("CREATE TABLE x AS SELECT unnest(?) AS code", [codes])
    flagged = {r[0] for r in con.execute(f"SELECT code FROM x WHERE {failure.condition}").fetchall()}
    expected = {c for c in codes if len(c) in (3, 5) and c[0] in "ABCDEFGHIJKLMNOPQRST" and c[1:].isdigit()
                and c[1:3] in sections and sections[c[1:3]] != c[0]}
    assert flagged == expected
    assert len(expected) == 2 * 97 * 19

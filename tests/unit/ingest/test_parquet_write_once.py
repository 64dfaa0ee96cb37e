"""The Parquet load writes the data once: a narrow check pass, then one insert that reads the file again.

What must hold: the guarded trim gives exactly DuckDB's trim; rates arriving as DECIMAL are taken as they are
and read like their text; the check pass keeps only the columns the checks read; a file that changes between
the check and the insert is refused with a located issue and nothing is loaded.
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wupian.contract import table
from wupian.core.errors import DataError
from wupian.engine import loading
from wupian.engine.checks import check_columns, text_expr
from wupian.engine.stage import stage_table
from wupian.engine.warehouse import Warehouse
from wupian.ingest import load_snapshot
from wupian.ingest.inventory import list_quarantine
from wupian.ingest.read import read_parquet_file

AS_OF = dt.date(2026, 3, 31)
_CON = duckdb.connect()
# ASCII space and controls, Unicode spaces (NBSP, U+2000, U+3000), a zero-width space, letters, CJK, accents.
_TEXT = st.text(alphabet=[" ", "\t", "\n", "\u00a0", "\u2000", "\u3000", "\u200b", "a", "Z", "中", "é", "-"], max_size=6)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.none(), _TEXT))
def test_guarded_trim_is_duckdb_trim(value: str | None) -> None:
    got = _CON.execute(
        f"SELECT {text_expr('v', 'r')}, {text_expr('v', 'r', spaces_only=True)} FROM (SELECT CAST(? AS VARCHAR) AS v) AS r",
        [value],
    ).fetchone()
    want = _CON.execute("SELECT NULLIF(trim(?), ''), NULLIF(trim(?, ' '), '')", [value, value]).fetchone()
    assert got == want


def test_check_pass_keeps_only_the_columns_the_checks_read() -> None:
    assert check_columns(table("loans")) == ("loan_id", "customer_id", "branch_id", "drawdown_date", "interest_rate")
    assert check_columns(table("customers")) == ("customer_id", "branch_id")
    assert check_columns(table("branches")) == ("branch_id", "parent_id")  # the tree's own reference


def _loans_parquet(good_dir: Path, rate: pa.Array) -> Path:
    import csv

    with (good_dir / "loans.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    cols: dict[str, pa.Array] = {h: pa.array([r[i] or None for r in rows[1:]]) for i, h in enumerate(rows[0])}
    cols["interest_rate"] = rate
    (good_dir / "loans.csv").unlink()
    path = good_dir / "loans.parquet"
    pq.write_table(pa.table(cols), path)
    return path


@pytest.mark.parametrize("decimal_type", [pa.decimal128(10, 5), pa.decimal128(18, 6), pa.decimal128(24, 4)])
def test_decimal_rates_load_like_their_text(tmp_path: Path, good_dir: Path, decimal_type: pa.DataType) -> None:
    with Warehouse(tmp_path / "text.duckdb") as wh:
        assert load_snapshot(wh, AS_OF, good_dir).ok
        want = wh.rows("SELECT loan_id, interest_rate FROM loans ORDER BY loan_id")
    rates = [Decimal("3.45"), Decimal("3.1"), Decimal("40")]  # 40 is out of range: rejected, message as text
    _loans_parquet(good_dir, pa.array(rates, type=decimal_type))
    with Warehouse(tmp_path / "typed.duckdb") as wh:
        report = load_snapshot(wh, AS_OF, good_dir)
        got = wh.rows("SELECT loan_id, interest_rate FROM loans ORDER BY loan_id")
        [issue] = [i for i in report.issues if i.code == "WP-LOAD-007"]
        [row], _ = list_quarantine(wh, AS_OF, "loans")
    scale = decimal_type.scale
    assert got == want[:2]
    assert issue.source.line == 3 and issue.message.endswith(f"got {Decimal(40):.{scale}f}")
    assert dict(row.values)["interest_rate"] == f"{Decimal(40):.{scale}f}"


def test_a_file_changed_before_its_insert_is_refused(tmp_path: Path, good_dir: Path) -> None:
    path = _loans_parquet(good_dir, pa.array([Decimal("3.45"), Decimal("3.1"), Decimal("4.35")], pa.decimal128(18, 6)))
    prepared = read_parquet_file(path, table("loans"))
    assert prepared.raw is not None
    with Warehouse(tmp_path / "w.duckdb") as wh:
        st_ = stage_table(wh.con, prepared.raw, "loans")
        assert st_.rows == 3 and st_.source is not None
        data = pq.read_table(path)
        pq.write_table(data.slice(0, 2), path)  # the export overwrote it meanwhile
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
        with pytest.raises(DataError) as caught:
            loading.insert_snapshot(wh.con, table("loans"), AS_OF, 0, st_)
        [issue] = caught.value.issues
        assert issue.code == "WP-LOAD-003" and issue.source.file == "loans.parquet"
        assert "changed while it was being loaded" in issue.message
        assert wh.rows("SELECT count(*) AS n FROM loans") == [{"n": 0}]

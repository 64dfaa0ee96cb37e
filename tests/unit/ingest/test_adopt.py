"""A clean Parquet source whose columns type as exact casts is adopted as the date's part by a byte copy
(engine/stage_parts.py), and every reader of parts goes through each part's projection (engine/part_views.py):
the views of a mixed warehouse (an adopted part, a part written without the columns its CSV lacks, a part holding
every column as before), a moved warehouse pair, a published generation, a reload and garbage collection."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from support.adopt_bank import typed_loans_bank
from wupian.contract import table
from wupian.core.errors import DataError
from wupian.engine import published
from wupian.engine.part_views import Projection
from wupian.engine.parts import parts_root
from wupian.engine.warehouse import Warehouse
from wupian.ingest import load_snapshot

JAN, FEB, MAR = dt.date(2026, 1, 31), dt.date(2026, 2, 28), dt.date(2026, 3, 31)
GOOD = Path(__file__).resolve().parents[2] / "golden" / "ingest" / "good_minimal" / "input"


def _projections(wh: Warehouse) -> dict[dt.date, Projection | None]:
    return {d: Projection.from_json(p) for d, p in wh.con.execute(
        "SELECT as_of, projection FROM stored_parts WHERE table_name = 'loans' ORDER BY as_of").fetchall()}


def _loans(wh: Warehouse) -> list[tuple[object, ...]]:
    return wh.con.execute("SELECT * FROM loans ORDER BY as_of, loan_id").fetchall()


def test_a_clean_typed_source_is_its_part_byte_for_byte(tmp_path: Path) -> None:
    source = typed_loans_bank(tmp_path / "in")
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        report = load_snapshot(wh, MAR, tmp_path / "in")
        assert report.loaded["loans"] == 3 and not report.rejected.get("loans")
        proj = _projections(wh)[MAR]
        assert proj is not None and not proj.dated
        assert dict(proj.columns)["interest_rate"] == ("DECIMAL(18,6)",)
        assert dict(proj.columns)["is_entrusted"] == ("BOOLEAN",)
        assert dict(proj.columns)["tech_hts"] == ("VARCHAR",)
        types = dict(wh.con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                    "WHERE table_name = 'loans'").fetchall())
        assert all(types[c.name] == c.type.sql_type for c in table("loans").columns)
        got = wh.rows("SELECT as_of, loan_id, interest_rate, is_entrusted, pension_share, tech_hts, currency "
                      "FROM loans ORDER BY loan_id")
    assert got[0] == {"as_of": MAR, "loan_id": "L1", "interest_rate": Decimal("3.450000"), "is_entrusted": True,
                      "pension_share": Decimal("0.500000"), "tech_hts": None, "currency": None}
    [part] = (parts_root(db) / "loans").rglob("*.parquet")
    assert part.read_bytes() == source.read_bytes()
    assert part.stat().st_ino != source.stat().st_ino  # a copy, never a link to the bank's file
    assert not list(parts_root(db).rglob("*.tmp"))
    source.write_bytes(b"changed after the load")  # the bank's file may change: the warehouse does not
    with Warehouse(db, read_only=True) as wh:
        assert wh.scalar("SELECT count(*) FROM loans") == 3


def test_a_refused_load_leaves_no_copy_of_the_source(tmp_path: Path) -> None:
    typed_loans_bank(tmp_path / "in")
    (tmp_path / "in" / "branches.csv").unlink()  # a required table missing: structural, nothing is loaded
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        with pytest.raises(DataError):
            load_snapshot(wh, MAR, tmp_path / "in")
        assert wh.scalar("SELECT count(*) FROM loans") == 0
    assert not [f for f in parts_root(db).rglob("*") if f.is_file()]


def test_a_csv_source_leaves_its_absent_columns_out_of_the_part(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        load_snapshot(wh, MAR, GOOD)
        proj = _projections(wh)[MAR]
        assert proj is not None and proj.dated
        assert wh.scalar("SELECT count(*) FROM loans WHERE currency IS NULL AND tech_hts IS NULL") == 3
    [part] = (parts_root(db) / "loans").rglob("*.parquet")
    stored = [r[0] for r in duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{part}')").fetchall()]
    assert stored == ["as_of", *GOOD.joinpath("loans.csv").read_text(encoding="utf-8").splitlines()[0].split(",")]


def _mixed(tmp_path: Path) -> tuple[Path, list[tuple[object, ...]]]:
    """JAN: every column stored (as before projections); FEB: a CSV's columns only; MAR: an adopted source."""
    db = tmp_path / "a" / "w.duckdb"
    db.parent.mkdir()
    typed_loans_bank(tmp_path / "in")
    with Warehouse(db) as wh:
        load_snapshot(wh, FEB, GOOD)
        load_snapshot(wh, MAR, tmp_path / "in")
        full = wh.arrow("SELECT * FROM loans WHERE as_of = ?", [FEB])
        full = full.set_column(0, "as_of", pa.array([JAN] * full.num_rows, pa.date32()))
        wh.insert_arrow("loans", full)
        proj = _projections(wh)
        assert proj[JAN] is None and proj[FEB] is not None and proj[FEB].dated
        assert proj[MAR] is not None and not proj[MAR].dated
        want = _loans(wh)
        assert [r[0] for r in want] == [JAN] * 3 + [FEB] * 3 + [MAR] * 3
        for day in (JAN, FEB, MAR):  # a filter on the date reads that date's branch only
            assert wh.scalar("SELECT count(*) FROM loans WHERE as_of = ?", [day]) == 3
        return db, want


def test_a_mixed_warehouse_reads_every_part_through_its_projection(tmp_path: Path) -> None:
    db, want = _mixed(tmp_path)
    assert want[0][1:] == want[3][1:]  # JAN is FEB's rows, stored whole
    with Warehouse(db, read_only=True) as wh:
        assert _loans(wh) == want
    gen = published.publish(db)
    with Warehouse.overlay(gen.path) as wh:  # a published generation reads the same views
        assert _loans(wh) == want


def test_a_moved_pair_reads_its_adopted_and_written_parts(tmp_path: Path) -> None:
    db, want = _mixed(tmp_path)
    moved = tmp_path / "restore" / "copy.duckdb"
    moved.parent.mkdir()
    shutil.copyfile(db, moved)
    shutil.copytree(parts_root(db), parts_root(moved))
    shutil.rmtree(tmp_path / "a")
    with Warehouse(moved, read_only=True) as wh:
        assert _loans(wh) == want
    with Warehouse(moved) as wh:
        assert _loans(wh) == want
        typed_loans_bank(tmp_path / "in2", balance="1.00")
        load_snapshot(wh, MAR, tmp_path / "in2")  # replace the adopted date; the others stay
        assert wh.scalar("SELECT sum(balance) FROM loans WHERE as_of = ?", [MAR]) == Decimal("13.50")
        assert _loans(wh)[:6] == want[:6]
    files = sorted(p.parent.name for p in (parts_root(moved) / "loans").rglob("*.parquet"))
    assert files == ["as_of=2026-01-31", "as_of=2026-02-28", "as_of=2026-03-31"]  # the old MAR copy collected


def test_a_source_headed_by_the_contracts_chinese_labels_is_adopted_too(tmp_path: Path) -> None:
    source = typed_loans_bank(tmp_path / "in")
    data = pq.read_table(source)
    zh = {c.name: c.zh for c in table("loans").columns}
    labelled = data.rename_columns([zh[c] if c in ("loan_id", "balance", "interest_rate") else c
                                    for c in data.column_names])
    pq.write_table(labelled, source)
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        report = load_snapshot(wh, MAR, tmp_path / "in")
        assert report.loaded["loans"] == 3 and not report.rejected.get("loans")
        proj = _projections(wh)[MAR]
        assert proj is not None and dict(proj.sources) == {
            "loan_id": "贷款借据编码", "balance": "贷款余额", "interest_rate": "利率水平"}
        got = wh.rows("SELECT loan_id, balance, interest_rate FROM loans ORDER BY loan_id")
    assert got[0] == {"loan_id": "L1", "balance": Decimal("7500000.00"), "interest_rate": Decimal("3.450000")}
    [part] = (parts_root(db) / "loans").rglob("*.parquet")
    assert part.read_bytes() == source.read_bytes()


@pytest.mark.parametrize("bad_at", [7, 9_000])
def test_a_bad_row_inside_or_past_the_first_rows_proved_is_found_and_nothing_adopted(
        tmp_path: Path, bad_at: int) -> None:
    """The proof looks at the file's first rows (``PROBE_ROWS``) before the whole file: a bad row past them is
    found by the whole-file pass, located at its line, quarantined, and the file is then written, not adopted."""
    from wupian.engine.stage_parts import PROBE_ROWS

    n = 10_000
    assert PROBE_ROWS < bad_at < n or bad_at < PROBE_ROWS
    source = typed_loans_bank(tmp_path / "in")
    one = pq.read_table(source).slice(0, 1)
    data = pa.concat_tables([one] * n).to_pydict()
    data["loan_id"] = [f"L{i:05d}" for i in range(n)]
    data["five_class"][bad_at] = "bogus"
    pq.write_table(pa.table(data, schema=one.schema), source)
    with Warehouse(tmp_path / "w.duckdb") as wh:
        report = load_snapshot(wh, MAR, tmp_path / "in")
        assert report.loaded["loans"] == n - 1 and report.rejected["loans"] == 1
        [issue] = [i for i in report.issues if i.source.column == "five_class"]
        assert (issue.source.file, issue.source.line) == ("loans.parquet", bad_at + 1)
        proj = _projections(wh)[MAR]
        assert proj is not None and proj.dated  # written, not the bank's bytes
        assert wh.scalar("SELECT count(*) FROM loans WHERE loan_id = ?", [f"L{bad_at:05d}"]) == 0

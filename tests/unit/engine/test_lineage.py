"""engine.lineage: load ids, what a stored result records, freshness and invalidation inside the load."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from support.lineage_bank import tiny_folder
from wupian.core.errors import DataError
from wupian.engine import lineage
from wupian.engine.warehouse import Warehouse
from wupian.ingest import check_snapshot, load_snapshot

D1, D2, D3 = date(2025, 12, 31), date(2026, 1, 31), date(2026, 3, 31)


def _folder(root: Path, name: str, balance: str = "100.00", targets: bool = False) -> Path:
    return tiny_folder(root, name, balance=balance, targets=targets)


def _derive(wh: Warehouse, day: date, kind: str = "loan_tags", profile: str = "p") -> None:
    """A stand-in derived result: one row and its lineage, in one transaction."""
    wh.execute("CREATE TABLE IF NOT EXISTS indicator_values (as_of DATE, profile VARCHAR, branch_id VARCHAR)")
    column = "loan_id" if kind == "loan_tags" else "branch_id"  # loan_tags: a view over its Parquet parts
    with wh.transaction() as con:
        wh.insert_rows(kind, ["as_of", "profile", column], "SELECT CAST(? AS DATE), ?, 'x'", [day, profile])
        lineage.record(con, kind, day, profile, versions="v1", keyed=kind == "indicator_values")


@pytest.fixture
def wh(tmp_path: Path) -> Warehouse:
    w = Warehouse(tmp_path / "w.duckdb")
    for day in (D1, D2, D3):
        load_snapshot(w, day, _folder(tmp_path, day.isoformat()))
    yield w
    w.close()


def test_every_load_gets_a_new_load_id(wh: Warehouse, tmp_path: Path) -> None:
    before = wh.scalar("SELECT load_id FROM snapshots WHERE as_of = ?", [D3])
    load_snapshot(wh, D3, tmp_path / D3.isoformat())  # the very same folder again
    after = wh.scalar("SELECT load_id FROM snapshots WHERE as_of = ?", [D3])
    assert before and after and before != after


def test_a_result_records_the_load_of_every_date_it_read(wh: Warehouse) -> None:
    _derive(wh, D2)
    (row,) = lineage.lineage_rows(wh)
    ids = dict(wh.con.execute("SELECT as_of, load_id FROM snapshots").fetchall())
    assert row["inputs"] == f"{D1}={ids[D1]},{D2}={ids[D2]}"  # up to its date, not the later one
    assert row["versions"] == "v1"
    assert lineage.stale_dates(wh, "loan_tags", [D1, D2, D3], "p", "v1") == [D1, D3]  # D1, D3: nothing stored
    assert lineage.stale_dates(wh, "loan_tags", [D2], "p", "v2") == [D2]  # other rules or reference data
    assert lineage.stale_dates(wh, "loan_tags", [D2], "p", None) == []  # inputs only
    assert lineage.stale_dates(wh, "loan_tags", [date(2020, 1, 31)], "p", "v1") == []  # never loaded: no lineage


def test_loading_a_date_invalidates_it_and_every_later_date_in_the_same_transaction(wh: Warehouse,
                                                                                      tmp_path: Path) -> None:
    for day in (D1, D2, D3):
        _derive(wh, day)
    load_snapshot(wh, D2, _folder(tmp_path, "d2-fixed", balance="50.00"))
    assert [r[0] for r in wh.con.execute("SELECT as_of FROM loan_tags ORDER BY 1").fetchall()] == [D1]
    assert [r["as_of"] for r in lineage.lineage_rows(wh)] == [D1]
    assert lineage.stale_dates(wh, "loan_tags", [D1, D2, D3], "p", "v1") == [D2, D3]


def test_a_refused_load_keeps_the_derived_results(wh: Warehouse, tmp_path: Path) -> None:
    _derive(wh, D3)
    bad = _folder(tmp_path, "bad")
    (bad / "loans.csv").write_text("loan_id\nL1\n", encoding="utf-8")  # structural problem: refused
    with pytest.raises(DataError):
        load_snapshot(wh, D3, bad)
    assert wh.scalar("SELECT count(*) FROM loan_tags") == 1
    assert lineage.stale_dates(wh, "loan_tags", [D3], "p", "v1") == []


def test_targets_or_peers_in_a_load_invalidate_stored_indicators_of_every_date(wh: Warehouse,
                                                                                tmp_path: Path) -> None:
    _derive(wh, D1, "indicator_values")
    _derive(wh, D1, "loan_tags")
    assert lineage.stale_dates(wh, "indicator_values", [D1], "p", "v1", keyed=True) == []
    load_snapshot(wh, D3, _folder(tmp_path, "d3-targets", targets=True))
    assert wh.scalar("SELECT count(*) FROM indicator_values") == 0
    assert wh.scalar("SELECT count(*) FROM loan_tags") == 1  # tags of D1 do not read targets
    assert lineage.stale_dates(wh, "indicator_values", [D1], "p", "v1", keyed=True) == [D1]


def test_checking_a_folder_touches_no_warehouse(wh: Warehouse, tmp_path: Path) -> None:
    _derive(wh, D3)
    check_snapshot(tmp_path / D3.isoformat(), D3)
    assert lineage.stale_dates(wh, "loan_tags", [D3], "p", "v1") == []


def test_a_warehouse_from_before_load_ids(tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    con.execute("""CREATE TABLE snapshots (as_of DATE PRIMARY KEY, loaded_at TIMESTAMP, source_dir VARCHAR,
                   row_counts_json VARCHAR, rejected_counts_json VARCHAR, issue_counts_json VARCHAR)""")
    con.execute("INSERT INTO snapshots VALUES (?, TIMESTAMP '2026-04-01 10:00:00', 'x', '{}', '{}', '{}')", [D3])
    con.close()
    with Warehouse(db, read_only=True) as ro:  # no schema change possible: the load time stands in
        assert lineage.inputs_of(ro.con, D3) == f"{D3}=at:2026-04-01 10:00:00"
        assert lineage.stale_dates(ro, "loan_tags", [D3], "p", "v1") == [D3]
    with Warehouse(db) as rw:  # opened for writing: the column is added, old rows keep their load time
        assert lineage.inputs_of(rw.con, D3) == f"{D3}=at:2026-04-01 10:00:00"

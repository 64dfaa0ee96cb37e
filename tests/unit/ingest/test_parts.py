"""loans and customers kept as immutable Parquet parts beside the DuckDB file (wupian.engine.parts): one file per
load of a date, the manifest committed with the load, replace-a-date, published generations that keep reading
their files, garbage collection, crash safety, migration of a warehouse with native tables, read-only opens."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from wupian.contract import table
from wupian.core.errors import UsageError
from wupian.engine import loading, published
from wupian.engine.parts import parts_root
from wupian.engine.warehouse import Warehouse, table_ddl
from wupian.ingest import load_snapshot

AS_OF = dt.date(2026, 3, 31)
LATER = dt.date(2026, 4, 30)
SRC = Path(__file__).resolve().parents[3] / "src"


def files(db: Path, name: str = "loans") -> set[Path]:
    return set((parts_root(db) / name).rglob("*.parquet"))


def balances(wh: Warehouse, as_of: dt.date = AS_OF) -> Decimal:
    return wh.scalar("SELECT sum(balance) FROM loans WHERE as_of = ?", [as_of])


def raise_balances(folder: Path) -> None:
    """Every loan's balance + 1 yuan (a corrected re-send of the date)."""
    text = (folder / "loans.csv").read_text(encoding="utf-8")
    (folder / "loans.csv").write_text(
        text.replace(",7500000.00,", ",7500001.00,").replace(",280000.12,", ",280001.12,")
        .replace(",500000.00,4.35", ",500001.00,4.35"), encoding="utf-8")


def test_a_load_writes_one_parquet_file_per_table_and_date(wh: Warehouse, good_dir: Path) -> None:
    report = load_snapshot(wh, AS_OF, good_dir)
    db = Path(wh.path)
    [loans] = files(db)
    [customers] = files(db, "customers")
    assert loans.parent.name == "as_of=2026-03-31" and loans.parent.parent.name == "loans"
    assert wh.scalar("SELECT count(*) FROM loans") == report.loaded["loans"] == 3
    assert wh.scalar("SELECT count(*) FROM customers") == report.loaded["customers"] == 3
    assert wh.scalar("SELECT count(*) FROM duckdb_tables() WHERE table_name IN ('loans', 'customers')") == 0
    assert wh.scalar("SELECT count(*) FROM duckdb_views() WHERE view_name IN ('loans', 'customers')") == 2
    # the file holds the contract's typed columns, as_of first: exact decimals
    types = dict(duckdb.sql(f"SELECT name, type FROM parquet_schema('{loans}')").fetchall())
    assert list(types)[1] == "as_of"
    assert wh.scalar("SELECT balance FROM loans WHERE loan_id = 'L000002'") == Decimal("280000.12")
    assert not list(parts_root(db).rglob("*.tmp"))


def test_replacing_a_date_swaps_its_file_and_keeps_the_other_dates(wh: Warehouse, good_dir: Path) -> None:
    load_snapshot(wh, AS_OF, good_dir)
    load_snapshot(wh, LATER, good_dir)
    db = Path(wh.path)
    first = files(db)
    later = {f for f in first if "as_of=2026-04-30" in str(f)}
    later_bytes = {f: (f.read_bytes(), f.stat().st_mtime_ns) for f in later}
    before = balances(wh)
    raise_balances(good_dir)
    load_snapshot(wh, AS_OF, good_dir)
    assert balances(wh) == before + 3
    assert balances(wh, LATER) == before
    now = files(db)
    assert later <= now and {f: (f.read_bytes(), f.stat().st_mtime_ns) for f in later} == later_bytes
    assert len(now) == 2 and not (first - later) & now  # the replaced date's old file is gone (no publication)


def test_a_load_that_fails_after_writing_its_file_leaves_the_old_state(
        wh: Warehouse, good_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_snapshot(wh, AS_OF, good_dir)
    db = Path(wh.path)
    before_files, before = files(db), balances(wh)
    real = loading.insert_snapshot

    def crash_after_loans(con, tbl, as_of, *rest):  # type: ignore[no-untyped-def]
        n = real(con, tbl, as_of, *rest)
        if tbl.name == "loans":
            raise RuntimeError("disk full (injected)")
        return n

    monkeypatch.setattr(loading, "insert_snapshot", crash_after_loans)
    raise_balances(good_dir)
    with pytest.raises(RuntimeError):
        load_snapshot(wh, AS_OF, good_dir)
    assert balances(wh) == before
    assert files(db) == before_files  # the rolled-back load's file was deleted at once


def test_a_process_killed_between_file_write_and_commit_leaves_the_old_state(tmp_path: Path, good_dir: Path) -> None:
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        load_snapshot(wh, AS_OF, good_dir)
        before = balances(wh)
    before_files = files(db)
    raise_balances(good_dir)
    script = textwrap.dedent(f"""
        import datetime as dt, os
        from wupian.engine.load_session import LoadSession
        from wupian.engine.warehouse import Warehouse
        from wupian.ingest import load_snapshot
        LoadSession.record_snapshot = lambda *a, **k: os._exit(9)  # dies after the files, before COMMIT
        load_snapshot(Warehouse({str(db)!r}), dt.date(2026, 3, 31), __import__("pathlib").Path({str(good_dir)!r}))
    """)
    done = subprocess.run([sys.executable, "-c", script], env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 9, done.stderr
    orphans = files(db) - before_files
    assert orphans  # written and renamed, never listed in a committed manifest
    with Warehouse(db, read_only=True) as ro:
        assert balances(ro) == before
    with Warehouse(db) as wh:
        assert balances(wh) == before
        load_snapshot(wh, LATER, good_dir)  # a later replace collects what the dead process left
        load_snapshot(wh, LATER, good_dir)
        assert not files(db) & orphans
        assert balances(wh) == before


def test_a_published_generation_keeps_reading_its_files_after_the_date_is_replaced(
        tmp_path: Path, good_dir: Path) -> None:
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        load_snapshot(wh, AS_OF, good_dir)
        before = balances(wh)
    gen = published.publish(db)
    old_files = files(db)
    raise_balances(good_dir)
    with Warehouse(db) as wh:
        load_snapshot(wh, AS_OF, good_dir)
        assert balances(wh) == before + 3
    assert old_files <= files(db)  # generation 1 still lists them: not collected
    reader = Warehouse.overlay(gen.path)
    try:
        assert balances(reader) == before
    finally:
        reader.close()
    for _ in range(published.KEEP_GENERATIONS):
        published.publish(db)
    assert not old_files & files(db)  # once no kept generation lists them, they go
    newest = published.current(db)
    assert newest is not None
    reader = Warehouse.overlay(newest.path)
    try:
        assert balances(reader) == before + 3
    finally:
        reader.close()


def test_a_warehouse_with_native_tables_is_migrated_when_opened(tmp_path: Path, good_dir: Path) -> None:
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        load_snapshot(wh, AS_OF, good_dir)
        load_snapshot(wh, LATER, good_dir)
        want = {n: wh.rows(f"SELECT * FROM {n} ORDER BY ALL") for n in ("loans", "customers")}
        dates = wh.rows("SELECT as_of, load_id FROM snapshots ORDER BY as_of")
    old = tmp_path / "old.duckdb"
    con = duckdb.connect(str(old))  # a warehouse file as the previous release wrote it: native tables
    con.execute(f"ATTACH '{db}' AS src (READ_ONLY)")
    for n in ("loans", "customers"):
        con.execute(table_ddl(table(n)))
        con.execute(f"INSERT INTO {n} SELECT * FROM src.{n}")
    con.execute("CREATE TABLE snapshots AS SELECT * FROM src.snapshots")
    con.execute("DETACH src")
    con.close()
    with Warehouse(old, read_only=True) as ro:  # read-only: the native tables are read as they are
        assert ro.rows("SELECT * FROM loans ORDER BY ALL") == want["loans"]
    assert not parts_root(old).exists()
    with Warehouse(old) as wh:
        for n in ("loans", "customers"):
            assert wh.rows(f"SELECT * FROM {n} ORDER BY ALL") == want[n]
            assert wh.scalar("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [n]) == 0
            assert {f.parent.name for f in files(old, n)} == {"as_of=2026-03-31", "as_of=2026-04-30"}
        assert wh.rows("SELECT as_of, load_id FROM snapshots ORDER BY as_of") == dates  # nothing made stale
    with Warehouse(old) as wh:  # a second open changes nothing
        assert len(files(old)) == 2


def test_a_read_only_open_reads_the_parts_and_writes_nothing(tmp_path: Path, good_dir: Path) -> None:
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        load_snapshot(wh, AS_OF, good_dir)
        before = balances(wh)
    stamp = published.source_stamp(db)
    listing = {f: f.stat().st_mtime_ns for f in parts_root(db).rglob("*")}
    with Warehouse(db, read_only=True) as ro:
        assert balances(ro) == before
    with Warehouse(db) as wh:  # a read-write open of an up-to-date warehouse writes nothing either
        assert balances(wh) == before
    assert published.source_stamp(db) == stamp
    assert {f: f.stat().st_mtime_ns for f in parts_root(db).rglob("*")} == listing


def test_an_in_memory_warehouse_keeps_its_parts_in_a_private_folder(good_dir: Path) -> None:
    wh = Warehouse(":memory:")
    load_snapshot(wh, AS_OF, good_dir)
    root = wh.parts.root
    assert root is not None and len(list(root.rglob("*.parquet"))) == 2
    assert wh.scalar("SELECT count(*) FROM loans") == 3
    wh.close()
    assert not root.exists()


def test_a_warehouse_whose_parquet_files_are_missing_is_refused_with_the_file_named(
        tmp_path: Path, good_dir: Path) -> None:
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        load_snapshot(wh, AS_OF, good_dir)
    [gone] = files(db)
    gone.rename(tmp_path / "elsewhere.parquet")
    for read_only in (False, True):
        with pytest.raises(UsageError, match=gone.name):
            Warehouse(db, read_only=read_only)
    (tmp_path / "elsewhere.parquet").rename(gone)
    with Warehouse(db, read_only=True) as ro:
        assert ro.scalar("SELECT count(*) FROM loans") == 3


def test_garbage_collection_deletes_nothing_when_a_published_generation_cannot_be_read(
        tmp_path: Path, good_dir: Path) -> None:
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        load_snapshot(wh, AS_OF, good_dir)
    gen = published.publish(db)
    old_files = files(db)
    gen.path.write_bytes(b"not a database")  # its list of files is unknown now
    with Warehouse(db) as wh:
        load_snapshot(wh, AS_OF, good_dir)
    assert old_files < files(db)

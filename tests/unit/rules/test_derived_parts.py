"""``loan_tags`` and ``customer_facts`` are kept as immutable Parquet parts (``wupian.engine.parts``), like the
snapshots: one part per (date, profile) of the tags and per date of the facts, listed in the manifest, read through
views. Replacing one profile's classification leaves the other's part alone and collects the old file; a warehouse
whose derived tables are native (written before) is migrated on its first read-write open with its rows and lineage
kept, and read as it is when opened read-only."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from wupian.engine import lineage, sql_log
from wupian.engine.metrics import has_rows
from wupian.engine.parts import PartStore, parts_root, resolve
from wupian.engine.warehouse import Warehouse
from wupian.rules import classify_snapshot, classify_snapshots, customer_facts, loan_tags

AS_OF = date(2025, 12, 31)
PROFILES = ("pboc_2025", "nfra_1104_2025")


def _manifest(wh: Warehouse, name: str) -> list[tuple[str | None, str]]:
    """(profile, the file as read: resolved against the warehouse's parts folder) of the parts of ``name``."""
    return [(r[0], str(resolve(wh.parts.root, r[1], r[2]))) for r in wh.con.execute(
        "SELECT profile, file, origin FROM stored_parts WHERE table_name = ? ORDER BY profile, file",
        [name]).fetchall()]


def _classified(db: Path) -> None:
    with Warehouse(db) as wh:
        for profile in PROFILES:
            classify_snapshot(wh, AS_OF, profile)


def test_a_classification_writes_one_part_per_profile_and_one_for_the_customer_facts(two_loan_db: Path) -> None:
    _classified(two_loan_db)
    with Warehouse(two_loan_db) as wh:
        tags = _manifest(wh, "loan_tags")
        assert [p for p, _ in tags] == sorted(PROFILES)
        for _, file in tags:
            assert Path(file).is_file()
            assert Path(file).parent == parts_root(two_loan_db) / "loan_tags" / "as_of=2025-12-31"
        facts = _manifest(wh, "customer_facts")
        assert len(facts) == 1 and facts[0][0] is None and Path(facts[0][1]).is_file()
        assert wh.scalar("SELECT count(*) FROM duckdb_tables() WHERE list_contains(['loan_tags', 'customer_facts'], "
                         "table_name)") == 0  # views over the parts, no native tables
        assert wh.scalar("SELECT count(DISTINCT profile) FROM loan_tags WHERE as_of = ?", [AS_OF]) == 2
        assert wh.scalar("SELECT count(*) FROM customer_facts WHERE as_of = ?", [AS_OF]) == 2


def test_reclassifying_one_profile_replaces_its_part_only_and_collects_the_old_file(two_loan_db: Path) -> None:
    _classified(two_loan_db)
    with Warehouse(two_loan_db) as wh:
        before = dict(_manifest(wh, "loan_tags"))
        rows_before = {p: loan_tags(wh, AS_OF, p).to_pylist() for p in PROFILES}
        classify_snapshot(wh, AS_OF, "pboc_2025")
        after = dict(_manifest(wh, "loan_tags"))
        assert after["nfra_1104_2025"] == before["nfra_1104_2025"]
        assert after["pboc_2025"] != before["pboc_2025"]
        assert not Path(before["pboc_2025"]).exists()  # collected after the commit: no manifest lists it
        assert {p: loan_tags(wh, AS_OF, p).to_pylist() for p in PROFILES} == rows_before


def _make_native(db: Path) -> None:
    """Turn the derived views back into native tables holding the same rows and drop the manifest's ``profile``
    column, as a warehouse written before the derived tables were parts."""
    con = duckdb.connect(str(db))
    try:
        for name in ("loan_tags", "customer_facts"):
            con.execute(f"CREATE TEMP TABLE t AS SELECT * FROM {name}")
            con.execute(f"DROP VIEW {name}")
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM t")
            con.execute("DROP TABLE t")
            con.execute("DELETE FROM stored_parts WHERE table_name = ?", [name])
        con.execute("ALTER TABLE stored_parts DROP COLUMN profile")  # the manifest of session 5
    finally:
        con.close()


def test_native_derived_tables_are_migrated_with_their_rows_and_lineage(two_loan_db: Path) -> None:
    _classified(two_loan_db)
    with Warehouse(two_loan_db) as wh:
        want_tags = {p: loan_tags(wh, AS_OF, p).to_pylist() for p in PROFILES}
        want_facts = customer_facts(wh, AS_OF).to_pylist()
        want_lineage = lineage.lineage_rows(wh)
    _make_native(two_loan_db)
    with Warehouse(two_loan_db, read_only=True) as ro:  # read-only: the native tables are read as they are
        assert has_rows(ro, "loan_tags", AS_OF, "pboc_2025")
        assert ro.scalar("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'loan_tags'") == 1
    with Warehouse(two_loan_db) as wh:  # read-write: rewritten as parts in one transaction
        assert wh.scalar("SELECT count(*) FROM duckdb_tables() WHERE list_contains(['loan_tags', 'customer_facts'], "
                         "table_name)") == 0
        assert sorted(p for p, _ in _manifest(wh, "loan_tags")) == sorted(PROFILES)
        assert {p: loan_tags(wh, AS_OF, p).to_pylist() for p in PROFILES} == want_tags
        assert customer_facts(wh, AS_OF).to_pylist() == want_facts
        assert lineage.lineage_rows(wh) == want_lineage
        assert not lineage.stale_dates(wh, "loan_tags", [AS_OF], "pboc_2025", None)


def test_a_read_only_open_reads_the_derived_parts(two_loan_db: Path) -> None:
    _classified(two_loan_db)
    with Warehouse(two_loan_db) as wh:
        want = loan_tags(wh, AS_OF, "pboc_2025").to_pylist()
    with Warehouse(two_loan_db, read_only=True) as ro:
        assert has_rows(ro, "loan_tags", AS_OF, "pboc_2025")
        assert ro.scalar("SELECT count(*) FROM loan_tags WHERE as_of = ? AND profile = 'pboc_2025'",
                         [AS_OF]) == len(want)


def _copy(db: Path, to: Path) -> Path:
    shutil.copyfile(db, to)
    shutil.copytree(f"{db}.parts", f"{to}.parts")
    return to


def _file_columns(path: str) -> list[str]:
    con = duckdb.connect()
    try:
        return [r[0] for r in con.execute("DESCRIBE SELECT * FROM read_parquet(?, hive_partitioning = false)",
                                          [path]).fetchall()]
    finally:
        con.close()


def test_a_tag_part_holds_the_varying_columns_and_its_manifest_row_the_constant_ones(
        two_loan_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file of a tag part has loan_id, tag, amount and rule_ids; its date, profile and rulebook version are
    its manifest row's (the view gives them as literals), explanation a typed NULL — and the view's rows are the
    rows a part of every column gives (the layout before), column for column."""
    full_db = _copy(two_loan_db, tmp_path / "full.duckdb")
    _classified(two_loan_db)
    write = PartStore.write

    def every_column(self: PartStore, *args: Any, constant: Any = None, present: Any = None, **kw: Any) -> int:
        return write(self, *args, **kw)

    monkeypatch.setattr(PartStore, "write", every_column)
    _classified(full_db)
    monkeypatch.undo()
    with Warehouse(two_loan_db) as wh, Warehouse(full_db) as full:
        for profile, file in _manifest(wh, "loan_tags"):
            assert _file_columns(file) == ["loan_id", "tag", "amount", "rule_ids"]
            doc = json.loads(wh.scalar("SELECT projection FROM stored_parts WHERE table_name = 'loan_tags' "
                                       "AND profile = ?", [profile]))
            assert doc["dated"] is False and [c for c, _ in doc["values"]] == ["profile", "rulebook_version"]
        for _, file in _manifest(full, "loan_tags"):  # what the monkeypatched write made: every column
            assert _file_columns(file)[:3] == ["as_of", "profile", "loan_id"]
        everything = "SELECT * FROM loan_tags ORDER BY ALL"
        assert wh.con.execute(everything).fetchall() == full.con.execute(everything).fetchall()
        assert wh.con.execute("DESCRIBE loan_tags").fetchall() == full.con.execute("DESCRIBE loan_tags").fetchall()
        assert wh.scalar("SELECT count(DISTINCT profile) FROM loan_tags WHERE explanation IS NULL "
                         "AND rulebook_version IS NOT NULL") == 2
        for profile in PROFILES:
            assert loan_tags(wh, AS_OF, profile).to_pylist() == loan_tags(full, AS_OF, profile).to_pylist()
            assert wh.scalar("SELECT count(*) FROM loan_tags WHERE as_of = ? AND profile = ?", [AS_OF, profile]) == \
                full.scalar("SELECT count(*) FROM loan_tags WHERE as_of = ? AND profile = ?", [AS_OF, profile]) > 0


def test_constant_columns_are_exact_literals_beside_parts_of_every_column() -> None:
    """A part's constant values reach the view exactly (quotes and all), next to a part of the layout before; a
    filter on a constant column keeps exactly its part's rows."""
    rows = ("SELECT ? AS profile, loan_id, 'tech' AS tag, CAST(1.25 AS DECIMAL(38,2)) AS amount, 'r1,r2' AS rule_ids, "
            "CAST(NULL AS VARCHAR) AS explanation, ? AS rulebook_version FROM (VALUES ('L1'), ('L2')) AS v(loan_id)")
    odd = "v1'; DROP TABLE loans; --"
    with Warehouse(":memory:") as wh:
        with wh.transaction():
            wh.parts.write(wh.con, "loan_tags", date(2025, 12, 31), rows, ["pboc_2025", "old"], profile="pboc_2025")
            wh.parts.write(wh.con, "loan_tags", date(2026, 3, 31), rows, ["pboc_2025", odd], profile="pboc_2025",
                           present=("profile", "loan_id", "tag", "amount", "rule_ids", "rulebook_version"),
                           constant={"profile": "pboc_2025", "rulebook_version": odd})
            wh.parts.write(wh.con, "loan_tags", date(2026, 3, 31), rows, ["nfra_1104_2025", "n"],
                           profile="nfra_1104_2025", constant={"profile": "nfra_1104_2025", "rulebook_version": "n"})
        got = wh.con.execute("SELECT as_of, profile, loan_id, amount, rule_ids, explanation, rulebook_version "
                             "FROM loan_tags ORDER BY ALL").fetchall()
        assert [(str(d), p, v) for d, p, _, _, _, _, v in got] == [
            ("2025-12-31", "pboc_2025", "old"), ("2025-12-31", "pboc_2025", "old"),
            ("2026-03-31", "nfra_1104_2025", "n"), ("2026-03-31", "nfra_1104_2025", "n"),
            ("2026-03-31", "pboc_2025", odd), ("2026-03-31", "pboc_2025", odd)]
        assert {(r[2], str(r[3]), r[4], r[5]) for r in got} == {("L1", "1.25", "r1,r2", None),
                                                                 ("L2", "1.25", "r1,r2", None)}
        assert wh.scalar("SELECT count(*) FROM loans") == 0  # the text stayed a value
        for day, profile, n in ((date(2026, 3, 31), "pboc_2025", 2), (date(2026, 3, 31), "x", 0),
                                (date(2025, 12, 31), "nfra_1104_2025", 0)):
            assert wh.scalar("SELECT count(*) FROM loan_tags WHERE as_of = ? AND profile = ?", [day, profile]) == n
        with pytest.raises(ValueError, match="no column"):
            wh.parts.write(wh.con, "loan_tags", date(2026, 3, 31), rows, ["pboc_2025", "v"], profile="pboc_2025",
                           constant={"nope": "x"})


def test_derived_parts_are_written_with_zstd_level_1_and_read_back_the_same(two_loan_db: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The classification's parts (both profiles' tags by a ``COPY`` each from the signed loans, one profile's alone, the
    customer facts) are compressed with zstd's fastest level (``parts.write_options``); the rows read back are
    those of a part written at the default level."""
    log = two_loan_db.parent / "sql.jsonl"
    monkeypatch.setenv(sql_log.ENV, str(log))
    with Warehouse(two_loan_db) as wh:
        classify_snapshots(wh, AS_OF, PROFILES)
        classify_snapshot(wh, AS_OF, PROFILES[0])
        rows = wh.rows("SELECT profile, loan_id, tag, amount, rule_ids FROM loan_tags ORDER BY ALL")
        files = [f for _p, f in _manifest(wh, "loan_tags") + _manifest(wh, "customer_facts")]
    copies = [e.sql for e in sql_log.read_log(log) if e.sql and e.sql.startswith("COPY (")]
    targets = {name: [c for c in copies if f"/{name}/" in c] for name in ("loan_tags", "customer_facts")}
    assert len(targets["loan_tags"]) == 3 and not any("PARTITION_BY" in c for c in targets["loan_tags"])
    assert len(targets["customer_facts"]) == 2
    for c in targets["loan_tags"] + targets["customer_facts"]:
        assert "COMPRESSION zstd, " in c and "COMPRESSION_LEVEL 1" in c
    con = duckdb.connect()
    for file in files:  # rewritten at the default level: the same rows
        again = two_loan_db.parent / "again.parquet"
        con.execute(f"COPY (SELECT * FROM read_parquet('{file}')) TO '{again}' (FORMAT parquet, COMPRESSION zstd)")
        assert con.execute(f"SELECT * FROM read_parquet('{file}') EXCEPT ALL "
                           f"SELECT * FROM read_parquet('{again}')").fetchall() == []
    assert rows and {r["profile"] for r in rows} == set(PROFILES)

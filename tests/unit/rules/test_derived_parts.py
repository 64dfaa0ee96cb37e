"""``loan_tags`` and ``customer_facts`` are kept as immutable Parquet parts (``wupian.engine.parts``), like the
snapshots: one part per (date, profile) of the tags and per date of the facts, listed in the manifest, read through
views. Replacing one profile's classification leaves the other's part alone and collects the old file; a warehouse
whose derived tables are native (written before) is migrated on its first read-write open with its rows and lineage
kept, and read as it is when opened read-only."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from wupian.engine import lineage
from wupian.engine.metrics import has_rows
from wupian.engine.parts import parts_root, resolve
from wupian.engine.warehouse import Warehouse
from wupian.rules import classify_snapshot, customer_facts, loan_tags

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

"""Replace-a-date on Spark is a partition overwrite: a dated table keeps each as-of date in its own folder
(``<table>/as_of=YYYY-MM-DD/``) and publishing a date writes that folder only — the other dates' files are not
touched (same names, same bytes, same modification times)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa

from wupian.engine.spark_fs import local_path
from wupian.engine.spark_publish import replace_date

JAN, FEB = date(2026, 1, 31), date(2026, 2, 28)


def _branches(as_of: date, ids: list[str]) -> pa.Table:
    return pa.table({"as_of": [as_of] * len(ids), "branch_id": ids, "parent_id": [None] * len(ids),
                     "name": [f"支行{i}" for i in ids]})


def _files(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_replacing_a_date_writes_only_its_folder(spark_wh: Any) -> None:
    wh = spark_wh
    assert wh.con.is_dated("branches") and wh.con.is_dated("loans") and wh.con.is_dated("snapshots")
    assert not wh.con.is_dated("loan_tags")  # derived tables are rewritten by their own statements
    cols = [f.name for f in wh.con.spark.table("branches").schema.fields]
    data = {d: _branches(d, ids).select([c for c in cols if c in ("as_of", "branch_id", "parent_id", "name")])
            for d, ids in ((JAN, ["A", "B"]), (FEB, ["A", "B", "C"]))}
    for d, t in data.items():
        replace_date(wh, "branches", d, _pad(t, cols))
    jan = local_path(wh.con.date_folder("branches", JAN))
    feb = local_path(wh.con.date_folder("branches", FEB))
    assert jan is not None and feb is not None
    assert jan.is_dir() and feb.is_dir() and jan.name == "as_of=2026-01-31"
    before = _files(jan)
    replace_date(wh, "branches", FEB, _pad(_branches(FEB, ["Z"]), cols))
    assert _files(jan) == before  # January's files: untouched
    rows = wh.rows("SELECT as_of, branch_id FROM branches ORDER BY as_of, branch_id")
    assert [(r["as_of"], r["branch_id"]) for r in rows] == [(JAN, "A"), (JAN, "B"), (FEB, "Z")]
    # the table keeps its DDL column order (the date folders are not Hive partition columns)
    assert wh.arrow("SELECT * FROM branches").column_names == cols
    # a plain INSERT and a DELETE keep every row in its date's folder
    wh.execute("INSERT INTO branches (as_of, branch_id, name) VALUES (?, 'Y', 'x')", [FEB])
    assert not [p for p in (jan.parent).iterdir() if p.is_file() and p.suffix == ".parquet"]
    wh.execute("DELETE FROM branches WHERE branch_id = 'A'")
    rows = wh.rows("SELECT as_of, branch_id FROM branches ORDER BY as_of, branch_id")
    assert [(r["as_of"], r["branch_id"]) for r in rows] == [(JAN, "B"), (FEB, "Y"), (FEB, "Z")]
    assert wh.scalar("SELECT count(*) FROM branches WHERE as_of = ?", [JAN]) == 1


def _pad(t: pa.Table, cols: list[str]) -> pa.Table:
    """``t`` with every other column of the stored table as NULL text."""
    for c in cols:
        if c not in t.column_names:
            t = t.append_column(c, pa.array([None] * t.num_rows, pa.string()))
    return t.select(cols)

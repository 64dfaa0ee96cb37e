"""A Parquet file of a table kept as parts that cannot be adopted (text columns with aliases here) is read once
(engine/stage_parts.py ``_stage_written``): the part written
while staging is adopted as it is when no row is rejected, rewritten without the rejected lines otherwise, and
deleted when the load is refused; and the exact-spelling arms in front of the enum/boolean typing
(``checks._exact_first``) give what ``lower()`` alone gives, for any text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wupian.contract import ColumnType, table
from wupian.core.errors import DataError
from wupian.engine.checks import typed_expr
from wupian.engine.parts import parts_root
from wupian.engine.warehouse import Warehouse
from wupian.ingest import load_snapshot

AS_OF = dt.date(2026, 3, 31)


def _as_parquet(folder: Path, name: str = "loans") -> Path:
    text = pacsv.read_csv(folder / f"{name}.csv", convert_options=pacsv.ConvertOptions(
        column_types={c: "string" for c in table(name).column_names}))
    pq.write_table(text, folder / f"{name}.parquet")
    (folder / f"{name}.csv").unlink()
    return folder / f"{name}.parquet"


def _part_columns(db: Path, name: str = "loans") -> list[str]:
    [part] = (parts_root(db) / name).rglob("*.parquet")
    return [r[0] for r in duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{part}')").fetchall()]


def test_a_clean_file_becomes_its_part_as_written(tmp_path: Path, good_dir: Path) -> None:
    _as_parquet(good_dir)
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        report = load_snapshot(wh, AS_OF, good_dir)
        assert report.loaded["loans"] == 3 and not report.rejected.get("loans")
        got = wh.rows("SELECT loan_id, balance FROM loans ORDER BY loan_id")
    assert _part_columns(db)[-4:] == ["__line", "__bad", "__warn", "__raw"]  # the staged file itself
    assert len(got) == 3
    assert not list(parts_root(db).rglob("*.tmp"))


def test_a_file_with_rejected_rows_is_rewritten_without_them(tmp_path: Path, good_dir: Path) -> None:
    csv = good_dir / "loans.csv"
    lines = csv.read_text(encoding="utf-8").splitlines()
    csv.write_text("\n".join([*lines, lines[1]]) + "\n", encoding="utf-8")  # line 2 again: a duplicate key
    _as_parquet(good_dir)
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        report = load_snapshot(wh, AS_OF, good_dir)
        assert report.rejected["loans"] == 2 and report.loaded["loans"] == len(lines) - 1 - 1
        assert {i.code for i in report.issues} >= {"WP-LOAD-022"}
        kept = {r["loan_id"] for r in wh.rows("SELECT loan_id FROM loans")}
        assert lines[1].split(",")[0] not in kept
        assert wh.scalar("SELECT count(*) FROM quarantine WHERE table_name = 'loans'") == 2
    assert "__line" not in _part_columns(db)  # rewritten: the contract's columns only
    assert not list(parts_root(db).rglob("*.tmp"))


def test_a_refused_load_leaves_no_staged_part(tmp_path: Path, good_dir: Path) -> None:
    _as_parquet(good_dir)
    (good_dir / "branches.csv").unlink()  # a required table missing: structural, nothing is loaded
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        with pytest.raises(DataError):
            load_snapshot(wh, AS_OF, good_dir)
        assert wh.scalar("SELECT count(*) FROM loans") == 0
    assert not [f for f in parts_root(db).rglob("*") if f.is_file()]


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_exact_spellings_type_like_lower_case_matching(data: st.DataObject) -> None:
    cols = [c for c in table("loans").columns if c.enum or c.type.base is ColumnType.BOOL]
    col = data.draw(st.sampled_from(cols))
    spellings = list(col.enum_map()) if col.enum else ["1", "0", "y", "n", "yes", "no", "true", "false", "t", "f", "是", "否"]
    word = data.draw(st.sampled_from(spellings))
    text = data.draw(st.sampled_from([word, word.upper(), word.title(), word.swapcase(), word + "x", "Ⅹ" + word])
                     | st.text(max_size=6))
    fast = typed_expr(col, text="t")
    # fast: CASE WHEN t IS NULL THEN NULL ELSE CASE t <exact arms> ELSE CASE lower(t) <arms> END END END
    head, tail = fast.split(" ELSE CASE lower(t) ", 1)
    assert head.startswith("CASE WHEN t IS NULL THEN NULL ELSE CASE t WHEN ") and tail.endswith(" END END END")
    folded = "CASE lower(t) " + tail.removesuffix(" END END")
    con = duckdb.connect()
    got = con.execute(f"SELECT {fast}, {folded} FROM (SELECT CAST(? AS VARCHAR) AS t)", [text]).fetchone()
    assert got is not None and got[0] == got[1], (col.name, text, got)

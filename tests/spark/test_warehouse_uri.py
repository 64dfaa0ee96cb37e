"""A Spark warehouse named by a URI: every write, listing, partition overwrite, delete and the catalog go through
Hadoop's FileSystem (``wupian.engine.spark_fs``), so a ``file://`` URI whose path has spaces and Chinese
characters works like a plain folder (and ``hdfs://``/``s3a://`` take the same code path; they cannot be tested
here). A scheme with no FileSystem is a usage error naming it. Temp tables become reliable checkpoints when a
checkpoint directory is set."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from wupian.core.errors import UsageError
from wupian.engine import spark_publish
from wupian.engine.spark_fs import local_path
from wupian.engine.spark_warehouse import SparkWarehouse, is_spark_warehouse

JAN, FEB = date(2026, 1, 31), date(2026, 2, 28)


def _branches(wh: Any, as_of: date, ids: list[str]) -> pa.Table:
    cols = [f.name for f in wh.con.spark.table("branches").schema.fields]
    data = {"as_of": [as_of] * len(ids), "branch_id": ids, "name": [f"支行 {i}" for i in ids]}
    return pa.table({c: data.get(c, [None] * len(ids)) for c in cols})


@pytest.fixture
def uri_wh(spark: Any, tmp_path: Path) -> Iterator[tuple[str, Path, SparkWarehouse]]:
    folder = tmp_path / "银行 仓库" / "wh 1"
    folder.parent.mkdir()
    uri = f"file://{folder}"
    wh = SparkWarehouse(uri)
    yield uri, folder, wh
    wh.close()


def test_file_uri_with_spaces_and_chinese(uri_wh: tuple[str, Path, SparkWarehouse],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    uri, folder, wh = uri_wh
    assert wh.con.root == uri and is_spark_warehouse(uri) and is_spark_warehouse(folder)
    assert (folder / "_catalog.json").is_file() and not (folder.parent / "wh%201").exists()
    # replace-a-date, published in slices (two rows per DataFrame here), lands in the date's folder on disk
    monkeypatch.setattr(spark_publish, "PUBLISH_CHUNK_ROWS", 2)
    spark_publish.replace_date(wh, "branches", JAN, _branches(wh, JAN, ["A", "B", "C"]))
    spark_publish.replace_date(wh, "branches", FEB, _branches(wh, FEB, ["Y"]))
    jan = folder / "branches" / "as_of=2026-01-31"
    assert local_path(wh.con.date_folder("branches", JAN)) == jan and jan.is_dir()
    before = {p.name: p.stat().st_mtime_ns for p in jan.iterdir()}
    spark_publish.replace_date(wh, "branches", FEB, _branches(wh, FEB, ["Z"]))  # a partition overwrite
    assert {p.name: p.stat().st_mtime_ns for p in jan.iterdir()} == before
    rows = wh.rows("SELECT as_of, branch_id, name FROM branches ORDER BY as_of, branch_id")
    assert [(r["as_of"], r["branch_id"]) for r in rows] == [(JAN, "A"), (JAN, "B"), (JAN, "C"), (FEB, "Z")]
    assert rows[0]["name"] == "支行 A"
    # a derived table: created, written, rewritten by a DELETE, dropped (its folder removed) — all through the URI
    wh.execute("CREATE TABLE probe (k VARCHAR PRIMARY KEY, v DECIMAL(38,2))")
    wh.execute("INSERT INTO probe VALUES ('甲', 1.25), ('乙', 2.50)")
    wh.execute("DELETE FROM probe WHERE k = '乙'")
    assert [tuple(r.values()) for r in wh.rows("SELECT k, CAST(v AS VARCHAR) AS v FROM probe")] == [("甲", "1.25")]
    assert (folder / "probe").is_dir()
    # a second process (here: a second warehouse object) finds the tables through the catalog at the URI
    again = SparkWarehouse(uri + "/")
    assert again.scalar("SELECT count(*) FROM branches WHERE as_of = ?", [FEB]) == 1
    again.execute("DROP TABLE probe")
    assert not (folder / "probe").exists() and "probe" not in again.con.catalog
    listed = wh.con.fs.names(wh.con.root)  # a listing through the FileSystem: tables with rows have a folder
    assert "_catalog.json" in listed and "branches" in listed and "probe" not in listed
    assert listed == sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
    assert not (folder / "._catalog.json.crc").exists()  # the catalog stays plain text a person may edit


def test_unknown_scheme_is_a_usage_error(spark: Any) -> None:
    with pytest.raises(UsageError, match="nosuchfs") as err:
        SparkWarehouse("nosuchfs://bucket/wupian")
    assert "cannot open the Spark warehouse" in str(err.value) and "Traceback" not in str(err.value)


def test_reliable_checkpoints_when_a_directory_is_set(spark_wh: Any, tmp_path: Path) -> None:
    sc = spark_wh.con.spark.sparkContext
    ckpt = tmp_path / "检查点 dir"
    sc.setCheckpointDir(f"file://{ckpt}")
    try:
        spark_wh.execute("CREATE TEMP TABLE t AS SELECT 1 AS x UNION ALL SELECT 2")
        assert spark_wh.scalar("SELECT sum(x) FROM t") == 3
        assert any(p.is_file() for p in ckpt.rglob("*")), "the temp table was not checkpointed in the directory"
    finally:  # back to local checkpoints for the rest of the suite (no public API unsets the directory)
        getattr(sc._jsc.sc(), "checkpointDir_$eq")(sc._jvm.scala.Option.empty())
    assert not sc.getCheckpointDir()

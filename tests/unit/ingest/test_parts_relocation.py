"""The Parquet parts are found relative to the warehouse file (wupian.engine.parts): a backup restored by copying the
pair (``w.duckdb`` + ``w.duckdb.parts/``) reads its own files, also once the original is gone, read-only and
read-write; a copy of the DuckDB file alone keeps reading the original's; a manifest written with absolute paths
(before) is migrated when opened read-write and still read as it is when opened read-only."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from wupian.core.errors import UsageError
from wupian.engine import published
from wupian.engine.parts import MANIFEST, parts_root
from wupian.engine.warehouse import Warehouse
from wupian.ingest import load_snapshot
from wupian.rules import classify_snapshot

AS_OF = dt.date(2026, 3, 31)
LATER = dt.date(2026, 4, 30)


def _content(wh: Warehouse) -> list[tuple[object, ...]]:
    return [tuple(r.values()) for r in wh.rows(
        "SELECT 'loans' AS t, as_of, loan_id, balance, customer_id FROM loans UNION ALL "
        "SELECT 'customers', as_of, customer_id, NULL, name FROM customers ORDER BY 1, 2, 3")]


def _views(wh: Warehouse) -> set[tuple[str, bool]]:
    """(view, temporary) of the views over the parts that read the files beside this warehouse."""
    here = str(parts_root(wh.path))
    return {(r["v"], r["t"]) for r in wh.rows(
        "SELECT view_name AS v, temporary AS t FROM duckdb_views() WHERE view_name IN ('loans', 'customers') "
        "AND contains(sql, ?)", [here])}


def _loaded(folder: Path, good_dir: Path) -> tuple[Path, list[tuple[object, ...]]]:
    folder.mkdir()
    db = folder / "w.duckdb"
    with Warehouse(db) as wh:
        load_snapshot(wh, AS_OF, good_dir)
        return db, _content(wh)


def _manifest(db: Path) -> list[tuple[str, str | None]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(f"SELECT file, origin FROM {MANIFEST} ORDER BY table_name").fetchall()
    finally:
        con.close()


def test_the_manifest_lists_files_relative_to_the_parts_folder(tmp_path: Path, good_dir: Path) -> None:
    db, _ = _loaded(tmp_path / "a", good_dir)
    listed = _manifest(db)
    assert [Path(f).parts[:2] for f, _ in listed] == [("customers", "as_of=2026-03-31"), ("loans", "as_of=2026-03-31")]
    assert all(not Path(f).is_absolute() and origin == str(parts_root(db)) for f, origin in listed)


@pytest.mark.parametrize("read_only", [True, False])
def test_a_copied_pair_reads_its_own_files_once_the_original_is_gone(
        tmp_path: Path, good_dir: Path, read_only: bool) -> None:
    db, want = _loaded(tmp_path / "a", good_dir)
    restored = tmp_path / "restore" / "backup.duckdb"  # another folder and another name
    restored.parent.mkdir()
    shutil.copyfile(db, restored)
    shutil.copytree(parts_root(db), parts_root(restored))
    shutil.rmtree(tmp_path / "a")
    with Warehouse(restored, read_only=read_only) as wh:
        assert _content(wh) == want
        assert _views(wh) == {("customers", read_only), ("loans", read_only)}
    if not read_only:  # re-pointed for good: the next (read-only) open needs no shadowing views, and writes work
        with Warehouse(restored) as wh:
            load_snapshot(wh, LATER, good_dir)
            assert len(_content(wh)) == 2 * len(want)
        with Warehouse(restored, read_only=True) as wh:
            assert _views(wh) == {("customers", False), ("loans", False)}
            assert len(_content(wh)) == 2 * len(want)


def test_a_copied_pair_reads_its_copy_not_the_original(tmp_path: Path, good_dir: Path) -> None:
    db, want = _loaded(tmp_path / "a", good_dir)
    copy = tmp_path / "b" / "w.duckdb"
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    with Warehouse(db) as wh:  # the original replaces its date; its old files are collected
        wh.delete_date("loans", AS_OF)
    with Warehouse(copy, read_only=True) as wh:
        assert _content(wh) == want


def test_a_copy_of_the_duckdb_file_alone_reads_the_original_files(tmp_path: Path, good_dir: Path) -> None:
    db, want = _loaded(tmp_path / "a", good_dir)
    alone = tmp_path / "b" / "alone.duckdb"
    alone.parent.mkdir()
    shutil.copyfile(db, alone)
    with Warehouse(alone) as wh:
        assert _content(wh) == want
        load_snapshot(wh, LATER, good_dir)  # its own new parts go beside it; the old ones stay the original's
        assert len(_content(wh)) == 2 * len(want)
    assert len(list(parts_root(alone).rglob("*.parquet"))) == 2
    shutil.rmtree(tmp_path / "a")
    with pytest.raises(UsageError, match="is missing"):
        Warehouse(alone, read_only=True)


def test_a_manifest_with_absolute_paths_is_read_and_then_migrated(tmp_path: Path, good_dir: Path) -> None:
    db, want = _loaded(tmp_path / "a", good_dir)
    root = parts_root(db)
    con = duckdb.connect(str(db))  # the manifest as the previous version wrote it
    con.execute(f"UPDATE {MANIFEST} SET file = ? || '/' || file", [str(root)])
    con.execute(f"ALTER TABLE {MANIFEST} DROP COLUMN origin")
    con.close()
    with Warehouse(db, read_only=True) as wh:
        assert _content(wh) == want
    assert all(Path(f).is_absolute() for f, *_ in duckdb.connect(str(db), read_only=True).execute(
        f"SELECT file FROM {MANIFEST}").fetchall())
    with Warehouse(db) as wh:
        assert _content(wh) == want
    assert all(not Path(f).is_absolute() and origin == str(root) for f, origin in _manifest(db))
    copy = tmp_path / "b" / "w.duckdb"  # once migrated, the pair can move
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    shutil.rmtree(tmp_path / "a")
    with Warehouse(copy, read_only=True) as wh:
        assert _content(wh) == want


def test_the_classification_parts_move_with_the_pair(tmp_path: Path, good_dir: Path) -> None:
    """``loan_tags`` and ``customer_facts`` (derived parts) are found beside the copy too, and a reload of the copy
    makes them stale there without touching the original's."""
    db, _ = _loaded(tmp_path / "a", good_dir)
    with Warehouse(db) as wh:
        classify_snapshot(wh, AS_OF, "pboc_2025")
        tags = wh.rows("SELECT * FROM loan_tags ORDER BY loan_id, tag")
        facts = wh.rows("SELECT * FROM customer_facts ORDER BY customer_id")
    assert tags and facts
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    shutil.rmtree(tmp_path / "a")
    copy = tmp_path / "b" / "w.duckdb"
    with Warehouse(copy, read_only=True) as wh:
        assert wh.rows("SELECT * FROM loan_tags ORDER BY loan_id, tag") == tags
        assert wh.rows("SELECT * FROM customer_facts ORDER BY customer_id") == facts
    with Warehouse(copy) as wh:
        load_snapshot(wh, AS_OF, good_dir)  # the date reloaded: its classification is stale, its parts unlisted
        assert wh.scalar("SELECT count(*) FROM loan_tags") == 0
        assert wh.scalar(f"SELECT count(*) FROM {MANIFEST} WHERE table_name = 'loan_tags'") == 0


def test_a_pair_moved_with_its_published_generations_reads_and_keeps_their_files(
        tmp_path: Path, good_dir: Path) -> None:
    """``<db>``, ``<db>.parts`` and ``<db>.published`` restored elsewhere: the generations read the moved files
    (opened as the web app opens them: read-only, and as an overlay), and a later load's garbage collection keeps
    every file a kept generation lists."""
    db, want = _loaded(tmp_path / "a", good_dir)
    published.publish(db)
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    shutil.rmtree(tmp_path / "a")
    moved = tmp_path / "b" / "w.duckdb"
    gen = published.current(moved)
    assert gen is not None and gen.path.parent == published.published_dir(moved)
    assert parts_root(gen.path) == parts_root(moved)
    with Warehouse(gen.path, read_only=True, lock=False) as wh:
        assert _content(wh) == want
    with Warehouse.overlay(gen.path) as wh:
        assert _content(wh) == want
    listed = set(parts_root(moved).rglob("*.parquet"))
    with Warehouse(moved) as wh:  # replacing the date collects what neither the primary nor a generation lists
        load_snapshot(wh, AS_OF, good_dir)
    assert listed <= set(parts_root(moved).rglob("*.parquet"))  # (it used to delete the generation's files)
    with Warehouse.overlay(gen.path) as wh:
        assert _content(wh) == want

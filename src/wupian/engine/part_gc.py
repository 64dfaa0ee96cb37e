"""Garbage collection of a DuckDB warehouse's Parquet parts: a file is deleted only when neither the primary's
manifest nor a kept published generation lists it (``parts`` calls it after a commit that unlisted a file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from wupian.engine.part_views import parts_root, referenced_files

_TMP_SUFFIX = ".parquet.tmp"  # parts.PartStore's temporary files (staged parts, source copies)


def _published_references(db_path: str) -> set[str] | None:
    """Every file a kept published generation lists; None when one of them cannot be read (then nothing may be
    deleted: its files are unknown)."""
    from wupian.engine.published import published_dir

    out: set[str] = set()
    folder = published_dir(db_path)
    for gen in sorted(folder.glob("*.duckdb")) if folder.exists() else ():
        try:
            pub = duckdb.connect(str(gen), read_only=True)
        except duckdb.Error:
            return None
        try:
            out |= referenced_files(pub, parts_root(gen))
        finally:
            pub.close()
    return out


def collect_garbage(con: Any, db_path: str, root: Path) -> list[Path]:
    """Delete every file under ``root`` that neither the manifest of ``con`` (the primary) nor a kept published
    generation lists, and every left-over temporary file; return what was deleted. The caller holds the
    warehouse's exclusive lock (no other writer), so a file being written right now cannot be taken."""
    if not root.exists():
        return []
    keep = referenced_files(con, root)
    if Path(db_path).name != ":memory:":
        kept = _published_references(db_path)
        if kept is None:
            return []  # a generation could not be read: keep everything until the next collection
        keep |= kept
    gone: list[Path] = []
    for f in root.rglob("*"):
        if f.is_file() and (f.name.endswith(_TMP_SUFFIX) or (f.suffix == ".parquet" and str(f) not in keep)):
            f.unlink(missing_ok=True)
            gone.append(f)
    for d in sorted((d for d in root.rglob("*") if d.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(d.iterdir()):
            d.rmdir()
    return gone

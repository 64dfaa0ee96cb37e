"""The big dated tables of a DuckDB warehouse, kept as immutable Parquet files beside the DuckDB file.

``loans`` and ``customers`` (``PART_TABLES``) are not native DuckDB tables: the accepted rows of one as-of date
are one or more Parquet files (``as_of`` first, then the contract's typed columns the source has; or a byte copy of
a clean Parquet source, adopted: ``stage_parts``)

    <db>.parts/<table>/as_of=YYYY-MM-DD/<uuid>.parquet        (the Spark warehouse's date folders: dated_layout)

and the table name is a view over the files listed in the native manifest table ``stored_parts``, each read
through its projection (``part_views``: the manifest, the views, ``bind`` and ``resolve`` live there). Writing a
Parquet file costs less than half of DuckDB's durable, compressed insert, and scans are as fast (bench/results/
profile.md, session 5).

Consistency — what a reader sees is always one committed state:

* a file is written under a temporary name, fsynced, renamed to a fresh unique name and never written again;
* the manifest rows and the view (re-created from the manifest) change inside the caller's DuckDB transaction,
  so the set of files making up a table commits or rolls back with everything else of that load;
* replacing a date removes its manifest rows (``clear``) and adds the new file's: the old files stay on disk;
* ``collect_garbage`` deletes a file only when neither the primary nor a kept published generation (``published``,
  the web app's immutable copies, whose views name the files they were published with) lists it; files written
  by a transaction that rolled back are deleted at once, files of a process that died before its commit
  (never in a manifest) at the next garbage collection.

The classification's derived tables are parts too (``DERIVED_PARTS``, columns defined here): ``loan_tags`` one part
per (as_of, profile) in ``<db>.parts/loan_tags/as_of=YYYY-MM-DD/`` (its profile in the manifest's ``profile``
column: the files of both profiles share the date folder), ``customer_facts`` one part per date; a load's invalidation drops the parts of every later date from the
manifest (``clear_from``). An engine without parts (Spark) keeps them as tables (``derived_ddl``).

A ``:memory:`` warehouse (tests, ``wupian check``) keeps its parts in a private temporary folder removed on
close: one storage code path for every DuckDB warehouse. A warehouse file written before parts existed (native
``loans``/``customers`` tables) is migrated when it is opened read-write (``ensure``); opened read-only, its
native tables are read as they are.

Where the files are — the manifest's ``file`` is relative to the warehouse's own ``<db>.parts`` folder
(``loans/as_of=…/<uuid>.parquet``), with ``origin`` the absolute folder it was written under. A file is read
from the warehouse's own folder when it is there, else from ``origin``: a bank that restores a backup by copying
the pair (``w.duckdb`` and ``w.duckdb.parts/``) elsewhere reads the copy's files, also once the original is gone,
while a copy of the DuckDB file alone (the replay harness, published generations) keeps reading the original's.
The views list absolute paths resolved that way; opening a moved warehouse re-points them (``bind``: the
persisted views when opened read-write, temporary views shadowing them when read-only). Manifests written
before (absolute ``file``, no ``origin``) are migrated by ``ensure``; read-only, their absolute paths are read as
they are.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import uuid
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from wupian.engine.dated_layout import date_folder
from wupian.engine.part_gc import collect_garbage  # re-exported
from wupian.engine.part_views import (  # re-exported: the parts' names, paths and views live there
    DERIVED_PARTS,
    MANIFEST,
    PART_TABLES,
    STORED_AS_PARTS,
    Projection,
    bind,
    manifest,
    part_files,
    parts_root,
    path_literal,
    q,
    referenced_files,
    refresh_view,
    resolve,
)
from wupian.engine.part_views import (
    columns as _columns,
)

__all__ = ["DERIVED_PARTS", "MANIFEST", "PART_TABLES", "STORED_AS_PARTS", "PartStore", "Projection", "bind",
           "clear_from", "collect_garbage", "derived_ddl", "manifest", "part_files", "parts_root", "referenced_files",
           "refresh_view", "resolve"]

MANIFEST_DDL = (
    f"CREATE TABLE IF NOT EXISTS {MANIFEST} (table_name VARCHAR NOT NULL, as_of DATE NOT NULL, "
    "file VARCHAR NOT NULL, rows BIGINT NOT NULL, written_at TIMESTAMP, origin VARCHAR, profile VARCHAR, "
    "projection VARCHAR)"
)
# Manifests written before paths were relative: add ``origin`` (``ensure`` then fills it and shortens ``file``).
MANIFEST_ORIGIN_DDL = f"ALTER TABLE {MANIFEST} ADD COLUMN IF NOT EXISTS origin VARCHAR"
# ``profile``: the classification profile of a ``loan_tags`` part (NULL for every other table); manifests of
# session 5 get it added on open.
MANIFEST_PROFILE_DDL = f"ALTER TABLE {MANIFEST} ADD COLUMN IF NOT EXISTS profile VARCHAR"
# ``projection``: what a part's file holds when not every contract column with ``as_of`` (``part_views.Projection``:
# a source without some columns, an adopted source file); NULL for every other part. Added on open.
MANIFEST_PROJECTION_DDL = f"ALTER TABLE {MANIFEST} ADD COLUMN IF NOT EXISTS projection VARCHAR"
_TMP_SUFFIX = ".parquet.tmp"


def derived_ddl(name: str) -> str:
    """``CREATE TABLE IF NOT EXISTS`` of a derived table (how an engine without parts stores it)."""
    return (f"CREATE TABLE IF NOT EXISTS {q(name)} ("
            + ", ".join(f"{q(c)} {ty}" for c, ty in DERIVED_PARTS[name]) + ")")


def _keyed(name: str) -> bool:
    """Whether the parts of ``name`` are per (as_of, profile) rather than per as-of date."""
    return name == "loan_tags"


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# A string column's dictionary is given up once its page would pass 64 KiB (DuckDB's default: 1 MiB): the codes,
# tags and rule-id lists a part repeats have dictionaries of a few KiB, while for the ids it holds once or a few
# times each (loan_id, customer_id) the writer built ≈ 1 MiB of dictionary per row group only to write them plain
# (−0.06 s CPU of the 2M bank's tag part; the same encodings and bytes: bench/results/profile.md, session 11).
WRITE_OPTIONS = "(FORMAT parquet, COMPRESSION zstd, STRING_DICTIONARY_PAGE_SIZE_LIMIT 65536)"
# A part whose rows no reader takes in file order (``loan_tags``: every reader joins, groups or sorts them) is written
# without keeping the statement's order: DuckDB's ``COPY`` keeps it by writing on one thread (the tagging's 2M-loan
# part: ≈ 2 s of wall time on one core of two), without it on every thread (bench/results/profile.md, session 12).
UNORDERED_WRITE_OPTIONS = WRITE_OPTIONS[:-1] + ", PRESERVE_ORDER false)"
# The derived parts (``DERIVED_PARTS``: a classification's ``loan_tags`` and ``customer_facts``, rewritten at every
# classification, their writes on the month-end's path) are compressed with zstd's fastest level: their 2.15M tag
# rows of the 2M bank written ≈ 0.1–0.2 s CPU faster (of ≈ 1.1), the file no larger (15.8 against 16.9 MB), read at
# the same cost (bench/results/profile.md, session 14). A loaded table's parts keep the default level 3.
DERIVED_LEVEL = ", COMPRESSION_LEVEL 1"


def write_options(name: str, *, ordered: bool = True) -> str:
    """The ``COPY`` options of a part of ``name`` (``ordered`` False: ``UNORDERED_WRITE_OPTIONS``)."""
    opts = WRITE_OPTIONS if ordered else UNORDERED_WRITE_OPTIONS
    return opts[:-1] + DERIVED_LEVEL + ")" if name in DERIVED_PARTS else opts


class PartStore:
    """The Parquet parts of one warehouse connection: writes files, keeps the manifest and views, collects
    garbage. ``root`` None: a read-only or overlay connection, which never writes parts."""

    def __init__(self, root: Path | None, db_path: str = ":memory:", *, owned: bool = False) -> None:
        self.root, self.db_path = root, db_path
        self._owned = owned  # a private temporary folder (``:memory:``), removed on close
        self._written: list[Path] = []  # files written in the open transaction
        self._cleared = False  # a manifest row was removed in the open transaction: collect garbage after commit

    @classmethod
    def for_path(cls, db_path: str, *, read_only: bool) -> PartStore:
        if read_only:
            return cls(None)
        if db_path == ":memory:":
            store = cls(Path(tempfile.mkdtemp(prefix="wupian-parts-")), owned=True)
            weakref.finalize(store, shutil.rmtree, store.root, True)  # a warehouse never closed (tests)
            return store
        return cls(parts_root(db_path), db_path)

    def close(self) -> None:
        if self._owned and self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)

    # -- writing -------------------------------------------------------------------------------------
    def write(self, con: Any, name: str, as_of: dt.date, select_sql: str, params: Sequence[Any] = (),
              *, present: Sequence[str] | None = None, profile: str | None = None,
              constant: dict[str, str] | None = None, ordered: bool = True) -> int:
        """Write the rows of ``select_sql`` (the columns of ``name`` by name, without ``as_of``; only ``present``
        of them when given: the part holds only those, the view gives the others as typed NULLs) as one new part
        of ``as_of`` (and ``profile``: ``loan_tags``); return how many rows. ``constant``: column → the text of
        its value on every row of ``select_sql`` (the caller's own parameters): the manifest row holds it and
        the file holds neither it nor ``as_of`` (``part_views.Projection.constant``). ``ordered`` False: the file's
        rows need not be in the statement's order (for a part no reader reads in file order, ``loan_tags``): DuckDB
        then writes it on every thread, not on one. The manifest row and the view change in the caller's
        transaction."""
        if self.root is None:
            raise RuntimeError("a read-only warehouse writes no parts")
        if _keyed(name) != (profile is not None):
            raise ValueError(f"{name}: a part {'needs' if _keyed(name) else 'takes no'} profile")
        projection = Projection.constant(name, present, constant) if constant else Projection.present(name, present)
        have = {c for c, _ in projection.columns} if projection is not None else None
        if constant:  # the row as the view gives it (what Spark inserts: tests/support/sql_replay.py), projected
            assert projection is not None and have is not None
            given = have | set(constant)
            cols = ", ".join(f"CAST(s.{q(c)} AS {ty}) AS {q(c)}" if c in given else f"CAST(NULL AS {ty}) AS {q(c)}"
                             for c, ty in _columns(name)[1:])
            row_sql = (f"SELECT {', '.join(q(c) for c, _ in projection.columns)} FROM "
                       f"(SELECT CAST(? AS DATE) AS as_of, {cols} FROM ({select_sql}) AS s) AS part_row")
        else:
            cols = ", ".join(f"CAST(s.{q(c)} AS {ty}) AS {q(c)}" for c, ty in _columns(name)[1:]
                             if have is None or c in have)
            row_sql = f"SELECT CAST(? AS DATE) AS as_of, {cols} FROM ({select_sql}) AS s"
        folder = date_folder(self.root, name, as_of)  # a loan_tags part's profile: its manifest row
        folder.mkdir(parents=True, exist_ok=True)
        final = folder / f"{uuid.uuid4().hex}.parquet"
        tmp = folder / (final.stem + _TMP_SUFFIX)
        self._written.append(final)
        row = con.execute(
            f"COPY ({row_sql}) TO {path_literal(tmp)} {write_options(name, ordered=ordered)}",
            [as_of, *params],
        ).fetchone()
        n = int(row[0]) if row else 0
        _fsync(tmp)
        os.replace(tmp, final)
        _fsync(folder)
        self._record(con, name, as_of, final, n, profile, projection)
        return n

    def _record(self, con: Any, name: str, as_of: dt.date, final: Path, rows: int,
                profile: str | None = None, projection: Projection | None = None, *, refresh: bool = True) -> None:
        """The manifest row of a new part (its path relative to ``root``) and (unless ``refresh`` is False: the
        caller refreshes it) the view over the table's parts."""
        assert self.root is not None
        con.execute(
            f"INSERT INTO {MANIFEST} (table_name, as_of, file, rows, written_at, origin, profile, projection) "
            "VALUES (?, ?, ?, ?, now()::TIMESTAMP, ?, ?, ?)",
            [name, as_of, final.relative_to(self.root).as_posix(), rows, str(self.root), profile,
             projection.to_json() if projection is not None else None],
        )
        if refresh:
            refresh_view(con, name, self.root)

    def staging_file(self, name: str) -> Path | None:
        """A fresh temporary file name under the parts folder for a part written before its load's transaction
        (``stage.PartTarget``; ``adopt`` renames it inside the transaction, a refused load deletes it, and the
        next garbage collection deletes it if the process died). None on a read-only store."""
        if self.root is None:
            return None
        folder = self.root / name
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{uuid.uuid4().hex}{_TMP_SUFFIX}"

    def adopt(self, con: Any, name: str, as_of: dt.date, staged: Path, rows: int, drop_lines: str | None,
              projection: Projection | None = None, source: str | None = None) -> int:
        """Make a file written or copied while staging (``staging_file``) a part of ``as_of`` of ``name``; return
        how many rows it holds. ``projection``: what the file holds (``part_views.Projection``; None: ``as_of``
        and every contract column, as the contract types them). ``drop_lines`` (a relation of ``line``s to leave
        out) None: the file becomes the part as it is, under a second name (a hard link: the staged name stays
        readable for the rest of the load's checks and is removed with the staged relations); else its other
        rows are written anew, read through ``source`` (a SELECT of ``__line`` and the contract columns present,
        typed; default: the staged file's own columns)."""
        if self.root is None:
            raise RuntimeError("a read-only warehouse writes no parts")
        if drop_lines is not None:
            present = [c for c, _ in projection.columns] if projection is not None else None
            cols = ", ".join(q(c) for c, _ in _columns(name)[1:] if present is None or c in present)
            src = source or f"SELECT * FROM read_parquet({path_literal(staged)})"
            return self.write(con, name, as_of, f"SELECT {cols} FROM ({src}) AS x "
                              f"ANTI JOIN {drop_lines} AS j ON x.__line = j.line", present=present)
        folder = date_folder(self.root, name, as_of)
        folder.mkdir(parents=True, exist_ok=True)
        final = folder / f"{uuid.uuid4().hex}.parquet"
        self._written.append(final)
        _fsync(staged)
        try:
            os.link(staged, final)
        except OSError:  # a file system without hard links
            shutil.copyfile(staged, final)
            _fsync(final)
        _fsync(folder)
        self._record(con, name, as_of, final, rows, projection=projection)
        return rows

    def append_rows(self, con: Any, name: str, data: pa.Table) -> int:
        """Add the Arrow rows ``data`` (``as_of`` and any of the contract's columns, by name; the others NULL) to
        ``name``: one new part per as-of date. Returns how many rows."""
        if not data.num_rows:
            return 0
        view = f"_wp_parts_rows_{name}"
        con.register(view, data)
        try:
            day = "CAST(as_of AS DATE)"
            prof = "CAST(profile AS VARCHAR)" if _keyed(name) else "CAST(NULL AS VARCHAR)"
            keys = con.execute(f"SELECT DISTINCT {day} AS d, {prof} AS p FROM {view} ORDER BY d, p").fetchall()
            present = [c for c in data.column_names if c != "as_of"]
            return sum(self.write(con, name, d, f"SELECT * FROM {view} WHERE {day} = CAST(? AS DATE) AND "
                                  f"{prof} IS NOT DISTINCT FROM CAST(? AS VARCHAR)", [d, p], present=present,
                                  profile=p) for d, p in keys)
        finally:
            con.unregister(view)

    def clear(self, con: Any, name: str, as_of: dt.date, profile: str | None = None) -> None:
        """The date ``as_of`` of ``name`` (of ``profile`` only, when given) holds no rows any more (its files stay
        until garbage collection)."""
        if profile is None:
            con.execute(f"DELETE FROM {MANIFEST} WHERE table_name = ? AND as_of = ?", [name, as_of])
        else:
            con.execute(f"DELETE FROM {MANIFEST} WHERE table_name = ? AND as_of = ? AND profile = ?",
                        [name, as_of, profile])
        self._cleared = True
        refresh_view(con, name, self.root)

    # -- transaction outcome ---------------------------------------------------------------------------
    def begin(self) -> None:
        self._written, self._cleared = [], False

    def committed(self, con: Any) -> None:
        self._written = []
        if self._cleared and self.root is not None:
            self._cleared = False
            collect_garbage(con, self.db_path, self.root)

    def rolled_back(self) -> None:
        """The files written by the transaction that rolled back are in no manifest: delete them now."""
        for f in self._written:
            f.unlink(missing_ok=True)
            f.with_name(f.stem + _TMP_SUFFIX).unlink(missing_ok=True)
        self._written, self._cleared = [], False

    # -- schema ------------------------------------------------------------------------------------------
    def ensure(self, con: Any) -> None:
        """The manifest and the views; native tables of an older warehouse (or views whose columns are not the
        contract's any more) are rewritten as parts, in one transaction."""
        con.execute(MANIFEST_DDL)
        stored = _stored_tables(con)
        manifest_columns = stored.get(MANIFEST, ("", []))[1]
        if "origin" not in manifest_columns:
            con.execute(MANIFEST_ORIGIN_DDL)
        if "profile" not in manifest_columns:
            con.execute(MANIFEST_PROFILE_DDL)
        if "projection" not in manifest_columns:
            con.execute(MANIFEST_PROJECTION_DDL)
        self._relativise(con)
        for name in STORED_AS_PARTS:
            kind, columns = stored.get(name, (None, []))
            if kind is None:
                refresh_view(con, name, self.root)
            elif kind == "BASE TABLE" or columns != [c for c, _ in _columns(name)]:
                self._rewrite(con, name, columns, drop_table=kind == "BASE TABLE")

    def _relativise(self, con: Any) -> None:
        """Migrate manifest rows written with an absolute ``file`` (before paths were relative): ``file`` becomes
        the path below the parts folder it was written under (``<table>/as_of=…/<name>``), ``origin`` that
        folder. One UPDATE per row, in one transaction; nothing to do (one query) once migrated."""
        old = con.execute(f"SELECT DISTINCT file FROM {MANIFEST} WHERE origin IS NULL").fetchall()
        if not old:
            return
        con.execute("BEGIN TRANSACTION")
        try:
            for (file,) in old:
                path = Path(file)
                if not path.is_absolute() or len(path.parts) < 4:
                    continue  # not written by an older version of this module: left as it is
                con.execute(f"UPDATE {MANIFEST} SET file = ?, origin = ? WHERE file = ? AND origin IS NULL",
                            [Path(*path.parts[-3:]).as_posix(), str(path.parents[2]), file])
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")

    def _rewrite(self, con: Any, name: str, columns: list[str], *, drop_table: bool) -> None:
        have = set(columns)
        present = [c for c, _ in _columns(name)[1:] if c in have]
        prof = "profile" if _keyed(name) else "CAST(NULL AS VARCHAR)"
        con.execute("BEGIN TRANSACTION")
        try:
            keys = con.execute(f"SELECT DISTINCT as_of, {prof} FROM {q(name)} ORDER BY 1, 2").fetchall()
            temp = f"_wp_rewrite_{name}"
            con.execute(f"CREATE OR REPLACE TEMP TABLE {temp} AS SELECT * FROM {q(name)}")
            con.execute(f"DELETE FROM {MANIFEST} WHERE table_name = ?", [name])
            if drop_table:
                con.execute(f"DROP TABLE {q(name)}")
            for d, p in keys:
                sel = (f"SELECT * FROM {temp} WHERE as_of = CAST(? AS DATE) "
                       f"AND {prof} IS NOT DISTINCT FROM CAST(? AS VARCHAR)")
                self.write(con, name, d, sel, [d, p], present=present, profile=p)
            con.execute(f"DROP TABLE {temp}")
            refresh_view(con, name, self.root)
        except BaseException:
            con.execute("ROLLBACK")
            self.rolled_back()
            raise
        con.execute("COMMIT")
        self._cleared = True
        self.committed(con)


def _stored_tables(con: Any) -> dict[str, tuple[str, list[str]]]:
    """name → ('BASE TABLE' | 'VIEW', its columns in order) of the tables kept as parts and of the manifest, those
    that exist (one catalogue query; no bound parameters: the names are this module's constants)."""
    listed = ", ".join(f"'{n}'" for n in (*STORED_AS_PARTS, MANIFEST))
    out: dict[str, tuple[str, list[str]]] = {}
    for name, is_table, column in con.execute(
            "SELECT c.table_name, t.table_name IS NOT NULL, c.column_name FROM duckdb_columns() AS c "
            "LEFT JOIN duckdb_tables() AS t ON t.database_name = c.database_name AND t.schema_name = c.schema_name "
            "AND t.table_name = c.table_name WHERE c.schema_name = 'main' AND c.database_name <> 'temp' "
            f"AND c.table_name IN ({listed}) ORDER BY c.table_name, c.column_index").fetchall():
        out.setdefault(name, ("BASE TABLE" if is_table else "VIEW", []))[1].append(column)
    return out


def clear_from(con: Any, as_of: dt.date, own_root: Path | None) -> None:
    """Every derived part of a date ≥ ``as_of`` leaves the manifest (``lineage.invalidate_from``, inside a load's
    transaction; the files are collected after a later commit); ``own_root``: the warehouse's parts folder."""
    names = [n for n, in con.execute(
        f"SELECT DISTINCT table_name FROM {MANIFEST} WHERE as_of >= ? AND list_contains(?, table_name)",
        [as_of, list(DERIVED_PARTS)]).fetchall()]
    if names:
        con.execute(f"DELETE FROM {MANIFEST} WHERE as_of >= ? AND list_contains(?, table_name)",
                    [as_of, list(DERIVED_PARTS)])
        for name in names:
            refresh_view(con, name, own_root)

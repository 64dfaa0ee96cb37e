"""The big dated tables of a DuckDB warehouse, kept as immutable Parquet files beside the DuckDB file.

``loans`` and ``customers`` (``PART_TABLES``) are not native DuckDB tables: the accepted rows of one as-of date
are one or more zstd Parquet files (the contract's typed columns, ``as_of`` first)

    <db>.parts/<table>/as_of=YYYY-MM-DD/<uuid>.parquet        (the Spark warehouse's date folders: dated_layout)

and the table name is a view over the files listed in the native manifest table ``stored_parts``. Writing a
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

A ``:memory:`` warehouse (tests, ``wupian check``) keeps its parts in a private temporary folder removed on
close: one storage code path for every DuckDB warehouse. A warehouse file written before parts existed (native
``loans``/``customers`` tables) is migrated when it is opened read-write (``ensure``); opened read-only, its
native tables are read as they are. Paths in the manifest and the views are absolute: a copy of the DuckDB file
reads the original's parts (the replay harness relies on it); the ``.parts`` folder stays where it was written.
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

import duckdb
import pyarrow as pa

from wupian.contract import Table, table
from wupian.core.errors import UsageError
from wupian.engine.dated_layout import date_folder

PART_TABLES = ("loans", "customers")
MANIFEST = "stored_parts"
MANIFEST_DDL = (
    f"CREATE TABLE IF NOT EXISTS {MANIFEST} (table_name VARCHAR NOT NULL, as_of DATE NOT NULL, "
    "file VARCHAR NOT NULL, rows BIGINT NOT NULL, written_at TIMESTAMP)"
)
_TMP_SUFFIX = ".parquet.tmp"


def parts_root(db_path: str | os.PathLike[str]) -> Path:
    """``<db>.parts`` beside the warehouse file."""
    p = Path(db_path).resolve()
    return p.with_name(p.name + ".parts")


def _q(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"refusing suspicious identifier {name!r}")
    return '"' + name + '"'


def _path_literal(path: Path | str) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _columns(t: Table) -> list[tuple[str, str]]:
    return [("as_of", "DATE"), *((c.name, c.type.sql_type) for c in t.columns)]


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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
              *, present: Sequence[str] | None = None) -> int:
        """Write the rows of ``select_sql`` (the contract columns of ``name`` by name, without ``as_of``; only
        ``present`` of them when given, the others NULL) as one new part of ``as_of``; return how many rows.
        The manifest row and the view change in the caller's transaction."""
        if self.root is None:
            raise RuntimeError("a read-only warehouse writes no parts")
        t = table(name)
        have = set(present) if present is not None else None
        cols = ", ".join(
            f"CAST(s.{_q(c)} AS {ty}) AS {_q(c)}" if have is None or c in have else f"CAST(NULL AS {ty}) AS {_q(c)}"
            for c, ty in _columns(t)[1:]
        )
        folder = date_folder(self.root, name, as_of)
        folder.mkdir(parents=True, exist_ok=True)
        final = folder / f"{uuid.uuid4().hex}.parquet"
        tmp = folder / (final.stem + _TMP_SUFFIX)
        self._written.append(final)
        row = con.execute(
            f"COPY (SELECT CAST(? AS DATE) AS as_of, {cols} FROM ({select_sql}) AS s) TO {_path_literal(tmp)} "
            "(FORMAT parquet, COMPRESSION zstd)",
            [as_of, *params],
        ).fetchone()
        n = int(row[0]) if row else 0
        _fsync(tmp)
        os.replace(tmp, final)
        _fsync(folder)
        con.execute(f"INSERT INTO {MANIFEST} VALUES (?, ?, ?, ?, now()::TIMESTAMP)", [name, as_of, str(final), n])
        refresh_view(con, name)
        return n

    def staging_file(self, name: str) -> Path | None:
        """A fresh temporary file name under the parts folder for a part written before its load's transaction
        (``stage.PartTarget``; ``adopt`` renames it inside the transaction, a refused load deletes it, and the
        next garbage collection deletes it if the process died). None on a read-only store."""
        if self.root is None:
            return None
        folder = self.root / name
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{uuid.uuid4().hex}{_TMP_SUFFIX}"

    def adopt(self, con: Any, name: str, as_of: dt.date, staged: Path, rows: int, drop_lines: str | None) -> int:
        """Make the part written while staging (``staging_file``: ``as_of``, the typed columns and the load's row
        flags) a part of ``as_of`` of ``name``; return how many rows it holds. ``drop_lines`` (a relation of
        ``line``s to leave out) None: the file is renamed as it is (readers' views take the contract columns by
        name); else its other rows are written anew and the staged file deleted."""
        if self.root is None:
            raise RuntimeError("a read-only warehouse writes no parts")
        if drop_lines is not None:
            cols = ", ".join(_q(c) for c, _ in _columns(table(name))[1:])
            n = self.write(con, name, as_of, f"SELECT {cols} FROM read_parquet({_path_literal(staged)}) AS x "
                           f"ANTI JOIN {drop_lines} AS j ON x.__line = j.line")
            staged.unlink(missing_ok=True)
            return n
        folder = date_folder(self.root, name, as_of)
        folder.mkdir(parents=True, exist_ok=True)
        final = folder / f"{uuid.uuid4().hex}.parquet"
        self._written.append(final)
        _fsync(staged)
        os.replace(staged, final)
        _fsync(folder)
        con.execute(f"INSERT INTO {MANIFEST} VALUES (?, ?, ?, ?, now()::TIMESTAMP)", [name, as_of, str(final), rows])
        refresh_view(con, name)
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
            dates = [r[0] for r in con.execute(f"SELECT DISTINCT {day} AS d FROM {view} ORDER BY d").fetchall()]
            present = [c for c in data.column_names if c != "as_of"]
            return sum(self.write(con, name, d, f"SELECT * FROM {view} WHERE {day} = CAST(? AS DATE)", [d],
                                  present=present) for d in dates)
        finally:
            con.unregister(view)

    def clear(self, con: Any, name: str, as_of: dt.date) -> None:
        """The date ``as_of`` of ``name`` holds no rows any more (its files stay until garbage collection)."""
        con.execute(f"DELETE FROM {MANIFEST} WHERE table_name = ? AND as_of = ?", [name, as_of])
        self._cleared = True
        refresh_view(con, name)

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
        base = {r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary "
            "AND list_contains(?, table_name)", [list(PART_TABLES)]).fetchall()}
        kinds = {n: "BASE TABLE" if n in base else "VIEW" for n in PART_TABLES if n in base or _stored_columns(con, n)}
        for name in PART_TABLES:
            kind = kinds.get(name)
            if kind is None:
                refresh_view(con, name)
            elif kind == "BASE TABLE" or _stored_columns(con, name) != [c for c, _ in _columns(table(name))]:
                self._rewrite(con, name, drop_table=kind == "BASE TABLE")

    def _rewrite(self, con: Any, name: str, *, drop_table: bool) -> None:
        have = set(_stored_columns(con, name))
        present = [c for c, _ in _columns(table(name))[1:] if c in have]
        con.execute("BEGIN TRANSACTION")
        try:
            dates = [r[0] for r in con.execute(f"SELECT DISTINCT as_of FROM {_q(name)} ORDER BY as_of").fetchall()]
            temp = f"_wp_rewrite_{name}"
            con.execute(f"CREATE OR REPLACE TEMP TABLE {temp} AS SELECT * FROM {_q(name)}")
            con.execute(f"DELETE FROM {MANIFEST} WHERE table_name = ?", [name])
            if drop_table:
                con.execute(f"DROP TABLE {_q(name)}")
            for d in dates:
                sel = f"SELECT * FROM {temp} WHERE as_of = CAST(? AS DATE)"
                self.write(con, name, d, sel, [d], present=present)
            con.execute(f"DROP TABLE {temp}")
            refresh_view(con, name)
        except BaseException:
            con.execute("ROLLBACK")
            self.rolled_back()
            raise
        con.execute("COMMIT")
        self._cleared = True
        self.committed(con)


def part_files(con: Any, name: str) -> list[str]:
    return [r[0] for r in con.execute(
        f"SELECT file FROM {MANIFEST} WHERE table_name = ? ORDER BY as_of, written_at, file", [name]).fetchall()]


def refresh_view(con: Any, name: str) -> None:
    """(Re)create the view ``name`` over the files the manifest lists for it (an empty relation of the contract's
    columns when there are none)."""
    cols = _columns(table(name))
    files = part_files(con, name)
    if files:
        listed = ", ".join(_path_literal(f) for f in files)
        body = (f"SELECT {', '.join(_q(c) for c, _ in cols)} FROM read_parquet([{listed}], "
                "hive_partitioning = false)")
    else:
        body = "SELECT " + ", ".join(f"CAST(NULL AS {ty}) AS {_q(c)}" for c, ty in cols) + " WHERE false"
    con.execute(f"CREATE OR REPLACE VIEW {_q(name)} AS {body}")


def _stored_columns(con: Any, name: str) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'main' AND database_name <> 'temp' AND table_name = ? "
        "ORDER BY column_index", [name]).fetchall()]


def verify(con: Any, db_path: str) -> None:
    """UsageError (exit 2) when a file the manifest lists is missing — a moved or damaged warehouse is refused with
    the file named, never read as if the rows were not there."""
    for f in sorted(referenced_files(con)):
        if not Path(f).exists():
            raise UsageError(f"warehouse {db_path}: its Parquet file {f} is missing (the folder "
                             f"{Path(f).parents[2]} must stay where the warehouse wrote it; restore it from a backup)")


def referenced_files(con: Any) -> set[str]:
    try:
        return {r[0] for r in con.execute(f"SELECT file FROM {MANIFEST}").fetchall()}
    except duckdb.CatalogException:  # a warehouse (or published copy) from before parts
        return set()


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
            out |= referenced_files(pub)
        finally:
            pub.close()
    return out


def collect_garbage(con: Any, db_path: str, root: Path) -> list[Path]:
    """Delete every file under ``root`` that neither the manifest of ``con`` (the primary) nor a kept published
    generation lists, and every left-over temporary file; return what was deleted. The caller holds the
    warehouse's exclusive lock (no other writer), so a file being written right now cannot be taken."""
    if not root.exists():
        return []
    keep = referenced_files(con)
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

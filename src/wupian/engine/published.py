"""One writer or many readers across processes, and immutable published copies for the web app.

A DuckDB file admits one read-write process or many read-only ones; a second process otherwise fails with
"Could not set lock". Two mechanisms make that invisible:

* **The warehouse lock** — every ``Warehouse`` opened on a file takes an advisory ``flock`` on ``<db>.lock``
  (exclusive for read-write, shared for read-only) and *waits* for it, so wupian processes queue instead of
  failing. Re-entrant for nested opens in one thread; other threads of the same process wait like other
  processes do (a publisher thread never checkpoints under a writer thread).
* **Published copies** — the web server never opens the primary file for reading. A publisher (the server's
  job runner) takes the exclusive lock, lets the caller bring derived tables up to date, checkpoints, and
  copies the file to ``<db>.published/<generation>.duckdb``; then it atomically replaces the ``CURRENT``
  pointer (``os.replace``). Readers open the generation named by ``CURRENT`` read-only; a copy is never
  written after it is published, so a reader sees one whole, consistent month-end — never a half-load.
  ``loans`` and ``customers`` are views over immutable Parquet files (``wupian.engine.parts``): a copy's views
  name the files it was published with, and a file is deleted only once no kept generation lists it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from wupian.core.errors import UsageError
from wupian.engine.part_views import PUBLISHED_SUFFIX

LOCK_TIMEOUT_ENV = "WUPIAN_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 1800.0
KEEP_GENERATIONS = 3

_GUARD = threading.Lock()
_HELD: dict[str, list[int]] = {}  # resolved db path -> [fd, count, owning thread id]


def lock_path(db_path: str | os.PathLike[str]) -> Path:
    p = Path(db_path).resolve()
    return p.with_name(p.name + ".lock")


def published_dir(db_path: str | os.PathLike[str]) -> Path:
    p = Path(db_path).resolve()
    return p.with_name(p.name + PUBLISHED_SUFFIX)


class WarehouseLock:
    """A held warehouse lock; ``release()`` once."""

    def __init__(self, key: str) -> None:
        self._key: str | None = key

    def release(self) -> None:
        if self._key is None:
            return
        with _GUARD:
            held = _HELD[self._key]
            held[1] -= 1
            if held[1] == 0:
                del _HELD[self._key]
                fcntl.flock(held[0], fcntl.LOCK_UN)
                os.close(held[0])
        self._key = None


def acquire(db_path: str | os.PathLike[str], *, shared: bool = False, timeout: float | None = None) -> WarehouseLock:
    """Wait (up to ``timeout`` s, default ``$WUPIAN_LOCK_TIMEOUT`` or 30 min) for the warehouse lock."""
    key = str(Path(db_path).resolve())
    me = threading.get_ident()
    with _GUARD:
        if key in _HELD and _HELD[key][2] == me:
            _HELD[key][1] += 1
            return WarehouseLock(key)
    limit = timeout if timeout is not None else float(os.environ.get(LOCK_TIMEOUT_ENV) or DEFAULT_LOCK_TIMEOUT)
    path = lock_path(db_path)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + limit
    mode = (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB
    pause = 0.01
    while True:
        with _GUARD:
            busy = key in _HELD  # held by another thread of this process: wait for it like for a process
            if not busy:
                try:
                    fcntl.flock(fd, mode)
                except BlockingIOError:
                    busy = True
            if not busy:
                _HELD[key] = [fd, 1, me]
                if not shared:
                    os.ftruncate(fd, 0)
                    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
                return WarehouseLock(key)
        if time.monotonic() >= deadline:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or str(os.getpid())
            os.close(fd)
            raise UsageError(f"the warehouse {db_path} is busy: another wupian process (pid {holder}) has held it "
                             f"for more than {limit:.0f} s; try again when it has finished")
        time.sleep(pause)
        pause = min(pause * 2, 0.25)


@contextlib.contextmanager
def holding(db_path: str | os.PathLike[str], *, shared: bool = False,
            timeout: float | None = None) -> Iterator[None]:
    lock = acquire(db_path, shared=shared, timeout=timeout)
    try:
        yield
    finally:
        lock.release()


@dataclass(frozen=True, slots=True)
class Published:
    generation: int
    path: Path
    source_stamp: tuple[int, ...]  # the primary's (size, mtime_ns, wal size, wal mtime_ns) when it was copied


def source_stamp(db_path: str | os.PathLike[str]) -> tuple[int, ...]:
    """What changes whenever a writer commits to the primary file."""
    out: list[int] = []
    for p in (Path(db_path), Path(str(db_path) + ".wal")):
        try:
            st = p.stat()
            out += [st.st_size, st.st_mtime_ns]
        except FileNotFoundError:
            out += [-1, -1]
    return tuple(out)


def current(db_path: str | os.PathLike[str]) -> Published | None:
    """The generation readers should open now, or None before the first publication."""
    pointer = published_dir(db_path) / "CURRENT"
    try:
        doc = json.loads(pointer.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    path = pointer.parent / doc["file"]
    return Published(int(doc["generation"]), path, tuple(doc["source_stamp"])) if path.exists() else None


def is_stale(db_path: str | os.PathLike[str], published: Published | None) -> bool:
    return published is None or source_stamp(db_path) != published.source_stamp


def publish(db_path: str | os.PathLike[str]) -> Published:
    """Checkpoint the primary and publish an immutable copy of it (under the exclusive warehouse lock).

    The caller brings derived tables up to date first, while holding the same lock (``holding(db_path)``), so
    the copy never pairs data with an older classification."""
    folder = published_dir(db_path)
    folder.mkdir(exist_ok=True)
    with holding(db_path):
        con = duckdb.connect(str(db_path))
        try:
            con.execute("CHECKPOINT")
        finally:
            con.close()
        stamp = source_stamp(db_path)
        before = current(db_path)
        generation = (before.generation if before else 0) + 1
        name = f"{generation:06d}.duckdb"
        tmp = folder / (name + ".tmp")
        shutil.copyfile(db_path, tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, folder / name)
        pointer_tmp = folder / "CURRENT.tmp"
        pointer_tmp.write_text(json.dumps({"generation": generation, "file": name, "source_stamp": stamp}),
                               encoding="utf-8")
        os.replace(pointer_tmp, folder / "CURRENT")
        _prune(folder, generation)
        _collect_parts(db_path)
    return Published(generation, folder / name, stamp)


def _collect_parts(db_path: str | os.PathLike[str]) -> None:
    """Delete the Parquet parts (``wupian.engine.parts``) that only the generations just pruned still listed."""
    from wupian.engine import parts  # parts reads the generations' manifests through this module

    root = parts.parts_root(db_path)
    if not root.exists():
        return
    con = duckdb.connect(str(db_path))
    try:
        parts.collect_garbage(con, str(db_path), root)
    finally:
        con.close()


def _prune(folder: Path, newest: int) -> None:
    """Delete generations older than the last few (readers still using one keep their open file on POSIX)."""
    for f in folder.glob("*.duckdb"):
        try:
            gen = int(f.stem)
        except ValueError:
            continue
        if gen <= newest - KEEP_GENERATIONS:
            f.unlink(missing_ok=True)
            Path(str(f) + ".wal").unlink(missing_ok=True)

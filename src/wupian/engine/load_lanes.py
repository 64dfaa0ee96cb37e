"""The load's checks on two lanes: the duplicate-key check of the largest staged Parquet part runs on a cursor of
its own in another thread while the load's connection goes on with the other tables' checks, inserts and
quarantines and with that table's own reference checks.

Why: the duplicate check is a hash aggregate over every key of the file (``GROUP BY lower(loan_id)``); on DuckDB's
two threads it pays a partitioning overhead (10M loans: 3.6 s CPU on two threads, 2.4 s on one), and the other
checks of a load, one after another, leave the second core idle between their pipelines. While the lanes run,
DuckDB is set to one thread (``SET threads`` is a setting of the database, not of a connection): each lane's
statements then run on their own core, without the aggregate's partitioning, and the setting is restored by the
lane as soon as its work is done (the load's connection, still checking, gets both threads back at once), or when
its result is taken (before the table's insert) if it was stopped.

What the cursor can read: a staged Parquet part is a temporary view over a file (``stage_parts``: the byte copy
or the written part), so the cursor gets the same view; the staged relations of other files (temporary tables of
the load's connection) and the rows inserted inside the load's transaction are not visible to it, so only a
duplicate check of a Parquet part leaves the load's connection. Its rows are inserted into ``_wp_issues`` when the
table's rejections are closed, so every issue, its location and the quarantine are those of the sequential run
(``fetch_issues`` and the quarantine's issue lists sort them; ``CONCURRENT`` off runs everything in order).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from wupian.contract import Table
from wupian.engine.loading import ISSUES, duplicates_probe_sql, duplicates_sql
from wupian.engine.stage import StagedTable
from wupian.engine.stoppable import stoppable
from wupian.engine.warehouse import Warehouse, _logged, quote_ident

CONCURRENT = True
# The smallest file whose duplicate check gets a lane of its own: below, a thread and a cursor cost more than the
# overlap gives (the 2M bank's loans: 0.41 s CPU on one thread).
MIN_ROWS = 200_000


@dataclass
class _Lane:
    table: str
    cursor: Any
    threads: int
    thread: threading.Thread | None = None
    result: pa.Table | None = None
    error: BaseException | None = None
    restored: bool = False  # the database's threads set back by the lane itself
    done: threading.Event = field(default_factory=threading.Event)

    def run(self, probe: str | None, sql: str, params: list[object]) -> None:
        try:
            if probe is not None and not self.cursor.execute(probe).fetchone()[0]:
                return  # no two rows share a key (``loading.duplicates_probe_sql``)
            self.result = _arrow(self.cursor.execute(sql, params))
        except BaseException as exc:  # handed to the load's thread by ``Lanes.settle``
            self.error = exc
        finally:
            self._restore()
            self.done.set()

    def _restore(self) -> None:
        """The lane's work is done: the load's connection gets every thread back at once, for the statements it
        still runs before it takes the lane's result (the main lane is the longer one: at 2M loans the loans →
        customers reference check still runs when the duplicate probe ends). ``SET threads`` is the database's
        setting, so the lane's cursor sets it; a statement of the load's connection already running keeps its
        pipelines' tasks, the next pipelines get both threads. A stopped lane leaves it to ``Lanes._finish``."""
        if self.threads <= 1 or self.error is not None:
            return
        try:
            self.cursor.execute(f"SET threads = {self.threads:d}")
            self.restored = True
        except BaseException:  # noqa: BLE001 - interrupted: ``Lanes._finish`` restores the threads
            pass


def _arrow(result: Any) -> pa.Table:
    return result.to_arrow_table() if hasattr(result, "to_arrow_table") else result.fetch_arrow_table()


def _chosen(staged: Sequence[tuple[Table, StagedTable]]) -> tuple[Table, StagedTable] | None:
    """The table whose duplicate check gets a lane: the largest staged Parquet part with a key, when it is large
    enough and some other table gives the load's connection work beside it."""
    if not CONCURRENT or len(staged) < 2:
        return None
    parts = [(t, st) for t, st in staged if st.part is not None and t.key and st.rows >= MIN_ROWS]
    return max(parts, key=lambda p: p[1].rows) if parts else None


class Lanes:
    """The lanes of one load run on ``wh`` (see the module docstring)."""

    def __init__(self, wh: Warehouse) -> None:
        self._wh = wh
        self._lanes: dict[str, _Lane] = {}

    def early(self, table: Table, st: StagedTable, seq: int) -> None:
        """Start ``table``'s duplicate check at once, as soon as it is staged, when later tables of the run refer
        to it (the caller knows): its rows must be inserted before their checks, so the check is on the load's
        critical path, and the files still to stage (their first statements — schema, byte copy, first rows —
        run on one core) leave room beside it. DuckDB's threads stay as they are."""
        if CONCURRENT and st.part is not None and table.key and st.rows >= MIN_ROWS:
            self._open(table, st, seq, lower=False)

    def start(self, staged: Sequence[tuple[Table, StagedTable]], seq_of: dict[str, int]) -> None:
        """Start the lane of the chosen table's duplicate check (``seq_of``: each table's issue sequence)."""
        chosen = _chosen([(t, st) for t, st in staged if t.name not in self._lanes])
        if chosen is not None:
            table, st = chosen
            self._open(table, st, seq_of[table.name], lower=True)

    def _open(self, table: Table, st: StagedTable, seq: int, *, lower: bool) -> None:
        """A cursor and a thread for ``table``'s duplicate check; ``lower``: DuckDB on one thread meanwhile."""
        con = self._wh.con
        row = con.execute(
            "SELECT sql FROM duckdb_views() WHERE temporary AND NOT internal AND view_name = ?", [st.typed]
        ).fetchone()
        found = duplicates_sql(table, quote_ident(st.typed), st.file_label, seq)
        if row is None or found is None:
            return
        cursor = stoppable(_logged(con.cursor()))  # an interrupt between its statements is not lost
        try:
            cursor.execute("SET enable_progress_bar = false")
            cursor.execute(row[0])
            threads = int(con.execute("SELECT current_setting('threads')").fetchone()[0]) if lower else 1  # type: ignore[index]
        except BaseException:
            cursor.close()
            raise
        lane = _Lane(table.name, cursor, threads)
        self._lanes[table.name] = lane
        if threads > 1:
            con.execute("SET threads = 1")
        probe = duplicates_probe_sql(table, quote_ident(st.typed))
        lane.thread = threading.Thread(target=lane.run, args=(probe, *found), name=f"wupian-load-{table.name}",
                                       daemon=True)
        lane.thread.start()

    def pending(self, table: Table) -> bool:
        """Whether ``table``'s duplicate check runs on a lane (``loading.check_rows`` then leaves it out)."""
        return table.name in self._lanes

    def settle(self, table: Table) -> None:
        """Wait for ``table``'s lane, if it has one, restore the threads and insert its issue rows."""
        lane = self._lanes.get(table.name)
        if lane is None:
            return
        self._finish(lane)
        if lane.error is not None:
            raise lane.error
        rows = lane.result
        if rows is not None and rows.num_rows:
            con = self._wh.con
            name = f"_wp_lane_{table.name}"
            con.register(name, rows)
            try:
                con.execute(f"INSERT INTO {ISSUES} SELECT * FROM {quote_ident(name)}")
            finally:
                con.unregister(name)

    def abandon(self, key: str) -> None:
        """Stop the lane of table ``key`` if it still runs (the load failed before its result was taken) and
        restore the threads."""
        lane = self._lanes.get(key)
        if lane is not None:
            if not lane.done.is_set():
                lane.cursor.interrupt()
            self._finish(lane)

    def abandon_all(self) -> None:
        """Stop every lane still running (staging failed: no staged table is dropped one by one)."""
        for key in list(self._lanes):
            self.abandon(key)

    def _finish(self, lane: _Lane) -> None:
        self._lanes.pop(lane.table, None)
        try:
            lane.done.wait()
            if lane.thread is not None:
                lane.thread.join()
        finally:
            lane.cursor.close()
            if lane.threads > 1 and not lane.restored:
                self._wh.con.execute(f"SET threads = {lane.threads:d}")

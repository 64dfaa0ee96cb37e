"""The warehouse side of one load or check run, behind one object: the ingest layer never touches SQL or a raw
connection (issue 12 §1), it calls these methods in order.

``LoadSession(wh)`` wraps the set-based steps of ``stage`` (type and row-check a file once), ``loading``
(checks, insert, quarantine), ``closure`` (branch tree) and ``lineage`` (invalidation), plus the few statements
of the run itself: clearing a date before it is replaced and recording the ``snapshots`` row.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import replace

from wupian.contract import Table
from wupian.core.issues import Issue
from wupian.engine import lineage, loading, stage
from wupian.engine.closure import build_closure, check_tree
from wupian.engine.load_lanes import Lanes
from wupian.engine.parts import PART_TABLES
from wupian.engine.stage import RawInput, StagedTable, drop_staged, stage_table
from wupian.engine.stage_parts import PartTarget, stage_parquet_part
from wupian.engine.warehouse import Warehouse, quote_ident

# System tables holding rows of one as-of date that a reload replaces (besides the snapshot tables).
_DATED_SYSTEM_TABLES = ("quarantine", "branch_closure", "snapshots")


class LoadSession:
    """The engine steps of one load/check run on ``wh`` (temp relations live on its connection)."""

    def __init__(self, wh: Warehouse) -> None:
        self._wh = wh
        self._lanes = Lanes(wh)

    @property
    def _con(self):  # type: ignore[no-untyped-def]
        return self._wh.con

    # staging (outside the transaction) ------------------------------------------------------------------
    def stage(self, raw: RawInput, key: str, as_of: dt.date | None = None) -> StagedTable:
        """Type and row-check the file once (``stage.stage_table``); RawReadError if DuckDB refuses it. A
        Parquet file of a table kept as parts, loaded for ``as_of``, is written as its part in the same read."""
        if as_of is not None and raw.kind == "parquet" and key in PART_TABLES and stage.FAST_PATH:
            path = self._wh.parts.staging_file(key)
            if path is not None:
                return stage_parquet_part(self._con, raw, key, PartTarget(path, as_of))
        st = stage_table(self._con, raw, key)
        return replace(st, present=tuple(c.name for c in raw.table.columns if c.name in {c for _, c in raw.positions}))

    def check_early(self, table: Table, st: StagedTable, seq: int) -> None:
        """``table`` is staged and later tables of the run refer to it: its duplicate check may start now, on a
        lane of its own, beside the staging of the files still to read (``load_lanes.Lanes.early``); ``seq`` is
        its issue sequence (its index among the staged tables)."""
        self._lanes.early(table, st, seq)

    def stop_lanes(self) -> None:
        """Stop every lane still running (staging failed before the staged tables were handed over)."""
        self._lanes.abandon_all()

    def drop(self, st: StagedTable) -> None:
        self._lanes.abandon(st.key)  # a lane still reading the staged file (a failed load) stops first
        drop_staged(self._con, st)

    # inside the load transaction ---------------------------------------------------------------------------
    def clear_date(self, as_of: dt.date, tables: Sequence[Table]) -> None:
        """Delete every row of ``as_of`` from the snapshot tables and the dated system tables."""
        for t in tables:
            if t.name in PART_TABLES:
                self._wh.parts.clear(self._con, t.name, as_of)
            elif t.kind == "snapshot":
                self._con.execute(f"DELETE FROM {quote_ident(t.name)} WHERE as_of = ?", [as_of])
        for name in _DATED_SYSTEM_TABLES:
            self._con.execute(f"DELETE FROM {name} WHERE as_of = ?", [as_of])

    def start(self, staged: Sequence[tuple[Table, StagedTable]] = ()) -> None:
        """The run's issue table; ``staged`` (the tables in processing order, each one's issue sequence its index)
        lets the largest Parquet part's duplicate check start on a lane of its own (``load_lanes``)."""
        loading.start_session(self._con)
        self._lanes.start(staged, {t.name: seq for seq, (t, _) in enumerate(staged)})

    def check_rows(self, raw: RawInput, st: StagedTable, label: str, seq: int, *, as_of: dt.date | None) -> int:
        return loading.check_rows(self._con, raw, st, label, seq, as_of=as_of,
                                  duplicates=not self._lanes.pending(raw.table))

    def check_reference(self, table: Table, label: str, seq: int, column: str, target: Table, target_column: str,
                        *, as_of: dt.date | None, staged_target: str | None) -> None:
        loading.check_reference(self._con, table, label, seq, column, target, target_column, as_of=as_of,
                                staged_target=staged_target)

    def close_rejections(self, table: Table) -> int:
        self._lanes.settle(table)  # the duplicate keys found on a lane, before the rejected lines are taken
        return loading.close_rejections(self._con, table)

    def insert_snapshot(self, table: Table, as_of: dt.date, rejected: int | None = None,
                        st: StagedTable | None = None) -> int:
        return loading.insert_snapshot(self._con, table, as_of, rejected, st, self._wh.parts)

    def upsert_keyed(self, table: Table, st: StagedTable | None = None) -> int:
        return loading.upsert_keyed(self._con, table, st)

    def append_events(self, table: Table, label: str, seq: int, st: StagedTable | None = None) -> int:
        return loading.append_events(self._con, table, label, seq, st)

    def skipped_events(self, table: Table) -> int:
        """Events of ``table`` skipped as identical re-sends (WP-LOAD-030) in this run."""
        return loading.skipped_events(self._con, table)

    def quarantine_rejected(self, raw: RawInput, st: StagedTable, label: str, as_of: dt.date | None) -> int:
        return loading.quarantine_rejected(self._con, raw, st, label, as_of)

    def check_tree(self, as_of: dt.date, label: str) -> list[Issue]:
        return list(check_tree(self._con, as_of, label))

    def build_closure(self, as_of: dt.date) -> None:
        build_closure(self._con, as_of)

    def issue_counts(self) -> dict[tuple[str, str], int]:
        return loading.issue_counts(self._con)

    def fetch_issues(self, limit: int) -> list[Issue]:
        return loading.fetch_issues(self._con, limit)

    def record_snapshot(self, as_of: dt.date, source_dir: str, loaded: Mapping[str, int],
                        rejected: Mapping[str, int], counts: Mapping[tuple[str, str], int]) -> None:
        """The ``snapshots`` row of the load (new load id), then every derived row of dates ≥ ``as_of`` made
        stale (``lineage.invalidate_from``) — both inside the caller's transaction."""
        self._con.execute(
            "INSERT INTO snapshots (as_of, loaded_at, source_dir, row_counts_json, rejected_counts_json, "
            "issue_counts_json, load_id) VALUES (?, CAST(now() AS TIMESTAMP), ?, ?, ?, ?, ?)",
            [
                as_of,
                source_dir,
                json.dumps(dict(loaded), sort_keys=True),
                json.dumps(dict(rejected), sort_keys=True),
                json.dumps({f"{c} {lv}": n for (c, lv), n in sorted(counts.items())}),
                lineage.new_load_id(),
            ],
        )
        lineage.invalidate_from(self._con, as_of, keyed=any(loaded.get(t) for t in lineage.KEYED_TABLES),
                                 parts_root=self._wh.parts.root)

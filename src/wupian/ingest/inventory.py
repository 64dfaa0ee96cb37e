"""What is in the warehouse: loaded snapshots with their counts, and quarantined rows with their reasons.

Records built from the engine's read-only queries (``wupian.engine.load_inventory``), for ``wupian snapshots`` and ``wupian quarantine``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from wupian.contract import ALL_TABLES
from wupian.core.errors import UsageError
from wupian.engine.load_inventory import quarantine_rows, snapshot_rows
from wupian.engine.warehouse import Warehouse


@dataclass(frozen=True, slots=True)
class SnapshotInfo:
    """One loaded as-of date."""

    as_of: dt.date
    loaded_at: dt.datetime
    source_dir: str
    rows: tuple[tuple[str, int], ...]
    rejected: tuple[tuple[str, int], ...]

    @property
    def total_rejected(self) -> int:
        return sum(n for _, n in self.rejected)


@dataclass(frozen=True, slots=True)
class QuarantinedRow:
    """A rejected row: where it came from, its raw values and why it was rejected."""

    as_of: dt.date | None
    table: str
    file: str
    line: int | None
    key: str | None
    values: tuple[tuple[str, Any], ...]
    issues: tuple[dict[str, Any], ...]


def list_snapshots(wh: Warehouse) -> list[SnapshotInfo]:
    """Every loaded snapshot, oldest first."""
    out = []
    for r in snapshot_rows(wh):
        rows = json.loads(r["row_counts_json"] or "{}")
        rej = json.loads(r["rejected_counts_json"] or "{}")
        out.append(
            SnapshotInfo(
                as_of=r["as_of"],
                loaded_at=r["loaded_at"],
                source_dir=r["source_dir"],
                rows=tuple(sorted(rows.items())),
                rejected=tuple(sorted(rej.items())),
            )
        )
    return out


def list_quarantine(
    wh: Warehouse, as_of: dt.date | None, table: str | None = None, *, limit: int = 1000
) -> tuple[list[QuarantinedRow], int]:
    """Quarantined rows of ``as_of`` (None = event loads), optionally of one table; and the total count."""
    if table is not None and table not in {t.name for t in ALL_TABLES}:
        raise UsageError(f"no table {table!r} in the data contract")
    total, rows = quarantine_rows(wh, as_of, table, limit)
    out = [
        QuarantinedRow(
            as_of=r["as_of"],
            table=r["table_name"],
            file=r["file"],
            line=r["line"],
            key=r["row_key"],
            values=tuple(json.loads(r["row_json"]).items()),
            issues=tuple(json.loads(r["issues_json"])),
        )
        for r in rows
    ]
    return out, total

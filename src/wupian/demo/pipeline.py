"""``run_demo``: build the demo bank, then load every month-end (oldest first) and the events into a warehouse.

The lead adds classification and reporting steps after loading; this module only builds and loads, and
summarises what happened (rows per table, rejections, planted problems).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from wupian.demo.build import DEFAULT_SEED, MONTHS, DemoManifest, build_demo
from wupian.engine.warehouse import Warehouse
from wupian.ingest import LoadReport, load_events, load_snapshot

StepProgress = Callable[[str, str, int, int], None]  # (step, label, done, total)


@dataclass(frozen=True)
class DemoResult:
    """Summary of a demo run: what was generated, and what the loader made of it."""

    db_path: str
    manifest: DemoManifest
    snapshot_reports: tuple[tuple[date, LoadReport], ...]
    events_report: LoadReport | None

    @property
    def rejected(self) -> int:
        """Rows quarantined over every load."""
        reports = [r for _, r in self.snapshot_reports] + ([self.events_report] if self.events_report else [])
        return sum(sum(r.rejected.values()) for r in reports)

    @property
    def errors(self) -> int:
        reports = [r for _, r in self.snapshot_reports] + ([self.events_report] if self.events_report else [])
        return sum(r.errors for r in reports)

    def loaded(self, table_name: str) -> tuple[int, ...]:
        """Rows of ``table_name`` loaded per month-end."""
        return tuple(r.loaded.get(table_name, 0) for _, r in self.snapshot_reports)


def run_demo(db_path: str, out_dir: Path, *, seed: int = DEFAULT_SEED, scale: float = 1.0,
             progress: StepProgress | None = None, months: int = MONTHS) -> DemoResult:
    """Generate the demo into ``out_dir`` and load it into the warehouse at ``db_path`` (oldest month first)."""

    def sub(step: str) -> Callable[[str, int, int], None] | None:
        if progress is None:
            return None
        return lambda label, done, total: progress(step, label, done, total)

    manifest = build_demo(Path(out_dir), seed=seed, scale=scale, progress=sub("generate"), months=months)
    reports: list[tuple[date, LoadReport]] = []
    with Warehouse(db_path) as wh:
        total = len(manifest.month_ends)
        for k, (as_of, folder) in enumerate(zip(manifest.month_ends, manifest.snapshot_dirs, strict=True)):
            if progress is not None:
                progress("load", f"load {as_of.isoformat()}", k, total)
            reports.append((as_of, load_snapshot(wh, as_of, folder)))
        if progress is not None:
            progress("load", "loaded", total, total)
        events = load_events(wh, manifest.events_dir, progress=sub("events")) if manifest.events_dir else None
    return DemoResult(db_path=db_path, manifest=manifest, snapshot_reports=tuple(reports), events_report=events)

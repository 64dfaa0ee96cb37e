"""``run_demo``: build the demo bank, load every month-end (oldest first) and the events into a warehouse,
then run the month-end job for the last date (classification under both profiles, indicators, official
files, workbook and briefing under ``<out>/reports``) and summarise what happened.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from wupian.demo.branches import BANK_USCC
from wupian.demo.build import DEFAULT_SEED, MONTHS, DemoManifest, build_demo
from wupian.demo.screening_cases import work_cases
from wupian.engine.warehouse import Warehouse
from wupian.ingest import LoadReport, load_events, load_snapshot
from wupian.pipeline import MonthEndResult, run_month_end

# The demo bank's 统一社会信用代码 (synthetic, valid check character): names the PBOC .dat files.
DEMO_USCC = BANK_USCC  # the legal entity: PBOC file names; branches carry their own (branches.uscc)

StepProgress = Callable[[str, str, int, int], None]  # (step, label, done, total)


@dataclass(frozen=True)
class DemoResult:
    """Summary of a demo run: what was generated, and what the loader made of it."""

    db_path: str
    manifest: DemoManifest
    snapshot_reports: tuple[tuple[date, LoadReport], ...]
    events_report: LoadReport | None
    month_end: MonthEndResult | None = None
    screening_report: LoadReport | None = None
    screening_cases: int = 0

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
             progress: StepProgress | None = None, months: int = MONTHS, reports: bool = True) -> DemoResult:
    """Generate the demo into ``out_dir``, load it into the warehouse at ``db_path`` (oldest month first) and,
    with ``reports``, run the month-end job for the last date into ``out_dir/reports``."""

    def sub(step: str) -> Callable[[str, int, int], None] | None:
        if progress is None:
            return None
        return lambda label, done, total: progress(step, label, done, total)

    manifest = build_demo(Path(out_dir), seed=seed, scale=scale, progress=sub("generate"), months=months)
    loads: list[tuple[date, LoadReport]] = []
    month_end: MonthEndResult | None = None
    with Warehouse(db_path) as wh:
        total = len(manifest.month_ends)
        for k, (as_of, folder) in enumerate(zip(manifest.month_ends, manifest.snapshot_dirs, strict=True)):
            if progress is not None:
                progress("load", f"load {as_of.isoformat()}", k, total)
            loads.append((as_of, load_snapshot(wh, as_of, folder)))
        if progress is not None:
            progress("load", "loaded", total, total)
        events = load_events(wh, manifest.events_dir, progress=sub("events"))
        screening, n_cases = None, 0
        if manifest.screening_dir is not None:
            screening = load_events(wh, manifest.screening_dir, progress=sub("screening"))
            n_cases = work_cases(wh, manifest.screening_dir)
        if reports:
            month_end = run_month_end(wh, manifest.month_ends[-1], Path(out_dir) / "reports", uscc=DEMO_USCC,
                                      progress=sub("month_end"))
    return DemoResult(db_path=db_path, manifest=manifest, snapshot_reports=tuple(loads), events_report=events,
                      month_end=month_end, screening_report=screening, screening_cases=n_cases)

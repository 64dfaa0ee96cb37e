"""The month-end job end to end, for one as-of date: classify, measure, report.

``run_month_end`` classifies every loan of the as-of date under both profiles (PBOC and NFRA), makes sure the
comparison dates that YTD and YoY indicators need (the previous 31 December, the same month a year earlier)
are classified too when they are loaded, then computes the indicators and writes the official files, the
management workbook and the briefing, reconciled. It composes the layers below and adds no business rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from wupian.api import IndicatorResult, Warehouse
from wupian.core.issues import Issue
from wupian.reports.run import generate_reports
from wupian.rules import ClassifyReport, classify_snapshot, rulebook

PROFILES = ("pboc_2025", "nfra_1104_2025")
Progress = Callable[[str, int, int], None]  # (label, done, total)


@dataclass(frozen=True, slots=True)
class MonthEndResult:
    """What a month-end run did: classifications, report files and every issue found."""

    as_of: date
    classified: tuple[ClassifyReport, ...]
    files: tuple[Path, ...]
    issues: tuple[Issue, ...]
    indicators: IndicatorResult


def comparison_dates(as_of: date) -> tuple[date, ...]:
    """The dates YTD (previous 31 December), YoY (same month-end a year earlier) and 较上月 (previous month-end)
    compare against."""
    year_start = date(as_of.year - 1, 12, 31)
    try:
        year_ago = as_of.replace(year=as_of.year - 1)
    except ValueError:  # 29 February
        year_ago = date(as_of.year - 1, 2, 28)
    month_before = date(as_of.year, as_of.month, 1) - timedelta(days=1)
    return tuple(sorted({year_start, year_ago, month_before} - {as_of}))


def _classified_with_current_rules(wh: Warehouse, as_of: date, profile: str) -> bool:
    version = rulebook().version
    n = wh.scalar(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'loan_tags'"
    )
    if not n:
        return False
    return bool(
        wh.scalar(
            "SELECT count(*) FROM loan_tags WHERE as_of = ? AND profile = ? AND rulebook_version = ?",
            [as_of, profile, version],
        )
    )


def dates_to_classify(wh: Warehouse, as_of: date) -> list[tuple[date, str]]:
    """(date, profile) pairs to classify: the as-of date always, comparison dates when loaded and not current."""
    loaded = set(wh.snapshot_dates())
    todo = [(as_of, p) for p in PROFILES]
    for d in comparison_dates(as_of):
        if d in loaded:
            todo += [(d, p) for p in PROFILES if not _classified_with_current_rules(wh, d, p)]
    return todo


def run_month_end(
    wh: Warehouse,
    as_of: date,
    out_dir: Path,
    *,
    uscc: str,
    branch_id: str | None = None,
    kind: str = "all",
    progress: Progress | None = None,
) -> MonthEndResult:
    """Classify, compute the indicators and write every report for ``as_of`` into ``out_dir``."""
    todo = dates_to_classify(wh, as_of)
    total = len(todo) + 1
    reports: list[ClassifyReport] = []
    issues: list[Issue] = []
    for n, (d, profile) in enumerate(todo):
        if progress is not None:
            progress(f"classify {d.isoformat()} {profile}", n, total)
        report = classify_snapshot(wh, d, profile)
        reports.append(report)
        if d == as_of:
            issues.extend(report.issues)
    if progress is not None:
        progress("indicators and reports", len(todo), total)
    run = generate_reports(wh, as_of, kind, Path(out_dir), branch_id=branch_id, uscc=uscc)
    issues.extend(run.issues)
    if progress is not None:
        progress("done", total, total)
    return MonthEndResult(as_of, tuple(reports), tuple(run.files), tuple(issues), run.result)

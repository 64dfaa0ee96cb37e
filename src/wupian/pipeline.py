"""The month-end job end to end, for one as-of date: classify, measure, report.

``run_month_end`` classifies every loan of the as-of date under both profiles (PBOC and NFRA), makes sure the
comparison dates that YTD and YoY indicators need (``wupian.core.periods``: 上年末 and 上年同期) are classified from
their current data when they are loaded, then computes the indicators and writes the official files, the
management workbook and the briefing, reconciled. It composes the layers below and adds no business rule.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from wupian.api import IndicatorResult, Warehouse
from wupian.core.issues import Issue
from wupian.reports.run import generate_reports, warm_up
from wupian.reports.worklists import Worklist
from wupian.rules import ClassifyReport, classify_snapshots, classifying_together
from wupian.rules.fresh import stale_classifications

PROFILES = ("pboc_2025", "nfra_1104_2025")
Progress = Callable[[str, int, int], None]  # (label, done, total)


@dataclass(frozen=True, slots=True)
class MonthEndResult:
    """What a month-end run did: classifications, report files and every finding. Findings that can number one
    per loan are rows of ``worklists`` files; ``issues`` lists every other Issue and the first
    ``wupian.reports.worklists.SAMPLE`` findings of each code of each worklist (count them all with
    ``worklists.issue_counts(issues, worklists)``)."""

    as_of: date
    classified: tuple[ClassifyReport, ...]
    files: tuple[Path, ...]
    issues: tuple[Issue, ...]
    indicators: IndicatorResult
    worklists: tuple[Worklist, ...] = field(default=())


def dates_to_classify(wh: Warehouse, as_of: date) -> list[tuple[date, str]]:
    """(date, profile) pairs the month-end job classifies: the as-of date always (its issues are part of the
    run), and each comparison date that is loaded and whose classification is missing or stale — re-loaded since,
    or made with other rules (``wupian.rules.fresh``, the one freshness check)."""
    todo = [(as_of, p) for p in PROFILES]
    return todo + [(d, p) for d, p in stale_classifications(wh, as_of, PROFILES) if d != as_of]


def _by_date(todo: list[tuple[date, str]]) -> list[tuple[date, tuple[str, ...]]]:
    """``todo`` as runs of consecutive pairs of one date: (date, its profiles in order) — a date's stale profiles
    are classified together, the others' rows stay as they are."""
    runs: list[tuple[date, tuple[str, ...]]] = []
    for d, profile in todo:
        if runs and runs[-1][0] == d:
            runs[-1] = (d, (*runs[-1][1], profile))
        else:
            runs.append((d, (profile,)))
    return runs


@contextmanager
def _beside(work: Callable[[], None]) -> Iterator[None]:
    """Run ``work`` in a thread of its own while the block runs; the block ends once ``work`` has. ``work`` only
    loads ahead what a later step loads anyway: an exception in it is dropped here and met again, and reported, by
    that step."""

    def run() -> None:
        try:
            work()
        except Exception:  # noqa: BLE001, S110 - the later step raises it where it belongs (docstring)
            pass

    thread = threading.Thread(target=run, name="wupian-warm-up", daemon=True)
    thread.start()
    try:
        yield
    finally:
        thread.join()


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
    # the report writers' modules, templates and fonts load while DuckDB classifies (wupian.reports.run.warm_up);
    # classifying together: a date's profiles in one per-customer facts build and one tagging statement
    with _beside(lambda: warm_up(kind)), classifying_together(wh):
        n = 0
        for d, profiles in _by_date(todo):
            if progress is not None:
                for k, profile in enumerate(profiles):
                    progress(f"classify {d.isoformat()} {profile}", n + k, total)
            # the as-of date's last classification keeps its first loans for the indicators computed next
            last = d == as_of and all(day != as_of for day, _ in todo[n + len(profiles):])
            n += len(profiles)
            for report in classify_snapshots(wh, d, profiles, keep=last):
                reports.append(report)
                if d == as_of:
                    issues.extend(report.issues)
    if progress is not None:
        progress("indicators and reports", len(todo), total)
    run = generate_reports(wh, as_of, kind, Path(out_dir), branch_id=branch_id, uscc=uscc)
    issues.extend(run.issues)
    if progress is not None:
        progress("done", total, total)
    return MonthEndResult(as_of, tuple(reports), tuple(run.files), tuple(issues), run.result, run.worklists)

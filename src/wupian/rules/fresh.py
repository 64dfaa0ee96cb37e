"""Classify on demand: the one place every reader calls before it reads ``loan_tags``.

``ensure_classified(wh, as_of, profiles)`` finds, with a look-up in the ``snapshots`` and ``lineage`` tables (no
data scan), which of the as-of date and its comparison dates (上年末, 上年同期 — ``wupian.core.periods``) are
loaded but have no classification of a profile, or one whose inputs (a snapshot re-loaded since) or versions
(rulebook, reference data, wupian) changed, or one made with the non-default size basis (a what-if of
``classify --size-basis derived_first``), and classifies exactly those. Readers — the indicators, reports,
month-end, coverage and explain commands and the web app, through ``wupian.api`` — therefore never read tags
that do not match the current data and rules, and ``load`` followed by ``indicators`` needs no other command.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from wupian.core.errors import UsageError
from wupian.core.periods import comparison_dates
from wupian.engine import lineage
from wupian.engine.warehouse import Warehouse
from wupian.rules.service import ClassifyReport, classify_snapshot, classifying_together, rulebook

PROFILES = ("pboc_2025", "nfra_1104_2025")
SIZE_BASIS = "declared_first"  # the official basis; `classify --size-basis derived_first` is a what-if
Progress = Callable[[str, int, int], None]  # (label, done, total)


def classify_versions() -> str:
    """The versions a current classification records (rulebook, reference data, wupian)."""
    return lineage.tag_versions(rulebook().version)


def stale_classifications(wh: Warehouse, as_of: date, profiles: Iterable[str] = PROFILES, *,
                          comparisons: bool = True) -> list[tuple[date, str]]:
    """(date, profile) pairs among ``as_of`` (and its comparison dates) that are loaded and missing or stale."""
    days = [as_of, *comparison_dates(as_of)] if comparisons else [as_of]
    current = classify_versions()
    todo = []
    for profile in profiles:
        todo += [(d, profile) for d in lineage.stale_dates(wh, "loan_tags", days, profile, current,
                                                           params={"size_basis": SIZE_BASIS})]
    return sorted(todo)


def ensure_classified(wh: Warehouse, as_of: date, profiles: Iterable[str] = PROFILES, *, comparisons: bool = True,
                      progress: Progress | None = None, keep: bool = False,
                      counts: bool = True) -> tuple[ClassifyReport, ...]:
    """Classify every (date, profile) that ``stale_classifications`` lists; return what was classified. These are
    classifications on demand (``classify_snapshot(..., on_demand=True)``): the tags only — no ``customer_facts``
    written (``customer_facts`` computes them where read) and no Issues (no reader shows them). ``keep`` (a
    reader of the loan indicators next): the last classification of ``as_of`` keeps its tagged loans in memory
    for the indicator statement (``engine.classify_kept``). ``counts`` False: the reports' tag counts are left
    empty (a reader that only needs the tags current spares the statement that counts them)."""
    for p in profiles:
        if p not in PROFILES:
            raise UsageError(f"unknown profile {p!r}; choose one of {', '.join(PROFILES)}")
    todo = stale_classifications(wh, as_of, profiles, comparisons=comparisons)
    if todo and wh.read_only:
        listed = ", ".join(f"{d.isoformat()} {p}" for d, p in todo)
        raise UsageError(f"classification is missing or out of date for {listed}; the warehouse is open read-only, "
                         "so it cannot be refreshed — run any wupian command on it with write access")
    reports = []
    with classifying_together(wh):  # both profiles of a date: one build of the per-customer facts
        for n, (day, profile) in enumerate(todo):
            if progress is not None:
                progress(f"classify {day.isoformat()} {profile}", n, len(todo))
            last = keep and day == as_of and all(d != as_of for d, _ in todo[n + 1:])
            reports.append(classify_snapshot(wh, day, profile, size_basis=SIZE_BASIS, on_demand=True, keep=last,
                                             counts=counts))
    return tuple(reports)

"""The Python surface of wupian that the CLI and the web app call.

One import gives the month-end jobs: open a warehouse, check and load snapshots and events, classify loans,
compute indicators and coverage, and explain any number down to the loans behind it. Everything here is a
thin composition of the layers below (ingest, rules, metrics, engine); business rules live there. The readers
here classify on demand whatever their figures need that is missing or stale (``wupian.rules.fresh``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pyarrow as pa

from wupian import metrics, rules
from wupian.engine.warehouse import Warehouse, default_db_path
from wupian.ingest import CheckReport, LoadReport, check_snapshot, load_events, load_snapshot
from wupian.metrics import CoverageResult, IndicatorResult, indicator_label
from wupian.rules import ClassifyReport
from wupian.rules.fresh import PROFILES, ensure_classified, stale_classifications


def open_warehouse(path: str | None = None, *, read_only: bool = False) -> Warehouse:
    """Open the warehouse at ``path`` (default ``$WUPIAN_DB`` or ``./wupian.duckdb``)."""
    return Warehouse(path if path is not None else default_db_path(), read_only=read_only)


# Readers: each one first brings the classification its figures read up to date (``ensure_fresh``), so a
# figure is always a function of the snapshots loaded now and the current rules — never of an earlier load.

def ensure_fresh(wh: Warehouse, as_of: date, profiles: Sequence[str] = PROFILES, *,
                 comparisons: bool = True) -> tuple[ClassifyReport, ...]:
    """Classify the as-of date (and its comparison dates) under ``profiles`` where missing or stale."""
    return ensure_classified(wh, as_of, profiles, comparisons=comparisons)


def compute_indicators(wh: Warehouse, as_of: date, *, branch_id: str | None = None, profile: str = "pboc_2025",
                       ids: Sequence[str] | None = None, store: bool = True) -> IndicatorResult:
    """Every indicator (or those matching ``ids``) of the subtree, from fresh classifications. The whole bank's
    complete result is served from the store while it is fresh (same inputs and versions), else computed."""
    ensure_fresh(wh, as_of, (profile,))
    if branch_id is None and not ids and store:
        stored = metrics.stored_indicators(wh, as_of, profile)
        if stored is not None:
            return stored
    return metrics.compute_indicators(wh, as_of, branch_id=branch_id, profile=profile, ids=ids, store=store)


def coverage(wh: Warehouse, registry: str, as_of: date, branch_id: str | None = None) -> CoverageResult:
    """Coverage of a registry and its worklist. It reads the snapshot tables only (registries, customers,
    accounts, loans) and no derived table, so it is always computed from the current data."""
    return metrics.coverage(wh, registry, as_of, branch_id)


def loan_tags(wh: Warehouse, as_of: date, profile: str = "pboc_2025") -> pa.Table:
    """The tags of one date and profile (loan_id, tag, amount, rule_ids, explanation), classified if stale."""
    ensure_fresh(wh, as_of, (profile,), comparisons=False)
    return rules.loan_tags(wh, as_of, profile)


def tag_overlap(wh: Warehouse, as_of: date, profile: str = "pboc_2025") -> pa.Table:
    """Pairwise overlaps of the five categories, from a fresh classification."""
    ensure_fresh(wh, as_of, (profile,), comparisons=False)
    return rules.tag_overlap(wh, as_of, profile)


def explain_indicator(wh: Warehouse, indicator_id: str, as_of: date, branch_id: str, *,
                      profile: str = "pboc_2025") -> pa.Table:
    """The rows behind one value, from fresh classifications."""
    ensure_fresh(wh, as_of, (profile,))
    return metrics.explain_indicator(wh, indicator_id, as_of, branch_id, profile=profile)


__all__ = [
    "CheckReport",
    "CoverageResult",
    "IndicatorResult",
    "LoadReport",
    "Warehouse",
    "check_snapshot",
    "compute_indicators",
    "coverage",
    "ensure_fresh",
    "explain_indicator",
    "indicator_label",
    "load_events",
    "load_snapshot",
    "loan_tags",
    "open_warehouse",
    "stale_classifications",
    "tag_overlap",
]

"""The Python surface of wupian that the CLI and the web app call.

One import gives the month-end jobs: open a warehouse, check and load snapshots and events, classify loans,
compute indicators and coverage, and explain any number down to the loans behind it. Everything here is a
thin composition of the layers below (ingest, rules, metrics, engine); business rules live there.
"""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal

from wupian.engine import published as _published
from wupian.engine import scope as _scope
from wupian.engine.metrics import branch_nodes
from wupian.engine.metrics_other import registries_at
from wupian.engine.warehouse import Warehouse, default_db_path
from wupian.ingest import CheckReport, LoadReport, check_snapshot, load_events, load_snapshot
from wupian.metrics import (
    CoverageResult,
    IndicatorResult,
    compute_indicators,
    coverage,
    explain_indicator,
    indicator_label,
)
from wupian.metrics.compute import PROFILES
from wupian.rules import classify_snapshot, explain_loan
from wupian.rules.explain import LoanExplanation
from wupian.rules.service import rulebook


def open_warehouse(path: str | None = None, *, read_only: bool = False) -> Warehouse:
    """Open the warehouse at ``path`` (default ``$WUPIAN_DB`` or ``./wupian.duckdb``)."""
    return Warehouse(path if path is not None else default_db_path(), read_only=read_only)


def indicator_value_text(value: Decimal | None) -> str:
    """An indicator value as every machine output writes it: plain decimal text, '' when unavailable."""
    return "" if value is None else f"{value:f}"


def latest_as_of(wh: Warehouse) -> date | None:
    """The newest loaded month-end, or None for an empty warehouse."""
    dates = wh.snapshot_dates()
    return dates[-1] if dates else None


def in_subtree(wh: Warehouse, as_of: date, ancestor_id: str, branch_id: str | None) -> bool:
    """Whether ``branch_id`` is ``ancestor_id`` or one of its descendants at ``as_of``."""
    return _scope.in_subtree(wh, as_of, ancestor_id, branch_id)


def loan_branch(wh: Warehouse, as_of: date, loan_id: str) -> str | None:
    """The booking branch of a loan at ``as_of`` (None when the snapshot has no such loan)."""
    return _scope.loan_branch(wh, as_of, loan_id)


def account_branch(wh: Warehouse, account_id: str) -> str | None:
    """The opening branch of an account in the latest snapshot that lists it (None when unknown)."""
    return _scope.account_branch(wh, account_id)


def branch_tree(wh: Warehouse, as_of: date, branch_id: str | None = None) -> list[dict[str, object]]:
    """The nodes of the subtree of ``branch_id`` (whole bank when None): branch_id, name, parent_id, level, …"""
    return branch_nodes(wh, as_of, branch_id).to_pylist()


def registries(wh: Warehouse, as_of: date) -> list[str]:
    """Registry names with members valid at ``as_of`` (for the coverage pages)."""
    return registries_at(wh, as_of)


def classify_missing(wh: Warehouse, *, progress: object | None = None) -> list[tuple[date, str]]:
    """Classify every loaded month-end and profile that has no classification by the current rulebook, so that
    no reader ever pairs data with an older classification. Returns what was classified."""
    version = rulebook().version
    todo = [(d, p) for d in wh.snapshot_dates() for p in PROFILES if not _scope.classified(wh, d, p, version)]
    for n, (d, p) in enumerate(todo):
        if callable(progress):
            progress(f"classify {d.isoformat()} {p}", n, len(todo))
        classify_snapshot(wh, d, p)
    return todo


def published_copy(db_path: str | os.PathLike[str]) -> _published.Published | None:
    """The immutable copy of the warehouse that readers (the web server) should open now."""
    return _published.current(db_path)


def warehouse_changed(db_path: str | os.PathLike[str], copy: _published.Published | None) -> bool:
    """Whether a writer committed to the warehouse since ``copy`` was published (or nothing is published)."""
    return _published.is_stale(db_path, copy)


def publish_for_readers(db_path: str | os.PathLike[str], *, progress: object | None = None) -> _published.Published:
    """Under the exclusive warehouse lock (waiting for other writers): classify what is missing, then publish an
    immutable copy and switch readers to it atomically. Readers never see a half-loaded month or figures from an
    older classification than their data."""
    with _published.holding(db_path):
        with Warehouse(db_path) as wh:
            classify_missing(wh, progress=progress)
        return _published.publish(db_path)


__all__ = [
    "LoanExplanation",
    "PROFILES",
    "account_branch",
    "branch_tree",
    "classify_missing",
    "explain_loan",
    "in_subtree",
    "indicator_value_text",
    "latest_as_of",
    "publish_for_readers",
    "published_copy",
    "registries",
    "warehouse_changed",
    "loan_branch",
    "CheckReport",
    "CoverageResult",
    "IndicatorResult",
    "LoadReport",
    "Warehouse",
    "check_snapshot",
    "compute_indicators",
    "coverage",
    "explain_indicator",
    "indicator_label",
    "load_events",
    "load_snapshot",
    "open_warehouse",
]

"""The Python surface of wupian that the CLI and the web app call.

One import gives the month-end jobs: open a warehouse, check and load snapshots and events, classify loans,
compute indicators and coverage, and explain any number down to the loans behind it. Everything here is a
thin composition of the layers below (ingest, rules, metrics, engine); business rules live there. The readers
here classify on demand whatever their figures need that is missing or stale (``wupian.rules.fresh``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from wupian import metrics, rules
from wupian.engine import classify_kept as _kept
from wupian.engine import published as _published
from wupian.engine import scope as _scope
from wupian.engine.metrics import branch_nodes
from wupian.engine.warehouse import Warehouse, default_db_path
from wupian.metrics import CoverageResult, IndicatorResult, indicator_label
from wupian.rules import ClassifyReport, LoanExplanation
from wupian.rules.fresh import PROFILES, ensure_classified, stale_classifications

if TYPE_CHECKING:
    from wupian.ingest import CheckReport, LoadReport, check_snapshot, load_events, load_snapshot

# The loaders (``wupian.ingest``, which imports NumPy and the staging engine) are imported when first used, so
# that a reader (``wupian indicators``) does not pay for them: ``api.load_snapshot`` and ``from wupian.api
# import load_snapshot`` work as before (PEP 562).
_INGEST = ("CheckReport", "LoadReport", "check_snapshot", "load_events", "load_snapshot")


def __getattr__(name: str) -> Any:
    if name in _INGEST:
        import wupian.ingest

        value = getattr(wupian.ingest, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def open_warehouse(path: str | None = None, *, read_only: bool = False) -> Warehouse:
    """Open the warehouse at ``path`` (default ``$WUPIAN_DB`` or ``./wupian.duckdb``)."""
    return Warehouse(path if path is not None else default_db_path(), read_only=read_only)


# Readers: each one first brings the classification its figures read up to date (``ensure_fresh``), so a
# figure is always a function of the snapshots loaded now and the current rules — never of an earlier load.

def ensure_fresh(wh: Warehouse, as_of: date, profiles: Sequence[str] = PROFILES, *,
                 comparisons: bool = True, keep: bool = False, counts: bool = True) -> tuple[ClassifyReport, ...]:
    """Classify the as-of date (and its comparison dates) under ``profiles`` where missing or stale (``keep``: the
    loan indicators are read next; ``counts`` False: the reports without their tag counts — see
    ``rules.fresh.ensure_classified``)."""
    return ensure_classified(wh, as_of, profiles, comparisons=comparisons, keep=keep, counts=counts)


def compute_indicators(wh: Warehouse, as_of: date, *, branch_id: str | None = None, profile: str = "pboc_2025",
                       ids: Sequence[str] | None = None, store: bool = True,
                       while_storing: Callable[[IndicatorResult], object] | None = None,
                       settle: bool = False) -> IndicatorResult:
    """Every indicator (or those matching ``ids``) of the subtree, from fresh classifications. The whole bank's
    complete result is served from the store while it is fresh (same inputs and versions), else computed.

    When the figures will be computed (not served stored: a subtree, ids, or a classification to do first, which
    makes the stored set stale), the families that do not read the classification start at once beside it, on a
    cursor of their own (``metrics.start_other_families``): they fill the cores the classification and the loan
    statement leave idle. ``while_storing``: the caller's work on a computed result (its output text), done while
    the result is stored (``metrics.compute_indicators``); not called for a result served stored. ``settle``: the
    caller closes ``wh`` next — a stored result is checkpointed beside ``while_storing``.

    A classification made here replaces tags the stored set was computed from (its versions name their
    ``computed_at``), so the stored set is not looked up after one: it is stale by construction."""
    servable = branch_id is None and not ids and store
    others = None
    if not servable or stale_classifications(wh, as_of, (profile,)):
        others = metrics.start_other_families(wh, as_of, branch_id=branch_id, ids=ids)
    try:
        classified = ensure_fresh(wh, as_of, (profile,), keep=True, counts=False)
        if servable and not classified:
            stored = metrics.stored_indicators(wh, as_of, profile)
            if stored is not None:
                return stored
        return metrics.compute_indicators(wh, as_of, branch_id=branch_id, profile=profile, ids=ids, store=store,
                                          others=others, while_storing=while_storing, settle=settle)
    finally:
        if others is not None:
            others.cancel()  # waited for already when the figures were computed
        _kept.drop(wh)  # the tagged loans kept for the indicator statement (if it did not read them)


def coverage(wh: Warehouse, registry: str, as_of: date, branch_id: str | None = None) -> CoverageResult:
    """Coverage of a registry and its worklist. It reads the snapshot tables only (registries, customers,
    accounts, loans) and no derived table, so it is always computed from the current data."""
    return metrics.coverage(wh, registry, as_of, branch_id)


def loan_tags(wh: Warehouse, as_of: date, profile: str = "pboc_2025") -> pa.Table:
    """The tags of one date and profile (loan_id, tag, amount, rule_ids, explanation), classified if stale."""
    ensure_fresh(wh, as_of, (profile,), comparisons=False)
    return rules.loan_tags(wh, as_of, profile)


def customer_facts(wh: Warehouse, as_of: date) -> pa.Table:
    """The per-customer facts of one date (size, 单户授信, registries, 首贷户; size notes rendered), classified
    if stale (any classification of the date writes them: one fresh profile suffices)."""
    ensure_fresh(wh, as_of, ("pboc_2025",), comparisons=False)
    return rules.customer_facts(wh, as_of)


def tag_overlap(wh: Warehouse, as_of: date, profile: str = "pboc_2025") -> pa.Table:
    """Pairwise overlaps of the five categories, from a fresh classification."""
    ensure_fresh(wh, as_of, (profile,), comparisons=False)
    return rules.tag_overlap(wh, as_of, profile)


def explain_indicator(wh: Warehouse, indicator_id: str, as_of: date, branch_id: str, *,
                      profile: str = "pboc_2025") -> pa.Table:
    """The rows behind one value (loans of the as-of date only), from a fresh classification."""
    ensure_fresh(wh, as_of, (profile,), comparisons=False)
    return metrics.explain_indicator(wh, indicator_id, as_of, branch_id, profile=profile)


# The web app's needs: branch scope, published copies for readers, one text form of a value.

def explain_loan(wh: Warehouse, as_of: date, loan_id: str, profile: str = "pboc_2025") -> LoanExplanation:
    """One loan's tags with the rules that fired, their reasons and quoted clauses, and why not the others."""
    return rules.explain_loan(wh, as_of, loan_id, profile)


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
    return _scope.registries_at(wh, as_of)


def classify_missing(wh: Warehouse, *, progress: object | None = None) -> list[tuple[date, str]]:
    """Classify every loaded month-end and profile whose classification is missing or stale (``ensure_fresh``
    for all of them), so that a published copy never pairs data with an older classification."""
    todo = sorted({t for d in wh.snapshot_dates() for t in stale_classifications(wh, d, PROFILES,
                                                                                 comparisons=False)})
    for n, (d, p) in enumerate(todo):
        if callable(progress):
            progress(f"classify {d.isoformat()} {p}", n, len(todo))
        ensure_classified(wh, d, (p,), comparisons=False)
    return todo


def copy_is_fresh(path: str | os.PathLike[str]) -> bool:
    """Whether every loaded date and profile of a published copy has a current classification (a copy made by an
    older wupian or under older rules is not; look-ups only, no data scan)."""
    with Warehouse.overlay(path) as wh:
        return not any(stale_classifications(wh, d, PROFILES, comparisons=False) for d in wh.snapshot_dates())


def published_copy(db_path: str | os.PathLike[str]) -> _published.Published | None:
    """The immutable copy of the warehouse that readers (the web server) should open now."""
    return _published.current(db_path)


def warehouse_changed(db_path: str | os.PathLike[str], copy: _published.Published | None) -> bool:
    """Whether a writer committed to the warehouse since ``copy`` was published (or nothing is published)."""
    return _published.is_stale(db_path, copy)


def publish_for_readers(db_path: str | os.PathLike[str], *, progress: object | None = None) -> _published.Published:
    """Under the exclusive warehouse lock (waiting for other writers): classify what is missing or stale, then
    publish an immutable copy and switch readers to it atomically. Readers never see a half-loaded month or
    figures from an older classification than their data."""
    with _published.holding(db_path):
        with Warehouse(db_path) as wh:
            classify_missing(wh, progress=progress)
        return _published.publish(db_path)


__all__ = [
    "CheckReport",
    "CoverageResult",
    "IndicatorResult",
    "LoadReport",
    "LoanExplanation",
    "PROFILES",
    "Warehouse",
    "account_branch",
    "branch_tree",
    "check_snapshot",
    "classify_missing",
    "copy_is_fresh",
    "compute_indicators",
    "coverage",
    "customer_facts",
    "ensure_fresh",
    "explain_indicator",
    "explain_loan",
    "in_subtree",
    "indicator_value_text",
    "latest_as_of",
    "loan_branch",
    "indicator_label",
    "load_events",
    "load_snapshot",
    "loan_tags",
    "open_warehouse",
    "publish_for_readers",
    "published_copy",
    "registries",
    "stale_classifications",
    "tag_overlap",
    "warehouse_changed",
]

"""Indicators as data (YAML definitions) and their planner: loan stocks, flows, ratios, changes and gaps,
registry coverage, accounts, processing times, activities, rankings and target completion, for every node
of a branch subtree at a month-end.

Public API: :func:`compute_indicators`, :func:`coverage`, :func:`explain_indicator`, :func:`indicator_label`.
"""

from __future__ import annotations

from wupian.metrics.compute import (
    PROFILES,
    compute_indicators,
    coverage,
    definitions,
    explain_indicator,
    indicator_label,
    start_other_families,
    stored_indicators,
)
from wupian.metrics.result import CoverageResult, IndicatorResult, IndicatorValue

__all__ = [
    "PROFILES",
    "CoverageResult",
    "IndicatorResult",
    "IndicatorValue",
    "compute_indicators",
    "coverage",
    "definitions",
    "explain_indicator",
    "indicator_label",
    "start_other_families",
    "stored_indicators",
]

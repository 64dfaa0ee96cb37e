"""Result records of the indicator layer: one value per (as_of, branch, indicator), and helpers on them.

A value is an exact ``Decimal`` quantised to its unit's places, or ``None`` with an ``unavailable_reason``
(zh) — a missing prior snapshot is never reported as 0.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pyarrow as pa

from wupian.core.issues import Issue

VALUE_TYPE = pa.decimal128(38, 6)


@dataclass(frozen=True, slots=True)
class IndicatorValue:
    as_of: date
    branch_id: str
    indicator_id: str
    value: Decimal | None
    unit: str
    unavailable_reason: str | None = None


@dataclass(frozen=True)
class IndicatorResult:
    """All values computed for one as-of date and profile; ``notes`` are zh remarks (e.g. calendar fallback)."""

    as_of: date
    profile: str
    rows: tuple[IndicatorValue, ...]
    notes: tuple[str, ...] = ()
    issues: tuple[Issue, ...] = ()
    _index: dict[tuple[str, str], IndicatorValue] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for r in self.rows:
            self._index[(r.branch_id, r.indicator_id)] = r

    def __iter__(self) -> Iterator[IndicatorValue]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def get(self, branch_id: str, indicator_id: str) -> IndicatorValue | None:
        return self._index.get((branch_id, indicator_id))

    def value(self, branch_id: str, indicator_id: str) -> Decimal | None:
        row = self._index.get((branch_id, indicator_id))
        return None if row is None else row.value

    def for_branch(self, branch_id: str) -> dict[str, IndicatorValue]:
        return {r.indicator_id: r for r in self.rows if r.branch_id == branch_id}

    def to_arrow(self) -> pa.Table:
        return pa.table({
            "as_of": pa.array([r.as_of for r in self.rows], pa.date32()),
            "branch_id": pa.array([r.branch_id for r in self.rows], pa.string()),
            "indicator_id": pa.array([r.indicator_id for r in self.rows], pa.string()),
            "value": pa.array([r.value for r in self.rows], VALUE_TYPE),
            "unit": pa.array([r.unit for r in self.rows], pa.string()),
            "unavailable_reason": pa.array([r.unavailable_reason for r in self.rows], pa.string()),
        })


@dataclass(frozen=True)
class CoverageResult:
    """Coverage of one registry: per-node figures and the worklist of uncovered members."""

    registry: str
    as_of: date
    nodes: pa.Table  # branch_id, attribute, members, with_account, with_credit, with_loan, *_rate
    worklist: pa.Table  # responsible branch, member, missing coverage, in zh column names
    members: pa.Table = field(repr=False)  # every member with its flags

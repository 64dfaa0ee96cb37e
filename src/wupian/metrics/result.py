"""Result records of the indicator layer: one value per (as_of, branch, indicator), and helpers on them.

A value is an exact ``Decimal`` quantised to its unit's places, or ``None`` with an ``unavailable_reason``
(zh) — a missing prior snapshot is never reported as 0.

An :class:`IndicatorResult` holds its values as one Arrow table (what the engine produced and what the
warehouse stores); the :class:`IndicatorValue` records are built from it only when asked for — all at once
by ``rows``/iteration, one at a time by ``get``/``value`` — so computing a bank's ≈250,000 values never
loops over them in Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Context, Decimal
from functools import cached_property
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from wupian.core.issues import Issue
from wupian.engine.metrics_loans import TagCounts
from wupian.metrics.schema import UNIT_PLACES

VALUE_TYPE = pa.decimal128(38, 6)
SCHEMA = pa.schema([
    ("as_of", pa.date32()), ("branch_id", pa.string()), ("indicator_id", pa.string()), ("value", VALUE_TYPE),
    ("unit", pa.string()), ("unavailable_reason", pa.string()),
])
_WIDE = Context(prec=60)
_STEPS = {unit: Decimal(1).scaleb(-places) for unit, places in UNIT_PLACES.items()}


@dataclass(frozen=True, slots=True)
class IndicatorValue:
    as_of: date
    branch_id: str
    indicator_id: str
    value: Decimal | None
    unit: str
    unavailable_reason: str | None = None


def values_table(rows: Iterable[IndicatorValue]) -> pa.Table:
    """IndicatorValue records as a table of :data:`SCHEMA`."""
    rows = list(rows)
    return pa.table({
        "as_of": pa.array([r.as_of for r in rows], pa.date32()),
        "branch_id": pa.array([r.branch_id for r in rows], pa.string()),
        "indicator_id": pa.array([r.indicator_id for r in rows], pa.string()),
        "value": pa.array([r.value for r in rows], VALUE_TYPE),
        "unit": pa.array([r.unit for r in rows], pa.string()),
        "unavailable_reason": pa.array([r.unavailable_reason for r in rows], pa.string()),
    }, schema=SCHEMA)


def _exact(value: Decimal | None, unit: str) -> Decimal | None:
    """A stored DECIMAL(38, 6) back at its unit's places (``12.500000`` yuan → ``12.50``), exactly."""
    if value is None:
        return None
    step = _STEPS.get(unit)
    return value if step is None else value.quantize(step, context=_WIDE)


def value_texts(values: pa.Array | pa.ChunkedArray, units: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Every value as machine output writes it — exact decimal text at its unit's places, '' when unavailable
    — computed on the Arrow columns (no Python object per value). Equal to ``f"{_exact(v, u):f}"``: a value
    that its unit's places cannot hold exactly is rounded half-even in Python instead (never happens for the
    engine's values, which are rounded to their unit already)."""
    values = pa.chunked_array([values]).combine_chunks() if isinstance(values, pa.Array) else values.combine_chunks()
    units = pa.chunked_array([units]).combine_chunks() if isinstance(units, pa.Array) else units.combine_chunks()
    values = values.cast(VALUE_TYPE)
    out = pc.fill_null(pc.cast(values, pa.string()), "")  # units without fixed places keep all six decimals
    for unit in pc.unique(units).to_pylist():
        places = UNIT_PLACES.get(unit) if unit is not None else None
        if places is None or places == VALUE_TYPE.scale:
            continue
        mask = pc.fill_null(pc.equal(units, unit), False)
        part = pc.filter(values, mask)
        try:
            text = pc.cast(pc.cast(part, pa.decimal128(38, places)), pa.string())
        except pa.ArrowInvalid:  # not exact at the unit's places: round like _exact does
            text = pa.array([None if v is None else f"{_exact(v, unit):f}" for v in part.to_pylist()], pa.string())
        out = pc.replace_with_mask(out, mask, pc.fill_null(text, ""))
    return out


TEXT_COLUMNS = ("as_of", "branch_id", "indicator_id", "value", "unit", "unavailable_reason")


@dataclass(frozen=True)
class IndicatorResult:
    """All values computed for one as-of date and profile; ``notes`` are zh remarks (e.g. calendar fallback).

    Build it from records (``IndicatorResult(as_of, profile, rows)``) or from a table of :data:`SCHEMA`
    (``IndicatorResult.from_table``); ``rows``, ``to_arrow()`` and the look-ups behave the same either way.
    """

    as_of: date
    profile: str
    records: tuple[IndicatorValue, ...] = field(default=(), repr=False)
    notes: tuple[str, ...] = ()
    issues: tuple[Issue, ...] = ()
    table: pa.Table | None = field(default=None, repr=False, compare=False)
    # what the loan statement counted of the date's tag rows against their loans (reconciliation reads it)
    tag_counts: TagCounts | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_table(cls, as_of: date, profile: str, table: pa.Table, notes: tuple[str, ...] = (),
                   issues: tuple[Issue, ...] = (), tag_counts: TagCounts | None = None) -> IndicatorResult:
        return cls(as_of, profile, (), notes, issues, table.cast(SCHEMA), tag_counts)

    @cached_property
    def rows(self) -> tuple[IndicatorValue, ...]:
        if self.table is None:
            return self.records
        cols: list[list[Any]] = [self.table.column(c).to_pylist() for c in SCHEMA.names]
        return tuple(
            IndicatorValue(d, b, i, _exact(v, u), u, r) for d, b, i, v, u, r in zip(*cols, strict=True)
        )

    @cached_property
    def _positions(self) -> dict[tuple[str, str], int]:
        if self.table is None:
            return {(r.branch_id, r.indicator_id): n for n, r in enumerate(self.records)}
        branches = self.table.column("branch_id").to_pylist()
        ids = self.table.column("indicator_id").to_pylist()
        return {key: n for n, key in enumerate(zip(branches, ids, strict=True))}

    def _at(self, n: int) -> IndicatorValue:
        if self.table is None or "rows" in self.__dict__:
            return self.rows[n]
        r = self.table.slice(n, 1).to_pylist()[0]
        return IndicatorValue(r["as_of"], r["branch_id"], r["indicator_id"], _exact(r["value"], r["unit"]),
                              r["unit"], r["unavailable_reason"])

    def __iter__(self) -> Iterator[IndicatorValue]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.records) if self.table is None else self.table.num_rows

    def get(self, branch_id: str, indicator_id: str) -> IndicatorValue | None:
        n = self._positions.get((branch_id, indicator_id))
        return None if n is None else self._at(n)

    def value(self, branch_id: str, indicator_id: str) -> Decimal | None:
        row = self.get(branch_id, indicator_id)
        return None if row is None else row.value

    def for_branch(self, branch_id: str) -> dict[str, IndicatorValue]:
        return {r.indicator_id: r for r in self.rows if r.branch_id == branch_id}

    def to_arrow(self) -> pa.Table:
        return values_table(self.records) if self.table is None else self.table

    def text_table(self) -> pa.Table:
        """The values as every machine output writes them: the :data:`TEXT_COLUMNS`, all text (ISO dates,
        exact values at their unit's places, '' for an unavailable value or an absent reason), in order."""
        t = self.to_arrow()
        return pa.table({
            "as_of": pc.fill_null(pc.cast(t.column("as_of"), pa.string()), ""),
            "branch_id": pc.fill_null(t.column("branch_id"), ""),
            "indicator_id": pc.fill_null(t.column("indicator_id"), ""),
            "value": value_texts(t.column("value"), t.column("unit")),
            "unit": pc.fill_null(t.column("unit"), ""),
            "unavailable_reason": pc.fill_null(t.column("unavailable_reason"), ""),
        })


@dataclass(frozen=True)
class CoverageResult:
    """Coverage of one registry: per-node figures and the worklist of uncovered members."""

    registry: str
    as_of: date
    nodes: pa.Table  # branch_id, attribute, members, with_account, with_credit, with_loan, *_rate
    worklist: pa.Table  # responsible branch, member, missing coverage, in zh column names
    members: pa.Table = field(repr=False)  # every member with its flags

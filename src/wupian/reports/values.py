"""The indicator values as the report writers read them: one value at a time, without a Python object per value.

``IndicatorResult.rows`` builds an :class:`~wupian.metrics.IndicatorValue` for every value of the result (≈ 123k at
2M loans, ≈ 0.5 s); without it, each ``get`` slices the Arrow table (≈ 15–20 µs each). The writers read a part of
the values by key — reconciliation the balances (≈ 9.6k), the workbook ≈ 51k of them, the briefing one branch's.
:func:`lazy` gives the same result whose look-ups build just the values asked for, from the table's columns
converted to Python once: the same ``IndicatorValue`` (built exactly as ``rows`` builds it) for every key, the
same ``for_branch`` (in table order), ``rows`` and iteration unchanged.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from wupian.metrics import IndicatorResult, IndicatorValue
from wupian.metrics.result import SCHEMA, _exact


class LazyResult(IndicatorResult):
    """An :class:`IndicatorResult` over a table whose look-ups build only the values they return."""

    @cached_property
    def _columns(self) -> list[list[Any]]:
        assert self.table is not None
        return [self.table.column(c).to_pylist() for c in SCHEMA.names]

    def _at(self, n: int) -> IndicatorValue:
        if "rows" in self.__dict__:
            return self.rows[n]
        d, b, i, v, u, r = (c[n] for c in self._columns)
        return IndicatorValue(d, b, i, _exact(v, u), u, r)

    def for_branch(self, branch_id: str) -> dict[str, IndicatorValue]:
        if "rows" in self.__dict__:
            return super().for_branch(branch_id)
        branches = self._columns[SCHEMA.names.index("branch_id")]
        return {v.indicator_id: v for v in (self._at(n) for n, b in enumerate(branches) if b == branch_id)}


def lazy(result: IndicatorResult) -> IndicatorResult:
    """A new result with the values of ``result`` whose look-ups build only what they return (a result of records
    is returned as it is)."""
    if result.table is None:
        return result
    return LazyResult(result.as_of, result.profile, result.records, result.notes, result.issues, result.table)

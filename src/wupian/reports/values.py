"""The indicator values as the report writers read them: one value at a time, without a Python object per value.

``IndicatorResult.rows`` builds an :class:`~wupian.metrics.IndicatorValue` for every value of the result (≈ 123k at
2M loans, ≈ 0.5 s); without it, each ``get`` slices the Arrow table (≈ 15–20 µs each). The writers read a part of
the values by key — reconciliation the balances (≈ 9.6k), the workbook ≈ 51k of them, the briefing one branch's.
:func:`lazy` gives the same result whose look-ups build just the values asked for, from the table's columns
converted to Python once (a repeated text as one shared object): the same ``IndicatorValue`` (built exactly as ``rows`` builds it) for every key, the
same ``for_branch`` (in table order), ``rows`` and iteration unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from functools import cached_property
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from wupian.metrics import IndicatorResult, IndicatorValue
from wupian.metrics.result import SCHEMA, _exact


class LazyResult(IndicatorResult):
    """An :class:`IndicatorResult` over a table whose look-ups build only the values they return."""

    @cached_property
    def _columns(self) -> list[list[Any]]:
        """The table's columns as Python lists, but the value column as its exact decimal texts (``_at`` makes a
        ``Decimal`` of the values it returns only: the same ``Decimal`` as Arrow's, digits and exponent) and a date
        column of one date as that date repeated (Arrow builds a ``date`` object per row: ≈ 0.1 s at 123k)."""
        assert self.table is not None
        return [_dates(self.table.column(c)) if c == "as_of" else
                self.table.column(c).cast(pa.string()).to_pylist() if c == "value" else
                _shared(self.table.column(c)) for c in SCHEMA.names]

    @cached_property
    def _positions(self) -> dict[tuple[str, str], int]:
        _, branches, ids, *_ = self._columns  # the lists the look-ups read anyway (the last of equal keys wins)
        return dict(zip(zip(branches, ids, strict=True), range(len(branches)), strict=True))

    def _at(self, n: int) -> IndicatorValue:
        if "rows" in self.__dict__:
            return self.rows[n]
        d, b, i, v, u, r = self._columns
        value, unit = v[n], u[n]
        return IndicatorValue(d[n], b[n], i[n], None if value is None else _exact(Decimal(value), unit), unit, r[n])

    def get(self, branch_id: str, indicator_id: str) -> IndicatorValue | None:
        n = self._positions.get((branch_id, indicator_id))
        return None if n is None else self._at(n)

    def cell(self, branch_id: str, indicator_id: str) -> tuple[Decimal | None, str | None] | None:
        """``(value, unavailable_reason)`` of ``get``'s value (None when there is none), without the value object."""
        n = self._positions.get((branch_id, indicator_id))
        if n is None:
            return None
        if "rows" in self.__dict__:
            got = self.rows[n]
            return got.value, got.unavailable_reason
        _, _, _, v, u, r = self._columns
        value = v[n]
        return (None if value is None else _exact(Decimal(value), u[n])), r[n]

    def cells(self, branch_id: str, indicator_ids: Sequence[str]) -> list[tuple[Decimal | None, str | None] | None]:
        """``cell`` of each of ``indicator_ids`` for one branch, in their order."""
        if "rows" in self.__dict__:
            return [self.cell(branch_id, i) for i in indicator_ids]
        at, (_, _, _, v, u, r) = self._positions.get, self._columns
        out: list[tuple[Decimal | None, str | None] | None] = []
        for i in indicator_ids:
            n = at((branch_id, i))
            if n is None:
                out.append(None)
            else:
                value = v[n]
                out.append(((None if value is None else _exact(Decimal(value), u[n])), r[n]))
        return out

    def for_branch(self, branch_id: str) -> dict[str, IndicatorValue]:
        if "rows" in self.__dict__:
            return super().for_branch(branch_id)
        branches = self._columns[SCHEMA.names.index("branch_id")]
        return {v.indicator_id: v for v in (self._at(n) for n, b in enumerate(branches) if b == branch_id)}


def _dates(column: pa.ChunkedArray) -> list[Any]:
    """A date column as Python values: one ``date`` object repeated when every row has the same date (a result is
    one as-of date), else Arrow's own conversion."""
    if column.null_count == 0 and len(column) and len(pc.unique(column)) == 1:
        return [column[0].as_py()] * len(column)
    return column.to_pylist()


def _shared(column: pa.ChunkedArray) -> list[Any]:
    """A column of repeated texts (branch ids, indicator ids, units, reasons) as Python values: one ``str`` object
    per distinct text, shared by its rows — equal to ``to_pylist()``, built in half its time, and the look-up keys
    made of them hash each text once (a ``str`` keeps its hash). Other types: ``to_pylist()``."""
    if not pa.types.is_string(column.type) or not len(column):
        return column.to_pylist()
    encoded = column.combine_chunks().dictionary_encode()
    texts = [*encoded.dictionary.to_pylist(), None]  # None: the null rows' index below
    return [texts[k] for k in pc.fill_null(encoded.indices, len(texts) - 1).to_pylist()]


def cell(result: IndicatorResult, branch_id: str, indicator_id: str) -> tuple[Decimal | None, str | None] | None:
    """``(value, unavailable_reason)`` of ``result.get(branch_id, indicator_id)``, None when it has no such value (a
    :class:`LazyResult` answers without building the value object)."""
    if isinstance(result, LazyResult):
        return result.cell(branch_id, indicator_id)
    got = result.get(branch_id, indicator_id)
    return None if got is None else (got.value, got.unavailable_reason)


def cells(result: IndicatorResult, branch_id: str,
          indicator_ids: Sequence[str]) -> list[tuple[Decimal | None, str | None] | None]:
    """:func:`cell` of each of ``indicator_ids`` for one branch, in their order."""
    if isinstance(result, LazyResult):
        return result.cells(branch_id, indicator_ids)
    return [cell(result, branch_id, i) for i in indicator_ids]


def lazy(result: IndicatorResult) -> IndicatorResult:
    """A new result with the values of ``result`` whose look-ups build only what they return (a result of records
    is returned as it is)."""
    if result.table is None:
        return result
    return LazyResult(result.as_of, result.profile, result.records, result.notes, result.issues, result.table,
                      result.tag_counts)

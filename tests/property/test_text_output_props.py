"""Machine output built on Arrow columns equals the per-value Python rendering it replaced (issue 14):
``value_texts`` is ``f"{_exact(v, unit):f}"`` for any value and unit (places 0–6, units without fixed places,
values the unit's places cannot hold exactly, NULL), and ``csv_text_of_strings`` is the ``csv`` module's
output for any text (commas, quotes, CR/LF, Chinese, empty cells)."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from wupian.core.tabular import csv_text, csv_text_of_strings
from wupian.metrics.result import VALUE_TYPE, _exact, value_texts
from wupian.metrics.schema import UNIT_PLACES

UNITS = [*UNIT_PLACES, "unknown_unit"]
value = st.one_of(st.none(), st.decimals(Decimal("-99999999999999.999999"), Decimal("99999999999999.999999"),
                                         places=6, allow_nan=False, allow_infinity=False))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(value, st.sampled_from(UNITS), st.booleans()), max_size=30))
def test_value_texts_equal_the_python_rendering(rows: list[tuple[Decimal | None, str, bool]]) -> None:
    # most engine values are already at their unit's places; some are not (then Python's rounding applies)
    vals = [None if v is None else (_exact(v, u) if at_places else v) for v, u, at_places in rows]
    units = [u for _, u, _ in rows]
    arrow = pa.array(vals, VALUE_TYPE)
    got = value_texts(arrow, pa.array(units, pa.string())).to_pylist()
    # what IndicatorResult.rows + the CLI wrote: each value read back from the Arrow column
    want = ["" if v is None else f"{_exact(v, u):f}" for v, u in zip(arrow.to_pylist(), units, strict=True)]
    assert got == want


cell = st.text(alphabet=st.sampled_from(list('ab,"\r\n 中文.-') ), max_size=6)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 4).flatmap(lambda n: st.tuples(st.just(n), st.lists(st.lists(cell, min_size=n, max_size=n),
                                                                        max_size=8))))
def test_csv_of_text_columns_equals_the_csv_module(shape: tuple[int, list[list[str]]]) -> None:
    n, rows = shape
    names = [f"c{i}" for i in range(n)]
    table = pa.table({c: pa.array([r[i] for r in rows], pa.string()) for i, c in enumerate(names)})
    assert csv_text_of_strings(table) == csv_text([dict(zip(names, r, strict=True)) for r in rows], names)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), cell), cell), max_size=12), st.integers(0, 4), st.integers(1, 5))
def test_csv_of_sliced_chunked_columns_with_nulls(rows: list[tuple[str | None, str]], skip: int, chunk: int) -> None:
    """Any Arrow layout gives the same text: a slice (non-zero offset), several chunks, a null as an empty cell."""
    first = pa.array([a for a, _ in rows], pa.string())
    second = pa.array([b for _, b in rows], pa.string())
    whole = pa.table({"a": first, "b": second}).slice(min(skip, len(rows)))
    chunked = pa.Table.from_batches(whole.to_batches(max_chunksize=chunk), whole.schema) if whole.num_rows else whole
    want = csv_text([{"a": a, "b": b} for a, b in rows[min(skip, len(rows)):]], ["a", "b"])
    assert csv_text_of_strings(whole) == want
    assert csv_text_of_strings(chunked) == want

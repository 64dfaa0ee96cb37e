"""The stored indicators are served in computation order (``ord``) without an ``ORDER BY``: rows that come back in
another order — in any chunking — are sorted, rows already in order are returned as they are."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from wupian.engine.indicator_store import in_ord_order


def _table(ords: list[int], chunks: int) -> pa.Table:
    size = max(1, -(-len(ords) // max(chunks, 1)))
    parts = [ords[i:i + size] for i in range(0, len(ords), size)] or [[]]
    ids = [[f"id{o}" for o in p] for p in parts]
    return pa.table({"indicator_id": pa.chunked_array(ids, pa.string()),
                     "ord": pa.chunked_array(parts, pa.int64())})


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 10_000), unique=True, max_size=200), st.integers(1, 5))
def test_any_order_comes_back_by_ord_without_the_ord_column(ords: list[int], chunks: int) -> None:
    got = in_ord_order(_table(ords, chunks))
    assert got.column_names == ["indicator_id"]
    assert got.column("indicator_id").to_pylist() == [f"id{o}" for o in sorted(ords)]


def test_rows_in_order_are_not_sorted_again() -> None:
    table = _table(list(range(1000)), 3)
    got = in_ord_order(table)
    assert got.column("indicator_id").to_pylist() == [f"id{o}" for o in range(1000)]
    assert got.column("indicator_id").num_chunks == 3  # the chunks as read: no sort ran

"""``reports.values.lazy``: the same look-ups as the result it is made from, building only what is asked for."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from wupian.engine.warehouse import Warehouse
from wupian.metrics import compute_indicators
from wupian.reports.values import LazyResult, lazy

AS_OF = date(2026, 3, 31)


def test_every_look_up_equals_the_full_results(bank: Warehouse) -> None:
    full = compute_indicators(bank, AS_OF)
    quick = lazy(full)
    assert isinstance(quick, LazyResult) and "rows" not in quick.__dict__
    keys = [(r.branch_id, r.indicator_id) for r in full.rows]
    assert len(keys) > 1000
    assert [quick.get(b, i) for b, i in keys] == list(full.rows)
    assert quick.get("H", "no.such.indicator") is None and quick.value("nowhere", keys[0][1]) is None
    for branch in {b for b, _ in keys}:
        mine, theirs = quick.for_branch(branch), full.for_branch(branch)
        assert mine == theirs and list(mine) == list(theirs)  # same values, same order
    assert "rows" not in quick.__dict__  # built one value at a time
    assert list(quick) == list(full.rows) and len(quick) == len(full)


def test_looked_up_values_are_the_same_decimals_and_dates(bank: Warehouse) -> None:
    """Not only equal: the same digits and exponent (``Decimal('1.50') == Decimal('1.5')``, but a writer prints
    them differently) and the same date, as the full result builds them from Arrow."""
    full = compute_indicators(bank, AS_OF)
    quick = lazy(full)
    got = [quick.get(r.branch_id, r.indicator_id) for r in full.rows]
    assert [repr(v) for v in got] == [repr(r) for r in full.rows]
    assert any(r.value is not None and r.value != r.value.to_integral_value() for r in full.rows)  # fractions met
    assert {type(v.as_of) for v in got} == {date} and {v.as_of for v in got} == {AS_OF}


def test_a_cell_is_the_value_and_reason_of_the_look_up(bank: Warehouse) -> None:
    """``values.cell``: (value, reason) of ``get`` — the same Decimal digits — for a lazy result (before and after
    its rows are built) and a plain one; None where ``get`` has no value."""
    from wupian.reports.values import cell

    full = compute_indicators(bank, AS_OF)
    quick = lazy(full)
    keys = [(r.branch_id, r.indicator_id) for r in full.rows]
    want = [repr((r.value, r.unavailable_reason)) for r in full.rows]
    assert [repr(cell(quick, b, i)) for b, i in keys] == want
    assert "rows" not in quick.__dict__
    assert [repr(cell(full, b, i)) for b, i in keys] == want
    assert any(r.unavailable_reason for r in full.rows) and any(r.value is not None for r in full.rows)
    assert cell(quick, "nowhere", keys[0][1]) is None and cell(full, "nowhere", keys[0][1]) is None
    list(quick)  # its rows built: look-ups read them
    assert [repr(cell(quick, b, i)) for b, i in keys] == want


def test_cells_of_a_branch_are_its_cells_in_order(bank: Warehouse) -> None:
    """``values.cells``: ``cell`` of each id for one branch, in order, None where there is none — lazy (before
    and after its rows are built) and plain."""
    from wupian.reports.values import cell, cells

    full = compute_indicators(bank, AS_OF)
    quick = lazy(full)
    for branch in sorted({r.branch_id for r in full.rows}):
        ids = [r.indicator_id for r in full.rows if r.branch_id == branch][::-1] + ["no.such", ""]
        want = [repr(cell(full, branch, i)) for i in ids]
        assert [repr(c) for c in cells(quick, branch, ids)] == want == [repr(c) for c in cells(full, branch, ids)]
    assert "rows" not in quick.__dict__
    list(quick)
    assert cells(quick, "H", ["green.balance"]) == [cell(full, "H", "green.balance")] != [None]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), st.sampled_from(["H", "A1", "", "余额", "x" * 40])), max_size=30),
                max_size=4))
def test_shared_texts_are_the_column_as_python(chunks: list[list[str | None]]) -> None:
    """``values._shared``: the same list as ``to_pylist`` (nulls, empty texts, several chunks, no rows), with one
    object per distinct text."""
    import pyarrow as pa

    from wupian.reports.values import _shared

    column = pa.chunked_array([pa.array(c, pa.string()) for c in chunks], pa.string())
    got = _shared(column)
    assert got == column.to_pylist()
    assert len({id(t) for t in got if t is not None}) == len({t for t in got if t is not None})
    assert _shared(pa.chunked_array([pa.array([1, None, 1])])) == [1, None, 1]

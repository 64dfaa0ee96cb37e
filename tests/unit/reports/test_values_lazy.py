"""``reports.values.lazy``: the same look-ups as the result it is made from, building only what is asked for."""

from __future__ import annotations

from datetime import date

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

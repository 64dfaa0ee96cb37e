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

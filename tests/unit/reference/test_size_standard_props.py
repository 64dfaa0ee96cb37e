"""Properties of the SME size rule (工信部联企业〔2011〕300号, ``wupian.reference.size_standard.derive_size``), for
every industry group and any figures: the bounds of each indicator are ordered (大 ≥ 中 ≥ 小), the size never
falls when a figure grows (the rule is "reaches every bound"), a firm exactly on every bound of a size is that
size and one yuan (or one person) below one of them is not, and a missing required figure gives no size."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wupian.reference.size_standard import SIZES, WAN, derive_size, thresholds

GROUPS = sorted({t.group_id for t in thresholds()})
RANK = {s: i for i, s in enumerate(reversed(SIZES))}  # micro 0 … large 3

people = st.integers(0, 5000)
yuan = st.decimals(min_value=0, max_value=Decimal("5000000000"), places=2)


def _bounds(group: str, size: str) -> dict[str, Decimal]:
    return {t.indicator: getattr(t, f"{size}_min") for t in thresholds() if t.group_id == group}


def _figures(group: str, size: str) -> tuple[int, Decimal, Decimal]:
    """Exactly the ``size`` bound on every indicator the group lists (0 on the others)."""
    b = _bounds(group, size)
    return int(b.get("employees", 0)), b.get("revenue", Decimal(0)) * WAN, b.get("assets", Decimal(0)) * WAN


def test_every_group_lists_ordered_bounds_and_the_other_group_is_there() -> None:
    assert "17" in GROUPS and len(GROUPS) >= 16
    for t in thresholds():
        assert t.large_min >= t.medium_min >= t.small_min >= 0, t
        assert t.indicator in ("employees", "revenue", "assets"), t


@given(st.sampled_from(GROUPS), people, yuan, yuan, st.sampled_from(["employees", "revenue", "assets"]),
       st.integers(1, 10_000))
def test_a_bigger_figure_never_gives_a_smaller_size(group: str, employees: int, revenue: Decimal, assets: Decimal,
                                                    grow: str, by: int) -> None:
    before = derive_size(group, employees, revenue, assets)
    after = derive_size(group, employees + by * (grow == "employees"), revenue + by * WAN * (grow == "revenue"),
                        assets + by * WAN * (grow == "assets"))
    assert before in SIZES and after in SIZES
    assert RANK[after] >= RANK[before], (group, grow, before, after)


@pytest.mark.parametrize("group", GROUPS)
@pytest.mark.parametrize("size", ["large", "medium", "small"])
def test_exactly_on_every_bound_is_that_size_and_just_below_one_is_not(group: str, size: str) -> None:
    employees, revenue, assets = _figures(group, size)
    assert derive_size(group, employees, revenue, assets) == size
    for indicator in _bounds(group, size):
        if _bounds(group, size)[indicator] == 0:
            continue  # no figure lies below a zero bound
        lower = (employees - (indicator == "employees"), revenue - Decimal("0.01") * (indicator == "revenue"),
                 assets - Decimal("0.01") * (indicator == "assets"))
        got = derive_size(group, *lower)
        assert got is not None and RANK[got] < RANK[size], (group, size, indicator, got)


@pytest.mark.parametrize("group", GROUPS)
def test_a_missing_required_figure_gives_no_size(group: str) -> None:
    employees, revenue, assets = _figures(group, "large")
    assert derive_size(group, employees, revenue, assets) == "large"
    listed = _bounds(group, "large")
    assert derive_size(group, None, revenue, assets) == (None if "employees" in listed else "large")
    assert derive_size(group, employees, None, assets) == (None if "revenue" in listed else "large")
    assert derive_size(group, employees, revenue, None) == (None if "assets" in listed else "large")
    assert derive_size(None, employees, revenue, assets) is None


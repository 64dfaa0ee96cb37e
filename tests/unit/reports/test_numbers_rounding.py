"""Briefing figures in 亿元/万元/元: half-up rounding from exact yuan, the unit chosen after rounding, and a change
or gap that rounds to zero reads 持平 — checked against an independent reading of the printed text."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given
from hypothesis import strategies as st

from wupian.reports import numbers as n

UNITS = {"亿元": Decimal(100_000_000), "万元": Decimal(10_000), "元": Decimal(1)}
PRINTED = re.compile(r"(-?\d+(?:\.\d{1,2})?)(亿元|万元|元)")

yuan_amounts = st.integers(min_value=-10**14, max_value=10**14).map(lambda fen: Decimal(fen).scaleb(-2))


def read_back(text: str) -> tuple[Decimal, str]:
    m = PRINTED.fullmatch(text)
    assert m, text
    return Decimal(m.group(1)), m.group(2)


@given(yuan_amounts)
def test_amount_is_the_half_up_value_in_the_largest_unit_it_reaches(yuan: Decimal) -> None:
    number, unit = read_back(n.amount(yuan))
    scale = UNITS[unit]
    expected = (yuan / scale).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert number == expected  # trailing zeros dropped, value unchanged
    assert abs(number * scale - yuan) <= scale / 200  # at most half a hundredth of the unit away
    # the largest unit whose rounded figure is at least 1 — never "10000万元" for an amount that shows as 1亿元
    assert abs(number) < 10_000 or unit == "亿元"
    assert abs(number) >= 1 or unit == "元"
    assert not re.search(r"\.\d*0(亿元|万元|元)$", n.amount(yuan))  # no trailing zero in the decimals


def test_amounts_at_the_unit_boundaries() -> None:
    assert n.amount(Decimal("99999999.99")) == "1亿元"  # 9999.9999999万元 rounds to 10000万元 = 1亿元
    assert n.amount(Decimal("99999999.49")) == "1亿元"
    assert n.amount(Decimal("99940000.00")) == "9994万元"
    assert n.amount(Decimal("99999950.00")) == "1亿元"  # 9999.995万元 rounds half-up to 10000万元
    assert n.amount(Decimal("99999949.99")) == "9999.99万元"
    assert n.amount(Decimal("99994999.99")) == "9999.5万元"
    assert n.amount(Decimal("9999.99")) == "9999.99元"
    assert n.amount(Decimal("10000.00")) == "1万元"
    assert n.amount(Decimal("12345.00")) == "1.23万元" and n.amount(Decimal("12350.00")) == "1.24万元"  # half-up
    assert n.amount(Decimal("-150000000.00")) == "-1.5亿元"
    assert n.amount(Decimal("0.00")) == "0元"


def test_changes_and_gaps_that_round_to_zero_read_flat() -> None:
    assert n.points(Decimal("0.004"), "提高", "下降") == "持平"  # was "提高0个百分点"
    assert n.points(Decimal("-0.0049")) == "持平"
    assert n.points(Decimal("0.005"), "提高", "下降") == "提高0.01个百分点"
    assert n.points(Decimal("-1.205")) == "低于1.21个百分点"
    assert n.delta(Decimal("0.004")) == "持平" and n.delta(Decimal("0.01")) == "增加0.01元"
    assert n.delta(Decimal("-99999999.99")) == "减少1亿元"
    assert n.count_delta(Decimal("0.4")) == "持平" and n.count_delta(-10000, "张") == "减少1万张"


def test_counts_and_minutes_at_their_boundaries() -> None:
    assert n.count(9999) == "9999户" and n.count(10000) == "1万户" and n.count(Decimal("9999.5")) == "1万户"
    assert n.count(123456, "人") == "12.35万人"  # 12.3456 → 12.35 half-up
    assert n.minutes(Decimal("59.4")) == "59分钟" and n.minutes(Decimal("59.5")) == "1小时"  # never "60分钟"
    assert n.minutes(Decimal("90")) == "1.5小时"


@given(st.integers(min_value=-10**8, max_value=10**8).map(lambda x: Decimal(x).scaleb(-4)))
def test_points_state_the_direction_of_what_they_print(gap: Decimal) -> None:
    text = n.points(gap, "提高", "下降")
    shown = gap.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if shown == 0:
        assert text == "持平"
    else:
        assert text == ("提高" if gap > 0 else "下降") + n.trim(abs(shown)) + "个百分点"

"""Exact money and dates typed by people, for any value: ``parse_money`` reads every spelling a banker's export
uses (thousands separators, full-width commas, padding, integers) as the same fen-exact Decimal, rounding half up;
元 → 万元 / 亿元 agrees with integer arithmetic on fen; ``parse_date`` reads the three accepted forms of every
calendar date and refuses the rest with a UsageError naming the option."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wupian.core.dates import parse_date, parse_optional_date
from wupian.core.errors import UsageError
from wupian.core.money import FEN, parse_money, to_wan, to_yi

fen_amounts = st.integers(-(10**20), 10**20).map(lambda f: Decimal(f).scaleb(-2))  # DECIMAL(38,2) territory


def _grouped(value: Decimal, sep: str) -> str:
    sign, digits = ("-" if value < 0 else ""), f"{abs(value):f}"
    whole, _, frac = digits.partition(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return sign + sep.join(groups or ["0"]) + ("." + frac if frac else "")


@settings(max_examples=300)
@given(fen_amounts, st.sampled_from([",", "，", ""]), st.sampled_from(["", " ", "  ", "\t"]))
def test_every_spelling_of_an_amount_reads_as_the_same_fen(value: Decimal, sep: str, pad: str) -> None:
    assert parse_money(pad + _grouped(value, sep) + pad) == value
    assert parse_money(value) == value and parse_money(value).as_tuple().exponent == -2  # type: ignore[union-attr]


@given(st.integers(-(10**18), 10**18))
def test_integers_are_whole_yuan(n: int) -> None:
    assert parse_money(n) == Decimal(n) and parse_money(str(n)) == Decimal(n).quantize(FEN)


@settings(max_examples=300)
@given(st.integers(-(10**12), 10**12), st.integers(0, 999))
def test_sub_fen_rounds_half_up_away_from_zero(fen: int, thousandths: int) -> None:
    text = f"{'-' if fen < 0 else ''}{abs(fen) // 100}.{abs(fen) % 100:02d}{thousandths % 10}"
    exact = Decimal(text)
    want = exact.quantize(FEN, rounding=ROUND_HALF_UP)
    assert parse_money(text) == want
    assert abs(parse_money(text) - exact) <= Decimal("0.005")  # type: ignore[operator]


@given(fen_amounts, st.integers(0, 4))
def test_wan_and_yi_agree_with_integer_arithmetic_on_fen(value: Decimal, places: int) -> None:
    fen = int(value * 100)
    for unit_fen, convert in ((1_000_000, to_wan), (10_000_000_000, to_yi)):
        step = 10**places
        # round half up (away from zero) of fen / unit_fen at `places` decimals, in integers only
        scaled, rest = divmod(abs(fen) * step, unit_fen)
        scaled += 1 if rest * 2 >= unit_fen else 0
        want = Decimal(scaled if fen >= 0 else -scaled).scaleb(-places)
        assert convert(value, places) == want, (value, places, convert.__name__)


@pytest.mark.parametrize("text", ["abc", "NaN", "sNaN", "Infinity", "-inf", "1.2.3", "1,2,3.4.5", "¥100", "1e"])
def test_what_is_not_an_amount_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a money amount"):
        parse_money(text)


@pytest.mark.parametrize("blank", [None, "", "  ", "，"])
def test_a_blank_amount_is_none(blank: str | None) -> None:
    assert parse_money(blank) is None


@given(st.dates(dt.date(1000, 1, 1), dt.date(9999, 12, 31)), st.sampled_from(["", " "]))
def test_the_three_forms_of_every_date(day: dt.date, pad: str) -> None:
    forms = (f"{day.year:04d}-{day.month:02d}-{day.day:02d}", f"{day.year:04d}-{day.month}-{day.day}",
             f"{day.year:04d}{day.month:02d}{day.day:02d}", f"{day.year:04d}/{day.month}/{day.day}")
    for text in forms:
        assert parse_date(pad + text + pad) == day
    assert parse_optional_date(forms[0], "--from") == day and parse_optional_date(None) is None


@pytest.mark.parametrize(("text", "message"), [
    ("2026-02-29", "--to: '2026-02-29' is not a calendar date"), ("2026-13-01", "is not a calendar date"),
    ("20260230", "is not a calendar date"), ("2026.03.31", "expects a date YYYY-MM-DD"),
    ("31/03/2026", "expects a date YYYY-MM-DD"), ("2026-3", "expects a date"), ("", "expects a date"),
    ("2026-03-31T00:00", "expects a date"),
])
def test_a_wrong_date_is_a_usage_error_naming_the_option(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message.replace(".", "\\.").replace("(", "\\(")) as err:
        parse_date(text, "--to")
    assert "--to" in str(err.value)

"""Issue rendering and exact money parsing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from wupian.core.issues import Issue, Level, Source, count_by_code, worst_level
from wupian.core.money import parse_money, to_wan, to_yi


def test_issue_renders_as_one_located_line() -> None:
    issue = Issue(
        "WP-LOAD-007",
        Level.ERROR,
        "expected money ≥ 0, got -3.00",
        Source("loans.csv", 17, "loan_id=L000123", "balance"),
    )
    assert str(issue) == "loans.csv:17[loan_id=L000123].balance: ERROR WP-LOAD-007 expected money ≥ 0, got -3.00"
    assert issue.to_dict()["source"] == {
        "file": "loans.csv",
        "line": 17,
        "key": "loan_id=L000123",
        "column": "balance",
    }


def test_counts_and_worst_level() -> None:
    issues = [
        Issue("A", Level.WARNING, "w"),
        Issue("A", Level.WARNING, "w2"),
        Issue("B", Level.ERROR, "e"),
    ]
    assert worst_level(issues) is Level.ERROR
    assert worst_level([]) is None
    assert count_by_code(issues) == {("A", "WARNING"): 2, ("B", "ERROR"): 1}


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1,234.5", Decimal("1234.50")), (" 12 ", Decimal("12.00")), ("0.005", Decimal("0.01")), ("", None)],
)
def test_parse_money_is_exact(text: str, expected: Decimal | None) -> None:
    assert parse_money(text) == expected


@pytest.mark.parametrize("text", ["abc", "NaN", "Infinity", "1.2.3"])
def test_parse_money_rejects_non_amounts(text: str) -> None:
    with pytest.raises(ValueError):
        parse_money(text)


def test_units_round_half_up() -> None:
    assert to_yi(Decimal("16272000000.00")) == Decimal("162.72")
    assert to_yi(Decimal("16272500000.00")) == Decimal("162.73")
    assert to_wan(Decimal("12345.00")) == Decimal("1.23")

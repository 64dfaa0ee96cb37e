"""The SQL typing of one text value (engine.checks.typed_expr), on a real in-memory DuckDB."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from wupian.contract import table
from wupian.engine.checks import typed_expr
from wupian.engine.warehouse import Warehouse

LOANS = table("loans")


@pytest.fixture(scope="module")
def wh():  # type: ignore[no-untyped-def]
    with Warehouse(":memory:") as w:
        yield w


def typed(wh: Warehouse, column: str, text: str | None) -> object:
    col = LOANS.column(column)
    return wh.scalar(f'SELECT {typed_expr(col)} FROM (SELECT CAST(? AS VARCHAR) AS "{column}") AS r', [text])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.5", Decimal("1234.50")),
        (" 1,234.50 ", Decimal("1234.50")),
        ("1.230", Decimal("1.23")),
        ("-3", Decimal("-3.00")),
        ("12345678901234567.5", Decimal("12345678901234567.50")),
        ("1.234", None),
        ("1e5", None),
        ("abc", None),
        ("", None),
    ],
)
def test_money(wh: Warehouse, text: str, expected: Decimal | None) -> None:
    assert typed(wh, "balance", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-31", dt.date(2026, 3, 31)),
        ("20260331", dt.date(2026, 3, 31)),
        ("2026-3-1", dt.date(2026, 3, 1)),
        ("2026-03-31 00:00:00", dt.date(2026, 3, 31)),
        ("2026-02-30", None),
        ("20260230", None),
        ("31/03/2026", None),
    ],
)
def test_date(wh: Warehouse, text: str, expected: dt.date | None) -> None:
    assert typed(wh, "drawdown_date", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-31T14:05:00", dt.datetime(2026, 3, 31, 14, 5)),
        ("2026-03-31 14:05", dt.datetime(2026, 3, 31, 14, 5)),
        ("2026-03-31T06:05:00Z", dt.datetime(2026, 3, 31, 14, 5)),
        ("2026-03-31T07:05:00+01:00", dt.datetime(2026, 3, 31, 14, 5)),
        ("2026-03-31 25:00:00", None),
    ],
)
def test_datetime(wh: Warehouse, text: str, expected: dt.datetime | None) -> None:
    assert typed(wh, "applied_at", text) == expected


def test_enum_bool_rate(wh: Warehouse) -> None:
    assert typed(wh, "five_class", "fq02") == "special_mention"
    assert typed(wh, "five_class", "关注") == "special_mention"
    assert typed(wh, "is_entrusted", "是") is True and typed(wh, "is_entrusted", "N") is False
    assert typed(wh, "is_entrusted", "maybe") is None
    assert typed(wh, "interest_rate", "3.45") == Decimal("3.45")
    assert typed(wh, "interest_rate", "3.45%") is None


def test_integers_never_round(wh: Warehouse) -> None:
    col = table("customers").column("employees")
    q = f'SELECT {typed_expr(col)} FROM (SELECT CAST(? AS VARCHAR) AS "employees") AS r'
    assert wh.scalar(q, ["12.0"]) == 12
    assert wh.scalar(q, ["12.5"]) is None

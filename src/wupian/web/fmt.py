"""Numbers the way bankers write them, for the pages: 亿元/万元, 户, %, 个百分点, 第N名 (``wupian.reports.numbers``
does the arithmetic; this picks the form from an indicator's unit)."""

from __future__ import annotations

from decimal import Decimal

from wupian.reports import numbers

COUNT_UNITS = {"households": "户", "accounts": "户", "people": "人", "entities": "家", "cases": "件", "times": "次"}


def value(v: Decimal | str | None, unit: str) -> str:
    """One indicator value in banker's form; '—' when unavailable."""
    if v is None or v == "":
        return "—"
    d = Decimal(v)
    if unit == "yuan":
        return numbers.amount(d)
    if unit in ("percent", "rate_percent"):
        return numbers.percent(d)
    if unit == "percent_points":
        return numbers.points(d)
    if unit == "rank":
        return f"第{numbers.trim(d, 0)}名"
    if unit in COUNT_UNITS:
        return numbers.count(d, COUNT_UNITS[unit])
    if unit == "working_days":
        return numbers.working_days(d)
    if unit == "minutes":
        return numbers.minutes(d)
    return numbers.trim(d)


def change(v: Decimal | str | None, unit: str) -> str:
    """A change: 增加3.2亿元 / 减少500万元 / 持平."""
    if v is None or v == "":
        return "—"
    d = Decimal(v)
    if unit == "yuan":
        return numbers.delta(d)
    if unit in COUNT_UNITS:
        return numbers.count_delta(d, COUNT_UNITS[unit])
    return value(d, unit)


def yi(v: Decimal | str | None) -> str:
    """Plain 亿元 figure for chart axes (two decimals, exact text)."""
    if v is None or v == "":
        return ""
    return numbers.trim(Decimal(v) / Decimal(100_000_000))


def yuan(v: Decimal | str | None) -> str:
    """Exact yuan with thousands separators (``480,000.00``); '' for none."""
    if v is None or v == "":
        return ""
    return f"{Decimal(str(v)):,.2f}"


def when(v: object) -> str:
    """A timestamp as bankers read it: ``2026-02-10 09:30:00`` (no ``T``)."""
    return "" if v is None else str(v).replace("T", " ")

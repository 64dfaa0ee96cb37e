"""中小企业划型标准 (工信部联企业〔2011〕300号): thresholds, the GB/T 4754 scope of each industry group, and a
reference implementation of the decision rule.

The classification engine sizes every customer in one SQL pass over the tables built here
(``size_thresholds_rows`` and ``size_group_rows``); ``derive_size`` is the same rule in plain Python, used by
tests (the two must agree) and to explain one customer. Thresholds are in 万元 / 人; the contract stores revenue
and assets in yuan, so callers convert (1万元 = 10,000 yuan) — exactly, with Decimal.

Decision rule (P3 text “…及以上 / …以下”; NBS 2017 附注): a firm is 大型 only if it reaches the large bound on
EVERY indicator listed for its industry, else 中型 if it reaches every medium bound, else 小型 if it reaches
every small bound, else 微型 (one indicator below the small bound is enough). 个体工商户 and industries the
standard does not list are sized “参照本规定” with the 其他未列明行业 row (第六条; PBOC A3302 三(五)).
金融业 (J) follows 银发〔2015〕309号 and is not sized here.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from wupian.reference.datasets import dataset_for, read_csv
from wupian.reference.industry import industries, normalise_industry_code

WAN = Decimal(10_000)
SIZES = ("large", "medium", "small", "micro")
SIZE_ZH = {"large": "大型", "medium": "中型", "small": "小型", "micro": "微型", "none": "其他(非企业)"}
INDICATOR_ZH = {"employees": "从业人员", "revenue": "营业收入", "assets": "资产总额"}
INDICATOR_UNIT = {"employees": "人", "revenue": "万元", "assets": "万元"}
OTHER_GROUP = "17"


@dataclass(frozen=True, slots=True)
class Threshold:
    """Lower bounds (inclusive) of one indicator for one industry group."""

    group_id: str
    group_name: str
    scope: str
    indicator: str  # employees | revenue | assets
    large_min: Decimal
    medium_min: Decimal
    small_min: Decimal


@functools.lru_cache(maxsize=4)
def thresholds(on: date | None = None) -> tuple[Threshold, ...]:
    """The threshold rows of the standard in force on ``on`` (default: the newest registered)."""
    ds, _ = dataset_for("sme_size_standard", on or date.max)
    return tuple(
        Threshold(
            r["industry_id"], r["industry_name"], r["gbt4754_2017_scope"], r["indicator"],
            Decimal(r["large_min"]), Decimal(r["medium_min"]), Decimal(r["small_min"]),
        )
        for r in read_csv(ds.name, "sme_size_thresholds_2011.csv")
    )


def group_name(group_id: str) -> str:
    for t in thresholds():
        if t.group_id == group_id:
            return t.group_name
    raise KeyError(group_id)


_DIVISION_GROUP = {"51": "04", "52": "05", "54": "06", "55": "06", "56": "06", "57": "06", "58": "06",
                   "59": "07", "60": "08", "61": "09", "62": "10", "63": "11", "64": "11", "65": "12"}
_SECTION_GROUP = {"A": "01", "B": "02", "C": "02", "D": "02", "E": "03", "L": "15"}
# Sections whose divisions fall in different groups: a bare letter cannot be sized.
_AMBIGUOUS_SECTIONS = {"F", "G", "H", "I", "K"}


def size_group(code: str | None) -> str | None:
    """Industry group id of the standard for a GB/T 4754 code; None for 金融业, unknown or too coarse a code."""
    norm = normalise_industry_code(code)
    if norm is None:
        return None
    if norm.isalpha():
        if norm == "J" or norm in _AMBIGUOUS_SECTIONS:
            return None
        return _SECTION_GROUP.get(norm, OTHER_GROUP)
    if norm not in _codes():
        return None  # not a GB/T 4754-2017 code
    division = norm[:2]
    sec = _section_of_division(division)
    if sec is None:
        return None
    if sec == "J":
        return None
    if sec in _SECTION_GROUP:
        return _SECTION_GROUP[sec]
    if division in _DIVISION_GROUP:
        return _DIVISION_GROUP[division]
    if division == "70":  # 房地产业: 7010 开发经营, 702 物业管理, 703/704/709 其他未列明
        if len(norm) < 3:
            return None
        if norm.startswith("701"):
            return "13"
        if norm.startswith("702"):
            return "14"
        return OTHER_GROUP
    return OTHER_GROUP  # 53 铁路, M, N, O, P, Q, R, S, T: 其他未列明行业 (A3302 三(五))


@functools.lru_cache(maxsize=1)
def _codes() -> frozenset[str]:
    return frozenset(c.code for c in industries())


@functools.lru_cache(maxsize=1)
def _division_sections() -> dict[str, str]:
    return {c.division: c.section for c in industries() if c.level == 2}


def _section_of_division(division: str) -> str | None:
    return _division_sections().get(division)


@functools.lru_cache(maxsize=1)
def size_group_rows() -> tuple[tuple[str, str], ...]:
    """(GB/T code at any level, group id) for every code that can be sized — the engine's join table."""
    out = []
    for c in industries():
        g = size_group(c.code)
        if g is not None:
            out.append((c.code, g))
    return tuple(out)


def derive_size(
    group_id: str | None,
    employees: int | None,
    revenue_yuan: Decimal | None,
    assets_yuan: Decimal | None,
    on: date | None = None,
) -> str | None:
    """Size class per the standard, or None when the group or a required indicator is missing."""
    if group_id is None:
        return None
    rows = [t for t in thresholds(on) if t.group_id == group_id]
    if not rows:
        return None
    values: dict[str, Decimal | None] = {
        "employees": Decimal(employees) if employees is not None else None,
        "revenue": revenue_yuan / WAN if revenue_yuan is not None else None,
        "assets": assets_yuan / WAN if assets_yuan is not None else None,
    }
    if any(values[t.indicator] is None for t in rows):
        return None
    for size, attr in (("large", "large_min"), ("medium", "medium_min"), ("small", "small_min")):
        if all(values[t.indicator] >= getattr(t, attr) for t in rows):  # type: ignore[operator]
            return size
    return "micro"


def describe_indicators(group_id: str, employees: int | None, revenue_yuan: Decimal | None,
                        assets_yuan: Decimal | None) -> str:
    """'工业：从业人员45人、营业收入2300万元' — the figures the size was derived from."""
    parts = []
    for t in thresholds():
        if t.group_id != group_id:
            continue
        if t.indicator == "employees":
            parts.append(f"从业人员{employees}人")
        elif t.indicator == "revenue" and revenue_yuan is not None:
            parts.append(f"营业收入{_wan(revenue_yuan)}万元")
        elif t.indicator == "assets" and assets_yuan is not None:
            parts.append(f"资产总额{_wan(assets_yuan)}万元")
    return f"{group_name(group_id)}：" + "、".join(parts)


def _wan(yuan: Decimal) -> str:
    value = (yuan / WAN).quantize(Decimal("0.01"))
    text = format(value, "f").rstrip("0").rstrip(".")
    return text or "0"

"""Chinese number formatting the way bank write-ups print figures: 162.72亿元, 3.2亿元, 938户, 47.42万户,
75.15%, 提高1.2个百分点, 第二.

Rules: amounts of at least 1亿元 in 亿元, of at least 1万元 in 万元, else 元; counts of at least 10,000 in
万 + unit; at most two decimals, half-up, trailing zeros dropped (3.20 → 3.2, 96.00 → 96). The unit is chosen
after rounding (99,999,999.996元 reads 1亿元, never 10000万元; 59.7分钟 reads 1小时), and a change or a gap that
rounds to zero reads 持平 (a growth gap of 0.004 个百分点 is never "高于0个百分点").
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from wupian.core.money import WAN, YI

_DIGITS = "零一二三四五六七八九"


def trim(value: Decimal, places: int = 2) -> str:
    """Half-up to ``places`` decimals, then drop trailing zeros: 3.20 → '3.2', 96.00 → '96'."""
    q = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{q:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _reaches(value: Decimal, bound: Decimal, places: int = 2) -> bool:
    """True when ``value`` rounded half-up to ``places`` decimals is at least ``bound``."""
    return abs(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) >= bound


def amount(yuan: Decimal) -> str:
    """162.72亿元 / 262万元 / 850元 (sign kept)."""
    if _reaches(yuan / WAN, WAN):
        return f"{trim(yuan / YI)}亿元"
    if _reaches(yuan, WAN):
        return f"{trim(yuan / WAN)}万元"
    return f"{trim(yuan)}元"


def delta(yuan: Decimal) -> str:
    """增加28.53亿元 / 减少3000万元 / 持平 (also when the change rounds to 0.00元)."""
    if trim(yuan) == "0":
        return "持平"
    return ("增加" if yuan > 0 else "减少") + amount(abs(yuan))


def count(n: Decimal | int, unit: str = "户") -> str:
    """938户 / 47.42万户 / 74.22万张."""
    value = Decimal(n)
    if _reaches(value, WAN, 0):
        return f"{trim(value / WAN)}万{unit}"
    return f"{trim(value, 0)}{unit}"


def count_delta(n: Decimal | int, unit: str = "户") -> str:
    value = Decimal(n)
    if trim(value, 0) == "0":
        return "持平"
    return ("增加" if value > 0 else "减少") + count(abs(value), unit)


def percent(value: Decimal) -> str:
    """75.15%."""
    return f"{trim(value)}%"


def points(value: Decimal, up: str = "高于", down: str = "低于") -> str:
    """高于…1.2个百分点 style gap: '高于1.2个百分点' / '低于0.5个百分点' / '持平' (also when it rounds to 0)."""
    if trim(value) == "0":
        return "持平"
    return f"{up if value > 0 else down}{trim(abs(value))}个百分点"


def chinese_ordinal(n: int) -> str:
    """1 → 第一, 2 → 第二, 10 → 第十, 12 → 第十二, 20 → 第二十, 35 → 第三十五."""
    return "第" + chinese_number(n)


def chinese_number(n: int) -> str:
    if n < 0:
        raise ValueError("negative")
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    return str(n)


def working_days(value: Decimal) -> str:
    return f"{trim(value, 1)}个工作日"


def minutes(value: Decimal) -> str:
    """20分钟 / 1小时 / 1.5小时."""
    if _reaches(value, Decimal(60), 0):
        return f"{trim(value / 60, 1)}小时"
    return f"{trim(value, 0)}分钟"


def long_date(d: object) -> str:
    """2026-03-31 → 2026年3月末 (month-ends) or 2026年3月15日."""
    import calendar
    from datetime import date

    assert isinstance(d, date)
    if d.day == calendar.monthrange(d.year, d.month)[1]:
        return f"{d.year}年{d.month}月末"
    return f"{d.year}年{d.month}月{d.day}日"


def working_days_within(value: Decimal) -> str:
    """An average handling time as the bound it stays within: 2.98 → '3个工作日内', 2 → '2个工作日内'."""
    whole = int(value.to_integral_value(rounding=ROUND_CEILING))
    return f"{whole}个工作日内"

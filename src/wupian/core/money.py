"""Exact money in yuan (元): parsing, quantising to fen, and the 元/万元/亿元 units bankers write.

Money is never a float. Engine columns are DECIMAL(38,2); Python values are ``decimal.Decimal``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN = Decimal("0.01")
WAN = Decimal(10_000)
YI = Decimal(100_000_000)
MONEY_SQL_TYPE = "DECIMAL(38,2)"


def parse_money(text: str | int | Decimal | None) -> Decimal | None:
    """Parse '1,234.50', '1234.5', ' 12 ' into Decimal('1234.50'); None for blank; raise ValueError otherwise."""
    if text is None:
        return None
    if isinstance(text, Decimal):
        value = text
    elif isinstance(text, int):
        value = Decimal(text)
    else:
        cleaned = str(text).strip().replace(",", "").replace("，", "")
        if cleaned == "":
            return None
        try:
            value = Decimal(cleaned)
        except InvalidOperation as exc:
            raise ValueError(f"not a money amount: {text!r}") from exc
    if not value.is_finite():
        raise ValueError(f"not a money amount: {text!r}")
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def to_wan(amount: Decimal, places: int = 2) -> Decimal:
    """Yuan → 万元, rounded half-up to ``places`` decimals."""
    return (amount / WAN).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def to_yi(amount: Decimal, places: int = 2) -> Decimal:
    """Yuan → 亿元, rounded half-up to ``places`` decimals."""
    return (amount / YI).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)

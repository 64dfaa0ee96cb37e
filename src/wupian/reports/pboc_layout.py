"""The PBOC 2025 五篇大文章 loan-file layouts (the packaged field dictionary of ``wupian.reference``, its one
home) and the text rules of the format:
UTF-8 without BOM, ``|`` between fields, LF line ends, Cn / C..n / Dw.d / I..n field types.

Used by the writer (``pboc.py``) and by the self-check that re-reads every file it wrote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from wupian.reference.pboc_codes import field_type_codes, fields_of

# report code → (category tag, is flow file): wupian's binding of each file to a classification tag.
_FILES: dict[str, tuple[str, bool]] = {
    "HDACLKJDK": ("tech_industry", False), "HDAKJDKFS": ("tech_industry", True),
    "HDACLLSDK": ("green", False), "HDALSDKFS": ("green", True),
    "HDACLPHDK": ("inclusive", False), "HDAPHDKFS": ("inclusive", True),
    "HDACLYLDK": ("pension", False), "HDAYLDKFS": ("pension", True),
    "HDACLSZDK": ("digital", False), "HDASZDKFS": ("digital", True),
}
DETAIL_CODES = ("T13", "T99")


def _reports() -> dict[str, tuple[str, bool, tuple[str, ...], str | None]]:
    """report code → (tag, is flow, summary-row codes in order, detail-row code); the codes come from the packaged
    ``field_type_codes.csv`` (T08–T12 + T13, T01–T02 + T99, T01–T06 + T99; none for 绿色 / 普惠)."""
    out = {}
    for code, (tag, flow) in _FILES.items():
        mine = [r.code for r in field_type_codes() if code in r.reports.split("/")]
        summaries = tuple(c for c in mine if c not in DETAIL_CODES)
        detail = next((c for c in mine if c in DETAIL_CODES), None)
        out[code] = (tag, flow, summaries, detail)
    return out


REPORTS: dict[str, tuple[str, bool, tuple[str, ...], str | None]] = _reports()
SUMMARY_FIELDS = ("字段类别", "贷款汇总金额", "贷款汇总加权平均利率", "贷款汇总获贷企业数量", "贷款汇总户数")
_CONTROL = re.compile(r"[\x00-\x1f\x7f|]")


@dataclass(frozen=True, slots=True)
class Field:
    no: int
    name: str
    type: str  # "" for spare fields (always empty)
    rule: str


@dataclass(frozen=True, slots=True)
class Layout:
    code: str
    name: str
    fields: tuple[Field, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


@lru_cache(maxsize=1)
def layouts() -> dict[str, Layout]:
    """The ten file layouts from the one packaged field dictionary (``wupian.reference.pboc_codes``)."""
    out: dict[str, Layout] = {}
    for code in REPORTS:
        mine = fields_of(code)
        fields = tuple(Field(f.field_no, f.field_name, f.type, f.rule) for f in mine)
        out[code] = Layout(code, mine[0].report_name, fields)
    return out


@lru_cache(maxsize=1)
def summary_meanings() -> dict[tuple[str, str], str]:
    out = {}
    for r in field_type_codes():
        for code in r.reports.split("/"):
            out[(code, r.code)] = r.meaning
    return out


def clean(text: object) -> str:
    """Field text: control characters and the separator become spaces, no leading/trailing blanks."""
    if text is None:
        return ""
    return _CONTROL.sub(" ", str(text)).strip()


def fmt_decimal(value: Decimal, field_type: str) -> str:
    """D20.2 → '1234.50', D10.5 → '3.45000' (no leading zeros or plus sign)."""
    places = int(field_type.split(".")[1])
    q = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{q:f}"


def type_problem(why: str, value: str, field_type: str) -> str:
    """The zh text of a value that does not fit ``field_type``; ``why`` is what the engine found
    (``wupian.engine.pboc_checks``: edges, quote, spare, fixed, max, dec, int, type)."""
    size = len(value.encode("utf-8"))
    if why == "edges":
        return "含首尾空格或控制字符"
    if why == "quote":
        return "含双引号（采集规范2.5：字符串不能包含双引号等控制字符和转义字符）"
    if why == "spare":
        return "备用字段应为空"
    if why == "fixed":
        return f"应为{field_type[1:]}字节定长，实际{size}字节"
    if why == "max":
        return f"超过{field_type[3:]}字节上限（{size}字节）"
    if why == "dec":
        w, d = field_type[1:].split(".")
        return f"应为最多{w}位整数、{d}位小数的十进制数"
    if why == "int":
        return f"应为最多{field_type[3:]}位、无前导零的整数"
    return f"未知字段类型{field_type}"

"""GB/T 4754-2017 国民经济行业分类: the code list (all four levels), code normalisation and the crosswalks.

Used by enterprise sizing (industry → size-standard group), green-code suggestions and the review worklists.
Codes are strings: 门类 letter ``C``, 大类 ``39``, 中类 ``391``, 小类 ``3911``. Bank systems often prefix the
section letter (``C3911``); ``normalise_industry_code`` strips it. The digits are the code: a letter that is not
the section of the code's 大类 (``A3911``: 39 is in section C) is dropped like a right one, and the load reports it
(WP-LOAD-046, ``sections_by_division``) so that the bank can correct the source.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from wupian.reference.datasets import read_csv

GBT = "gbt4754_2017"
_CODE = re.compile(r"^(?:[A-T])?(\d{2,4})$|^([A-T])$")


@dataclass(frozen=True, slots=True)
class IndustryClass:
    """One class of GB/T 4754-2017 at any level (1 门类 … 4 小类)."""

    code: str
    level: int
    level_name: str
    section: str
    division: str
    group: str
    name: str
    parent_code: str


@dataclass(frozen=True, slots=True)
class Crosswalk:
    """One row of 附录B (2017 ↔ 2011) or 附录C (2017 ↔ ISIC Rev.4)."""

    code_2017: str
    name_2017: str
    other_code: str
    other_name: str
    note: str


@functools.lru_cache(maxsize=1)
def industries() -> tuple[IndustryClass, ...]:
    """All 1,971 classes (20/97/473/1,381)."""
    return tuple(
        IndustryClass(
            r["code"], int(r["level"]), r["level_name"], r["section"], r["division"], r["group"], r["name"],
            r["parent_code"],
        )
        for r in read_csv(GBT, "gbt4754_2017.csv")
    )


@functools.lru_cache(maxsize=1)
def industry_index() -> dict[str, IndustryClass]:
    return {c.code: c for c in industries()}


@functools.lru_cache(maxsize=1)
def sections_by_division() -> dict[str, str]:
    """大类 (two digits) → its 门类 letter: 97 divisions, e.g. ``'39' → 'C'``."""
    return {c.code: c.section for c in industries() if c.level == 2}


def industry(code: str) -> IndustryClass | None:
    """The class for a (normalised or prefixed) code, or None if it is not a GB/T 4754-2017 code."""
    norm = normalise_industry_code(code)
    return industry_index().get(norm) if norm else None


def normalise_industry_code(code: str | None) -> str | None:
    """'C3911' → '3911', ' 39 ' → '39', 'c' → 'C'; None when the text is not shaped like an industry code."""
    if code is None:
        return None
    text = code.strip().upper()
    m = _CODE.match(text)
    if not m:
        return None
    return m.group(1) or m.group(2)


def section_of(code: str) -> str | None:
    """门类 letter of any valid code."""
    found = industry(code)
    return found.section if found else None


def classes_under(code: str) -> tuple[str, ...]:
    """All 4-digit 小类 codes at or below ``code`` (a letter, 2-, 3- or 4-digit code)."""
    norm = normalise_industry_code(code)
    if norm is None:
        return ()
    out = []
    for c in industries():
        if c.level != 4:
            continue
        if (norm.isalpha() and c.section == norm) or (not norm.isalpha() and c.code.startswith(norm)):
            out.append(c.code)
    return tuple(out)


@functools.lru_cache(maxsize=1)
def crosswalk_2011() -> tuple[Crosswalk, ...]:
    """附录B 新旧类目对照表: 2017 小类 ↔ GB/T 4754-2011 codes (heading rows have an empty 2011 code)."""
    return tuple(
        Crosswalk(r["gbt2017_code"], r["gbt2017_name"], r["gbt2011_code"], r["gbt2011_name"], r["note"])
        for r in read_csv(GBT, "gbt4754_2017_vs_2011.csv")
    )


@functools.lru_cache(maxsize=1)
def crosswalk_isic4() -> tuple[Crosswalk, ...]:
    """附录C: 2017 codes ↔ ISIC Rev.4."""
    return tuple(
        Crosswalk(r["gbt2017_code"], r["gbt2017_name"], r["isic4_code"], r["isic4_name"], r["note"])
        for r in read_csv(GBT, "gbt4754_2017_vs_isic4.csv")
    )


def codes_2011(cell: str) -> tuple[str, ...]:
    """The 2011 小类 codes of one 附录B cell: a merged cell of the source holds several, run together
    (``13201363``) or space-separated (``3586 3589``)."""
    digits = "".join(cell.split())
    return tuple(digits[i:i + 4] for i in range(0, len(digits), 4))


def from_2011(code_2011: str) -> tuple[str, ...]:
    """The 2017 小类 codes a legacy 2011 code maps to (several when the 2011 class was split or moved in part)."""
    norm = normalise_industry_code(code_2011)
    return tuple(sorted({c.code_2017 for c in crosswalk_2011() if norm in codes_2011(c.other_code) and c.code_2017}))

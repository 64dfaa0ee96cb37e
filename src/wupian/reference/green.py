"""绿色金融支持项目目录 (2025年版): categories (9/38/271) and the industries each 三级 item lists.

A loan's ``green_code`` must be a 三级 code of the catalogue in force; ``suggest_green_codes`` proposes the
closest codes (for a typo) and the items whose industry list contains the loan's purpose industry.
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass
from datetime import date

from wupian.reference.datasets import Dataset, dataset_for, read_csv
from wupian.reference.industry import normalise_industry_code

CATALOGUE_FILE = "green_finance_support_catalogue_2025.csv"
HIERARCHY_FILE = "green_finance_catalogue_2025_hierarchy.csv"


@dataclass(frozen=True, slots=True)
class GreenCategory:
    level: int  # 1 一级, 2 二级, 3 三级
    code: str  # "4", "4.2", "4.2.1"
    name: str
    parent: str


@dataclass(frozen=True, slots=True)
class GreenIndustryRow:
    """One (三级 item × GB/T 4754 小类) pair with the item's condition text."""

    l3_code: str
    l3_name: str
    l1_code: str
    l1_name: str
    industry_code: str  # 4-digit, or "-" for cross-industry items
    industry_name: str
    condition: str


def catalogue_for(on: date) -> tuple[Dataset, bool]:
    """The catalogue version in force on ``on`` (and whether it was really in force then)."""
    return dataset_for("green_catalogue", on)


@functools.lru_cache(maxsize=4)
def green_categories(name: str = "green_finance_catalogue_2025") -> tuple[GreenCategory, ...]:
    return tuple(
        GreenCategory(int(r["level"]), r["code"], r["name"], r["parent"]) for r in read_csv(name, HIERARCHY_FILE)
    )


@functools.lru_cache(maxsize=4)
def green_industry_rows(name: str = "green_finance_catalogue_2025") -> tuple[GreenIndustryRow, ...]:
    out = []
    for r in read_csv(name, CATALOGUE_FILE):
        code = (r["suggested_code"] or r["industry_code"]).strip()
        out.append(
            GreenIndustryRow(r["l3_code"], r["l3_name"], r["l1_code"], r["l1_name"], code, r["industry_name"],
                             r["condition"])
        )
    return tuple(out)


def green_items(name: str = "green_finance_catalogue_2025") -> dict[str, GreenCategory]:
    """三级 code → category."""
    return {c.code: c for c in green_categories(name) if c.level == 3}


def suggest_green_codes(code: str | None, purpose_industry: str | None,
                        name: str = "green_finance_catalogue_2025", limit: int = 3) -> str:
    """A zh suggestion for an invalid green code: closest valid codes, then items listing the purpose industry."""
    items = green_items(name)
    hints: list[str] = []
    if code:
        close = difflib.get_close_matches(code.strip(), list(items), n=limit, cutoff=0.5)
        if close:
            hints.append("是否应为 " + "、".join(f"{c}（{items[c].name}）" for c in close))
    ind = normalise_industry_code(purpose_industry)
    if ind:
        matches = sorted({r.l3_code for r in green_industry_rows(name) if r.industry_code == ind})
        if matches:
            hints.append(
                f"贷款实际投向{ind}对应目录条目 " + "、".join(f"{c}（{items[c].name}）" for c in matches[:limit])
            )
    return "；".join(hints) if hints else "请按《绿色金融支持项目目录（2025年版）》三级条目编码填报（如 4.2.1）"

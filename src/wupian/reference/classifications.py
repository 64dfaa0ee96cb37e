"""The NBS industry classifications behind the PBOC 五篇大文章 codes, mapped to GB/T 4754-2017 小类.

高技术产业（制造业）2017 → HTP, （服务业）2018 → HTS, 战略性新兴产业 2018 → SE, 知识产权（专利）密集型 2019 → PA,
养老产业 2020 → EC, 数字经济 2021 → DE01–DE04 (+ 05 数字化效率提升业). ``partial_star`` marks industries of which
only part belongs (“带*行业”). The combined ``five_articles_industry_reference`` is what the review worklists join.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from wupian.reference.datasets import read_csv

CLASSIFICATIONS = (
    "high_tech_manufacturing_2017",
    "high_tech_services_2018",
    "strategic_emerging_2018",
    "ip_intensive_2019",
    "pension_industry_2020",
    "digital_economy_2021",
)
COMBINED = "five_articles_industry_reference"


@dataclass(frozen=True, slots=True)
class IndustryMapping:
    """One (classification category × GB/T 4754 小类) pair."""

    classification: str
    category_code: str
    category_name: str
    pboc_code: str  # HTP01 … ; blank for 数字化效率提升业 (05)
    gbt4754_code: str  # 4-digit 小类
    gbt4754_name: str
    partial_star: bool
    expanded_from: str


@dataclass(frozen=True, slots=True)
class Category:
    classification: str
    code: str
    name: str
    level: int
    parent_code: str
    pboc_code: str
    description: str


@functools.lru_cache(maxsize=8)
def mapping(classification: str) -> tuple[IndustryMapping, ...]:
    """The 4-digit expansion of one classification."""
    if classification not in CLASSIFICATIONS:
        raise KeyError(classification)
    return tuple(
        IndustryMapping(
            classification, r["category_code"], r["category_name"], r["pboc_code"], r["gbt4754_code"],
            r["gbt4754_name"], r["partial_star"] == "Y", r["expanded_from"],
        )
        for r in read_csv(classification, f"{classification}_4digit.csv")
    )


@functools.lru_cache(maxsize=8)
def categories(classification: str) -> tuple[Category, ...]:
    return tuple(
        Category(classification, r["category_code"], r["category_name"], int(r["level"]), r["parent_code"],
                 r["pboc_code"], r["description"])
        for r in read_csv(classification, f"{classification}_categories.csv")
    )


@functools.lru_cache(maxsize=1)
def five_articles_reference() -> tuple[IndustryMapping, ...]:
    """The union of the six 4-digit tables (3,453 rows over 1,380 小类)."""
    return tuple(
        IndustryMapping(
            r["classification"], r["category_code"], r["category_name"], r["pboc_code"], r["gbt4754_code"],
            r["gbt4754_name"], r["partial_star"] == "Y", r["expanded_from"],
        )
        for r in read_csv(COMBINED, "industry_to_categories_4digit.csv")
    )


def review_code(m: IndustryMapping) -> str:
    """The loan-level code a mapping row supports: HTP01…, EC01…, DE01…DE04, or DE05 for 数字化效率提升业."""
    if m.classification == "digital_economy_2021" and m.category_code.startswith("05"):
        return "DE05"
    return m.pboc_code

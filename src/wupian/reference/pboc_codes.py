"""PBOC 2025 五篇大文章 loan-file dictionary: code lists, the field list of the 10 report files and the
summary-row codes. The reporting engineer renders the .dat files from ``report_fields`` / ``field_type_codes``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from wupian.reference.datasets import read_csv

SPEC = "pboc_five_articles_loan_spec_2025"


@dataclass(frozen=True, slots=True)
class Code:
    code_list: str  # tech_high_tech_manufacturing, digital_core, pension_industry, business_type …
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class ReportField:
    report_code: str  # HDACLKJDK …
    report_name: str
    field_no: int
    field_name: str
    type: str  # PBOC notation: C3, C..100, D20.2, I..20
    rule: str


@dataclass(frozen=True, slots=True)
class FieldTypeCode:
    reports: str  # e.g. "HDACLKJDK/HDAKJDKFS"
    code: str  # T08 …
    meaning: str


@functools.lru_cache(maxsize=1)
def code_lists() -> tuple[Code, ...]:
    return tuple(Code(r["code_list"], r["code"], r["name"]) for r in read_csv(SPEC, "code_lists.csv"))


def code_names(code_list: str | None = None) -> dict[str, str]:
    """code → zh name, optionally for one list."""
    return {c.code: c.name for c in code_lists() if code_list is None or c.code_list == code_list}


@functools.lru_cache(maxsize=1)
def report_fields() -> tuple[ReportField, ...]:
    return tuple(
        ReportField(r["report_code"], r["report_name"], int(r["field_no"]), r["field_name"], r["type"], r["rule"])
        for r in read_csv(SPEC, "five_articles_loan_reports_fields.csv")
    )


def fields_of(report_code: str) -> tuple[ReportField, ...]:
    """Fields of one report file in field order."""
    return tuple(sorted((f for f in report_fields() if f.report_code == report_code), key=lambda f: f.field_no))


@functools.lru_cache(maxsize=1)
def field_type_codes() -> tuple[FieldTypeCode, ...]:
    return tuple(FieldTypeCode(r["reports"], r["code"], r["meaning"]) for r in read_csv(SPEC, "field_type_codes.csv"))

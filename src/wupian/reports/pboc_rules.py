"""The packaged rules of the PBOC 2025 五篇大文章 loan files, read as data: per field whether summary and detail
rows must fill it, leave it empty, or fill it only when another field says so; its code list; a pattern; and the
zh text that tells the banker what to fill in; and its ``scope``: whether the value is the loan's or the booking
branch's (a *branch-level field*: 金融机构代码 = the branch's 统一社会信用代码, 内部机构号 = its id — a finding on
such a field is a property of the branch and is reported once per file and branch, ``pboc_wording``)
(``pboc_spec/field_rules.csv``). Code lists, the field dictionary and
the summary-row codes have one home, the packaged reference data ``pboc_five_articles_loan_spec_2025``
(``wupian.reference.pboc_codes``).

``field_rules(report)`` gives one ``FieldRule`` per field of that report; a field of the dictionary without a rule is
a packaging error (the tests assert full coverage).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from wupian.reference.pboc_codes import code_lists as reference_code_lists
from wupian.reports.pboc_layout import REPORTS, layouts

FLAG = ("0", "1")


@dataclass(frozen=True, slots=True)
class FieldRule:
    field: str
    on_summary: str  # M must be filled | E must be empty
    on_detail: str  # M | E | C (filled exactly when ``required_when`` holds)
    code_list: str  # a list of code_lists.csv, "flag", "row_type" or ""
    required_when: tuple[str, str] | None  # (field, value)
    exclude_codes: tuple[str, ...]
    pattern: str
    fix: str
    source: str
    scope: str = ""  # "" the loan's | "branch" the booking branch's (e.g. its 统一社会信用代码) | "branch_id" its id


BRANCH_SCOPES = ("branch", "branch_id")  # a branch-level field: its value is the booking branch's, not the loan's


def _read(name: str) -> list[dict[str, str]]:
    text = resources.files("wupian.reports").joinpath("pboc_spec", name).read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


@lru_cache(maxsize=1)
def code_lists() -> dict[str, tuple[str, ...]]:
    """code list name → codes (HTP01…, EC01…, C01…), from the packaged ``code_lists.csv`` of the reference data."""
    out: dict[str, list[str]] = {}
    for c in reference_code_lists():
        out.setdefault(c.code_list, []).append(c.code)
    return {k: tuple(v) for k, v in out.items()}


@lru_cache(maxsize=1)
def _all_rules() -> dict[str, dict[str, FieldRule]]:
    out: dict[str, dict[str, FieldRule]] = {code: {} for code in REPORTS}
    for r in _read("field_rules.csv"):
        codes = list(REPORTS) if r["reports"] == "*" else r["reports"].split("/")
        when = tuple(r["required_when"].split("=", 1)) if r["required_when"] else None
        rule = FieldRule(r["field_name"], r["on_summary"], r["on_detail"], r["code_list"],
                         when,  # type: ignore[arg-type]
                         tuple(c for c in r["exclude_codes"].split("/") if c), r["pattern"], r["fix"], r["source"],
                         r.get("scope") or "")
        for code in codes:
            if r["field_name"] in layouts()[code].names:
                out[code][r["field_name"]] = rule
    return out


def field_rules(report: str) -> dict[str, FieldRule]:
    """field name → rule, for every field of ``report`` that has one."""
    return _all_rules()[report]


@cache
def allowed_codes(rule: FieldRule) -> tuple[str, ...] | None:
    """The codes a field may hold (None: free text)."""
    if rule.code_list == "flag":
        return FLAG
    if rule.code_list in ("", "row_type"):
        return None
    return tuple(c for c in code_lists()[rule.code_list] if c not in rule.exclude_codes)

"""The packaged reference data: registry by effective date, counts against the official structure, sizing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from wupian.reference import classifications, green, industry, pboc_codes
from wupian.reference import size_standard as ss
from wupian.reference.datasets import dataset_for, datasets, provenance


def test_datasets_versioned_by_effective_date() -> None:
    ds, in_force = dataset_for("green_catalogue", date(2025, 12, 31))
    assert (ds.name, in_force) == ("green_finance_catalogue_2025", True)
    ds, in_force = dataset_for("green_catalogue", date(2025, 9, 30))
    assert (ds.name, in_force) == ("green_finance_catalogue_2025", False)
    assert all(provenance(d.name) for d in datasets())


def test_structure_counts_match_the_official_texts() -> None:
    levels = [c.level for c in industry.industries()]
    assert [levels.count(n) for n in (1, 2, 3, 4)] == [20, 97, 473, 1381]
    cats = green.green_categories()
    assert [sum(1 for c in cats if c.level == n) for n in (1, 2, 3)] == [9, 38, 271]
    assert len(classifications.five_articles_reference()) == 3453
    assert len(pboc_codes.report_fields()) == 233
    assert len(pboc_codes.fields_of("HDACLKJDK")) == 30
    assert len(pboc_codes.code_lists()) == 50
    assert {f.code for f in pboc_codes.field_type_codes()} >= {"T08", "T12", "T13", "T99"}


def test_industry_codes() -> None:
    assert industry.normalise_industry_code(" c3911 ") == "3911"
    assert industry.normalise_industry_code("39A") is None
    assert industry.industry("C3911").name == "计算机整机制造"
    assert industry.classes_under("391") == ("3911", "3912", "3913", "3914", "3915", "3919")
    assert industry.from_2011("3911") == ("3911",)
    assert len(industry.crosswalk_isic4()) > 1800


@pytest.mark.parametrize(
    ("code", "group"),
    [("0111", "01"), ("A", "01"), ("3311", "02"), ("C", "02"), ("4710", "03"), ("5111", "04"), ("5211", "05"),
     ("5411", "06"), ("5311", "17"), ("5910", "07"), ("6010", "08"), ("6110", "09"), ("6210", "10"),
     ("6311", "11"), ("6410", "11"), ("6511", "12"), ("7010", "13"), ("7020", "14"), ("7030", "17"),
     ("7111", "15"), ("L", "15"), ("7310", "17"), ("8411", "17"), ("8514", "17"), ("6621", None), ("5110", None), ("J", None),
     ("70", None), ("G", None), ("9999", None)],
)
def test_size_groups_follow_the_gbt_scope(code: str, group: str | None) -> None:
    assert ss.size_group(code) == group


def _wan(v: Decimal) -> Decimal:
    return v * ss.WAN


@pytest.mark.parametrize("group_id", sorted({t.group_id for t in ss.thresholds()}))
def test_every_size_table_edge(group_id: str) -> None:
    rows = [t for t in ss.thresholds() if t.group_id == group_id]

    def size(level: str, drop: str | None = None) -> str | None:
        vals: dict[str, Decimal | None] = {"employees": None, "revenue": None, "assets": None}
        for t in rows:
            v = getattr(t, level)
            vals[t.indicator] = v - (1 if t.indicator == "employees" else Decimal("0.0001")) if t.indicator == drop \
                else v
        emp = int(vals["employees"]) if vals["employees"] is not None else None
        rev = _wan(vals["revenue"]) if vals["revenue"] is not None else None
        ast = _wan(vals["assets"]) if vals["assets"] is not None else None
        return ss.derive_size(group_id, emp, rev, ast)

    assert size("large_min") == "large"
    assert size("medium_min") == "medium"
    assert size("small_min") == "small"
    for t in rows:  # one indicator a hair below a class bound drops one class
        assert size("large_min", t.indicator) == "medium"
        assert size("medium_min", t.indicator) == "small"
        assert size("small_min", t.indicator) == "micro"


def test_domain_rules_14_3_and_14_4() -> None:
    assert ss.derive_size("02", 1000, _wan(Decimal(39999)), None) == "medium"
    assert ss.derive_size("02", 19, _wan(Decimal(5000)), None) == "micro"
    assert ss.derive_size("02", 20, _wan(Decimal(300)), None) == "small"
    assert ss.derive_size("03", None, _wan(Decimal(6000)), _wan(Decimal(4999))) == "small"
    assert ss.derive_size("02", None, _wan(Decimal(300)), None) is None  # missing indicator: not derivable
    assert ss.describe_indicators("02", 45, Decimal(23_000_000), None) == "工业：从业人员45人、营业收入2300万元"


def test_green_suggestions() -> None:
    text = green.suggest_green_codes("4.2.99", "4415")
    assert "4.2.1" in text and "风力发电" in text
    assert "三级条目" in green.suggest_green_codes(None, None)

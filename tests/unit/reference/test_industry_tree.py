"""The GB/T 4754-2017 code list as a tree, and the look-ups over it (``wupian.reference.industry``), checked on
every class rather than on examples: the four levels nest by their parent codes and by their digits alike, the
section/division/group columns name each class's real ancestors, ``classes_under`` of any class is exactly the
小类 reached through the parent links (an oracle independent of the prefix rule it uses), every bank spelling of
a code finds its class, and the crosswalks only name 2017 classes that exist."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wupian.reference import industry
from wupian.reference.datasets import read_csv

CLASSES = industry.industries()
INDEX = industry.industry_index()
LEAVES = [c for c in CLASSES if c.level == 4]


def _children() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for c in CLASSES:
        out.setdefault(c.parent_code, []).append(c.code)
    return out


CHILDREN = _children()


def _leaves_below(code: str) -> set[str]:
    """The 小类 below ``code`` found by walking the parent links down (not by code prefixes)."""
    if INDEX[code].level == 4:
        return {code}
    return set().union(*(_leaves_below(child) for child in CHILDREN.get(code, [])))


def test_codes_are_unique_and_the_levels_have_the_official_counts() -> None:
    assert len(INDEX) == len(CLASSES)
    assert Counter(c.level for c in CLASSES) == {1: 20, 2: 97, 3: 473, 4: 1381}
    assert [c.code for c in CLASSES if c.level == 1] == [chr(ord("A") + i) for i in range(20)]  # A … T


def test_every_class_hangs_under_its_parent_one_level_up_with_its_digits() -> None:
    for c in CLASSES:
        assert len(c.code) == (1 if c.level == 1 else c.level), c
        if c.level == 1:
            assert c.parent_code == "" and c.section == c.code, c
            continue
        parent = INDEX[c.parent_code]
        assert parent.level == c.level - 1, c
        assert parent.section == c.section, c
        if c.level > 2:
            assert c.code.startswith(parent.code), c  # 大类 39 > 中类 391 > 小类 3911
        assert c.division == c.code[:2], c
        assert c.group == (c.code[:3] if c.level >= 3 else ""), c


def test_every_section_division_and_group_has_at_least_one_leaf() -> None:
    for c in CLASSES:
        if c.level < 4:
            assert _leaves_below(c.code), f"{c.code} {c.name} has no 小类"


@pytest.mark.parametrize("level", [1, 2, 3])
def test_classes_under_any_class_are_the_leaves_reached_through_the_parent_links(level: int) -> None:
    for c in (c for c in CLASSES if c.level == level):
        got = industry.classes_under(c.code)
        assert len(got) == len(set(got)), c.code
        assert set(got) == _leaves_below(c.code), c.code


def test_the_divisions_partition_the_leaves_and_the_sections_partition_the_divisions() -> None:
    divisions = [c.code for c in CLASSES if c.level == 2]
    assert sorted(code for d in divisions for code in industry.classes_under(d)) == sorted(c.code for c in LEAVES)
    for c in LEAVES:
        assert industry.section_of(c.code) == INDEX[c.division].section


@given(leaf=st.sampled_from(LEAVES), pad=st.sampled_from(["", " ", "  ", "\t"]), lower=st.booleans(),
       prefixed=st.booleans(), level=st.integers(2, 4))
def test_a_bank_spelling_of_a_code_finds_its_class(leaf: industry.IndustryClass, pad: str, lower: bool,
                                                    prefixed: bool, level: int) -> None:
    """'C3911', ' 3911 ', 'c391', '39': the section letter prefixed or not, any case, padded."""
    code = leaf.code[:level]
    text = (leaf.section if prefixed else "") + code
    text = pad + (text.lower() if lower else text) + pad
    assert industry.normalise_industry_code(text) == code
    found = industry.industry(text)
    assert found is not None and found.code == code and found.section == leaf.section


@given(st.text(max_size=6))
def test_text_not_shaped_like_a_code_finds_nothing(text: str) -> None:
    norm = industry.normalise_industry_code(text)
    if norm is None:
        assert industry.industry(text) is None and industry.classes_under(text) == ()
    else:  # shaped like a code: digits (maybe after a section letter) or a section letter alone
        assert norm.isdigit() and 2 <= len(norm) <= 4 or len(norm) == 1 and "A" <= norm <= "T"
        assert norm in text.upper()


def test_the_crosswalks_name_only_2017_classes_that_exist_or_flag_the_row() -> None:
    """附录B names only real codes; 附录C's four typos of the source text (PROVENANCE.md) are kept but flagged
    ``code_not_in_gbt4754_2017`` — and a row is flagged exactly when its code is not in the list."""
    assert not [w.code_2017 for w in industry.crosswalk_2011() if w.code_2017 and w.code_2017 not in INDEX]
    for name in ("gbt4754_2017_vs_2011.csv", "gbt4754_2017_vs_isic4.csv"):
        rows = read_csv(industry.GBT, name)
        assert rows
        for r in rows:
            unknown = bool(r["gbt2017_code"]) and r["gbt2017_code"] not in INDEX
            assert (r["code_check"] == "code_not_in_gbt4754_2017") == unknown, (name, r)
            assert r["code_check"] in ("ok", "code_not_in_gbt4754_2017"), (name, r)
    flagged = {w.code_2017 for w in industry.crosswalk_isic4() if w.code_2017 not in INDEX}
    assert flagged == {"1322", "5415", "7250", "9416"}


def test_a_merged_cell_of_2011_codes_names_each_of_them() -> None:
    """附录B's merged cells hold several 2011 codes ('13201363' = 1320 and 1363): each finds its 2017 classes
    (found by this file: from_2011('1320') was empty)."""
    assert industry.codes_2011("13201363") == ("1320", "1363")
    assert industry.codes_2011("3599 3855 3859") == ("3599", "3855", "3859")
    assert {"1321", "1329"} <= set(industry.from_2011("1320"))
    assert "1321" in industry.from_2011("1363") and "2831" in industry.from_2011("2811")


def test_every_legacy_2011_code_maps_to_2017_leaves_and_every_leaf_has_a_legacy_row() -> None:
    legacy = {code for w in industry.crosswalk_2011() for code in industry.codes_2011(w.other_code)}
    assert len(legacy) > 1000 and all(len(code) == 4 and code.isdigit() for code in legacy)
    for code in sorted(legacy):
        targets = industry.from_2011(code)
        assert targets and all(INDEX[t].level == 4 for t in targets), code
        assert industry.from_2011("  " + code + " ") == targets
    assert {w.code_2017 for w in industry.crosswalk_2011() if w.other_code} == {c.code for c in LEAVES}

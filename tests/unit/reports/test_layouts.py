"""The NFRA layouts and briefing templates are validated data: every mistake is one exact, located message at
load time (a template typo used to drop its sentence silently). Messages are checked on small documents;
the packaged files are checked to be valid, used by the writers, and to fail on a mutation."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from wupian.core.errors import DataError
from wupian.reports import layouts
from wupian.reports.briefing import templates
from wupian.reports.nfra import table_definitions

BRIEFING = resources.files("wupian.reports").joinpath("briefing_templates.yaml").read_text("utf-8")
NFRA = resources.files("wupian.reports").joinpath("nfra_tables.yaml").read_text("utf-8")

TEMPLATES = """\
title: "{bank}简报"
lead:
  - - text: "截至{date}，{bank}绿色贷款余额{green.balance|amount}。"
sections:
  - heading: 绿色
    sentences:
      - - text: "较年初{green.ytd_change|delta}。"
          when: ["green.ytd_change > 0"]
        - text: "余额{green.balance|amount}{nfra:green.balance|caliber}。"
          when: ["context.siblings > 1", "green.balance.rank_siblings == green.ytd_change.rank_siblings"]
      - for_each: [high_tech_enterprise, tech_sme]
        variants:
          - text: "{r_name}{coverage.{r}.members|count:家}。"
            when: ["coverage.{r}.loan_members > 0"]
closing: "注：口径说明。"
"""
TABLES = """\
- id: T1
  title: T1 测试表
  columns:
    - {code: A, label: 余额, measure: balance}
    - {code: B, label: 小额, measure: balance, credit_band: [null, 1000000], no_bills: true}
  rows:
    - {code: "1", label: 绿色, tag: green}
    - {code: "1.1", label: 高新, tag: green, when: {all: [{registry: [high_tech_enterprise]}, {not: {size: [large]}}]}}
    - {code: "1.2", label: 农户, tag: inclusive, when: {rule: inclusive.farmer}}
    - {code: "2", label: 长辈, tag: all_loans, when: {min_age: 55}}
    - {code: "3", label: 代销, needs: 代销交易流水}
- id: T1
  title: T1 测试表
  part: 第二部分
  columns:
    - {code: A, label: 户数, measure: customers}
  rows:
    - {code: "1", label: 科技, tag: tech, when: {tagged: tech_industry}}
"""


def _brief(old: str, new: str) -> list[str]:
    assert old in TEMPLATES
    value, issues = layouts.parse_briefing_templates(TEMPLATES.replace(old, new, 1))
    assert value is None
    return [str(i) for i in issues]


def _nfra(old: str, new: str) -> list[str]:
    assert old in TABLES
    value, issues = layouts.parse_nfra_tables(TABLES.replace(old, new, 1))
    assert value is None
    return [str(i) for i in issues]


def test_valid_small_documents() -> None:
    assert layouts.parse_briefing_templates(TEMPLATES)[1] == []
    assert layouts.parse_nfra_tables(TABLES)[1] == []


def test_the_packaged_files_are_valid_and_used_by_the_writers() -> None:
    assert layouts.parse_briefing_templates(BRIEFING)[1] == []
    assert layouts.parse_nfra_tables(NFRA)[1] == []
    assert templates()["title"].startswith("{bank}")
    assert [t["id"] for t in table_definitions()][:2] == ["S70", "S73"]


def test_a_placeholder_typo_in_the_packaged_templates_is_located() -> None:
    m = re.search(r"\{(\w+)\.balance\|amount\}", BRIEFING)
    assert m is not None
    text = BRIEFING[:m.start()] + "{" + m.group(1) + ".balanse|amount}" + BRIEFING[m.end():]
    line = BRIEFING.count("\n", 0, m.start()) + 1
    heading = re.findall(r"- heading: \"?([^\"\n]+)", BRIEFING[:m.start()])
    key = f"[heading={heading[-1]}]" if heading else ""
    value, issues = layouts.parse_briefing_templates(text)
    assert value is None and [str(i) for i in issues] == [
        f"briefing_templates.yaml:{line}{key}.text: ERROR WP-BRIEF-005 placeholder {{{m.group(1)}.balanse}}: "
        f"unknown indicator id (did you mean '{m.group(1)}.balance'?)"]


def test_a_measure_typo_in_the_packaged_layouts_is_located() -> None:
    m = re.search(r"\{code: (\w+), label: [^,]+, measure: npl_balance\}", NFRA)
    assert m is not None
    line = NFRA.count("\n", 0, m.start()) + 1
    value, issues = layouts.parse_nfra_tables(NFRA.replace(m.group(0), m.group(0).replace("npl_balance", "npl_balanse"),
                                                           1))
    assert value is None and [str(i) for i in issues] == [
        f"nfra_tables.yaml:{line}[code={m.group(1)}].measure: ERROR WP-LAYOUT-003 measure: 'npl_balanse' is not one "
        f"of {', '.join(layouts.MEASURES)} (did you mean 'npl_balance'?)"]


def test_briefing_placeholder_typos() -> None:
    key = "briefing_templates.yaml:7[heading=绿色].text: ERROR WP-BRIEF-005"
    assert _brief("{green.ytd_change|delta}", "{green.ytd_chnage|delta}") == [
        f"{key} placeholder {{green.ytd_chnage}}: unknown indicator id (did you mean 'green.ytd_change'?)"]
    assert _brief("{green.ytd_change|delta}。", "{green.ytd_change|detla}{dat}{green.balance") == [
        f"{key} unknown format |detla in {{green.ytd_change|detla}} (did you mean 'delta'?)",
        f"{key} placeholder {{dat}}: unknown indicator id (did you mean 'date'?)",
        f"{key} unbalanced {{ }} in template text (write placeholders as {{indicator.id|format}})",
    ]
    assert _brief("{nfra:green.balance|caliber}", "{nfra:green.balanse|caliber}") == [
        "briefing_templates.yaml:9[heading=绿色].text: ERROR WP-BRIEF-005 placeholder {nfra:green.balanse}: "
        "unknown indicator id (did you mean 'green.balance'?)"]
    assert _brief('title: "{bank}简报"', 'title: "{bank}{date}简报"') == [
        "briefing_templates.yaml:1.title: ERROR WP-BRIEF-005 title: only {bank} may appear, got {date}"]


def test_briefing_conditions_and_registries() -> None:
    assert _brief('when: ["green.ytd_change > 0"]', 'when: ["green.ytd_change = 0"]') == [
        "briefing_templates.yaml:8[heading=绿色].when: ERROR WP-BRIEF-005 when 'green.ytd_change = 0': expected "
        "'<indicator id> <==|!=|>|>=|<|<=> <number or indicator id>'"]
    assert _brief('"context.siblings > 1"', '"context.sibling > 1"') == [
        "briefing_templates.yaml:10[heading=绿色].when: ERROR WP-BRIEF-005 when 'context.sibling > 1': "
        "context.sibling: unknown indicator id"]
    assert _brief("for_each: [high_tech_enterprise,", "for_each: [high_tech_enterprize,") == [
        "briefing_templates.yaml:11[heading=绿色].for_each: ERROR WP-BRIEF-005 for_each: unknown registry "
        "'high_tech_enterprize' (did you mean 'high_tech_enterprise'?)"]
    assert _brief('"coverage.{r}.loan_members > 0"', '"coverage.{r}.loan_member > 0"') == [
        "briefing_templates.yaml:14[heading=绿色].when: ERROR WP-BRIEF-005 when 'coverage.high_tech_enterprise."
        "loan_member > 0': coverage.high_tech_enterprise.loan_member: unknown indicator id (did you mean "
        "'coverage.high_tech_enterprise.loan_members'?)",
        "briefing_templates.yaml:14[heading=绿色].when: ERROR WP-BRIEF-005 when 'coverage.tech_sme.loan_member > "
        "0': coverage.tech_sme.loan_member: unknown indicator id (did you mean 'coverage.tech_sme.loan_members'?)"]


def test_briefing_unknown_key_and_wrong_type() -> None:
    assert _brief("    sentences:", "    sentenses:") == [
        "briefing_templates.yaml:6[heading=绿色].sentenses: ERROR WP-BRIEF-001 unknown key 'sentenses' (did you "
        "mean 'sentences'?)",
        "briefing_templates.yaml:5[heading=绿色].sentences: ERROR WP-BRIEF-002 missing required key 'sentences'"]
    assert _brief('closing: "注：口径说明。"', "closing: [注]") == [
        "briefing_templates.yaml:15.closing: ERROR WP-BRIEF-003 closing: expected text"]


def test_nfra_unknown_key_wrong_type_and_measure() -> None:
    assert _nfra("  title: T1 测试表\n  columns", "  titel: T1 测试表\n  columns") == [
        "nfra_tables.yaml:2[id=T1].titel: ERROR WP-LAYOUT-001 unknown key 'titel' (did you mean 'title'?)",
        "nfra_tables.yaml:1[id=T1].title: ERROR WP-LAYOUT-002 missing required key 'title'"]
    assert _nfra("measure: balance, credit_band", "measure: balanse, credit_band") == [
        f"nfra_tables.yaml:5[code=B].measure: ERROR WP-LAYOUT-003 measure: 'balanse' is not one of "
        f"{', '.join(layouts.MEASURES)} (did you mean 'balance'?)"]
    assert _nfra("no_bills: true", "no_bills: 1") == [
        "nfra_tables.yaml:5[code=B].no_bills: ERROR WP-LAYOUT-003 no_bills: expected true or false"]
    assert _nfra("{min_age: 55}", "{min_age: 五十五}") == [
        "nfra_tables.yaml:10[code=2].min_age: ERROR WP-LAYOUT-003 min_age: expected a whole number"]
    assert _nfra("[null, 1000000]", "[null]") == [
        "nfra_tables.yaml:5[code=B].credit_band: ERROR WP-LAYOUT-003 credit_band: expected [low or null, high]"]


def test_nfra_conditions_tags_rules_and_rows() -> None:
    assert _nfra("{registry: [high_tech_enterprise]}", "{registy: [high_tech_enterprise]}") == [
        "nfra_tables.yaml:8[code=1.1].registy: ERROR WP-LAYOUT-001 unknown condition 'registy' (did you mean "
        "'registry'?)"]
    assert _nfra("{not: {size: [large]}}", "{not: {size: [huge]}}") == [
        "nfra_tables.yaml:8[code=1.1].size: ERROR WP-LAYOUT-003 size: 'huge' is not one of large, medium, small, "
        "micro, none"]
    assert _nfra("tag: green}", "tag: gren}") == [
        "nfra_tables.yaml:7[code=1].tag: ERROR WP-LAYOUT-005 tag: unknown tag 'gren' (did you mean 'green'?)"]
    assert _nfra("{tagged: tech_industry}", "{tagged: tech_industy}") == [
        "nfra_tables.yaml:18[code=1].tagged: ERROR WP-LAYOUT-005 tagged: unknown tag 'tech_industy' (did you mean "
        "'tech_industry'?)"]
    assert _nfra("{rule: inclusive.farmer}", "{rule: inclusive.framer}") == [
        "nfra_tables.yaml:9[code=1.2].rule: ERROR WP-LAYOUT-005 rule: unknown rule 'inclusive.framer' (did you "
        "mean 'inclusive.farmer'?)"]
    assert _nfra("needs: 代销交易流水", "tag: green, needs: 代销交易流水") == [
        "nfra_tables.yaml:11[code=3].tag: ERROR WP-LAYOUT-002 a row needs either 'tag' or 'needs' (a note row), "
        "not both"]
    assert _nfra("  part: 第二部分\n", "") == [
        "nfra_tables.yaml:12[id=T1].id: ERROR WP-LAYOUT-005 table id 'T1' given twice (a continuation needs 'part')"]
    assert _nfra('{code: "1.1", label: 高新', '{code: "1", label: 高新') == [
        "nfra_tables.yaml:8[code=1].code: ERROR WP-LAYOUT-005 row code '1' given twice"]


def test_loaders_raise_one_data_error_with_every_issue(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = TEMPLATES.replace("{green.ytd_change|delta}", "{green.ytd_chnage|delta}").replace(
        "{green.balance|amount}{nfra", "{green.balanse|amount}{nfra")
    monkeypatch.setattr(layouts, "_packaged", lambda name: bad)
    layouts.briefing_templates.cache_clear()
    try:
        with pytest.raises(DataError) as err:
            layouts.briefing_templates()
        assert str(err.value) == "the briefing templates failed validation" and len(err.value.issues) == 2
    finally:
        monkeypatch.undo()
        layouts.briefing_templates.cache_clear()

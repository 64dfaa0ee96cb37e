"""The NFRA layouts and briefing templates are validated data: each mutation of the packaged files is one
exact, located message at load time (a template typo used to drop its sentence silently)."""

from __future__ import annotations

from importlib import resources

import pytest

from wupian.core.errors import DataError
from wupian.reports import layouts
from wupian.reports.briefing import templates
from wupian.reports.nfra import table_definitions

BRIEFING = resources.files("wupian.reports").joinpath("briefing_templates.yaml").read_text("utf-8")
NFRA = resources.files("wupian.reports").joinpath("nfra_tables.yaml").read_text("utf-8")


def _line(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def _brief(old: str, new: str) -> tuple[list[str], int]:
    assert old in BRIEFING
    text = BRIEFING.replace(old, new, 1)
    value, issues = layouts.parse_briefing_templates(text)
    assert value is None
    return [str(i) for i in issues], _line(text, new.splitlines()[0])


def _nfra(old: str, new: str) -> tuple[list[str], int]:
    assert old in NFRA
    text = NFRA.replace(old, new, 1)
    value, issues = layouts.parse_nfra_tables(text)
    assert value is None
    return [str(i) for i in issues], _line(text, new.splitlines()[0])


def test_the_packaged_files_are_valid_and_used_by_the_writers() -> None:
    assert layouts.parse_briefing_templates(BRIEFING)[1] == []
    assert layouts.parse_nfra_tables(NFRA)[1] == []
    assert templates()["title"].startswith("{bank}")
    assert [t["id"] for t in table_definitions()] == ["S70", "S73", "S74", "S75"]


def test_briefing_placeholder_typo_is_a_located_error() -> None:
    issues, line = _brief("{green.ytd_disbursed|amount}。", "{green.ytd_disbursd|amount}。")
    assert issues == [
        f"briefing_templates.yaml:{line}[heading=绿色金融：厚植生态底色　助力绿色转型].text: ERROR WP-BRIEF-005 "
        "placeholder {green.ytd_disbursd}: unknown indicator id (did you mean 'green.ytd_disbursed'?)"]


def test_briefing_unknown_format_context_name_and_braces() -> None:
    issues, line = _brief("{tech.ytd_growth|percent}，增速", "{tech.ytd_growth|percnt}，增速{dat}{tech.balance")
    key = f"briefing_templates.yaml:{line}[heading=科技金融：激活科创动能　赋能产业升级].text: ERROR WP-BRIEF-005"
    assert issues == [
        f"{key} unknown format |percnt in {{tech.ytd_growth|percnt}} (did you mean 'percent'?)",
        f"{key} placeholder {{dat}}: unknown indicator id (did you mean 'date'?)",
        f"{key} unbalanced {{ }} in template text (write placeholders as {{indicator.id|format}})",
    ]


def test_briefing_registry_vocabulary_and_conditions() -> None:
    issues, line = _brief("for_each: [high_tech_enterprise,", "for_each: [high_tech_enterprize,")
    assert issues == [
        f"briefing_templates.yaml:{line}[heading=科技金融：激活科创动能　赋能产业升级].for_each: ERROR WP-BRIEF-005 "
        "for_each: unknown registry 'high_tech_enterprize' (did you mean 'high_tech_enterprise'?)"]
    issues, line = _brief('when: ["inclusive.ytd_change.rank_peers == 1"]', 'when: ["inclusive.ytd_change.rank_peers = 1"]')
    assert issues == [
        f"briefing_templates.yaml:{line}[heading=普惠金融：精准滴灌实体　滋养小微成长].when: ERROR WP-BRIEF-005 "
        "when 'inclusive.ytd_change.rank_peers = 1': expected '<indicator id> <==|!=|>|>=|<|<=> <number or indicator id>'"]


def test_briefing_unknown_key_and_wrong_type() -> None:
    issues, line = _brief("    chart_scope: tech", "    chart_scop: tech")
    assert issues == [f"briefing_templates.yaml:{line}[heading=科技金融：激活科创动能　赋能产业升级].chart_scop: ERROR "
                      "WP-BRIEF-001 unknown key 'chart_scop' (did you mean 'chart_scope'?)"]
    issues, line = _brief("sections:\n", "sections: 5\nold_sections:\n")
    assert issues[:2] == [
        f"briefing_templates.yaml:{line}.sections: ERROR WP-BRIEF-003 sections: expected a list",
        f"briefing_templates.yaml:{line + 1}.old_sections: ERROR WP-BRIEF-001 unknown key 'old_sections' "
        "(did you mean 'sections'?)"]


def test_nfra_unknown_key_wrong_type_and_measure() -> None:
    issues, line = _nfra("  title: S73 养老金融情况表", "  titel: S73 养老金融情况表")
    assert issues == [
        f"nfra_tables.yaml:{line}[id=S73].titel: ERROR WP-LAYOUT-001 unknown key 'titel' (did you mean 'title'?)",
        f"nfra_tables.yaml:{line - 1}[id=S73].title: ERROR WP-LAYOUT-002 missing required key 'title'"]
    issues, line = _nfra("measure: npl_balance}\n    - {code: H", "measure: npl_balanse}\n    - {code: H")
    assert issues == [
        f"nfra_tables.yaml:{line}[code=G].measure: ERROR WP-LAYOUT-003 measure: 'npl_balanse' is not one of "
        "ytd_disbursed_customers, ytd_disbursed, customers, balance, mid_long_term_balance, credit_loan_balance, "
        "npl_balance, ytd_interest_income, rediscount, rediscount_balance (did you mean 'npl_balance'?)"]
    issues, line = _nfra("when: {registry: [tech_sme]}", "when: {registry: tech_sme}")
    assert issues == [f"nfra_tables.yaml:{line}[code=1.1.2].registry: ERROR WP-LAYOUT-003 registry: expected a list"]
    issues, line = _nfra("{code: A, label: 当年累放贷款户数, measure: ytd_disbursed_customers}",
                         "{code: A, label: 当年累放贷款户数, measure: ytd_disbursed_customers, no_bills: 1}")
    assert issues == [f"nfra_tables.yaml:{line}[code=A].no_bills: ERROR WP-LAYOUT-003 no_bills: expected true or false"]


def test_nfra_conditions_and_tags_are_closed_vocabularies() -> None:
    issues, line = _nfra("when: {registry: [high_tech_enterprise]}", "when: {registy: [high_tech_enterprise]}")
    assert issues == [f"nfra_tables.yaml:{line}[code=1.1.1].registy: ERROR WP-LAYOUT-001 unknown condition "
                      "'registy' (did you mean 'registry'?)"]
    issues, line = _nfra("{code: \"1.2\", label: 科技相关产业, tag: tech_industry}",
                         "{code: \"1.2\", label: 科技相关产业, tag: tech_industy}")
    assert issues == [f"nfra_tables.yaml:{line}[code=1.2].tag: ERROR WP-LAYOUT-005 tag: unknown tag "
                      "'tech_industy' (did you mean 'tech_industry'?)"]
    issues, line = _nfra("{not_null: tech_hts}", "{not_null: tech_hst}")
    assert issues[0].startswith(f"nfra_tables.yaml:{line}[code=1.2.2].not_null: ERROR WP-LAYOUT-003 not_null: "
                                "'tech_hst' is not one of ")


def test_loaders_raise_one_data_error_with_every_issue(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = BRIEFING.replace("{pension.balance|amount}", "{pension.balanse|amount}")
    monkeypatch.setattr(layouts, "_packaged", lambda name: bad)
    layouts.briefing_templates.cache_clear()
    try:
        with pytest.raises(DataError) as err:
            layouts.briefing_templates()
        assert str(err.value) == "the briefing templates failed validation" and len(err.value.issues) == 2
    finally:
        monkeypatch.undo()
        layouts.briefing_templates.cache_clear()


def test_briefing_profile_prefix_context_values_and_id_comparisons() -> None:
    old = '{green.ytd_disbursed|amount}。"\n        - text:'
    assert old in BRIEFING
    good = BRIEFING.replace(old, '{green.ytd_disbursed|amount}{nfra:green.balance|caliber}。"\n'
                            '          when: ["context.siblings > 1", "green.balance.rank_siblings == '
                            'green.ytd_change.rank_siblings"]\n        - text:', 1) + 'closing: "注：口径说明。"\n'
    assert layouts.parse_briefing_templates(good)[1] == []
    issues, line = _brief('{pension.balance|amount}。"\n', '{nfra:pension.balanse|amount}。"\n')
    assert issues == [
        f"briefing_templates.yaml:{line}[heading=养老金融：聚焦民生福祉　优化服务供给].text: ERROR WP-BRIEF-005 "
        "placeholder {nfra:pension.balanse}: unknown indicator id (did you mean 'pension.balance'?)"]
    issues, line = _brief('when: ["inclusive.first_loan_customers > 0"]',
                          'when: ["inclusive.first_loan_customers > context.sibling"]')
    assert issues == [
        f"briefing_templates.yaml:{line}[heading=普惠金融：精准滴灌实体　滋养小微成长].when: ERROR WP-BRIEF-005 "
        "when 'inclusive.first_loan_customers > context.sibling': context.sibling: unknown indicator id"]


def test_nfra_parts_note_rows_and_credit_bands() -> None:
    part = ("- id: S75\n  title: S75 普惠贷款情况表\n  part: 授信分档\n  columns:\n"
            "    - {code: A1, label: 单户授信100万元（含）以下, measure: balance, credit_band: [null, 1000000]}\n"
            "    - {code: A5, label: 不含票据融资, measure: balance, credit_band: [null, 10000000], no_bills: true}\n"
            "  rows:\n    - {code: \"1\", label: 普惠贷款, tag: inclusive}\n"
            "    - {code: \"2\", label: 长辈客群贷款, tag: all_loans, when: {all: [{not: {customer_type: [farmer]}}, "
            "{min_age: 55}, {credit_limit_over: 1000000}]}}\n"
            "    - {code: \"3\", label: 代销产品, needs: 代销交易流水}\n")
    assert layouts.parse_nfra_tables(NFRA + part)[1] == []
    bad = part.replace("needs: 代销交易流水", "tag: green, needs: 代销交易流水").replace(
        "[null, 1000000]", "[null]").replace("  part: 授信分档\n", "")
    value, issues = layouts.parse_nfra_tables(NFRA + bad)
    base = len(NFRA.splitlines())
    assert value is None and [str(i) for i in issues] == [
        f"nfra_tables.yaml:{base + 1}[id=S75].id: ERROR WP-LAYOUT-005 table id 'S75' given twice (a continuation "
        "needs 'part')",
        f"nfra_tables.yaml:{base + 4}[code=A1].credit_band: ERROR WP-LAYOUT-003 credit_band: expected [low or null, "
        "high]",
        f"nfra_tables.yaml:{base + 9}[code=3].tag: ERROR WP-LAYOUT-002 a row needs either 'tag' or 'needs' (a note "
        "row), not both"]


def test_nfra_rule_conditions_name_rulebook_rules() -> None:
    old = "when: {rule: inclusive.farmer}}"
    assert old in NFRA
    issues, line = _nfra(old, "when: {rule: inclusive.framer}}")
    assert issues == [f"nfra_tables.yaml:{line}[code=1.1.4].rule: ERROR WP-LAYOUT-005 rule: unknown rule "
                      "'inclusive.framer' (did you mean 'inclusive.farmer'?)"]

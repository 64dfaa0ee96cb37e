"""The PBOC file validator against the 采集规范: a valid record of every report passes, and one mutation per rule is
caught with its exact message, code, line and field."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from wupian.core.issues import Level
from wupian.reports.pboc_layout import REPORTS, layouts
from wupian.reports.pboc_rules import code_lists, field_rules
from wupian.reports.pboc_validate import validate_bytes, validate_lines

USCC = "91130900MA0000001X"
TECH, GREEN, INCL, PENSION, DIGITAL = "HDACLKJDK", "HDACLLSDK", "HDACLPHDK", "HDACLYLDK", "HDACLSZDK"
TECH_FS, PENSION_FS = "HDAKJDKFS", "HDAYLDKFS"


def _summary(code: str, kind: str) -> dict[str, str]:
    return {"字段类别": kind, "贷款汇总金额": "0.00", "贷款汇总加权平均利率": "0.00000", "贷款汇总获贷企业数量": "0",
            "贷款汇总户数": "0"}


def _detail(code: str, loan: str = "L1") -> dict[str, str]:
    row = {"字段类别": REPORTS[code][3] or "", "金融机构代码": USCC, "内部机构号": "A1", "贷款合同编码": "HT1",
           "贷款借据编码": loan, "票据编号": "0", "交易流水号": f"FK{loan}", "业务类别": "C01",
           "是否高技术制造业贷款": "1", "高技术制造业贷款类型": "HTP01", "是否高技术服务业贷款": "0",
           "是否战略性新兴产业贷款": "0", "是否知识产权（专利）密集型产业贷款": "0",
           "养老产业贷款类型": "EC01", "是否全国养老机构贷款": "0",
           "是否数字经济核心产业贷款": "1", "数字经济核心产业贷款类型": "DE01", "是否数字化效率提升业贷款": "0"}
    for name in ("是否单户授信小于1000万元的小微型企业贷款", "是否单户授信小于1000万元的个体工商户经营性贷款",
                 "是否单户授信小于1000万元的小微企业主经营性贷款", "是否单户授信小于500万元的农户经营性贷款",
                 "是否创业担保贷款", "是否助学贷款", "是否原建档立卡贫困人口消费贷款"):
        row[name] = "1" if name.startswith("是否单户授信小于1000万元的小微型") else "0"
    return row


def _line(code: str, values: dict[str, str]) -> list[str]:
    return [values.get(name, "") for name in layouts()[code].names]


def _file(code: str, *details: dict[str, str]) -> list[list[str]]:
    rows = [_line(code, _summary(code, s)) for s in REPORTS[code][2]]
    return rows + [_line(code, d) for d in (details or (_detail(code),))]


def _set(code: str, line: int, **values: str) -> Callable[[list[list[str]]], None]:
    def mutate(lines: list[list[str]]) -> None:
        for name, value in values.items():
            lines[line - 1][layouts()[code].names.index(name)] = value
    return mutate


def test_every_report_has_a_rule_for_every_field_and_the_code_lists_are_packaged() -> None:
    for code, layout in layouts().items():
        assert set(field_rules(code)) == set(layout.names), code
    assert len(code_lists()["pension_industry"]) == 12 and code_lists()["business_type"] == ("C01", "C02", "C03")


@pytest.mark.parametrize("code", list(REPORTS))
def test_a_valid_file_of_every_report_passes(code: str) -> None:
    flow_twice = [_detail(code), {**_detail(code), "交易流水号": "FK2"}] if REPORTS[code][1] else [_detail(code)]
    assert validate_lines(code, _file(code, *flow_twice), "f.dat") == []


MUTATIONS: list[tuple[str, str, Callable[[list[list[str]]], None], str, str, int | None, str | None]] = [
    # (id, report, mutation, code, message, line, column)
    ("decimal type", TECH, _set(TECH, 1, 贷款汇总金额="1.5"), "WP-PBOC-002",
     "贷款汇总金额：应为最多20位整数、2位小数的十进制数（值 1.5）", 1, "贷款汇总金额"),
    ("integer leading zero", TECH, _set(TECH, 2, 贷款汇总获贷企业数量="01"), "WP-PBOC-002",
     "贷款汇总获贷企业数量：应为最多20位、无前导零的整数（值 01）", 2, "贷款汇总获贷企业数量"),
    ("variable length", GREEN, _set(GREEN, 1, 内部机构号="A" * 31), "WP-PBOC-002",
     f"内部机构号：超过30字节上限（31字节）（值 {'A' * 31}）（本文件经办机构 {'A' * 31} 的 1 条逐笔记录均如此，"
     "该值取自机构表 branches）", 1, "内部机构号"),  # a branch-level field: once per branch, with its records
    ("fixed length", GREEN, _set(GREEN, 1, 业务类别="C1"), "WP-PBOC-002",
     "业务类别：应为3字节定长，实际2字节（值 C1）", 1, "业务类别"),
    ("blanks", GREEN, _set(GREEN, 1, 贷款合同编码=" HT1"), "WP-PBOC-002",
     "贷款合同编码：含首尾空格或控制字符（值  HT1）", 1, "贷款合同编码"),
    ("double quote", GREEN, _set(GREEN, 1, 贷款合同编码='HT"1'), "WP-PBOC-002",
     '贷款合同编码：含双引号（采集规范2.5：字符串不能包含双引号等控制字符和转义字符）（值 HT"1）', 1, "贷款合同编码"),
    ("spare field", GREEN, _set(GREEN, 1, 备用字段1="x"), "WP-PBOC-002",
     "备用字段1：备用字段应为空（值 x）", 1, "备用字段1"),
    ("mandatory detail", GREEN, _set(GREEN, 1, 贷款合同编码=""), "WP-PBOC-003",
     "贷款合同编码为必填项，不能为空", 1, "贷款合同编码"),
    ("mandatory summary", TECH, _set(TECH, 3, 贷款汇总获贷企业数量=""), "WP-PBOC-003",
     "汇总行的贷款汇总获贷企业数量为必填项，不能为空", 3, "贷款汇总获贷企业数量"),
    ("pension type on T99", PENSION, _set(PENSION, 3, 养老产业贷款类型=""), "WP-PBOC-003",
     "养老产业贷款类型为必填项，不能为空", 3, "养老产业贷款类型"),
    ("empty on summary", PENSION, _set(PENSION, 1, 金融机构代码=USCC), "WP-PBOC-004",
     f"汇总行的金融机构代码应空置（实际 {USCC}）", 1, "金融机构代码"),
    ("empty on detail", DIGITAL, _set(DIGITAL, 7, 贷款汇总金额="1.00"), "WP-PBOC-004",
     "贷款汇总金额应空置（实际 1.00）", 7, "贷款汇总金额"),
    ("terminated field", TECH, _set(TECH, 6, 是否国家技术创新示范企业贷款="1"), "WP-PBOC-004",
     "是否国家技术创新示范企业贷款应空置（实际 1）", 6, "是否国家技术创新示范企业贷款"),
    ("code list", TECH, _set(TECH, 6, 高技术制造业贷款类型="HTP07"), "WP-PBOC-005",
     "高技术制造业贷款类型取值 HTP07 不在代码表内（HTP01/HTP02/HTP03/HTP04/HTP05/HTP06）", 6, "高技术制造业贷款类型"),
    ("excluded code", TECH, _set(TECH, 6, 业务类别="C02"), "WP-PBOC-005", "业务类别不应填报 C02", 6, "业务类别"),
    ("flag value", PENSION, _set(PENSION, 3, 是否全国养老机构贷款="2"), "WP-PBOC-005",
     "是否全国养老机构贷款取值 2 不在代码表内（0/1）", 3, "是否全国养老机构贷款"),
    ("pension code list", PENSION, _set(PENSION, 3, 养老产业贷款类型="EC13"), "WP-PBOC-005",
     "养老产业贷款类型取值 EC13 不在代码表内（EC01/EC02/EC03/EC04/EC05/EC06/EC07/EC08/EC09/EC10/EC11/EC12）", 3,
     "养老产业贷款类型"),
    ("conditional required", TECH, _set(TECH, 6, 是否高技术服务业贷款="1"), "WP-PBOC-006",
     "“是否高技术服务业贷款”填报1时高技术服务业贷款类型为必填项", 6, "高技术服务业贷款类型"),
    ("conditional empty", TECH, _set(TECH, 6, 是否战略性新兴产业贷款="1", 战略性新兴产业贷款类型="SE01",
                                     是否高技术制造业贷款="0"), "WP-PBOC-006",
     "“是否高技术制造业贷款”未填报1时高技术制造业贷款类型应空置（实际 HTP01）", 6, "高技术制造业贷款类型"),
    ("digital conditional", DIGITAL, _set(DIGITAL, 7, 数字经济核心产业贷款类型=""), "WP-PBOC-006",
     "“是否数字经济核心产业贷款”填报1时数字经济核心产业贷款类型为必填项", 7, "数字经济核心产业贷款类型"),
    ("pattern", GREEN, _set(GREEN, 1, 金融机构代码="91130900ma0000001x"), "WP-PBOC-013",
     "金融机构代码格式不符（实际 91130900ma0000001x）（本文件经办机构 A1 的 1 条逐笔记录均如此，该值取自机构表 branches）",
     1, "金融机构代码"),
    ("summary order", PENSION, _set(PENSION, 2, 字段类别="T01"), "WP-PBOC-007",
     "第2行字段类别应为 T02，实际 T01", 2, "字段类别"),
    ("detail code", TECH, _set(TECH, 6, 字段类别="T99"), "WP-PBOC-007",
     "第6行字段类别应为 T13，实际 T99", 6, "字段类别"),
    ("missing summary rows", PENSION, lambda lines: lines.__delitem__(slice(1, None)), "WP-PBOC-007",
     "文件只有1行，缺少汇总行 T02", None, "字段类别"),
    ("duplicate loan", GREEN, lambda lines: lines.append(list(lines[0])), "WP-PBOC-008",
     "贷款借据编码 L1 重复（首次出现在第1行）", 2, "贷款借据编码"),
    ("duplicate flow key", TECH_FS, lambda lines: lines.append(list(lines[5])), "WP-PBOC-008",
     "贷款借据编码 L1 与交易流水号 FKL1 重复（首次出现在第6行）", 7, "贷款借据编码"),
    ("bill with loan ids", GREEN, _set(GREEN, 1, 业务类别="C03", 票据编号="B1"), "WP-PBOC-009",
     "票据融资（C03）的贷款合同编码和贷款借据编码应填0", 1, "贷款借据编码"),
    ("bill without number", GREEN, _set(GREEN, 1, 业务类别="C03", 贷款合同编码="0", 贷款借据编码="0"), "WP-PBOC-009",
     "票据融资（C03）应填报票据编号", 1, "票据编号"),
    ("loan with bill number", GREEN, _set(GREEN, 1, 票据编号="B1"), "WP-PBOC-009",
     "非票据融资的票据编号应填0（实际 B1）", 1, "票据编号"),
    ("tech without a flag", TECH, _set(TECH, 6, 是否高技术制造业贷款="0", 高技术制造业贷款类型=""), "WP-PBOC-012",
     "科技相关产业贷款逐笔行至少应有一项产业标识填报1", 6, "是否高技术制造业贷款"),
    ("inclusive without a flag", INCL, _set(INCL, 1, 是否单户授信小于1000万元的小微型企业贷款="0"), "WP-PBOC-012",
     "普惠贷款逐笔行至少应有一项普惠标识填报1", 1, "是否单户授信小于1000万元的小微型企业贷款"),
    ("digital both flags", DIGITAL, _set(DIGITAL, 7, 是否数字化效率提升业贷款="1"), "WP-PBOC-012",
     "“是否数字经济核心产业贷款”与“是否数字化效率提升业贷款”应有且只有一项填报1", 7, "是否数字经济核心产业贷款"),
    ("T12 below a part", TECH, _set(TECH, 1, 贷款汇总金额="5.00"), "WP-PBOC-017",
     "T12 贷款汇总金额 0.00 应不小于 T08–T11 中最大者、不大于其合计", 5, "贷款汇总金额"),
    ("T12 count above the parts", TECH, _set(TECH, 5, 贷款汇总获贷企业数量="1"), "WP-PBOC-017",
     "T12 贷款汇总获贷企业数量 1 应不小于 T08–T11 中最大者、不大于其合计", 5, "贷款汇总获贷企业数量"),
    ("T02 above T01", PENSION, _set(PENSION, 2, 贷款汇总金额="1.00", 贷款汇总户数="1"), "WP-PBOC-017",
     "T02 全国养老机构贷款汇总大于 T01 养老产业贷款汇总", 2, "贷款汇总金额"),
    ("digital core total", DIGITAL, _set(DIGITAL, 3, 贷款汇总金额="2.00"), "WP-PBOC-017",
     "T01 贷款汇总金额 0.00 应等于 T02–T05 之和 2.00", 1, "贷款汇总金额"),
    ("field count", GREEN, lambda lines: lines[0].pop(), "WP-PBOC-001", "字段数 15，应为 16", 1, None),
]


@pytest.mark.parametrize(("report", "mutate", "code", "message", "line", "column"),
                         [m[1:] for m in MUTATIONS], ids=[m[0] for m in MUTATIONS])
def test_each_rule_catches_its_mutation(report: str, mutate: Callable[[list[list[str]]], None], code: str,
                                        message: str, line: int | None, column: str | None) -> None:
    lines = _file(report)
    mutate(lines)
    issues = validate_lines(report, lines, "f.dat")
    assert [(i.code, i.message, i.source.line, i.source.column) for i in issues] == [(code, message, line, column)]
    assert issues[0].level is Level.ERROR and issues[0].source.file == "f.dat"


def test_an_error_names_the_loan_and_what_to_fill_in() -> None:
    lines = _file(PENSION)
    _set(PENSION, 3, 养老产业贷款类型="")(lines)
    issue, = validate_lines(PENSION, lines, "x_HDACLYLDK_20260331.dat")
    assert str(issue) == (
        "x_HDACLYLDK_20260331.dat:3[贷款借据编码=L1].养老产业贷款类型: ERROR WP-PBOC-003 养老产业贷款类型为必填项，不能为空 "
        "(在贷款借据表 loans 的 pension_code 列填写最主要投向的养老产业类型（EC01–EC12）)")


def test_bytes_rules() -> None:
    text = "".join("|".join(line) + "\n" for line in _file(GREEN))
    assert validate_bytes(GREEN, text.encode("utf-8"), "f.dat") == []
    bad = ("\ufeff" + text).replace("\n", "\r\n").encode("utf-8")
    assert [i.message for i in validate_bytes(GREEN, bad, "f.dat")][:2] == ["文件含 BOM", "含 CR 换行符，应为 LF"]
    assert validate_bytes(GREEN, b"\xff\xfe", "f.dat")[0].message.startswith("不是有效的 UTF-8")

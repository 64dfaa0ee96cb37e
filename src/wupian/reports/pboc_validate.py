"""The validator of the PBOC 2025 五篇大文章 loan files (采集规范 V1.0), driven by the packaged field dictionary,
field rules (``pboc_spec/field_rules.csv``) and code lists (``wupian.reference.pboc_codes``).

Checked for every record of a file (each failure is a located ERROR: file, line, loan, field, and what to fill in):

* WP-PBOC-001 file format: UTF-8 without BOM, LF line ends, field count;
* WP-PBOC-002 the value fits the field's type and length (Cn / C..n / Dw.d / I..n, no blanks or control chars);
* WP-PBOC-003 a mandatory field is empty;                WP-PBOC-004 a field that must be empty is filled;
* WP-PBOC-005 a coded field holds a value outside its code list (or a code the report must not use, C02 for 科技/数字);
* WP-PBOC-006 a conditionally mandatory field (type code when its flag is 1) is empty, or filled when the flag is 0;
* WP-PBOC-007 summary rows missing or out of order (T08–T12 / T01–T02 / T01–T06 first, then T13/T99);
* WP-PBOC-008 keys not unique (贷款借据编码, 票据编号; in flow files together with 交易流水号);
* WP-PBOC-009 bill rules: 票据融资 (C03) has 合同/借据 = 0 and a 票据编号; any other loan has 票据编号 = 0;
* WP-PBOC-012 flag sets: a 科技 detail row has at least one industry flag 1, a 普惠 row at least one 普惠 flag 1,
  a 数字 row exactly one of 核心产业 / 数字化效率提升业;
* WP-PBOC-013 a value does not match the field's pattern (金融机构代码: 18-character USCC or 9-character code);
* WP-PBOC-017 summary rows disagree with each other: T12 科技相关产业 lies between the largest of T08–T11 and their
  sum; 养老 T02 (全国养老机构) ≤ T01; 数字 T01 (核心产业) = T02 + T03 + T04 + T05 (amounts; borrower counts bounded).
"""

from __future__ import annotations

import re
from decimal import Decimal

from wupian.core.issues import Issue, Level, Source
from wupian.reports.pboc_layout import REPORTS, Layout, check_value, layouts
from wupian.reports.pboc_rules import FieldRule, allowed_codes, field_rules

TECH_FLAGS = ("是否高技术制造业贷款", "是否高技术服务业贷款", "是否战略性新兴产业贷款", "是否知识产权（专利）密集型产业贷款")
INCLUSIVE_FLAGS = (
    "是否单户授信小于1000万元的小微型企业贷款", "是否单户授信小于1000万元的个体工商户经营性贷款",
    "是否单户授信小于1000万元的小微企业主经营性贷款", "是否单户授信小于500万元的农户经营性贷款",
    "是否创业担保贷款", "是否助学贷款", "是否原建档立卡贫困人口消费贷款",
)
DIGITAL_FLAGS = ("是否数字经济核心产业贷款", "是否数字化效率提升业贷款")


def _key(row: dict[str, str]) -> str | None:
    loan = row.get("贷款借据编码", "")
    if loan and loan != "0":
        return f"贷款借据编码={loan}"
    bill = row.get("票据编号", "")
    return f"票据编号={bill}" if bill and bill != "0" else None


class _Check:
    def __init__(self, file: str) -> None:
        self.file = file
        self.issues: list[Issue] = []

    def err(self, code: str, msg: str, line: int | None = None, key: str | None = None, column: str | None = None,
            fix: str | None = None) -> None:
        self.issues.append(Issue(code, Level.ERROR, msg, Source(self.file, line, key, column), fix))


def _field(c: _Check, rule: FieldRule, row: dict[str, str], summary: bool, n: int, key: str | None) -> None:
    name, value = rule.field, row[rule.field]
    mode = rule.on_summary if summary else rule.on_detail
    where = "汇总行的" if summary else ""
    if mode == "C":
        assert rule.required_when is not None
        other, want = rule.required_when
        if row.get(other) == want and value == "":
            c.err("WP-PBOC-006", f"“{other}”填报{want}时{name}为必填项", n, key, name, rule.fix)
        elif row.get(other) != want and value != "":
            c.err("WP-PBOC-006", f"“{other}”未填报{want}时{name}应空置（实际 {value}）", n, key, name,
                  f"{other}为1时才填报{name}")
        if value == "":
            return
    elif mode == "M" and value == "":
        c.err("WP-PBOC-003", f"{where}{name}为必填项，不能为空", n, key, name, rule.fix)
        return
    elif mode == "E":
        if value != "":
            c.err("WP-PBOC-004", f"{where}{name}应空置（实际 {value}）", n, key, name, rule.source)
        return
    codes = allowed_codes(rule)
    if codes is not None and value not in codes:
        if value in rule.exclude_codes:
            c.err("WP-PBOC-005", f"{name}不应填报 {value}", n, key, name, rule.fix)
        else:
            c.err("WP-PBOC-005", f"{name}取值 {value} 不在代码表内（{'/'.join(codes)}）", n, key, name, rule.fix)
    if rule.pattern and not re.fullmatch(rule.pattern, value):
        c.err("WP-PBOC-013", f"{name}格式不符（实际 {value}）", n, key, name, rule.fix)


def _row_logic(c: _Check, code: str, row: dict[str, str], n: int, key: str | None) -> None:
    kind = REPORTS[code][0]
    bill = row.get("业务类别") == "C03"
    if bill and (row.get("贷款合同编码") != "0" or row.get("贷款借据编码") != "0"):
        c.err("WP-PBOC-009", "票据融资（C03）的贷款合同编码和贷款借据编码应填0", n, key, "贷款借据编码",
              "票据直贴以票据编号标识，合同、借据编码填0")
    if bill and row.get("票据编号") in ("0", ""):
        c.err("WP-PBOC-009", "票据融资（C03）应填报票据编号", n, key, "票据编号",
              "在贷款借据表 loans 的 bill_no 列填写票据编号")
    if not bill and row.get("票据编号") not in ("0", ""):
        c.err("WP-PBOC-009", f"非票据融资的票据编号应填0（实际 {row['票据编号']}）", n, key, "票据编号",
              "只有票据直贴填报票据编号")
    flags: tuple[str, ...] = ()
    if kind == "tech_industry":
        flags, msg = TECH_FLAGS, "科技相关产业贷款逐笔行至少应有一项产业标识填报1"
    elif kind == "inclusive":
        flags, msg = INCLUSIVE_FLAGS, "普惠贷款逐笔行至少应有一项普惠标识填报1"
    if flags and not any(row.get(f) == "1" for f in flags):
        c.err("WP-PBOC-012", msg, n, key, flags[0], "该笔贷款不属于本类别，不应报送；核对分类结果")
    if kind == "digital" and sum(row.get(f) == "1" for f in DIGITAL_FLAGS) != 1:
        c.err("WP-PBOC-012", "“是否数字经济核心产业贷款”与“是否数字化效率提升业贷款”应有且只有一项填报1", n, key,
              DIGITAL_FLAGS[0], "核对贷款借据表 loans 的 digital_code（DE01–DE04 或 DE05）")


def _unique(c: _Check, code: str, rows: list[tuple[int, dict[str, str]]]) -> None:
    flow = REPORTS[code][1]
    for field in ("贷款借据编码", "票据编号"):
        seen: dict[tuple[str, str], int] = {}
        for n, row in rows:
            value = row.get(field, "")
            if value in ("", "0"):
                continue
            k = (value, row.get("交易流水号", "") if flow else "")
            if k in seen:
                what = f"{field} {value}" + (f" 与交易流水号 {k[1]}" if flow else "")
                c.err("WP-PBOC-008", f"{what} 重复（首次出现在第{seen[k]}行）", n, f"{field}={value}", field,
                      f"同一{field}重复时以“{field}_01”“{field}_02”区分")
            else:
                seen[k] = n


def _num(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except ArithmeticError:
        return None


def _summaries(c: _Check, code: str, rows: dict[str, dict[str, str]]) -> None:
    count = "贷款汇总户数" if REPORTS[code][0] == "pension" else "贷款汇总获贷企业数量"
    amt = {k: _num(r["贷款汇总金额"]) for k, r in rows.items()}
    cnt = {k: _num(r[count]) for k, r in rows.items()}
    if None in amt.values() or None in cnt.values():
        return  # a malformed value is already an ERROR of its own

    def bad(msg: str, line_code: str, column: str = "贷款汇总金额") -> None:
        c.err("WP-PBOC-017", msg, REPORTS[code][2].index(line_code) + 1, None, column, "汇总行由逐笔数据汇总生成，核对分类结果")

    kind = REPORTS[code][0]
    if kind == "tech_industry":
        parts = ("T08", "T09", "T10", "T11")
        if not max(amt[p] for p in parts) <= amt["T12"] <= sum(amt[p] for p in parts):  # type: ignore[operator]
            bad(f"T12 贷款汇总金额 {rows['T12']['贷款汇总金额']} 应不小于 T08–T11 中最大者、不大于其合计", "T12")
        if not max(cnt[p] for p in parts) <= cnt["T12"] <= sum(cnt[p] for p in parts):  # type: ignore[operator]
            bad(f"T12 {count} {rows['T12'][count]} 应不小于 T08–T11 中最大者、不大于其合计", "T12", count)
    elif kind == "pension":
        if amt["T02"] > amt["T01"] or cnt["T02"] > cnt["T01"]:  # type: ignore[operator]
            bad("T02 全国养老机构贷款汇总大于 T01 养老产业贷款汇总", "T02")
    elif kind == "digital":
        core = sum(amt[p] for p in ("T02", "T03", "T04", "T05"))  # type: ignore[misc]
        if amt["T01"] != core:
            bad(f"T01 贷款汇总金额 {rows['T01']['贷款汇总金额']} 应等于 T02–T05 之和 {core}", "T01")


def validate_lines(code: str, lines: list[list[str]], file: str) -> list[Issue]:
    """Every rule of the spec over the records of one file (already split on ``|``)."""
    layout: Layout = layouts()[code]
    _, _, summaries, detail_code = REPORTS[code]
    rules = field_rules(code)
    names = layout.names
    c = _Check(file)
    if len(lines) < len(summaries):
        missing = "、".join(summaries[len(lines):])
        c.err("WP-PBOC-007", f"文件只有{len(lines)}行，缺少汇总行 {missing}", None, None, "字段类别",
              "前几行按顺序报送全部汇总行，无业务填0")
    details: list[tuple[int, dict[str, str]]] = []
    heads: dict[str, dict[str, str]] = {}
    for n, values in enumerate(lines, start=1):
        if len(values) != len(layout.fields):
            c.err("WP-PBOC-001", f"字段数 {len(values)}，应为 {len(layout.fields)}", n)
            continue
        row = dict(zip(names, values, strict=True))
        summary = n <= len(summaries)
        key = None if summary else _key(row)
        if summaries:
            expected = summaries[n - 1] if summary else detail_code
            if values[0] != expected:
                c.err("WP-PBOC-007", f"第{n}行字段类别应为 {expected}，实际 {values[0] or '空'}", n, key, "字段类别",
                      "汇总行按规定顺序在前，逐笔行在后")
        for f in layout.fields:
            problem = check_value(row[f.name], f.type)
            if problem:
                c.err("WP-PBOC-002", f"{f.name}：{problem}（值 {row[f.name]}）", n, key, f.name)
            elif f.name in rules and f.name != "字段类别":
                _field(c, rules[f.name], row, summary, n, key)
        if not summary:
            _row_logic(c, code, row, n, key)
            details.append((n, row))
        elif values[0] == summaries[n - 1] and not any(check_value(row[f], t) for f, t in (
                ("贷款汇总金额", "D20.2"), ("贷款汇总获贷企业数量", "I..20"), ("贷款汇总户数", "I..20")) if f in row):
            heads[values[0]] = row
    if summaries and len(heads) == len(summaries):
        _summaries(c, code, heads)
    _unique(c, code, details)
    return c.issues


def validate_bytes(code: str, data: bytes, file: str) -> list[Issue]:
    """Format rules of the file as bytes, then every record rule."""
    c = _Check(file)
    if data.startswith(b"\xef\xbb\xbf"):
        c.err("WP-PBOC-001", "文件含 BOM")
    if b"\r" in data:
        c.err("WP-PBOC-001", "含 CR 换行符，应为 LF")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        c.err("WP-PBOC-001", f"不是有效的 UTF-8：{exc}")
        return c.issues
    lines = text.replace("\r", "").split("\n")
    if lines and lines[-1] == "":
        lines = lines[:-1]
    return c.issues + validate_lines(code, [line.split("|") for line in lines], file)

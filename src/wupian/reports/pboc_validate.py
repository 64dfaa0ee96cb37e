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

The record rules run set-based in the engine (``wupian.engine.pboc_checks``): this module compiles the packaged rules
of a report into its ``RecordPlan`` once, and turns the lines the engine finds into Issues with the zh text of
each rule. The summary rows' agreement (WP-PBOC-017) is checked here on the few summary rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

import pyarrow as pa

from wupian.core.issues import Issue, Level, Source
from wupian.engine.pboc_checks import (
    RECORDS,
    FieldCheck,
    RecordPlan,
    drop_records,
    line_marks,
    load_records,
    repeated_keys,
    scratch,
    summary_records,
)
from wupian.engine.warehouse import Warehouse
from wupian.reports.pboc_layout import REPORTS, Field, layouts, type_problem
from wupian.reports.pboc_rules import FieldRule, allowed_codes, field_rules

TECH_FLAGS = ("是否高技术制造业贷款", "是否高技术服务业贷款", "是否战略性新兴产业贷款", "是否知识产权（专利）密集型产业贷款")
INCLUSIVE_FLAGS = (
    "是否单户授信小于1000万元的小微型企业贷款", "是否单户授信小于1000万元的个体工商户经营性贷款",
    "是否单户授信小于1000万元的小微企业主经营性贷款", "是否单户授信小于500万元的农户经营性贷款",
    "是否创业担保贷款", "是否助学贷款", "是否原建档立卡贫困人口消费贷款",
)
DIGITAL_FLAGS = ("是否数字经济核心产业贷款", "是否数字化效率提升业贷款")
BILL_FIELDS = ("业务类别", "贷款合同编码", "贷款借据编码", "票据编号")
BILL_CODE = "C03"
KEY_FIELDS = ("贷款借据编码", "票据编号")
SUMMARY_NUMBERS = ("贷款汇总金额", "贷款汇总获贷企业数量", "贷款汇总户数")


@cache
def record_plan(code: str) -> RecordPlan:
    """The packaged rules of report ``code`` as the engine's plan (field positions are 1-based, layout order)."""
    layout = layouts()[code]
    rules = field_rules(code)
    pos = {name: i for i, name in enumerate(layout.names, start=1)}
    fields = []
    for i, f in enumerate(layout.fields, start=1):
        rule = rules.get(f.name)
        if rule is None or f.name == "字段类别":
            fields.append(FieldCheck(i, f.type, rules=False))
            continue
        when = (pos.get(rule.required_when[0]), rule.required_when[1]) if rule.required_when else None
        fields.append(FieldCheck(i, f.type, True, rule.on_summary, rule.on_detail, allowed_codes(rule), rule.pattern,
                                 when))
    tag, flow, summaries, detail_code = REPORTS[code]
    flags = {"tech_industry": TECH_FLAGS, "inclusive": INCLUSIVE_FLAGS}.get(tag, ())

    def present(names: tuple[str, ...]) -> tuple[int, ...]:
        return tuple(pos[n] for n in names if n in pos)

    bill = tuple(pos[n] for n in BILL_FIELDS)  # every layout carries the four (a KeyError here is a packaging error)
    return RecordPlan(tuple(fields), summaries, detail_code, (*bill, BILL_CODE),  # type: ignore[arg-type]
                      present(flags), present(DIGITAL_FLAGS) if tag == "digital" else (), present(KEY_FIELDS),
                      pos.get("交易流水号") if flow else None)


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


def _field_issue(c: _Check, rule: FieldRule | None, name: str, field_type: str, mark: str, row: dict[str, str],
                 summary: bool, n: int, key: str | None) -> None:
    value = row[name]
    where = "汇总行的" if summary else ""
    if mark.startswith("T:"):
        c.err("WP-PBOC-002", f"{name}：{type_problem(mark[2:], value, field_type)}（值 {value}）", n, key, name)
        return
    assert rule is not None
    if mark == "M":
        c.err("WP-PBOC-003", f"{where}{name}为必填项，不能为空", n, key, name, rule.fix)
    elif mark == "E":
        c.err("WP-PBOC-004", f"{where}{name}应空置（实际 {value}）", n, key, name, rule.source)
    elif mark in ("Creq", "Cempty"):
        assert rule.required_when is not None
        other, want = rule.required_when
        if mark == "Creq":
            c.err("WP-PBOC-006", f"“{other}”填报{want}时{name}为必填项", n, key, name, rule.fix)
        else:
            c.err("WP-PBOC-006", f"“{other}”未填报{want}时{name}应空置（实际 {value}）", n, key, name,
                  f"{other}为1时才填报{name}")
    elif mark == "X":
        if value in rule.exclude_codes:
            c.err("WP-PBOC-005", f"{name}不应填报 {value}", n, key, name, rule.fix)
        else:
            codes = allowed_codes(rule) or ()
            c.err("WP-PBOC-005", f"{name}取值 {value} 不在代码表内（{'/'.join(codes)}）", n, key, name, rule.fix)
    elif mark == "P":
        c.err("WP-PBOC-013", f"{name}格式不符（实际 {value}）", n, key, name, rule.fix)


def _record_issue(c: _Check, code: str, mark: str, row: dict[str, str], n: int, key: str | None) -> None:
    if mark == "bill_ids":
        c.err("WP-PBOC-009", "票据融资（C03）的贷款合同编码和贷款借据编码应填0", n, key, "贷款借据编码",
              "票据直贴以票据编号标识，合同、借据编码填0")
    elif mark == "bill_missing":
        c.err("WP-PBOC-009", "票据融资（C03）应填报票据编号", n, key, "票据编号",
              "在贷款借据表 loans 的 bill_no 列填写票据编号")
    elif mark == "bill_extra":
        c.err("WP-PBOC-009", f"非票据融资的票据编号应填0（实际 {row['票据编号']}）", n, key, "票据编号",
              "只有票据直贴填报票据编号")
    elif mark == "flags":
        kind = REPORTS[code][0]
        if kind == "digital":
            c.err("WP-PBOC-012", "“是否数字经济核心产业贷款”与“是否数字化效率提升业贷款”应有且只有一项填报1", n, key,
                  DIGITAL_FLAGS[0], "核对贷款借据表 loans 的 digital_code（DE01–DE04 或 DE05）")
        else:
            flags, msg = ((TECH_FLAGS, "科技相关产业贷款逐笔行至少应有一项产业标识填报1") if kind == "tech_industry"
                          else (INCLUSIVE_FLAGS, "普惠贷款逐笔行至少应有一项普惠标识填报1"))
            c.err("WP-PBOC-012", msg, n, key, flags[0], "该笔贷款不属于本类别，不应报送；核对分类结果")


@dataclass(frozen=True, slots=True)
class _Report:
    """What wording the issues of one report needs, looked up once per file."""
    code: str
    names: tuple[str, ...]
    fields: tuple[Field, ...]
    rules: dict[str, FieldRule]
    summaries: tuple[str, ...]
    detail_code: str | None


def _report(code: str) -> _Report:
    layout = layouts()[code]
    _, _, summaries, detail_code = REPORTS[code]
    return _Report(code, layout.names, layout.fields, field_rules(code), summaries, detail_code)


def _line_issues(c: _Check, rep: _Report, found: dict[str, Any]) -> set[str]:
    """Issues of one line the engine found; returns the names of the fields whose value does not fit its type."""
    n, values = int(found["n"]), str(found["line"]).split("|")
    if found["marks"] == "count":
        c.err("WP-PBOC-001", f"字段数 {len(values)}，应为 {len(rep.fields)}", n)
        return set()
    row = dict(zip(rep.names, values, strict=True))
    summary = n <= len(rep.summaries)
    key = None if summary else _key(row)
    mistyped = set()
    for mark in found["marks"].split(";"):
        if mark == "kind":
            expected = rep.summaries[n - 1] if summary else rep.detail_code
            c.err("WP-PBOC-007", f"第{n}行字段类别应为 {expected}，实际 {values[0] or '空'}", n, key, "字段类别",
                  "汇总行按规定顺序在前，逐笔行在后")
        elif ":" in mark:
            pos, what = mark.split(":", 1)
            f = rep.fields[int(pos) - 1]
            _field_issue(c, rep.rules.get(f.name), f.name, f.type, what, row, summary, n, key)
            if what.startswith("T:"):
                mistyped.add(f.name)
        else:
            _record_issue(c, rep.code, mark, row, n, key)
    return mistyped


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


def validate_records(wh: Warehouse, code: str, file: str, table: str = RECORDS) -> list[Issue]:
    """Every rule of the spec over the records of one file, held in ``table`` as ``(n, line)``
    (``engine.pboc_checks.load_records``)."""
    rep = _report(code)
    summaries = rep.summaries
    plan = record_plan(code)
    c = _Check(file)
    heads = summary_records(wh, len(summaries), table)
    if len(heads) < len(summaries):
        missing = "、".join(summaries[len(heads):])
        c.err("WP-PBOC-007", f"文件只有{len(heads)}行，缺少汇总行 {missing}", None, None, "字段类别",
              "前几行按顺序报送全部汇总行，无业务填0")
    mistyped: dict[int, set[str]] = {}
    for found in line_marks(wh, plan, table):
        mistyped[int(found["n"])] = _line_issues(c, rep, found)
    good: dict[str, dict[str, str]] = {}
    for n, line in enumerate(heads, start=1):
        values = line.split("|")
        if len(values) == len(rep.fields) and values[0] == summaries[n - 1] \
                and not mistyped.get(n, set()) & set(SUMMARY_NUMBERS):
            good[values[0]] = dict(zip(rep.names, values, strict=True))
    if summaries and len(good) == len(summaries):
        _summaries(c, code, good)
    flow = REPORTS[code][1]
    for r in repeated_keys(wh, plan, table):
        row = dict(zip(rep.names, str(r["line"]).split("|"), strict=True))
        field = rep.names[int(r["pos"]) - 1]
        value = row[field]
        what = f"{field} {value}" + (f" 与交易流水号 {row.get('交易流水号', '')}" if flow else "")
        c.err("WP-PBOC-008", f"{what} 重复（首次出现在第{r['first']}行）", int(r["n"]), f"{field}={value}", field,
              f"同一{field}重复时以“{field}_01”“{field}_02”区分")
    return c.issues


def validate_text_lines(code: str, lines: pa.Array | list[str], file: str, wh: Warehouse | None = None) -> list[Issue]:
    """Every rule over ``lines`` (the file's lines without their LF), checked in ``wh`` or a private scratch database."""
    own = wh is None
    db = scratch() if wh is None else wh
    try:
        load_records(db, lines if isinstance(lines, pa.Array) else pa.array(lines, pa.string()))
        try:
            return validate_records(db, code, file)
        finally:
            drop_records(db)
    finally:
        if own:
            db.close()


def validate_lines(code: str, lines: list[list[str]], file: str) -> list[Issue]:
    """Every rule of the spec over the records of one file, each already split on ``|``."""
    return validate_text_lines(code, ["|".join(values) for values in lines], file)


def validate_bytes(code: str, data: bytes, file: str, wh: Warehouse | None = None) -> list[Issue]:
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
    return c.issues + validate_text_lines(code, lines, file, wh)

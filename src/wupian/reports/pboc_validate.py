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

from collections.abc import Callable
from decimal import Decimal
from functools import cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from wupian.core.issues import Issue
from wupian.engine.pboc_checks import (
    RECORDS,
    FieldCheck,
    RecordPlan,
    drop_records,
    line_marks,
    load_records,
    repeated_keys,
    repeated_record_keys,
    scratch,
    summary_records,
)
from wupian.engine.warehouse import Warehouse
from wupian.reports.pboc_layout import REPORTS, layouts
from wupian.reports.pboc_rules import allowed_codes, field_rules
from wupian.reports.pboc_wording import (
    DIGITAL_FLAGS,
    INCLUSIVE_FLAGS,
    TECH_FLAGS,
    _Check,
    _report,
    line_findings,
)
from wupian.reports.worklists import concat, findings_table, to_issues

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
    branch = next((pos[f.name] for f in layout.fields if rules.get(f.name) and rules[f.name].scope == "branch_id"),
                  None)
    return RecordPlan(tuple(fields), summaries, detail_code, (*bill, BILL_CODE),  # type: ignore[arg-type]
                      present(flags), present(DIGITAL_FLAGS) if tag == "digital" else (), present(KEY_FIELDS),
                      pos.get("交易流水号") if flow else None, branch)


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
    return to_issues(validate_table(wh, code, file, table))


def validate_table(wh: Warehouse, code: str, file: str, table: str = RECORDS) -> pa.Table:
    """``validate_records`` as a findings table (``wupian.reports.worklists``): a file can break a rule on every
    record, and its findings are worded column-wise (``pboc_wording.line_findings``)."""
    plan = record_plan(code)
    heads = summary_records(wh, len(plan.summaries), table)
    return _findings(code, file, heads, line_marks(wh, plan, table), repeated_keys(wh, plan, table))


def validate_checked(wh: Warehouse, code: str, file: str, head: list[str], records: pa.Table,
                     head_marks: pa.Table | None = None) -> pa.Table:
    """``validate_table`` of the file whose summary rows are ``head`` and whose detail records are ``records``, as
    checked by the statement that built them (``engine.pboc_checks.checked_records``: the marks and key fields of
    each record): the summary rows are checked as text (``head_marks``: as ``checked_file`` checked them with the
    records), the detail records' marks and keys are read off ``records`` — the same findings as ``validate_table``
    over the file's lines, without splitting the records again."""
    return checked_engine(wh, code, file, head, records, head_marks)()


def checked_engine(wh: Warehouse, code: str, file: str, head: list[str], records: pa.Table,
                   head_marks: pa.Table | None = None) -> Callable[[], pa.Table]:
    """``validate_checked`` in two steps: what it asks of the warehouse is done now, and the rest — wording the
    findings, in Python and Arrow, without the warehouse — is the function returned (a caller may run it where the
    warehouse is not at hand, e.g. in another thread)."""
    plan = record_plan(code)
    k = len(head)
    if k != len(plan.summaries):  # the records were checked as lines k + 1 …: not this file's (never written so)
        load_records(wh, pa.concat_arrays([pa.array(head, pa.string()), records.column("line").combine_chunks()]))
        try:
            table = validate_table(wh, code, file)
        finally:
            drop_records(wh)
        return lambda: table
    if head_marks is None:
        load_records(wh, pa.array(head, pa.string()))
        try:
            head_marks = line_marks(wh, plan)
        finally:
            drop_records(wh)
    repeats = repeated_record_keys(wh, plan, records)
    marked = head_marks

    def words() -> pa.Table:
        marks = records.column("marks")
        # the key fields and the branch as the records' statement read them (every built record has all its
        # fields); none on the summary rows, whose key and branch the wording never reads
        keys = [c for c in records.column_names
                if c[:1] == "v" and c[1:].isdigit() and int(c[1:]) in (*plan.keys, plan.branch)]
        detail = pa.table({"n": pa.array(np.arange(k + 1, k + 1 + records.num_rows, dtype=np.int32)),
                           "line": records.column("line"), "marks": marks,
                           **{c: records.column(c) for c in keys}})
        marked_rows = pc.not_equal(marks, "")
        if not pc.all(marked_rows, skip_nulls=False).as_py():  # a file whose every record breaks a rule: no copy
            detail = detail.filter(marked_rows)
        heads = marked.filter(pc.not_equal(marked.column("marks"), "")).select(["n", "line", "marks"])
        if heads.num_rows == 0:
            return _findings(code, file, head, detail, repeats)
        heads = pa.table({**{c: heads.column(c) for c in heads.column_names},
                          **{c: pa.nulls(heads.num_rows, pa.string()) for c in keys}})
        return _findings(code, file, head, pa.concat_tables([heads.cast(detail.schema), detail]), repeats)

    return words


def _findings(code: str, file: str, heads: list[str], marked: pa.Table, repeats: list[dict[str, Any]]) -> pa.Table:
    rep = _report(code)
    summaries = rep.summaries
    c = _Check(file)
    if len(heads) < len(summaries):
        missing = "、".join(summaries[len(heads):])
        c.err("WP-PBOC-007", f"文件只有{len(heads)}行，缺少汇总行 {missing}", None, None, "字段类别",
              "前几行按顺序报送全部汇总行，无业务填0")
    head = findings_table(c.issues)
    lines, mistyped = line_findings(marked, rep, file)
    c.issues = []
    good: dict[str, dict[str, str]] = {}
    for n, line in enumerate(heads, start=1):
        values = line.split("|")
        if len(values) == len(rep.fields) and values[0] == summaries[n - 1] \
                and not mistyped.get(n, set()) & set(SUMMARY_NUMBERS):
            good[values[0]] = dict(zip(rep.names, values, strict=True))
    if summaries and len(good) == len(summaries):
        _summaries(c, code, good)
    flow = REPORTS[code][1]
    for r in repeats:
        row = dict(zip(rep.names, str(r["line"]).split("|"), strict=True))
        field = rep.names[int(r["pos"]) - 1]
        value = row[field]
        what = f"{field} {value}" + (f" 与交易流水号 {row.get('交易流水号', '')}" if flow else "")
        c.err("WP-PBOC-008", f"{what} 重复（首次出现在第{r['first']}行）", int(r["n"]), f"{field}={value}", field,
              f"同一{field}重复时以“{field}_01”“{field}_02”区分")
    return concat([head, lines, findings_table(c.issues)])


def validate_text_lines(code: str, lines: pa.Array | list[str], file: str, wh: Warehouse | None = None) -> list[Issue]:
    """Every rule over ``lines`` (the file's lines without their LF), checked in ``wh`` or a private scratch database."""
    return to_issues(_text_lines_table(code, lines, file, wh))


def _text_lines_table(code: str, lines: pa.Array | list[str], file: str, wh: Warehouse | None) -> pa.Table:
    own = wh is None
    db = scratch() if wh is None else wh
    try:
        load_records(db, lines if isinstance(lines, pa.Array) else pa.array(lines, pa.string()))
        try:
            return validate_table(db, code, file)
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
    return to_issues(validate_bytes_table(code, data, file, wh))


def validate_bytes_table(code: str, data: bytes, file: str, wh: Warehouse | None = None, *,
                         records: bool = True) -> pa.Table:
    """``validate_bytes`` as a findings table; with ``records`` False the format rules only (the caller knows the
    record rules' verdict on exactly these lines)."""
    c = _Check(file)
    if data.startswith(b"\xef\xbb\xbf"):
        c.err("WP-PBOC-001", "文件含 BOM")
    if b"\r" in data:
        c.err("WP-PBOC-001", "含 CR 换行符，应为 LF")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        c.err("WP-PBOC-001", f"不是有效的 UTF-8：{exc}")
        return findings_table(c.issues)
    if not records:
        return findings_table(c.issues)
    lines = text.replace("\r", "").split("\n")
    if lines and lines[-1] == "":
        lines = lines[:-1]
    return concat([findings_table(c.issues), _text_lines_table(code, lines, file, wh)])

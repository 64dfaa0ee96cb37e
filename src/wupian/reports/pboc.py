"""The ten PBOC 2025 五篇大文章 loan-level files (``<USCC>_<表名>_<YYYYMMDD>.dat`` + ``.log``) and their
self-check, which re-reads every file against the field dictionary.

Content rules (from the 采集规范 and documented in docs/reports.md):
* stock files list the category's loans with a counted amount > 0 on the as-of date; flow files list the
  category's loans disbursed in the reporting month (放款日期 in [月初, 报告日]);
* 科技 files carry 科技相关产业 loans (科技型企业 are derived by the PBOC from the lists); summary rows
  T08–T12 (stock: Σ余额, balance-weighted rate, borrowers; flow: Σ放款金额, amount-weighted rate, borrowers);
  养老 T01/T02 (全国养老机构 = borrower on that registry); 数字 T01–T06 (T01 = DE01–DE04, T06 = DE05);
* 票据直贴: 合同编码 and 借据编码 are ``0``, 票据编号 = our loan id; other loans: 票据编号 ``0``;
* 交易流水号 = ``<借据编码>-<放款日期YYYYMMDD>`` (one disbursement per 借据 in the input contract);
* 普惠 flags are derived from the classification (普惠小微 tag) and the borrower type: 小微企业 (企业/其他组织),
  个体工商户, 小微企业主; 农户经营性 = 普惠 loan to a 农户 with 单户授信 ≤ 500万元 and not a consumer product;
  创业担保 / 助学 / 原建档立卡 from the loan's own fields.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from wupian.core.errors import UsageError
from wupian.core.issues import Issue, Level, Source
from wupian.engine.metrics_reports import category_loans
from wupian.engine.warehouse import Warehouse
from wupian.reports.pboc_layout import (
    REPORTS,
    SUMMARY_FIELDS,
    Layout,
    check_value,
    clean,
    fmt_decimal,
    layouts,
)

BUSINESS_CODES = {"corporate": "C01", "personal": "C02", "bill_direct": "C03"}
FARMER_LIMIT = Decimal("5000000")
USCC = re.compile(r"[0-9A-Z]{18}|[0-9A-Z]{9}")


@dataclass(frozen=True, slots=True)
class PbocFile:
    report_code: str
    path: Path
    log_path: Path
    records: int
    detail_rows: int


def _yes(flag: bool) -> str:
    return "1" if flag else "0"


def _digital_code_is(code: str) -> Callable[[dict[str, Any]], bool]:
    return lambda r: r["digital_code"] == code


def _summary_groups(code: str) -> list[tuple[str, Callable[[dict[str, Any]], bool]]]:
    tag = REPORTS[code][0]
    if tag == "tech_industry":
        return [
            ("T08", lambda r: bool(r["tech_htp"])), ("T09", lambda r: bool(r["tech_hts"])),
            ("T10", lambda r: bool(r["tech_se"])), ("T11", lambda r: bool(r["tech_pa"])), ("T12", lambda r: True),
        ]
    if tag == "pension":
        return [("T01", lambda r: True), ("T02", lambda r: bool(r["elderly_institution"]))]
    if tag == "digital":
        groups: list[tuple[str, Callable[[dict[str, Any]], bool]]] = [
            ("T01", lambda r: r["digital_code"] in ("DE01", "DE02", "DE03", "DE04"))]
        for i, de in enumerate(("DE01", "DE02", "DE03", "DE04", "DE05"), start=2):
            groups.append((f"T{i:02d}", _digital_code_is(de)))
        return groups
    return []


def _detail_values(row: dict[str, Any], ctx: dict[str, Any]) -> dict[str, str]:
    bill = row["business_type"] == "bill_direct"
    micro = row["loan_id"] in ctx["micro"]
    ctype = row["customer_type"]
    limit = row["credit_limit_total"]
    farmer = (ctype == "farmer" and limit is not None and Decimal(limit) <= FARMER_LIMIT
              and not str(row["product_type"] or "").startswith("F021"))
    de = row["digital_code"]
    return {
        "金融机构代码": ctx["uscc"],
        "内部机构号": row["branch_id"],
        "贷款合同编码": "0" if bill else (row["contract_id"] or ""),
        "贷款借据编码": "0" if bill else row["loan_id"],
        "票据编号": row["loan_id"] if bill else "0",
        "交易流水号": f"{row['loan_id']}-{row['drawdown_date']:%Y%m%d}",
        "业务类别": BUSINESS_CODES.get(row["business_type"], ""),
        "是否高技术制造业贷款": _yes(bool(row["tech_htp"])), "高技术制造业贷款类型": row["tech_htp"] or "",
        "是否高技术服务业贷款": _yes(bool(row["tech_hts"])), "高技术服务业贷款类型": row["tech_hts"] or "",
        "是否战略性新兴产业贷款": _yes(bool(row["tech_se"])), "战略性新兴产业贷款类型": row["tech_se"] or "",
        "是否知识产权（专利）密集型产业贷款": _yes(bool(row["tech_pa"])),
        "知识产权（专利）密集型产业贷款类型": row["tech_pa"] or "",
        "是否单户授信小于1000万元的小微型企业贷款": _yes(micro and ctype in ("enterprise", "other_org")),
        "是否单户授信小于1000万元的个体工商户经营性贷款": _yes(micro and ctype == "sole_proprietor"),
        "是否单户授信小于1000万元的小微企业主经营性贷款": _yes(micro and ctype == "small_business_owner"),
        "是否单户授信小于500万元的农户经营性贷款": _yes(farmer),
        "是否创业担保贷款": _yes(bool(row["startup_guarantee"])),
        "是否助学贷款": _yes(bool(row["is_student_loan"])),
        "是否原建档立卡贫困人口消费贷款": _yes(bool(row["is_ex_poverty_consumer"])),
        "养老产业贷款类型": row["pension_code"] or "",
        "是否全国养老机构贷款": _yes(bool(row["elderly_institution"])),
        "是否数字经济核心产业贷款": _yes(de in ("DE01", "DE02", "DE03", "DE04")),
        "数字经济核心产业贷款类型": de if de in ("DE01", "DE02", "DE03", "DE04") else "",
        "是否数字化效率提升业贷款": _yes(de == "DE05"),
    }


def _summary_line(layout: Layout, code: str, rows: list[dict[str, Any]], flow: bool) -> list[str]:
    weight_key = "drawdown_amount" if flow else "amount"
    total = sum((Decimal(r[weight_key]) for r in rows), Decimal(0))
    rated = sum((Decimal(r[weight_key]) * Decimal(r["interest_rate"]) for r in rows), Decimal(0))
    rate = rated / total if total else Decimal(0)
    values = {"字段类别": code, "贷款汇总金额": fmt_decimal(total, "D20.2"),
              "贷款汇总加权平均利率": fmt_decimal(rate, "D10.5"),
              "贷款汇总获贷企业数量": str(len({r["customer_id"] for r in rows})),
              "贷款汇总户数": str(len({r["customer_id"] for r in rows}))}
    return [values.get(f.name, "") if f.name in SUMMARY_FIELDS else "" for f in layout.fields]


def _lines(code: str, rows: list[dict[str, Any]], ctx: dict[str, Any]) -> tuple[list[list[str]], list[Issue]]:
    layout = layouts()[code]
    _, flow, summaries, detail_code = REPORTS[code]
    issues: list[Issue] = []
    out = [_summary_line(layout, c, [r for r in rows if pred(r)], flow) for c, pred in _summary_groups(code)]
    for r in rows:
        values = _detail_values(r, ctx)
        if detail_code:
            values["字段类别"] = detail_code
        if values["贷款合同编码"] == "" and r["business_type"] != "bill_direct":
            issues.append(Issue("WP-PBOC-010", Level.WARNING, "贷款合同编码缺失，已留空",
                                Source("loans", None, f"loan_id={r['loan_id']}", "contract_id"),
                                "请在贷款借据表补充合同编码"))
        if REPORTS[code][0] == "digital" and r["digital_code"] not in ("DE01", "DE02", "DE03", "DE04", "DE05"):
            issues.append(Issue("WP-PBOC-011", Level.WARNING, "数字经济产业贷款缺少数字经济产业类型代码",
                                Source("loans", None, f"loan_id={r['loan_id']}", "digital_code")))
        line = []
        for f in layout.fields:
            if f.name in SUMMARY_FIELDS[1:] or f.type == "" or f.name.startswith("是否国家技术") or f.name.startswith(
                    "是否制造业单项冠军"):
                line.append("")
            else:
                line.append(clean(values.get(f.name, "")))
        out.append(line)
    return out, issues


def write_pboc_files(
    wh: Warehouse, as_of: date, out_dir: Path, *, uscc: str, profile: str = "pboc_2025",
    created_at: datetime | None = None, branch_id: str | None = None,
) -> tuple[list[PbocFile], list[Issue]]:
    """Write the ten files and their .log files; return them with the writer's issues (not the self-check's)."""
    if not USCC.fullmatch(uscc):
        raise UsageError(f"--uscc must be an 18-character 统一社会信用代码 (or 9-character 组织机构代码), got {uscc!r}")
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = (created_at or datetime.now()).strftime("%Y-%m-%d %H:%M:%S")
    loans = category_loans(wh, as_of, profile=profile, subtree=branch_id,
                           tags=["tech_industry", "green", "inclusive", "inclusive_micro", "pension", "digital"])
    all_rows = loans.to_pylist() if loans.num_columns else []
    micro = {r["loan_id"] for r in all_rows if r["tag"] == "inclusive_micro"}
    ctx = {"uscc": uscc, "micro": micro}
    month_start = as_of.replace(day=1)
    files: list[PbocFile] = []
    issues: list[Issue] = []
    for code, (tag, flow, _, _) in REPORTS.items():
        rows = [r for r in all_rows if r["tag"] == tag]
        if flow:
            rows = [r for r in rows if month_start <= r["drawdown_date"] <= as_of]
        else:
            rows = [r for r in rows if Decimal(r["amount"]) > 0]
        lines, found = _lines(code, rows, ctx)
        issues += found
        text = "".join("|".join(line) + "\n" for line in lines)
        data = text.encode("utf-8")
        name = f"{uscc}_{code}_{as_of:%Y%m%d}.dat"
        path = out_dir / name
        path.write_bytes(data)
        log = out_dir / (name[:-4] + ".log")
        log.write_bytes(
            f"{name}\n{hashlib.md5(data).hexdigest()}\n{len(data)}\n{stamp}\n{len(lines)}\n".encode()
        )
        files.append(PbocFile(code, path, log, len(lines), len(rows)))
    return files, issues


def self_check(files: list[PbocFile]) -> list[Issue]:
    """Re-read every file: encoding, BOM, line ends, field count and type of every field, summary-row order,
    summary totals against the detail rows' count, and the .log (name, MD5, size, record count)."""
    issues: list[Issue] = []
    for f in files:
        layout = layouts()[f.report_code]
        _, _, summaries, detail_code = REPORTS[f.report_code]
        name = f.path.name
        data = f.path.read_bytes()

        def err(msg: str, line: int | None = None, column: str | None = None, name: str = name) -> None:
            issues.append(Issue("WP-PBOC-001", Level.ERROR, msg, Source(name, line, None, column)))

        if data.startswith(b"\xef\xbb\xbf"):
            err("文件含 BOM")
        if b"\r" in data:
            err("含 CR 换行符，应为 LF")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            err(f"不是有效的 UTF-8：{exc}")
            continue
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines = lines[:-1]
        for n, line in enumerate(lines, start=1):
            values = line.split("|")
            if len(values) != len(layout.fields):
                err(f"字段数 {len(values)}，应为 {len(layout.fields)}", n)
                continue
            for field, value in zip(layout.fields, values, strict=True):
                problem = check_value(value, field.type)
                if problem:
                    err(f"{field.name}：{problem}（值 {value!r}）", n, field.name)
            if summaries:
                expected = summaries[n - 1] if n <= len(summaries) else detail_code
                if values[0] != expected:
                    err(f"字段类别应为 {expected}，实际 {values[0]}", n, "字段类别")
                if n <= len(summaries) and any(v == "" for v in values[1:4]):
                    err("汇总行的汇总指标不能为空（无业务填 0）", n)
        log = f.log_path.read_bytes().decode("utf-8").split("\n")
        expected_log = [name, hashlib.md5(data).hexdigest(), str(len(data)), None, str(len(lines))]
        for i, want in enumerate(expected_log):
            got = log[i] if i < len(log) else ""
            if want is not None and got != want:
                err(f".log 第{i + 1}行应为 {want}，实际 {got}", i + 1, name=f.log_path.name)
        if len(log) < 4 or not re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", log[3]):
            err(".log 第4行应为文件创建时间 YYYY-MM-DD HH:MM:SS", 4, name=f.log_path.name)
        if len(lines) != f.records:
            err(f"记录数 {len(lines)} 与写出的 {f.records} 不符")
    return issues

"""The ten PBOC 2025 五篇大文章 loan-level files (``<USCC>_<表名>_<YYYYMMDD>.dat`` + ``.log``), validated before
they are written.

Every file is checked in memory against the whole 采集规范 (``pboc_validate``: every field's type, length,
mandatory / conditional rule and code list, summary-row order, key uniqueness, bill and flag rules). A file that
fails is never written to the submission folder: it goes to ``<out>/rejected/`` (no ``.log``, so it cannot be
uploaded by mistake) and any earlier file of the same name is removed from the submission folder; each failure is a
located ERROR that says what to fill in. ``self_check`` re-reads the written files (bytes, .log, every rule again).

Content rules (from the 采集规范 and documented in docs/reports.md):
* stock files list the category's loans with a counted amount > 0 on the as-of date; flow files list the
  category's loans disbursed in the reporting month (放款日期 in [月初, 报告日]);
* 科技 files carry 科技相关产业 loans (科技型企业 are derived by the PBOC from the lists); summary rows
  T08–T12 (stock: Σ余额, balance-weighted rate, borrowers; flow: Σ放款金额, amount-weighted rate, borrowers);
  T08–T11 and the per-loan 是否/类型 fields count a dimension only when its classification rule fired (a code that
  contradicts the purpose industry and is not accepted is not counted);
  养老 T01/T02 (全国养老机构 = borrower on that registry); 数字 T01–T06 (T01 = DE01–DE04, T06 = DE05);
* 金融机构代码 = the booking branch's 统一社会信用代码 (``branches.uscc``, inherited from the nearest ancestor);
  the file name carries the legal entity's (``--uscc``);
* 票据直贴: 合同编码 and 借据编码 are ``0``, 票据编号 = ``loans.bill_no``; other loans: 票据编号 ``0``;
* 交易流水号 = ``loans.drawdown_serial``; where ``bill_no`` / ``drawdown_serial`` are blank the loan id (resp.
  ``<借据编码>-<放款日期YYYYMMDD>``) is written and a WARNING says the file will not join at the PBOC;
* 普惠 flags are the rules of the classification that fired for the loan (``inclusive.micro_enterprise`` …
  ``inclusive.farmer`` …), never re-derived here; 创业担保 / 助学 / 原建档立卡 likewise.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from wupian.core.errors import UsageError
from wupian.core.issues import Issue, Level, Source
from wupian.engine.metrics_reports import branch_usccs
from wupian.engine.pboc_checks import checked_file, checked_records, scratch
from wupian.engine.pboc_lines import (
    Group,
    LinePlan,
    Value,
    branches_without_uscc,
    detail_records,
    drop_pboc_loans,
    prepare_pboc_loans,
    summary_sums,
)
from wupian.engine.warehouse import Warehouse
from wupian.reports.pboc_layout import REPORTS, SUMMARY_FIELDS, fmt_decimal, layouts
from wupian.reports.pboc_validate import record_plan, validate_bytes_table, validate_checked
from wupian.reports.worklists import FINDINGS, concat, constant, findings_table, to_issues

BUSINESS_CODES = {"corporate": "C01", "personal": "C02", "bill_direct": "C03"}
USCC = re.compile(r"[0-9A-Z]{18}|[0-9A-Z]{9}")
REJECTED = "rejected"
# 普惠 file flag → the classification rules whose firing sets it (the rules are the one home of each definition).
INCLUSIVE_FLAG_RULES = {
    "是否单户授信小于1000万元的小微型企业贷款": ("inclusive.micro_enterprise", "inclusive.nfra.micro_enterprise"),
    "是否单户授信小于1000万元的个体工商户经营性贷款": ("inclusive.sole_proprietor",),
    "是否单户授信小于1000万元的小微企业主经营性贷款": ("inclusive.small_business_owner",),
    "是否单户授信小于500万元的农户经营性贷款": ("inclusive.farmer",),
    "是否创业担保贷款": ("inclusive.startup_guarantee",),
    "是否助学贷款": ("inclusive.student",),
    "是否原建档立卡贫困人口消费贷款": ("inclusive.ex_poverty_consumer",),
}


@dataclass(frozen=True, slots=True)
class PbocFile:
    report_code: str
    path: Path
    log_path: Path
    records: int
    detail_rows: int
    rejected: bool = False
    validated: str = ""  # MD5 of the bytes every record rule was checked on before writing ("" unknown)


DIGITAL_CORE = ("DE01", "DE02", "DE03", "DE04")
DIGITAL_CODES = (*DIGITAL_CORE, "DE05")


def _summary_groups(code: str) -> list[tuple[str, Group]]:
    tag = REPORTS[code][0]
    if tag == "tech_industry":
        return [("T08", Group("flag", "tech_htp")), ("T09", Group("flag", "tech_hts")),
                ("T10", Group("flag", "tech_se")), ("T11", Group("flag", "tech_pa")), ("T12", Group("all"))]
    if tag == "pension":
        return [("T01", Group("all")), ("T02", Group("flag", "elderly_institution"))]
    if tag == "digital":
        return [("T01", Group("in", ("digital_code", DIGITAL_CORE))),
                *((f"T{i:02d}", Group("in", ("digital_code", (de,)))) for i, de in enumerate(DIGITAL_CODES, start=2))]
    return []


# field name → how a detail record fills it (the vocabulary of ``engine.pboc_lines.Value``)
DETAIL_VALUES: dict[str, Value] = {
    "金融机构代码": Value("column", "institution_uscc"),
    "内部机构号": Value("column", "branch_id"),
    "贷款合同编码": Value("unless_bill", "contract_id"),
    "贷款借据编码": Value("unless_bill", "loan_id"),
    "票据编号": Value("bill_no"),
    "交易流水号": Value("serial"),
    "业务类别": Value("code_map", ("business_type", tuple(BUSINESS_CODES.items()))),
    "是否高技术制造业贷款": Value("flag", "tech_htp"), "高技术制造业贷款类型": Value("column", "tech_htp"),
    "是否高技术服务业贷款": Value("flag", "tech_hts"), "高技术服务业贷款类型": Value("column", "tech_hts"),
    "是否战略性新兴产业贷款": Value("flag", "tech_se"), "战略性新兴产业贷款类型": Value("column", "tech_se"),
    "是否知识产权（专利）密集型产业贷款": Value("flag", "tech_pa"),
    "知识产权（专利）密集型产业贷款类型": Value("column", "tech_pa"),
    "养老产业贷款类型": Value("column", "pension_code"),
    "是否全国养老机构贷款": Value("flag", "elderly_institution"),
    "是否数字经济核心产业贷款": Value("in_flag", ("digital_code", DIGITAL_CORE)),
    "数字经济核心产业贷款类型": Value("in_value", ("digital_code", DIGITAL_CORE)),
    "是否数字化效率提升业贷款": Value("in_flag", ("digital_code", ("DE05",))),
    **{name: Value("fired", rules) for name, rules in INCLUSIVE_FLAG_RULES.items()},
}


def line_plan(code: str) -> LinePlan:
    """The detail record of ``code`` as a plan for the engine, field by field in layout order: spare and summary-only
    fields empty, 字段类别 the detail-row code (T13/T99), every other field from ``DETAIL_VALUES``."""
    layout = layouts()[code]
    tag, flow, _, detail_code = REPORTS[code]
    fields = []
    for f in layout.fields:
        if f.type == "" or f.name in SUMMARY_FIELDS[1:]:
            fields.append(Value("const", ""))
        elif f.name == "字段类别":
            fields.append(Value("const", detail_code or ""))
        else:
            fields.append(DETAIL_VALUES.get(f.name, Value("const", "")))
    return LinePlan(tag, flow, tuple(fields), tuple(g for _, g in _summary_groups(code)))


def _summary_lines(wh: Warehouse, code: str, plan: LinePlan, as_of: date) -> list[list[str]]:
    layout = layouts()[code]
    out = []
    for (c, _), sums in zip(_summary_groups(code), summary_sums(wh, plan, as_of), strict=True):
        total = Decimal(sums["total"] or 0)
        rated = Decimal(sums["rated"] or 0)
        rate = rated / total if total else Decimal(0)
        values = {"字段类别": c, "贷款汇总金额": fmt_decimal(total, "D20.2"),
                  "贷款汇总加权平均利率": fmt_decimal(rate, "D10.5"),
                  "贷款汇总获贷企业数量": str(sums["borrowers"]), "贷款汇总户数": str(sums["borrowers"])}
        out.append([values.get(f.name, "") if f.name in SUMMARY_FIELDS else "" for f in layout.fields])
    return out


# Flag column of ``detail_records`` → the loan's WARNING (code, text, column, what to do). A blank 贷款合同编码 has no
# warning of its own (it was WP-PBOC-010 until session 11): 合同编码 is mandatory on every detail record, so the
# validation already reports each such record as WP-PBOC-003, with its file and line.
DETAIL_WARNINGS = (
    ("no_digital", "WP-PBOC-011", "数字经济产业贷款缺少数字经济产业类型代码", "digital_code", None),
)


def _detail_findings(records: pa.Table) -> pa.Table:
    """The file's loan-level WARNINGs as a findings table, per loan in file order (in the order of
    ``DETAIL_WARNINGS``), from the flags of its detail records (``engine.pboc_lines.detail_records``)."""
    flags = [records.column(flag) for flag, *_ in DETAIL_WARNINGS]
    any_flag = flags[0]
    for f in flags[1:]:
        any_flag = pc.or_(any_flag, f)
    found = records.filter(any_flag)
    if found.num_rows == 0:
        return FINDINGS.empty_table()
    key = pc.binary_join_element_wise("loan_id=", pc.cast(found.column("loan_id"), pa.string()), "")
    parts, order = [], []
    for i, (flag, rule, text, column, fix) in enumerate(DETAIL_WARNINGS):
        rows = np.nonzero(found.column(flag).to_numpy(zero_copy_only=False))[0]
        m = len(rows)
        parts.append(pa.Table.from_arrays([
            constant("loans", m), pa.nulls(m, pa.int64()), pc.take(key, pa.array(rows)), constant(column, m),
            constant(rule, m), constant(str(Level.WARNING), m), constant(text, m), constant(fix, m)],
            names=FINDINGS.names))
        order.append(rows * len(DETAIL_WARNINGS) + i)
    return concat(parts).take(pa.array(np.argsort(np.concatenate(order), kind="stable")))


def key_gaps(records: pa.Table, limit: int = 5) -> dict[str, tuple[int, list[str]]]:
    """Synthesised keys of the file: ``bill`` (票据直贴 without bill_no) and ``serial`` (no drawdown_serial), each
    the count and the first ``limit`` loan ids in file order, from the flags of its detail records."""
    out: dict[str, tuple[int, list[str]]] = {}
    for name, flag in (("bill", "no_bill"), ("serial", "no_serial")):
        hit = records.column(flag)
        n = int(pc.sum(hit).as_py() or 0)
        out[name] = (n, records.column("loan_id").filter(hit).slice(0, limit).to_pylist() if n else [])
    return out


def _join_warnings(name: str, plan: LinePlan, records: pa.Table) -> list[Issue]:
    """WARNINGs for synthesised keys: the PBOC joins 票据编号 / 交易流水号 with 票据融资信息 / 发生额信息."""
    out = []
    gaps = key_gaps(records)
    n, bills = gaps["bill"]
    if n:
        out.append(Issue(
            "WP-PBOC-014", Level.WARNING,
            f"{n} 笔票据直贴缺少票据编号，已以借据号代填，该文件在人民银行无法与票据融资信息关联"
            f"（如 {'、'.join(bills[:5])}）", Source(name, None, None, "票据编号"),
            "在贷款借据表 loans 的 bill_no 列填写票据编号（与票据融资信息一致）"))
    n, serials = gaps["serial"]
    if plan.flow and n:
        out.append(Issue(
            "WP-PBOC-015", Level.WARNING,
            f"{n} 笔贷款缺少放款交易流水号，已以“借据编码-放款日期”代填，该文件在人民银行无法与贷款发生额信息关联"
            f"（如 {'、'.join(serials[:5])}）", Source(name, None, None, "交易流水号"),
            "在贷款借据表 loans 的 drawdown_serial 列填写放款交易流水号（与发生额信息一致）"))
    return out


def _branch_errors(wh: Warehouse, as_of: date) -> list[Issue]:
    usccs = branch_usccs(wh, as_of)
    out = [Issue("WP-PBOC-016", Level.ERROR, f"经办机构 {b} 及其上级机构均未填统一社会信用代码，人民银行文件无法填报金融机构代码",
                 Source("branches", None, f"branch_id={b}", "uscc"),
                 "在机构表 branches 的 uscc 列为该机构（或其上级机构，下级留空即继承）填写统一社会信用代码")
           for b in branches_without_uscc(wh)]
    bad = sorted(b for b, (own, _) in usccs.items() if own and not USCC.fullmatch(own))
    out += [Issue("WP-PBOC-016", Level.ERROR, f"机构 {b} 的统一社会信用代码 {usccs[b][0]} 不是18位代码（或9位组织机构代码）",
                  Source("branches", None, f"branch_id={b}", "uscc"), "更正为18位统一社会信用代码（下级机构留空即继承）")
            for b in bad]
    return out


def write_pboc_files(
    wh: Warehouse, as_of: date, out_dir: Path, *, uscc: str, profile: str = "pboc_2025",
    created_at: datetime | None = None, branch_id: str | None = None,
) -> tuple[list[PbocFile], list[Issue]]:
    """Validate and write the ten files and their .log files; a file that fails validation goes to
    ``out_dir/rejected/`` instead. Returns every file with the writer's and the validator's issues."""
    files, found = write_pboc_findings(wh, as_of, out_dir, uscc=uscc, profile=profile, created_at=created_at,
                                       branch_id=branch_id)
    return files, to_issues(found)


def write_pboc_findings(
    wh: Warehouse, as_of: date, out_dir: Path, *, uscc: str, profile: str = "pboc_2025",
    created_at: datetime | None = None, branch_id: str | None = None,
    sink: Callable[[pa.Table], None] | None = None,
) -> tuple[list[PbocFile], pa.Table]:
    """``write_pboc_files`` with the findings as one table (``wupian.reports.worklists``), in the same order:
    the branches' codes, then per file its loans' warnings, its key warnings and its validation. With ``sink``, each
    file's findings are handed to it as soon as they are found (e.g. ``WorklistFile.add``) and the table returned
    is empty: a run holds one file's findings at a time.

    Threads: everything runs on the calling thread, over ``wh``'s one connection — the temp table ``pboc_loans`` and
    the Arrow relations registered while a file is checked belong to that connection, and a private in-memory
    database is opened only by the self-check — so it may run in a worker thread on its own cursor of the
    warehouse while other report phases use theirs; ``sink`` is called on the calling thread, in file order."""
    if not USCC.fullmatch(uscc):
        raise UsageError(f"--uscc must be an 18-character 统一社会信用代码 (or 9-character 组织机构代码), got {uscc!r}")
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = (created_at or datetime.now()).strftime("%Y-%m-%d %H:%M:%S")
    plans = [line_plan(code) for code in REPORTS]
    prepare_pboc_loans(wh, as_of, profile=profile, subtree=branch_id,
                       tags=["tech_industry", "green", "inclusive", "pension", "digital"],
                       rules_of=sorted({p.tag for p in plans if any(v.kind == "fired" for v in p.fields)}),
                       borrowers_of=sorted({p.tag for p in plans if p.groups}))
    try:
        files: list[PbocFile] = []
        found: list[pa.Table] = [findings_table(_branch_errors(wh, as_of))]
        warned: dict[str, pa.Array] = {}
        for code in REPORTS:
            files.append(_write_one(wh, code, as_of, out_dir, uscc, stamp, found, warned))
            if sink is not None:
                for t in found:
                    sink(t)
                found.clear()
    finally:
        drop_pboc_loans(wh)
    return files, concat(found)


def _records(wh: Warehouse, code: str, as_of: date) -> tuple[list[str], pa.Table]:
    """The summary rows (text) and the detail records (``engine.pboc_lines.detail_records``: the text in column
    ``line`` with the flags its warnings read, file order) of one file over the run's ``pboc_loans``."""
    plan = line_plan(code)
    head = ["|".join(line) for line in _summary_lines(wh, code, plan, as_of)]
    return head, detail_records(wh, plan, as_of, check_digital=plan.tag == "digital", codes=DIGITAL_CODES)


def _checked(wh: Warehouse, code: str, as_of: date) -> tuple[list[str], pa.Table, pa.Table | None]:
    """The summary rows (text), their marks (``None``: not checked with the records) and the detail records of one
    file with what its rules find (``engine.pboc_checks.checked_file``: both in one statement)."""
    plan, rules = line_plan(code), record_plan(code)
    head = ["|".join(line) for line in _summary_lines(wh, code, plan, as_of)]
    flags = {"check_digital": plan.tag == "digital", "codes": DIGITAL_CODES}
    if len(head) != len(rules.summaries):  # never written so; the text path checks such a file
        return head, None, checked_records(wh, plan, rules, as_of, **flags)
    marks, records = checked_file(wh, plan, rules, as_of, head, **flags)
    return head, marks, records


def _text(head: list[str], details: pa.Array) -> str:
    return "".join(h + "\n" for h in head) + "\n".join(details.to_pylist()) + ("\n" if len(details) else "")


def _data(head: list[str], details: pa.Array) -> bytes:
    """``_text`` as UTF-8 bytes, the detail records taken from Arrow's buffer (each with its LF appended
    column-wise) instead of a Python string per record."""
    return b"".join(_pieces(head, details))


def _pieces(head: list[str], details: pa.Array) -> list[bytes | pa.Buffer]:
    """``_data`` as the pieces that make it up, one after the other: the summary rows' bytes and the detail records'
    Arrow buffer, not copied into one ``bytes`` (the file is written and hashed piece by piece)."""
    if details.null_count or len(details) == 0:
        return [_text(head, details).encode("utf-8")]
    ended = pc.binary_join_element_wise(details, pa.scalar("", pa.string()), "\n")  # each record + LF
    offsets = np.frombuffer(ended.buffers()[1], dtype=np.int32, count=len(ended) + 1, offset=4 * ended.offset)
    body = ended.buffers()[2][int(offsets[0]):int(offsets[-1])]
    return ["".join(h + "\n" for h in head).encode("utf-8"), body]


def _write_pieces(path: Path, pieces: list[bytes | pa.Buffer], *, hashed: bool = True) -> tuple[int, str]:
    """Write ``pieces`` to ``path`` one after the other; the file's size and MD5 (``""`` without ``hashed``: a
    rejected file has no ``.log`` and is not read back by the self-check, so nothing reads its MD5 — at 10M loans
    the rejected files are ≈ 85 MB)."""
    digest = hashlib.md5() if hashed else None
    size = 0
    with path.open("wb") as fh:
        for piece in pieces:
            fh.write(piece)
            if digest is not None:
                digest.update(piece)
            size += len(memoryview(piece))
    return size, "" if digest is None else digest.hexdigest()


def file_text(wh: Warehouse, code: str, as_of: date) -> tuple[str, int]:
    """The text of one file over the run's ``pboc_loans`` (summary rows, then the detail records, LF-terminated)
    and its number of detail records."""
    head, records = _records(wh, code, as_of)
    details = records.column("line").combine_chunks()
    return _text(head, details), len(details)


def _given(keys: pa.Array | pa.ChunkedArray, given: pa.Array) -> pa.Array | pa.ChunkedArray:
    """Whether each of ``keys`` is among ``given``. A hash table is built of the smaller of the two (building costs
    ≈ 10× probing): after the large stock files, a small file's keys are looked up in the warnings given so far
    through the few of them it shares."""
    if len(keys) >= len(given):
        return pc.is_in(keys, value_set=given)
    whole = keys.combine_chunks() if isinstance(keys, pa.ChunkedArray) else keys
    shared = given.filter(pc.is_in(given, value_set=whole))
    return pc.is_in(keys, value_set=shared)


def _once(table: pa.Table, warned: dict[str, pa.Array]) -> pa.Table:
    """The loan warnings not already given for an earlier file (a loan is in its category's stock and flow file:
    its finding is listed once, where it was first found); ``warned`` collects the keys given, per code (the
    codes compared as a handful of values, the keys hashed as they are: no ``code|key`` text per finding)."""
    if table.num_rows == 0:
        return table
    code, key = table.column("code"), table.column("key")
    seen = None
    codes = pc.unique(code).to_pylist()
    for c in codes:
        if c in warned:
            hit = pc.and_(pc.equal(code, c), _given(key, warned[c]))
            seen = hit if seen is None else pc.or_(seen, hit)
    if seen is not None:
        table = table.filter(pc.invert(seen))
        code, key = table.column("code"), table.column("key")
    for c in codes:
        given = key.filter(pc.equal(code, c))
        given = given.combine_chunks() if isinstance(given, pa.ChunkedArray) else given
        warned[c] = pa.concat_arrays([warned[c], given]) if c in warned else given
    return table


def _write_one(wh: Warehouse, code: str, as_of: date, out_dir: Path, uscc: str, stamp: str,
               found: list[pa.Table], warned: dict[str, pa.Array]) -> PbocFile:
    plan = line_plan(code)
    head, head_marks, detail = _checked(wh, code, as_of)
    details = detail.column("line").combine_chunks()
    records = len(head) + len(details)
    name = f"{uscc}_{code}_{as_of:%Y%m%d}.dat"
    # every rule, set-based over the records as they will be written (checked by the statement that built them)
    problems = validate_checked(wh, code, name, head, detail, head_marks)
    found += [_once(_detail_findings(detail), warned), findings_table(_join_warnings(name, plan, detail)), problems]
    data = _pieces(head, details)
    path, log = out_dir / name, out_dir / (name[:-4] + ".log")
    if pc.any(pc.equal(problems.column("level"), str(Level.ERROR))).as_py():
        (out_dir / REJECTED).mkdir(exist_ok=True)
        path.unlink(missing_ok=True)
        log.unlink(missing_ok=True)
        path = out_dir / REJECTED / name
        _write_pieces(path, data, hashed=False)
        return PbocFile(code, path, log, records, len(details), rejected=True)
    size, md5 = _write_pieces(path, data)
    log.write_bytes(f"{name}\n{md5}\n{size}\n{stamp}\n{records}\n".encode())
    (out_dir / REJECTED / name).unlink(missing_ok=True)
    return PbocFile(code, path, log, records, len(details), validated=md5)


def self_check(files: list[PbocFile]) -> list[Issue]:
    """Re-read every written (not rejected) file: bytes, every rule of the spec, and the .log (name, MD5, size,
    creation time, record count)."""
    return to_issues(self_check_findings(files))


def self_check_findings(files: list[PbocFile]) -> pa.Table:
    """``self_check`` as a findings table."""
    found: list[pa.Table] = []
    db: list[Warehouse] = []  # the files are checked as read back, in a private database opened when one needs it
    try:
        for f in files:
            if not f.rejected:
                found += _check_file(f, db)
    finally:
        for d in db:
            d.close()
    return concat(found)


def _check_file(f: PbocFile, db: list[Warehouse]) -> list[pa.Table]:
    """The findings of one written file read back; ``db`` holds the private database of the record rules once a file
    needs them (none is opened for files whose record rules already passed on exactly these bytes)."""
    issues: list[Issue] = []
    name = f.path.name
    data = f.path.read_bytes()
    digest = hashlib.md5(data).hexdigest()
    # The record rules already passed on exactly these lines when the bytes read back are the bytes validated
    # before writing (same MD5, LF only, one line per record): only the format rules and the .log are re-checked.
    # Anything else — a file changed since, a CR, a record split over lines — is checked against every rule again.
    same = bool(f.validated) and digest == f.validated and b"\r" not in data and data.count(b"\n") == f.records
    if not same and not db:
        db.append(scratch())
    checked = validate_bytes_table(f.report_code, data, name, db[0] if db else None, records=not same)

    def err(msg: str, line: int | None = None, name: str = name) -> None:
        issues.append(Issue("WP-PBOC-001", Level.ERROR, msg, Source(name, line)))

    lines = data.count(b"\n")
    log = f.log_path.read_bytes().decode("utf-8", "replace").split("\n")
    expected_log = [name, digest, str(len(data)), None, str(lines)]
    for i, want in enumerate(expected_log):
        got = log[i] if i < len(log) else ""
        if want is not None and got != want:
            err(f".log 第{i + 1}行应为 {want}，实际 {got}", i + 1, name=f.log_path.name)
    if len(log) < 4 or not re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", log[3]):
        err(".log 第4行应为文件创建时间 YYYY-MM-DD HH:MM:SS", 4, name=f.log_path.name)
    if lines != f.records:
        err(f"记录数 {lines} 与写出的 {f.records} 不符")
    return [checked, findings_table(issues)]

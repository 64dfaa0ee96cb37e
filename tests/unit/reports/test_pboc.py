"""The ten PBOC files: golden content, per-branch institution codes, bill no. / serial keys, the validator run on
every file written (a failing file goes to rejected/), and a self-check that catches a corrupted file."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from wupian.core.issues import Level
from wupian.engine.warehouse import Warehouse
from wupian.reports.pboc import self_check, write_pboc_files

from .golden import check_golden  # type: ignore[import-not-found]

USCC = "91130900MA0000001X"  # the legal entity (file names) = branch H's own code
A_USCC = "91130900123456789F"  # 运河支行 A; its outlets A1, A2 inherit it


def _write(bank: Warehouse, tmp_path: Path):  # type: ignore[no-untyped-def]
    return write_pboc_files(bank, date(2026, 3, 31), tmp_path, uscc=USCC, created_at=datetime(2026, 4, 1, 8, 0, 0))


def _text(files, code: str) -> str:  # type: ignore[no-untyped-def]
    return next(f for f in files if f.report_code == code).path.read_text("utf-8")


def test_files_match_golden_and_pass_the_self_check(bank: Warehouse, tmp_path: Path) -> None:
    files, issues = _write(bank, tmp_path)
    # L09 (disbursed 2026-03-20) has no drawdown_serial: the two flow files it is in warn, nothing else
    assert [(i.code, i.source.file) for i in issues] == [
        ("WP-PBOC-015", f"{USCC}_HDAPHDKFS_20260331.dat"), ("WP-PBOC-015", f"{USCC}_HDAYLDKFS_20260331.dat")]
    assert issues[0].level is Level.WARNING and issues[0].message == (
        "1 笔贷款缺少放款交易流水号，已以“借据编码-放款日期”代填，该文件在人民银行无法与贷款发生额信息关联（如 L09）")
    assert [f.path.name for f in files][0] == f"{USCC}_HDACLKJDK_20260331.dat"
    assert len(files) == 10 and not any(f.rejected for f in files) and self_check(files) == []
    text = "".join(f"== {f.path.name}\n{f.path.read_text('utf-8')}== {f.log_path.name}\n{f.log_path.read_text('utf-8')}"
                   for f in files)
    check_golden("pboc_files.txt", text)
    raw = files[0].path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw


def test_summary_rows_and_bill_identifiers(bank: Warehouse, tmp_path: Path) -> None:
    files, _ = _write(bank, tmp_path)
    pension = _text(files, "HDACLYLDK").splitlines()
    assert pension[0].startswith("T01|64000000.00|3.01875|2|")  # L07 60,000,000@3.00 + L09 4,000,000@3.30
    assert pension[1].startswith("T02|4000000.00|3.30000|1|")  # 全国养老机构: C08
    inclusive = _text(files, "HDACLPHDK")
    assert f"{A_USCC}|A1|0|0|131312100688820260305000000013|1|" in inclusive  # 票据直贴: 票据编号 = loans.bill_no
    flow = _text(files, "HDAPHDKFS")
    assert "|L05|0|FK20260301000000005|" in flow and "|L09|0|L09-20260320|" in flow  # given / synthesised serial


def test_institution_code_is_the_booking_branchs_inherited_down_the_tree(bank: Warehouse, tmp_path: Path) -> None:
    files, _ = _write(bank, tmp_path)
    rows = {line.split("|")[3]: line.split("|")[0] for line in _text(files, "HDACLPHDK").splitlines()}
    assert rows["L04"] == A_USCC  # booked at A1 → A's code
    assert rows["L05"] == USCC and rows["L09"] == USCC  # booked at B → no own code → H's


def test_a_branch_without_any_code_is_refused_and_the_file_rejected(bank: Warehouse, tmp_path: Path) -> None:
    _write(bank, tmp_path)  # a first, valid run leaves files behind
    bank.execute("UPDATE branches SET uscc = NULL WHERE branch_id = 'H'")
    files, issues = _write(bank, tmp_path)
    errors = [i for i in issues if i.level is Level.ERROR]
    assert [str(i) for i in errors if i.code == "WP-PBOC-016"] == [
        f"branches[branch_id={b}].uscc: ERROR WP-PBOC-016 经办机构 {b} 及其上级机构均未填统一社会信用代码，人民银行文件无法填报金融机构代码 "
        "(在机构表 branches 的 uscc 列为该机构（或其上级机构，下级留空即继承）填写统一社会信用代码)" for b in ("B", "H")]
    # the branch's missing code is one finding per (file, branch), with the number of records it affects — not one
    # per record (L05 and L09 are booked at B)
    assert [(i.source.file, i.source.line, i.source.key, i.message) for i in errors
            if i.code == "WP-PBOC-003" and i.source.file == f"{USCC}_HDACLPHDK_20260331.dat"] == [
        (f"{USCC}_HDACLPHDK_20260331.dat", 5, "内部机构号=B",
         "金融机构代码为必填项，不能为空（本文件经办机构 B 的 2 条逐笔记录均如此，该值取自机构表 branches）")]
    assert all(i.source.key.startswith("内部机构号=") for i in errors if i.source.column == "金融机构代码")
    assert len({(i.source.file, i.source.key) for i in errors if i.code == "WP-PBOC-003"}) == len(
        [i for i in errors if i.code == "WP-PBOC-003"])
    rejected = {f.report_code for f in files if f.rejected}
    assert rejected == {"HDACLPHDK", "HDAPHDKFS", "HDACLYLDK", "HDAYLDKFS"}  # the files with loans booked at B or H
    for f in files:
        in_submission = (tmp_path / f.path.name).exists()
        assert in_submission != f.rejected and (tmp_path / "rejected" / f.path.name).exists() == f.rejected
        assert f.log_path.exists() != f.rejected  # the earlier run's file and .log are gone
    assert self_check(files) == []


def test_only_the_written_files_are_hashed(bank: Warehouse, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A rejected file has no .log and is not read back: the writer does not compute its MD5 (≈ 85 MB of rejected
    files at 10M loans); a written file's MD5 is its .log's and the self-check's."""
    import hashlib

    import wupian.reports.pboc as pboc

    bank.execute("UPDATE branches SET uscc = NULL WHERE branch_id = 'H'")
    hashed: list[int] = []
    md5 = hashlib.md5

    class Counting:
        def __init__(self) -> None:
            self._md5 = md5()

        def update(self, data) -> None:  # type: ignore[no-untyped-def]
            hashed.append(len(memoryview(data)))
            self._md5.update(data)

        def hexdigest(self) -> str:
            return self._md5.hexdigest()

    monkeypatch.setattr(pboc.hashlib, "md5", lambda *a: Counting() if not a else md5(*a))
    files, _ = _write(bank, tmp_path)
    monkeypatch.undo()
    written = [f for f in files if not f.rejected]
    assert {f.report_code for f in files if f.rejected} == {"HDACLPHDK", "HDAPHDKFS", "HDACLYLDK", "HDAYLDKFS"}
    assert sum(hashed) == sum(f.path.stat().st_size for f in written)  # the written files' bytes, nothing else
    for f in written:
        assert f.validated == hashlib.md5(f.path.read_bytes()).hexdigest() == f.log_path.read_text().split("\n")[1]
    assert all(f.validated == "" for f in files if f.rejected)
    assert self_check(files) == []


def test_self_check_catches_corruption(bank: Warehouse, tmp_path: Path) -> None:
    files, _ = _write(bank, tmp_path)
    target = next(f for f in files if f.report_code == "HDACLSZDK")
    text = target.path.read_text("utf-8").replace("T01|5000000.00|3.45000", "T01|5000000.0|3.45", 1)
    target.path.write_bytes(("\ufeff" + text).replace("\n", "\r\n").encode("utf-8"))
    found = self_check(files)
    messages = " ".join(i.message for i in found)
    assert "BOM" in messages and "CR" in messages and "MD5" not in messages
    assert any(i.code == "WP-PBOC-002" and i.source.column == "贷款汇总加权平均利率" for i in found)
    assert any(i.source.file == target.log_path.name for i in found)  # MD5/size no longer match


def test_report_run_lists_the_refusal_and_the_rejected_files(bank: Warehouse, tmp_path: Path) -> None:
    from wupian.reports.run import generate_reports

    bank.execute("UPDATE branches SET uscc = NULL WHERE branch_id = 'H'")
    run = generate_reports(bank, date(2026, 3, 31), "pboc", tmp_path, uscc=USCC, created_at=datetime(2026, 4, 1))
    errors = [i for i in run.issues if i.level is Level.ERROR]
    assert {i.code for i in errors} == {"WP-PBOC-016", "WP-PBOC-003"}
    rejected = [p for p in run.files if p.parent.name == "rejected"]
    assert len(rejected) == 4 and all(p.suffix == ".dat" and p.exists() for p in rejected)
    assert len(run.files) == 4 + 2 * 6 + 1  # the six valid files with their .log, and the findings worklist
    worklist, = run.worklists
    assert run.files[-1] == worklist.path == tmp_path / "pboc_issues_H_20260331.csv" and worklist.path.exists()
    assert worklist.errors == sum(1 for i in run.issues if i.level is Level.ERROR)  # few: every one is listed


def test_a_malformed_branch_code_is_a_located_error_when_filing(bank: Warehouse, tmp_path: Path) -> None:
    bank.execute("UPDATE branches SET uscc = '9113090012345678' WHERE branch_id = 'A'")  # 16 characters
    files, issues = _write(bank, tmp_path)
    assert [str(i) for i in issues if i.code == "WP-PBOC-016"] == [
        "branches[branch_id=A].uscc: ERROR WP-PBOC-016 机构 A 的统一社会信用代码 9113090012345678 不是18位代码（或9位组织机构代码） "
        "(更正为18位统一社会信用代码（下级机构留空即继承）)"]  # A1, A2 inherit it: reported once, at A
    assert any(i.code == "WP-PBOC-013" and i.source.key == "内部机构号=A1" and "1 条逐笔记录" in i.message
               for i in issues)  # L04, booked at A1: once per file for the branch
    assert {f.report_code for f in files if f.rejected} >= {"HDACLPHDK", "HDACLLSDK"}


def test_self_check_rechecks_the_record_rules_only_on_bytes_it_did_not_validate(bank: Warehouse,
                                                                                tmp_path: Path) -> None:
    import dataclasses
    import hashlib

    files, _ = _write(bank, tmp_path)
    assert all(f.validated == hashlib.md5(f.path.read_bytes()).hexdigest() for f in files)
    target = next(f for f in files if f.report_code == "HDACLSZDK")
    broken = target.path.read_bytes().replace(b"T01|5000000.00|3.45000", b"T01|5000000.0|3.45", 1)
    target.path.write_bytes(broken)
    found = self_check(files)  # changed since validated: every rule again
    assert any(i.code == "WP-PBOC-002" and i.source.column == "贷款汇总加权平均利率" for i in found)
    # bytes that are the ones validated (their digest) are not re-checked against the record rules: the .log and
    # the format are; the same bytes without a digest are
    trusted = dataclasses.replace(target, validated=hashlib.md5(broken).hexdigest())
    target.log_path.write_text(f"{target.path.name}\n{hashlib.md5(broken).hexdigest()}\n{len(broken)}\n"
                               f"2026-04-01 08:00:00\n{target.records}\n", "utf-8")
    assert self_check([trusted]) == []
    assert any(i.code == "WP-PBOC-002" for i in self_check([dataclasses.replace(target, validated="")]))


def test_loan_warnings_come_from_the_records_written(bank: Warehouse, tmp_path: Path) -> None:
    """The loan-level warnings (digital code missing, 票据编号 synthesised) are read off the same scan that builds
    the records: each names its loan once, in file order, and the record shows what was filled. A blank 合同编码
    is the validation's WP-PBOC-003 on each record that has it, and is not said a second time as a warning."""
    from support.edit_rows import update

    update(bank, "loans", {"contract_id": "NULL"}, "loan_id = 'L02'")
    update(bank, "loans", {"digital_code": "NULL"}, "loan_id = 'L03'")
    update(bank, "loans", {"bill_no": "NULL"}, "loan_id = 'L13'")
    files, issues = _write(bank, tmp_path)
    found = [(i.code, i.source.key, i.source.file) for i in issues if i.code in ("WP-PBOC-010", "WP-PBOC-011")]
    assert found == [("WP-PBOC-011", "loan_id=L03", "loans")]
    blank = [i for i in issues if i.source.key == "贷款借据编码=L02"]
    assert blank and {(i.code, i.level.name, i.source.column) for i in blank} == {
        ("WP-PBOC-003", "ERROR", "贷款合同编码")}
    assert all(i.source.file.endswith(".dat") and i.source.line for i in blank)  # each located in its file
    bills = [i for i in issues if i.code == "WP-PBOC-014"]
    assert bills and all(i.message.startswith("1 笔票据直贴缺少票据编号") and i.message.endswith("（如 L13）")
                         for i in bills)
    assert f"{A_USCC}|A1|0|0|L13|" in _text(files, "HDACLPHDK")  # 票据编号 = the loan id


def test_a_branch_cause_is_listed_once_per_file_and_branch_and_counts_its_records(bank: Warehouse,
                                                                                  tmp_path: Path) -> None:
    """A finding whose cause is the branch (no 统一社会信用代码 at B or above) is one worklist row per (file, branch)
    with its number of records; the issue counts still count every failing record; a record's own finding (L05
    without 合同编码) is still listed for it."""
    import csv
    import io

    from support.edit_rows import update
    from wupian.reports.pboc_layout import layouts
    from wupian.reports.run import generate_reports
    from wupian.reports.worklists import error_count, issue_counts

    bank.execute("UPDATE branches SET uscc = NULL WHERE branch_id = 'H'")
    update(bank, "loans", {"contract_id": "NULL"}, "loan_id = 'L05'")
    run = generate_reports(bank, date(2026, 3, 31), "pboc", tmp_path, uscc=USCC, created_at=datetime(2026, 4, 1))
    worklist, = run.worklists
    rows = list(csv.DictReader(io.StringIO(worklist.path.read_text("utf-8-sig"), newline="")))
    branch_rows = [r for r in rows if r["字段"] == "金融机构代码"]
    assert branch_rows and all(r["定位"].startswith("内部机构号=") for r in branch_rows)
    assert len({(r["文件"], r["定位"]) for r in branch_rows}) == len(branch_rows)  # once per file and branch
    per_branch = {(r["文件"], r["定位"]): int(r["问题"].split(" 的 ")[1].split(" 条")[0]) for r in branch_rows}
    files = {f.path.name: f for f in write_pboc_files(bank, date(2026, 3, 31), tmp_path / "again", uscc=USCC)[0]}
    for name, f in files.items():  # every detail record booked at B or H is counted, in its file, for its branch
        details = f.path.read_text("utf-8").splitlines()[f.records - f.detail_rows:]
        at = layouts()[f.report_code].names.index("内部机构号")
        for b in ("B", "H"):
            booked = sum(line.split("|")[at] == b for line in details)
            assert per_branch.get((name, f"内部机构号={b}"), 0) == booked, (name, b)
    records = sum(per_branch.values())
    assert records > len(branch_rows)  # some finding stands for several records
    contract = [r for r in rows if r["字段"] == "贷款合同编码"]
    assert {(r["文件"][19:28], r["定位"], r["代码"]) for r in contract} == {
        (f, "贷款借据编码=L05", "WP-PBOC-003") for f in ("HDACLPHDK", "HDAPHDKFS")}  # L05's own, next to its branch's
    counts = issue_counts(run.issues, run.worklists)
    assert counts[("WP-PBOC-003", "ERROR")] == records + len(contract)  # every failing record, as before
    assert worklist.rows == len(rows) and error_count(run.issues, run.worklists) == records + len(contract) + sum(
        r["级别"] == "ERROR" and r["字段"] not in ("金融机构代码", "贷款合同编码") for r in rows)


def test_the_files_loans_are_stored_by_tag_with_the_columns_their_files_read(bank: Warehouse, tmp_path: Path,
                                                                           monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """``pboc_loans`` as the writer stores it: clustered by tag (each file's statement reads one tag: its scan skips
    the other tags' blocks), with ``rule_ids`` only on the rows of the tag whose file has 普惠 flags (``fired``) and
    ``customer_id`` only on the rows of the tags whose files count borrowers in summary rows — NULL elsewhere; every
    other value, and every row, as the full relation holds it."""
    import wupian.reports.pboc as pboc
    from wupian.engine.pboc_lines import drop_pboc_loans, prepare_pboc_loans

    stored = []
    drop = pboc.drop_pboc_loans

    def keep(wh: Warehouse) -> None:
        stored.append(wh.arrow("SELECT * FROM pboc_loans ORDER BY rowid").to_pylist())  # as stored
        drop(wh)

    monkeypatch.setattr(pboc, "drop_pboc_loans", keep)
    _write(bank, tmp_path)
    prepare_pboc_loans(bank, date(2026, 3, 31), profile="pboc_2025",
                       tags=["tech_industry", "green", "inclusive", "pension", "digital"])
    full = bank.arrow("SELECT * FROM pboc_loans").to_pylist()
    drop_pboc_loans(bank)
    tags = [r["tag"] for r in stored[0]]
    assert len(set(tags)) == 5 and tags == sorted(tags)

    def key(r: dict) -> tuple:  # type: ignore[type-arg]
        return r["tag"], r["loan_id"]

    got, want = sorted(stored[0], key=key), sorted(full, key=key)
    assert len(got) == len(want) and len({key(r) for r in got}) == len(got)
    assert any(r["rule_ids"] for r in want if r["tag"] != "inclusive") and any(r["customer_id"] for r in want)
    for g, w in zip(got, want, strict=True):
        assert g["rule_ids"] == (w["rule_ids"] if g["tag"] == "inclusive" else None)
        assert g["customer_id"] == (w["customer_id"] if g["tag"] in ("tech_industry", "pension", "digital") else None)
        assert {k: v for k, v in g.items() if k not in ("rule_ids", "customer_id")} == \
            {k: v for k, v in w.items() if k not in ("rule_ids", "customer_id")}

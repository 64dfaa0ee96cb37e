"""The ten PBOC files: golden content, format rules, and a self-check that catches a corrupted file."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from wupian.engine.warehouse import Warehouse
from wupian.reports.pboc import self_check, write_pboc_files

from .golden import check_golden  # type: ignore[import-not-found]

USCC = "91130900MA0000001X"


def _write(bank: Warehouse, tmp_path: Path):  # type: ignore[no-untyped-def]
    return write_pboc_files(bank, date(2026, 3, 31), tmp_path, uscc=USCC, created_at=datetime(2026, 4, 1, 8, 0, 0))


def test_files_match_golden_and_pass_the_self_check(bank: Warehouse, tmp_path: Path) -> None:
    files, issues = _write(bank, tmp_path)
    assert issues == []
    assert [f.path.name for f in files][0] == f"{USCC}_HDACLKJDK_20260331.dat"
    assert len(files) == 10 and self_check(files) == []
    text = "".join(f"== {f.path.name}\n{f.path.read_text('utf-8')}== {f.log_path.name}\n{f.log_path.read_text('utf-8')}"
                   for f in files)
    check_golden("pboc_files.txt", text)
    raw = files[0].path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw


def test_summary_rows_and_bill_identifiers(bank: Warehouse, tmp_path: Path) -> None:
    files, _ = _write(bank, tmp_path)
    pension = next(f for f in files if f.report_code == "HDACLYLDK").path.read_text("utf-8").splitlines()
    assert pension[0].startswith("T01|64000000.00|3.01875|2|")  # L07 60,000,000@3.00 + L09 4,000,000@3.30
    assert pension[1].startswith("T02|4000000.00|3.30000|1|")  # 全国养老机构: C08
    inclusive = next(f for f in files if f.report_code == "HDACLPHDK").path.read_text("utf-8")
    assert f"{USCC}|A1|0|0|L13|1|" in inclusive  # 票据直贴: 合同/借据 = 0, 票据编号 = loan id


def test_self_check_catches_corruption(bank: Warehouse, tmp_path: Path) -> None:
    files, _ = _write(bank, tmp_path)
    target = next(f for f in files if f.report_code == "HDACLSZDK")
    text = target.path.read_text("utf-8").replace("T01|5000000.00|3.45000", "T01|5000000.0|3.45", 1)
    target.path.write_bytes(("\ufeff" + text).replace("\n", "\r\n").encode("utf-8"))
    messages = " ".join(i.message for i in self_check(files))
    assert "BOM" in messages and "CR" in messages and "MD5" not in messages
    assert any(i.source.file == target.log_path.name for i in self_check(files))  # MD5/size no longer match

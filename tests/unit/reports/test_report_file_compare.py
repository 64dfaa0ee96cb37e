"""The report-file comparison the Spark conformance suite relies on (``support.engine_rows.
assert_same_report_files``) finds a difference wherever one is: a byte of a PBOC file, a cell of a workbook sheet,
a paragraph or table cell of a Word file, a file written on one side only — and names where."""

from __future__ import annotations

from pathlib import Path

import docx
import openpyxl
import pytest

from support.engine_rows import assert_same_report_files


def _write(root: Path, *, dat: bytes = "A|1|科技贷款\n".encode("gb18030"), cell: object = 1.25,
           paragraph: str = "本月科技贷款余额12.50亿元", extra: bool = False) -> list[Path]:
    (root / "pboc").mkdir(parents=True)
    (root / "nfra").mkdir()
    files = [root / "pboc" / "J1.dat", root / "briefing.md", root / "nfra" / "S71.xlsx", root / "briefing.docx"]
    files[0].write_bytes(dat)
    files[1].write_text("# 简报\n", encoding="utf-8")
    book = openpyxl.Workbook()
    book.active.title = "S71"
    book.active.append(["项目", "余额"])
    book.active.append(["科技贷款", cell])
    book.save(files[2])
    d = docx.Document()
    d.add_paragraph(paragraph)
    d.add_table(rows=1, cols=2).rows[0].cells[0].text = "绿色贷款"
    d.save(str(files[3]))
    if extra:
        files.append(root / "pboc" / "J1.log")
        files[-1].write_text("ok\n", encoding="utf-8")
    return files


def test_identical_files_pass_and_are_counted(tmp_path: Path) -> None:
    a, b = _write(tmp_path / "duckdb"), _write(tmp_path / "spark")
    assert assert_same_report_files(tmp_path / "duckdb", a, tmp_path / "spark", b) == {
        ".dat": 1, ".md": 1, ".xlsx": 1, ".docx": 1}


@pytest.mark.parametrize(("change", "where"), [
    ({"dat": "A|1|科技贷款 \n".encode("gb18030")}, "J1.dat"),
    ({"cell": 1.26}, "S71.xlsx [S71] row 2"),
    ({"paragraph": "本月科技贷款余额12.51亿元"}, "briefing.docx"),
])
def test_a_difference_is_found_and_located(tmp_path: Path, change: dict[str, object], where: str) -> None:
    a = _write(tmp_path / "duckdb")
    b = _write(tmp_path / "spark", **change)  # type: ignore[arg-type]
    with pytest.raises(AssertionError, match=where.replace("[", r"\[").replace("]", r"\]")):
        assert_same_report_files(tmp_path / "duckdb", a, tmp_path / "spark", b)


def test_a_file_on_one_side_only_fails(tmp_path: Path) -> None:
    a = _write(tmp_path / "duckdb")
    b = _write(tmp_path / "spark", extra=True)
    with pytest.raises(AssertionError):
        assert_same_report_files(tmp_path / "duckdb", a, tmp_path / "spark", b)

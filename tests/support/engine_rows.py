"""Comparing DuckDB's and Spark's results, no tolerance (the Spark conformance tests share it): one query's rows
(``assert_same_rows``) and the report files of one month-end written from each warehouse
(``assert_same_report_files``)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import docx
import openpyxl


def assert_same_rows(duck: Any, sw: Any, sql: str, params: list[Any] | None = None) -> int:
    """Run ``sql`` on both warehouses and assert the same column names and the same rows in the same order;
    returns the number of rows. The failure names the first differing row."""
    want, got = duck.arrow(sql, params), sw.arrow(sql, params)
    assert got.column_names == want.column_names
    w, g = want.to_pylist(), got.to_pylist()
    for i, (a, b) in enumerate(zip(w, g, strict=False)):
        assert b == a, f"row {i} of {sql!r}: DuckDB {a}, Spark {b}"
    assert len(g) == len(w), f"{sql!r}: {len(w)} rows on DuckDB, {len(g)} on Spark"
    return len(w)


def xlsx_cells(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every cell value of every sheet of a workbook, by sheet title, row by row."""
    book = openpyxl.load_workbook(path)
    return {ws.title: [tuple(c.value for c in row) for row in ws.iter_rows()] for ws in book.worksheets}


def docx_text(path: Path) -> list[str]:
    """The text of every paragraph, then of every table cell, of a Word file."""
    d = docx.Document(str(path))
    return [p.text for p in d.paragraphs] + [c.text for t in d.tables for r in t.rows for c in r.cells]


def assert_same_report_files(duck_out: Path, duck_files: Iterable[Path], spark_out: Path,
                             spark_files: Iterable[Path]) -> dict[str, int]:
    """The same report files were written under ``duck_out`` and ``spark_out``, with the same content:
    workbooks cell by cell (every sheet), Word files paragraph and table cell by cell, every other file (PBOC
    ``.dat`` and logs, Markdown briefing, CSV worklist) byte for byte. The failure names the file, and for a
    workbook the sheet and row. Returns how many files of each suffix were compared."""
    want = sorted(str(p.relative_to(duck_out)) for p in duck_files)
    assert sorted(str(p.relative_to(spark_out)) for p in spark_files) == want
    compared: dict[str, int] = {}
    for name in want:
        f, other = duck_out / name, spark_out / name
        if f.suffix == ".xlsx":
            a_book, b_book = xlsx_cells(f), xlsx_cells(other)
            assert list(b_book) == list(a_book), name
            for sheet, rows in a_book.items():
                assert len(b_book[sheet]) == len(rows), f"{name} [{sheet}]: row counts differ"
                for i, (a, b) in enumerate(zip(rows, b_book[sheet], strict=True)):
                    assert b == a, f"{name} [{sheet}] row {i + 1}: DuckDB {a}, Spark {b}"
        elif f.suffix == ".docx":
            assert docx_text(other) == docx_text(f), name
        else:
            assert other.read_bytes() == f.read_bytes(), name
        compared[f.suffix] = compared.get(f.suffix, 0) + 1
    return compared

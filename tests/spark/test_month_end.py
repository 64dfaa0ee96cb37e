"""Month-end reports on Spark: the golden report bank's PBOC files (.dat and their logs), NFRA tables, management
workbook and briefing (Markdown and Word) written from the Spark warehouse are identical to DuckDB's — text files
byte for byte, every cell of every sheet, every paragraph and table cell of the Word file — and so are the issues
(reconciliation, file self-checks). No tolerance."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest

from wupian.reports.run import generate_reports

AS_OF = date(2026, 3, 31)
USCC = "91130900MA0BANK010"


@pytest.fixture(scope="module")
def runs(golden_engines: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    out = tmp_path_factory.mktemp("month-end")
    return {name: (out / name, generate_reports(wh, AS_OF, "all", out / name, uscc=USCC,
                                                created_at=datetime(2026, 4, 1, 9, 30)))
            for name, wh in zip(("duckdb", "spark"), golden_engines, strict=True)}


def _xlsx(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    book = openpyxl.load_workbook(path)
    return {ws.title: [tuple(c.value for c in row) for row in ws.iter_rows()] for ws in book.worksheets}


def _docx(path: Path) -> list[str]:
    d = docx.Document(str(path))
    return [p.text for p in d.paragraphs] + [c.text for t in d.tables for r in t.rows for c in r.cells]


def test_same_files_written(runs: Any) -> None:
    (dout, drun), (sout, srun) = runs["duckdb"], runs["spark"]
    want = sorted(str(p.relative_to(dout)) for p in drun.files)
    assert sorted(str(p.relative_to(sout)) for p in srun.files) == want
    kinds = {Path(p).suffix for p in want}
    assert {".dat", ".log", ".xlsx", ".md", ".docx"} <= kinds
    assert sum(p.endswith(".dat") for p in want) >= 10 and any(p.startswith("nfra/") for p in want)


def test_every_report_identical(runs: Any) -> None:
    (dout, drun), (sout, _) = runs["duckdb"], runs["spark"]
    compared = 0
    for f in drun.files:
        other = sout / f.relative_to(dout)
        if f.suffix == ".xlsx":
            want, got = _xlsx(f), _xlsx(other)
            assert list(got) == list(want), f.name
            for sheet, rows in want.items():
                for i, (a, b) in enumerate(zip(rows, got[sheet], strict=True)):
                    assert b == a, f"{f.name} [{sheet}] row {i + 1}: DuckDB {a}, Spark {b}"
        elif f.suffix == ".docx":
            assert _docx(other) == _docx(f), f.name
        else:
            assert other.read_bytes() == f.read_bytes(), f.name
        compared += 1
    assert compared == len(drun.files)


def test_same_issues_and_indicators(runs: Any) -> None:
    drun, srun = runs["duckdb"][1], runs["spark"][1]
    assert [str(i) for i in srun.issues] == [str(i) for i in drun.issues]
    # every indicator value of the month-end run (profile pboc_2025, the whole tree), no tolerance
    assert srun.result.profile == drun.result.profile == "pboc_2025"
    want = drun.result.to_arrow()
    assert srun.result.to_arrow().to_pylist() == want.to_pylist() and want.num_rows > 100

"""Month-end reports on Spark: the golden report bank's PBOC files (.dat and their logs), NFRA tables, management
workbook and briefing (Markdown and Word) written from the Spark warehouse are identical to DuckDB's — text files
byte for byte, every cell of every sheet, every paragraph and table cell of the Word file — and so are the issues
(reconciliation, file self-checks). No tolerance."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from support.engine_rows import assert_same_report_files
from wupian.reports.run import generate_reports

AS_OF = date(2026, 3, 31)
USCC = "91130900MA0BANK010"


@pytest.fixture(scope="module")
def runs(golden_engines: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    out = tmp_path_factory.mktemp("month-end")
    return {name: (out / name, generate_reports(wh, AS_OF, "all", out / name, uscc=USCC,
                                                created_at=datetime(2026, 4, 1, 9, 30)))
            for name, wh in zip(("duckdb", "spark"), golden_engines, strict=True)}


def test_same_files_written(runs: Any) -> None:
    (dout, drun), (sout, srun) = runs["duckdb"], runs["spark"]
    want = sorted(str(p.relative_to(dout)) for p in drun.files)
    assert sorted(str(p.relative_to(sout)) for p in srun.files) == want
    kinds = {Path(p).suffix for p in want}
    assert {".dat", ".log", ".xlsx", ".md", ".docx"} <= kinds
    assert sum(p.endswith(".dat") for p in want) >= 10 and any(p.startswith("nfra/") for p in want)


def test_every_report_identical(runs: Any) -> None:
    (dout, drun), (sout, srun) = runs["duckdb"], runs["spark"]
    compared = assert_same_report_files(dout, drun.files, sout, srun.files)
    assert sum(compared.values()) == len(drun.files)


def test_same_issues_and_indicators(runs: Any) -> None:
    drun, srun = runs["duckdb"][1], runs["spark"][1]
    assert [str(i) for i in srun.issues] == [str(i) for i in drun.issues]
    # every indicator value of the month-end run (profile pboc_2025, the whole tree), no tolerance
    assert srun.result.profile == drun.result.profile == "pboc_2025"
    want = drun.result.to_arrow()
    assert srun.result.to_arrow().to_pylist() == want.to_pylist() and want.num_rows > 100

"""Golden cases: each bad-input class of tests/golden/ingest/<case>/input gives exactly the expected issue lines.

Regenerate the expected files with ``WUPIAN_REGEN=1 pytest tests/unit/ingest/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from wupian.ingest import check_snapshot

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "ingest"
CASES = sorted(p.name for p in GOLDEN.iterdir() if p.is_dir() and any(p.glob("input*")))


def case_input(case: str) -> tuple[Path, dt.date | None]:
    """The case's input folder (``input``, or ``input_<date>`` when the folder's name matters) and the
    as-of date to check it for (``as_of.txt``, optional)."""
    folder = next(p for p in sorted((GOLDEN / case).glob("input*")) if p.is_dir())
    as_of = GOLDEN / case / "as_of.txt"
    return folder, dt.date.fromisoformat(as_of.read_text(encoding="utf-8").strip()) if as_of.exists() else None


def render(case: str) -> str:
    report = check_snapshot(*case_input(case))
    lines = [str(i) for i in report.issues]
    lines.append("-- loaded " + " ".join(f"{k}={v}" for k, v in sorted(report.loaded.items())))
    lines.append("-- rejected " + " ".join(f"{k}={v}" for k, v in sorted(report.rejected.items())))
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("case", CASES)
def test_golden_case(case: str) -> None:
    expected_file = GOLDEN / case / "expected.txt"
    actual = render(case)
    if os.environ.get("WUPIAN_REGEN"):
        expected_file.write_text(actual, encoding="utf-8")
    assert actual == expected_file.read_text(encoding="utf-8")


def test_every_bad_input_class_has_a_case() -> None:
    wanted = {
        "good_minimal", "gbk_encoding", "undecodable_bytes", "unknown_column", "missing_column", "bad_enum",
        "negative_money", "broken_reference", "cyclic_tree", "duplicate_key", "truncated_file", "empty_file",
        "excel_merged_header", "excel_title_row",
        # issue 9 §2: strict, located parsing
        "stray_quote", "amount_grouping", "id_normalisation", "id_case", "fraction_rates", "xlsx_hidden_sheet",
        "xlsx_percent_rate", "xlsx_long_number", "xlsx_formula", "folder_date",
    }
    assert wanted <= set(CASES)


def test_bad_cases_report_errors_and_good_ones_do_not() -> None:
    clean = {
        "good_minimal", "gbk_encoding", "unknown_column", "excel_title_row", "fraction_rates", "xlsx_hidden_sheet",
        "xlsx_percent_rate", "folder_date",
    }
    for case in CASES:
        report = check_snapshot(*case_input(case))
        assert report.ok == (case in clean), case

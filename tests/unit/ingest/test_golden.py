"""Golden cases: each bad-input class of tests/golden/ingest/<case>/input gives exactly the expected issue lines.

Regenerate the expected files with ``WUPIAN_REGEN=1 pytest tests/unit/ingest/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wupian.ingest import check_snapshot

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "ingest"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "input").is_dir())


def render(case: str) -> str:
    report = check_snapshot(GOLDEN / case / "input")
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
    }
    assert wanted <= set(CASES)


def test_bad_cases_report_errors_and_good_ones_do_not() -> None:
    clean = {"good_minimal", "gbk_encoding", "unknown_column", "excel_title_row"}
    for case in CASES:
        report = check_snapshot(GOLDEN / case / "input")
        assert report.ok == (case in clean), case

"""Findings kept as worklist files (``wupian.reports.worklists``): the CSV reads back as the findings, nothing is
lost, the run lists the first findings of each code and counts them all, and ``month-end`` through ``main()``
says where the rest are and still fails on an ERROR."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from support.cli_run import wupian
from support.golden_bank import load_bank
from wupian.core.csv_guard import guard_text
from wupian.core.issues import Issue, Level, Source
from wupian.engine.warehouse import Warehouse
from wupian.reports.worklists import (
    SAMPLE,
    error_count,
    findings_table,
    first_per_code,
    issue_counts,
    keep,
    repeat,
    to_issues,
    write_csv,
)

USCC = "91130900MA0000001X"
text = st.one_of(st.none(), st.text(alphabet=st.sampled_from(list('ab ,"\r\n中\t\x00é|;')), max_size=8))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(text, text, text), max_size=6))
def test_the_csv_reads_back_as_the_rows_with_a_bom_and_crlf(tmp_path_factory: pytest.TempPathFactory,
                                                            rows: list[tuple[str | None, ...]]) -> None:
    path = tmp_path_factory.mktemp("csv") / "w.csv"
    table = pa.table({f"c{i}": pa.array([r[i] for r in rows], pa.string()) for i in range(3)})
    write_csv(table, ["代码", "定,位", '"字段"'], path)
    data = path.read_bytes()
    assert data.startswith("\ufeff".encode()) and data.endswith(b"\r\n")
    back = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    # every field as it was, a text a spreadsheet would run as a formula (here: one starting with a tab or CR)
    # behind an apostrophe (wupian.core.csv_guard)
    assert back == [["代码", "定,位", '"字段"'], *(["" if v is None else guard_text(v) for v in r] for r in rows)]


def _issue(code: str, n: int, level: Level = Level.ERROR) -> Issue:
    return Issue(code, level, f"问题 {n}", Source("f.dat", n, f"贷款借据编码=L{n}", "字段"), "处理")


def test_first_per_code_keeps_the_order_found_and_counts_survive(tmp_path: Path) -> None:
    issues = [_issue("A", n) if n % 3 else _issue("B", n, Level.WARNING) for n in range(1, 200)]
    table = findings_table(issues)
    assert to_issues(table) == issues  # the table holds exactly the Issues
    listed = to_issues(first_per_code(table, 5))
    first_a, first_b = [i for i in issues if i.code == "A"][:5], [i for i in issues if i.code == "B"][:5]
    assert listed == sorted(first_a + first_b, key=issues.index)  # five of each code, in the order found
    worklist, sample = keep(table, tmp_path / "w.csv")
    assert worklist is not None and sample == to_issues(first_per_code(table, SAMPLE))
    rows = list(csv.reader(io.StringIO(worklist.path.read_text("utf-8-sig"), newline="")))
    assert len(rows) == 1 + len(issues) and rows[1] == ["f.dat", "1", "贷款借据编码=L1", "字段", "A", "ERROR", "问题 1", "处理"]
    assert issue_counts(sample, [worklist]) == {("A", "ERROR"): 133, ("B", "WARNING"): 66}
    assert worklist.errors == error_count(sample, [worklist]) == 133
    other = Issue("C", Level.ERROR, "x")
    assert error_count([other, *sample], [worklist]) == 134  # Issues outside any worklist count once


def test_an_empty_table_writes_no_file_and_removes_a_stale_one(tmp_path: Path) -> None:
    stale = tmp_path / "w.csv"
    stale.write_text("old")
    assert keep(findings_table([]), stale) == (None, [])
    assert not stale.exists()


@pytest.fixture
def bank_file(tmp_path: Path) -> str:
    db = str(tmp_path / "bank.duckdb")
    with Warehouse(db) as wh:
        load_bank(wh)
        wh.execute("INSERT INTO snapshots (as_of, loaded_at, source_dir) VALUES (DATE '2026-03-31', TIMESTAMP '2026-04-01 10:00:00', 'x')")
        wh.execute("UPDATE branches SET uscc = NULL")  # no branch can file: every PBOC record is an ERROR
    return db


def test_month_end_lists_the_first_findings_counts_all_and_names_the_worklist(
        capsys: pytest.CaptureFixture[str], bank_file: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert wupian("--db", bank_file, "month-end", "--as-of", "2026-03-31", "--uscc", USCC, "--out", str(out)) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    path = out / "pboc_issues_H_20260331.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text("utf-8-sig"), newline="")))
    assert rows and all(r["代码"].startswith("WP-PBOC-") for r in rows)
    errors = sum(r["级别"] == "ERROR" for r in rows)
    assert f"all {len(rows)} finding(s) of " in err and str(path) in err
    counts = next(x for x in err.splitlines() if x.startswith("issues by code: "))
    # a branch's missing code is one row per (file, branch) saying how many records it affects: the counts count the
    # records (every record of every file fails here), the worklist has a row per branch
    records = [int(r["问题"].split(" 的 ")[1].split(" 条")[0]) if r["定位"].startswith("内部机构号=") else 1
               for r in rows if r["代码"] == "WP-PBOC-003"]
    assert f"WP-PBOC-003 ERROR ×{sum(records)}" in counts and sum(records) > len(records)
    first = next(x for x in err.splitlines() if x.startswith("error: "))
    assert int(first.split()[1]) >= errors  # the exit message counts every ERROR, the worklist's included


@settings(max_examples=60, deadline=None)
@given(text, st.integers(min_value=0, max_value=300))
def test_repeat_is_the_column_of_n_equal_texts(value: str | None, n: int) -> None:
    got = repeat(value, n)
    assert got.type == pa.string() and len(got) == n and got.null_count == (n if value is None else 0)
    assert got.equals(pa.array([value] * n, pa.string())) and got.to_pylist() == [value] * n

HOSTILE_KEYS = ["=HYPERLINK(\"http://x.example\",\"点我\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1"]


def test_a_worklist_never_carries_a_live_formula(tmp_path: Path) -> None:
    """Keys, fields and messages taken from the bank's files reach the worklist behind an apostrophe (the month-end
    files ``pboc_issues_*.csv`` / ``code_contradictions_*.csv`` and the report's issue list alike); line numbers stay
    numbers and nothing else in a cell changes."""
    from wupian.core.csv_guard import needs_guard
    from wupian.reports.run import write_worklist

    issues = [Issue("WP-PBOC-010", Level.WARNING, key, Source("f.dat", -n if n == 2 else n, key, "=字段"), "-处理")
              for n, key in enumerate(HOSTILE_KEYS, start=1)]
    worklist, _ = keep(findings_table(issues), tmp_path / "pboc_issues_H_20260331.csv")
    assert worklist is not None
    rows = list(csv.reader(io.StringIO(worklist.path.read_text("utf-8-sig"), newline="")))
    assert [r[2] for r in rows[1:]] == ["'" + k for k in HOSTILE_KEYS]
    assert [r[1] for r in rows[1:]] == ["1", "-2", "3", "4", "5"]  # an int64 column is never prefixed
    assert {r[3] for r in rows[1:]} == {"'=字段"} and {r[7] for r in rows[1:]} == {"'-处理"}
    assert not any(needs_guard(cell) for r in rows for cell in r)
    path = write_worklist(issues, tmp_path / "issues.csv")
    rows = list(csv.reader(io.StringIO(path.read_text("utf-8-sig"), newline="")))
    assert [r[1] for r in rows[1:]] == ["'" + k for k in HOSTILE_KEYS]
    assert not any(needs_guard(cell) for r in rows for cell in r)

"""``generate_reports`` with its phases side by side (threads on their own cursors) writes what the phases one
after the other write, and fails the way they fail."""

from __future__ import annotations

import errno
import io
import threading
import time
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

import wupian.reports.run as run_mod
from wupian.engine.warehouse import Warehouse
from wupian.reports.run import generate_reports

AS_OF = date(2026, 3, 31)
USCC = "91130900MA0BANK010"
CREATED = datetime(2026, 4, 1, 8, 0, 0)


def _content(path: Path) -> object:
    """A file's content up to its creation time: xlsx/docx members but ``docProps/core.xml``; bytes otherwise."""
    if path.suffix in (".xlsx", ".docx"):
        with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as z:
            return {n: z.read(n) for n in sorted(z.namelist()) if n != "docProps/core.xml"}
    return path.read_bytes()


def _report_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("wupian-report")]


@pytest.mark.parametrize("kind", ["all", "workbook", "briefing", "nfra"])
def test_side_by_side_writes_the_same_files_and_issues_in_the_same_order(bank: Warehouse, tmp_path: Path,
                                                                        kind: str) -> None:
    one = generate_reports(bank, AS_OF, kind, tmp_path / "one", uscc=USCC, created_at=CREATED, concurrent=False)
    both = generate_reports(bank, AS_OF, kind, tmp_path / "both", uscc=USCC, created_at=CREATED, concurrent=True)
    assert [p.relative_to(tmp_path / "one") for p in one.files] == [p.relative_to(tmp_path / "both") for p in both.files]
    assert one.files and all(_content(a) == _content(b) for a, b in zip(one.files, both.files, strict=True))
    assert sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*")) == sorted(
        p.relative_to(tmp_path / "both") for p in (tmp_path / "both").rglob("*"))
    assert one.issues == both.issues and one.result == both.result
    assert [(w.rows, w.counts) for w in one.worklists] == [(w.rows, w.counts) for w in both.worklists]
    assert _report_threads() == []


def test_side_by_side_is_the_default_for_duckdb_and_the_sql_log_keeps_it_sequential(
        bank: Warehouse, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert run_mod.concurrent_by_default(bank)
    monkeypatch.setenv("WUPIAN_SQL_LOG", str(tmp_path / "sql.log"))
    assert not run_mod.concurrent_by_default(bank)


def _failing(real: Any, message: str, delay: float) -> Any:
    def phase(*args: Any, **kwargs: Any) -> Any:
        time.sleep(delay)
        raise ValueError(message)
    return phase


@pytest.mark.parametrize("concurrent", [False, True])
def test_the_first_failing_phase_in_phase_order_is_raised(bank: Warehouse, tmp_path: Path, concurrent: bool,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # the PBOC files (phase 2) fail late, the NFRA tables (phase 3) at once: a run one phase after the other never
    # reaches the NFRA tables, so the PBOC error is the one raised, whichever finishes first
    monkeypatch.setattr(run_mod, "write_pboc_findings", _failing(run_mod.write_pboc_findings, "pboc failed", 0.5))
    monkeypatch.setattr(run_mod, "compute_tables", _failing(run_mod.compute_tables, "nfra failed", 0.0))
    with pytest.raises(ValueError, match="^pboc failed$"):
        generate_reports(bank, AS_OF, "all", tmp_path, uscc=USCC, created_at=CREATED, concurrent=concurrent)
    assert _report_threads() == []
    assert bank.scalar("SELECT count(*) FROM loans WHERE as_of = ?", [AS_OF]) > 0  # the warehouse is still usable


def test_a_later_phase_is_stopped_when_an_earlier_one_fails(bank: Warehouse, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import wupian.reports.briefing as briefing_mod
    import wupian.reports.workbook as workbook_mod

    started: list[str] = []
    real_balances = run_mod._nfra_balances

    def failing_workbook(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("workbook failed")

    def balances(*args: Any, **kwargs: Any) -> Any:  # the briefing's first part, beside the indicators: it ends
        started.append("briefing reads")  # after the workbook has failed (the small bank's indicators: < 0.5 s)
        time.sleep(2.0)
        return real_balances(*args, **kwargs)

    def briefing(*args: Any, **kwargs: Any) -> Any:
        started.append("briefing")
        raise AssertionError("the briefing is written after the workbook: never started once the workbook failed")

    monkeypatch.setattr(workbook_mod, "write_workbook", failing_workbook)
    monkeypatch.setattr(run_mod, "_nfra_balances", balances)
    monkeypatch.setattr(briefing_mod, "write_briefing", briefing)
    with pytest.raises(RuntimeError, match="^workbook failed$"):
        generate_reports(bank, AS_OF, "all", tmp_path, uscc=USCC, created_at=CREATED, concurrent=True)
    assert started == ["briefing reads"]  # its reads began at once, its writing never did
    assert not list(tmp_path.glob("*.docx")) and not list(tmp_path.glob("briefing*"))
    assert _report_threads() == []


def test_the_reads_that_need_no_indicators_are_made_while_they_are_computed(
        bank: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the indicators take 1 s longer: the contradictions, the NFRA tables and the briefing's NFRA balances are
    # read before they end; the checks of the figures and the workbook only after
    events: list[tuple[str, float]] = []
    real = {name: getattr(run_mod, name) for name in ("compute_indicators", "reconcile_reads", "compute_tables",
                                                      "_nfra_balances", "figure_issues")}

    def timed(name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            if name == "compute_indicators" and threading.current_thread() is threading.main_thread():
                time.sleep(1.0)
            try:
                return real[name](*args, **kwargs)
            finally:
                events.append((name, time.perf_counter()))
        return call

    for name in real:
        monkeypatch.setattr(run_mod, name, timed(name))
    generate_reports(bank, AS_OF, "all", tmp_path, uscc=USCC, created_at=CREATED, concurrent=True)
    ended = {name: at for name, at in reversed(events)}  # each name's first end
    indicators = next(at for name, at in events if name == "compute_indicators" and at >= ended["reconcile_reads"])
    assert ended["reconcile_reads"] < indicators and ended["compute_tables"] < indicators
    assert ended["_nfra_balances"] < indicators
    assert ended["figure_issues"] > indicators


def test_an_interrupted_later_phase_does_not_hide_the_first_failure(bank: Warehouse, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    real = run_mod.compute_tables

    def slow_nfra(wh: Warehouse, *args: Any, **kwargs: Any) -> Any:  # statements until interrupted
        for _ in range(300):  # ≈ 40 s of statements when nothing stops them
            wh.scalar("SELECT count(*) FROM range(20000000) AS t(x) WHERE x % 7 = 3")
        return real(wh, *args, **kwargs)

    def failing_pboc(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.3)
        raise ValueError("pboc failed")

    monkeypatch.setattr(run_mod, "compute_tables", slow_nfra)
    monkeypatch.setattr(run_mod, "write_pboc_findings", failing_pboc)
    began = time.perf_counter()
    with pytest.raises(ValueError, match="^pboc failed$"):
        generate_reports(bank, AS_OF, "all", tmp_path, uscc=USCC, created_at=CREATED, concurrent=True)
    assert time.perf_counter() - began < 20  # the NFRA statements were interrupted, not run to the end
    assert _report_threads() == []


@pytest.mark.parametrize("concurrent", [False, True])
def test_an_error_of_the_workbook_writer_is_the_same_side_by_side(bank: Warehouse, tmp_path: Path,
                                                                           concurrent: bool) -> None:
    (tmp_path / "workbook_H_20260331.xlsx").mkdir(parents=True)  # the workbook's path is taken by a folder
    with pytest.raises(Exception) as raised:
        generate_reports(bank, AS_OF, "workbook", tmp_path, concurrent=concurrent)
    seq = tmp_path / "seq"
    (seq / "workbook_H_20260331.xlsx").mkdir(parents=True)
    with pytest.raises(Exception) as expected:
        generate_reports(bank, AS_OF, "workbook", seq, concurrent=False)
    assert type(raised.value) is type(expected.value)
    assert str(raised.value).replace(str(tmp_path), "") == str(expected.value).replace(str(seq), "")


@pytest.mark.parametrize("concurrent", [False, True])
def test_an_os_error_of_the_briefing_keeps_its_errno_and_file(bank: Warehouse, tmp_path: Path, concurrent: bool) -> None:
    (tmp_path / "taken").write_text("a file where the output folder should be")
    out = tmp_path / "taken" / "reports"
    with pytest.raises(OSError) as raised:
        generate_reports(bank, AS_OF, "briefing", out, concurrent=concurrent)
    assert type(raised.value) is NotADirectoryError and raised.value.errno == errno.ENOTDIR
    assert raised.value.filename == str(out)


def test_the_pboc_files_start_while_the_indicators_are_computed_and_their_error_comes_first(
        bank: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[str] = []
    real_indicators, real_pboc = run_mod.compute_indicators, run_mod.write_pboc_findings

    def indicators(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.5)
        events.append("indicators")
        raise LookupError("indicators failed")

    def pboc(wh: Warehouse, *args: Any, **kwargs: Any) -> Any:
        events.append("pboc")
        for _ in range(300):  # ≈ 40 s of statements unless interrupted
            wh.scalar("SELECT count(*) FROM range(20000000) AS t(x) WHERE x % 7 = 3")
        return real_pboc(wh, *args, **kwargs)

    monkeypatch.setattr(run_mod, "compute_indicators", indicators)
    monkeypatch.setattr(run_mod, "write_pboc_findings", pboc)
    began = time.perf_counter()
    with pytest.raises(LookupError, match="^indicators failed$"):  # as one after the other: the indicators first
        generate_reports(bank, AS_OF, "all", tmp_path, uscc=USCC, created_at=CREATED, concurrent=True)
    assert events == ["pboc", "indicators"] and time.perf_counter() - began < 20
    assert _report_threads() == []
    monkeypatch.setattr(run_mod, "compute_indicators", real_indicators)
    monkeypatch.setattr(run_mod, "write_pboc_findings", real_pboc)
    run = generate_reports(bank, AS_OF, "pboc", tmp_path / "again", uscc=USCC, created_at=CREATED, concurrent=True)
    assert run.files  # the warehouse and its connection are fine after the interrupted run


def test_an_interrupt_that_lands_between_two_statements_of_a_phase_still_stops_it(
        bank: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The PBOC phase spends its time in Python between short statements (as CI once met it under load): the
    failure of the indicators stops it at its next statement, not after all of them."""
    events: list[str] = []

    def indicators(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.3)
        raise LookupError("indicators failed")

    def pboc(wh: Warehouse, *args: Any, **kwargs: Any) -> Any:
        for _ in range(400):  # ≈ 20 s, nearly all of it in Python
            wh.scalar("SELECT 1")
            time.sleep(0.05)
        events.append("every statement ran")
        return None

    monkeypatch.setattr(run_mod, "compute_indicators", indicators)
    monkeypatch.setattr(run_mod, "write_pboc_findings", pboc)
    began = time.perf_counter()
    with pytest.raises(LookupError, match="^indicators failed$"):
        generate_reports(bank, AS_OF, "all", tmp_path, uscc=USCC, created_at=CREATED, concurrent=True)
    assert events == [] and time.perf_counter() - began < 10
    assert _report_threads() == []


def test_phases_running_together_have_one_duckdb_thread_each_and_the_run_gives_the_threads_back(
        bank: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The PBOC files and the NFRA tables meet (a barrier): while both run DuckDB has one thread; the run ends with
    the database's own number of threads, and writes what a run one phase after the other writes."""
    threads = int(bank.scalar("SELECT current_setting('threads')"))
    bank.execute("SET threads = 2")
    meet = threading.Barrier(2, timeout=30)
    seen: dict[str, int] = {}

    def meeting(name: str, real: Any) -> Any:
        def phase(wh: Warehouse, *args: Any, **kwargs: Any) -> Any:
            meet.wait()
            seen[name] = int(wh.scalar("SELECT current_setting('threads')"))
            meet.wait()  # both have read the setting before either ends
            return real(wh, *args, **kwargs)
        return phase

    try:
        one = generate_reports(bank, AS_OF, "all", tmp_path / "one", uscc=USCC, created_at=CREATED, concurrent=False)
        monkeypatch.setattr(run_mod, "write_pboc_findings", meeting("pboc", run_mod.write_pboc_findings))
        monkeypatch.setattr(run_mod, "compute_tables", meeting("nfra", run_mod.compute_tables))
        both = generate_reports(bank, AS_OF, "all", tmp_path / "both", uscc=USCC, created_at=CREATED,
                                concurrent=True)
        assert seen == {"pboc": 1, "nfra": 1}
        assert int(bank.scalar("SELECT current_setting('threads')")) == 2
        assert [_content(a) for a in one.files] == [_content(b) for b in both.files] and one.issues == both.issues
    finally:
        bank.execute(f"SET threads = {threads:d}")


def test_the_nfra_tables_and_files_are_made_while_the_indicators_are_computed(
        bank: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The NFRA tables and their files do not wait for the indicators (only the check of their totals reads them);
    when the indicators then fail, their error is the one raised, as one phase after the other would raise it."""
    events: list[str] = []
    made = threading.Event()
    real_tables, real_xlsx = run_mod.compute_tables, run_mod.write_nfra_xlsx

    def indicators(*args: Any, **kwargs: Any) -> Any:
        assert made.wait(30), "the NFRA files are written before the indicators are done"
        events.append("indicators")
        raise LookupError("indicators failed")

    def tables(*args: Any, **kwargs: Any) -> Any:
        events.append("tables")
        return real_tables(*args, **kwargs)

    def xlsx(*args: Any, **kwargs: Any) -> Any:
        files = real_xlsx(*args, **kwargs)
        events.append("files")
        made.set()
        return files

    def checked(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the totals are checked against the indicators: never reached when they fail")

    monkeypatch.setattr(run_mod, "compute_indicators", indicators)
    monkeypatch.setattr(run_mod, "compute_tables", tables)
    monkeypatch.setattr(run_mod, "write_nfra_xlsx", xlsx)
    monkeypatch.setattr(run_mod, "check_tables", checked)
    with pytest.raises(LookupError, match="^indicators failed$"):
        generate_reports(bank, AS_OF, "nfra", tmp_path, created_at=CREATED, concurrent=True)
    assert events == ["tables", "files", "indicators"]
    assert _report_threads() == []

"""No traceback reaches a user: every failure through ``main()`` is one located line and exit 0/1/2 (130 for
Ctrl-C). Disk full and interrupts are injected at the OS boundary (``/dev/full``, ``io.open``), never by
mocking wupian's own layers."""

from __future__ import annotations

import errno
import io
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.cli_run import wupian
from support.golden_bank import load_bank
from wupian.cli import errors
from wupian.contract import EVENT_TABLES
from wupian.engine.warehouse import Warehouse

GOOD = Path(__file__).resolve().parents[2] / "golden" / "ingest" / "good_minimal" / "input"


@pytest.fixture
def bank(tmp_path: Path) -> str:
    db = tmp_path / "bank.duckdb"
    with Warehouse(db) as wh:
        load_bank(wh)
    return str(db)


def _one_line(err: str) -> str:
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_empty_db_path_is_a_usage_error_not_an_in_memory_warehouse(capsys: pytest.CaptureFixture[str],
                                                                   tmp_path: Path) -> None:
    assert wupian("--db", "", "load", "--as-of", "2026-03-31", str(GOOD)) == 2
    err = capsys.readouterr().err
    assert "Invalid value for '--db': expects a warehouse file path, got ''" in err and "已加载" not in err
    assert wupian("--db", ":memory:", "snapshots") == 2
    assert wupian("--db", str(tmp_path), "snapshots") == 2
    assert f"{tmp_path} is a folder" in capsys.readouterr().err


def test_read_command_on_a_missing_warehouse_creates_nothing(capsys: pytest.CaptureFixture[str],
                                                              tmp_path: Path) -> None:
    typo = tmp_path / "typo.duckdb"
    for command in (["indicators", "--as-of", "2026-03-31"], ["snapshots"], ["classify", "--as-of", "2026-03-31"],
                    ["recurring", "--all", "--format", "csv"]):
        assert wupian("--db", str(typo), *command) == 2
        assert _one_line(capsys.readouterr().err) == (
            f"error: no warehouse at {typo} (仓库文件不存在): create it with `wupian load --as-of DATE FOLDER` or "
            "`wupian demo`, or point --db / WUPIAN_DB at an existing one")
        assert not typo.exists()


def test_load_creates_the_warehouse_and_bad_dates_are_usage_errors(capsys: pytest.CaptureFixture[str],
                                                                   tmp_path: Path) -> None:
    db = tmp_path / "new.duckdb"
    assert wupian("--db", str(db), "load", "--as-of", "20260331", str(GOOD)) == 0
    assert db.exists()
    capsys.readouterr()
    assert wupian("--db", str(db), "snapshots", ) == 0
    assert "2026-03-31" in capsys.readouterr().out
    assert wupian("--db", str(db), "quarantine", "--as-of", "2026-02-30") == 2
    assert _one_line(capsys.readouterr().err) == (
        "error: --as-of: '2026-02-30' is not a calendar date (day is out of range for month)")
    assert wupian("--db", str(db), "load", "--as-of", "31/03/2026", str(GOOD)) == 2
    assert _one_line(capsys.readouterr().err) == (
        "error: --as-of expects a date YYYY-MM-DD (e.g. 2026-03-31), got '31/03/2026'")


def test_missing_input_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert wupian("--db", str(tmp_path / "w.duckdb"), "load", "--as-of", "2026-03-31", str(tmp_path / "nope")) == 2
    line = _one_line(capsys.readouterr().err)
    assert line.startswith("error: ") and str(tmp_path / "nope") in line


def test_unknown_indicator_id_is_an_error_with_a_suggestion(capsys: pytest.CaptureFixture[str], bank: str) -> None:
    assert wupian("--db", bank, "indicators", "--as-of", "2026-03-31", "--id", "green.balanse",
                  "--format", "csv") == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert _one_line(err) == (
        "error: --id 'green.balanse' matches no indicator (指标编号不存在); did you mean 'green.balance'? — "
        "`wupian indicators --as-of DATE --format csv` lists every id")
    assert wupian("--db", bank, "indicators", "--as-of", "2026-03-31", "--id", "green.balance",
                  "--id", "tech.*", "--format", "csv") == 0
    assert "2026-03-31,H,green.balance,32000000.00" in capsys.readouterr().out


def test_load_events_with_no_event_file_says_what_it_looked_for(capsys: pytest.CaptureFixture[str],
                                                                 tmp_path: Path) -> None:
    folder = tmp_path / "events"
    shutil.copytree(GOOD, folder)  # a snapshot folder, not an events folder
    assert wupian("--db", str(tmp_path / "w.duckdb"), "load-events", str(folder)) == 2
    err = capsys.readouterr().err
    looked = ", ".join(f"{t.name}.csv|.xlsx|.parquet" for t in EVENT_TABLES)
    assert err.strip().splitlines()[-1] == (
        f"error: no event file in {folder} (未找到事件数据文件): looked for {looked}")
    assert looked.startswith("merchants.csv|.xlsx|.parquet, transactions.csv|.xlsx|.parquet, mandates.csv")


def test_disk_full_on_an_output_file(capsys: pytest.CaptureFixture[str], bank: str) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full")
    assert wupian("--db", bank, "indicators", "--as-of", "2026-03-31", "--id", "green.*", "--format", "csv") == 0
    capsys.readouterr()
    assert wupian("--db", bank, "classify", "--as-of", "2026-03-31", "--format", "csv", "--out", "/dev/full") == 2
    line = _one_line(capsys.readouterr().err)
    assert line == "error: disk full (磁盘空间不足): /dev/full"


def test_disk_full_while_writing_reports(capsys: pytest.CaptureFixture[str], bank: str, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "reports"
    real_open = io.open

    def full_disk(file: object, mode: str = "r", *args: object, **kwargs: object) -> object:
        if str(file).startswith(str(out)) and any(m in mode for m in "wax"):
            raise OSError(errno.ENOSPC, "No space left on device", str(file))
        return real_open(file, mode, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(io, "open", full_disk)
    monkeypatch.setattr("builtins.open", full_disk)
    code = wupian("--db", bank, "report", "--as-of", "2026-03-31", "--kind", "briefing", "--out", str(out))
    assert code == 2
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line.startswith("error: disk full (磁盘空间不足): " + str(out))


def test_unwritable_out_folder(capsys: pytest.CaptureFixture[str], bank: str, tmp_path: Path) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("x", encoding="utf-8")
    assert wupian("--db", bank, "report", "--as-of", "2026-03-31", "--kind", "briefing",
                  "--out", str(blocker / "reports")) == 2
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line.startswith("error: a part of the path is a file, not a folder (路径中有文件而非目录): ")
    assert str(blocker) in line


def test_ctrl_c_during_a_load_is_one_line_and_keeps_the_warehouse(capsys: pytest.CaptureFixture[str],
                                                                   tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "w.duckdb"
    assert wupian("--db", str(db), "load", "--as-of", "2026-02-28", str(GOOD)) == 0
    capsys.readouterr()
    real_open = io.open

    def interrupted(file: object, *args: object, **kwargs: object) -> object:
        if str(file).endswith("loans.csv"):
            raise KeyboardInterrupt
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(io, "open", interrupted)
    monkeypatch.setattr("builtins.open", interrupted)
    code = wupian("--db", str(db), "load", "--as-of", "2026-03-31", str(GOOD))
    monkeypatch.undo()
    assert code == errors.INTERRUPTED == 130
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "interrupted (已中断): nothing half-loaded was kept; re-run the command to finish")
    assert wupian("--db", str(db), "snapshots") == 0
    out = capsys.readouterr().out
    assert "2026-02-28" in out and "2026-03-31" not in out


@pytest.fixture
def locked(tmp_path: Path, bank: str) -> Iterator[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import duckdb, sys, time
            con = duckdb.connect({bank!r})
            print("locked", flush=True)
            time.sleep(60)
        """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        yield bank
    finally:
        holder.kill()
        holder.wait()


def test_a_locked_warehouse_is_one_line(capsys: pytest.CaptureFixture[str], locked: str) -> None:
    started = time.monotonic()
    assert wupian("--db", locked, "snapshots") == 2
    assert _one_line(capsys.readouterr().err) == (
        "error: the warehouse is in use by another wupian process (仓库正被其他进程使用): wait for it to finish or "
        "stop it, then re-run")
    assert time.monotonic() - started < 30


def test_unexpected_errors_are_one_line_without_traceback() -> None:
    message, code = errors.describe(RuntimeError("boom\nsecond line"))
    assert code == 2 and message == ("internal error (内部错误): RuntimeError: boom second line — please report it; "
                                     "set WUPIAN_DEBUG=1 to see the traceback")
    assert errors.describe(OSError(errno.EACCES, "Permission denied", "/x/y")) == (
        "error: permission denied (无写入/读取权限): /x/y", 2)


def test_warehouse_engine_errors_are_one_line() -> None:
    import duckdb

    assert errors.describe(duckdb.IOException("IO Error: No space left on device\nwhile writing")) == (
        "error: disk full while writing the warehouse (磁盘空间不足): free space and re-run; nothing was half-loaded",
        2)
    assert errors.describe(duckdb.InterruptException("INTERRUPT Error: Interrupted!"))[1] == errors.INTERRUPTED
    message, code = errors.describe(duckdb.CatalogException("Catalog Error: Table x does not exist\nDid you mean"))
    assert code == 2 and message == ("error: warehouse error (仓库错误): Catalog Error: Table x does not exist "
                                     "Did you mean")


def test_xlsx_writer_errors_are_unwrapped_to_the_os_error(capsys: pytest.CaptureFixture[str], bank: str,
                                                          tmp_path: Path) -> None:
    folder = tmp_path / "worklist.xlsx"
    folder.mkdir()
    assert wupian("--db", bank, "coverage", "above_scale_enterprise", "--as-of", "2026-03-31",
                  "--xlsx", str(folder)) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1] == f"error: is a folder, expected a file (应为文件而非目录): {folder}"
    if Path("/dev/full").exists():
        assert wupian("--db", bank, "coverage", "above_scale_enterprise", "--as-of", "2026-03-31",
                      "--xlsx", "/dev/full") == 2
        err = capsys.readouterr().err
        assert err.strip().splitlines()[-1] == "error: disk full (磁盘空间不足)" and "Traceback" not in err


def test_rejected_rows_exit_1_with_located_issues(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = tmp_path / "snap"
    shutil.copytree(GOOD, folder)
    loans = folder / "loans.csv"
    loans.write_text(loans.read_text(encoding="utf-8").replace(",7500000.00,", ",-7500000.00,"), encoding="utf-8")
    assert wupian("--db", str(tmp_path / "w.duckdb"), "load", "--as-of", "2026-03-31", str(folder)) == 1
    out, err = capsys.readouterr()
    assert "loans.csv:2[loan_id=L000001].balance: ERROR" in out and "Traceback" not in out + err
    assert "1 行已隔离，详见 `wupian quarantine --as-of 2026-03-31`" in out

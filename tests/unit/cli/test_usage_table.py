"""A table of mistakes a banker makes at the command line, each through ``main()``: the exit code (2 for usage or
environment), one line on stderr that names what was wrong and how to fix it, nothing on stdout, no traceback,
and the warehouse unchanged. One golden bank for the module (the commands here only read it)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from support.cli_run import run
from support.golden_bank import load_bank
from wupian.engine.warehouse import Warehouse

DAY = "2026-03-31"
GOOD = Path(__file__).resolve().parents[2] / "golden" / "ingest" / "good_minimal" / "input"
# (arguments after --db BANK, what the one error line must say)
MISTAKES = [
    (["indicators", "--as-of", "2026-13-01"], "is not a calendar date"),
    (["indicators", "--as-of", "2031-03-31"], "no snapshot loaded for 2031-03-31"),
    (["indicators", "--as-of", DAY, "--branch", "NOPE"], "branch 'NOPE' does not exist on 2026-03-31"),
    (["indicators", "--as-of", DAY, "--profile", "nope"], "choose one of pboc_2025, nfra_1104_2025"),
    (["indicators", "--as-of", DAY, "--format", "yaml"], "'yaml' is not one of 'table', 'csv', 'json'"),
    (["indicators"], "Missing option '--as-of'"),
    (["classify", "--as-of", DAY, "--explain", "NO-LOAN"], "loan 'NO-LOAN' is not in the snapshot of 2026-03-31"),
    (["quarantine", "--as-of", "x"], "expects a date YYYY-MM-DD"),
    (["size", "--as-of", "2031-03-31"], "load that snapshot first"),
    (["cases", "show", "NOPE"], "no case 'NOPE'"),
    (["users", "disable", "nobody"], "no user 'nobody'"),
    (["serve", "--port", "99999"], "less than or equal to 65535"),
    (["nosuchcommand"], "No such command 'nosuchcommand'"),
    # a negative --limit is refused before anything is read or written (it was an engine error for quarantine
    # and silently dropped the last issues of load / load-events / month-end)
    (["quarantine", "--limit", "-1"], "--limit must be ≥ 0"),
    (["load", str(GOOD), "--as-of", DAY, "--limit", "-1"], "--limit must be ≥ 0"),
    (["load-events", str(GOOD), "--limit", "-3"], "--limit must be ≥ 0"),
    (["check", str(GOOD), "--limit", "-1"], "--limit must be ≥ 0"),
    (["month-end", "--as-of", DAY, "--uscc", "91110000100000000X", "--limit", "-1"], "--limit must be ≥ 0"),
    (["classify", "--as-of", "2031-03-31"], "no loans loaded for 2031-03-31; load that snapshot first"),
    (["quarantine", "--as-of", DAY, "--table", "nosuch"], "no table 'nosuch' in the data contract"),
    (["indicators", "--as-of", DAY, "--id", "no.such.*"], "--id 'no.such.*' matches no indicator"),
    (["cases", "list", "--state", "nosuch"], "unknown state 'nosuch'"),
    (["load", "/no/such/folder", "--as-of", DAY], "not a folder: /no/such/folder"),
    (["check", "/no/such/folder"], "not a folder: /no/such/folder"),
    (["load-events", "/no/such/folder"], "not a folder: /no/such/folder"),
    (["recurring"], "give exactly one of ACCOUNT_ID, --all or --stale-mandates"),
    (["report", "--as-of", DAY, "--out", "x"], "pass --uscc"),
]


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("usage") / "bank.duckdb"
    with Warehouse(db) as wh:
        load_bank(wh)
    return db


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("args,says", MISTAKES, ids=[" ".join(a) for a, _ in MISTAKES])
def test_a_mistake_is_exit_2_with_one_located_line(bank: Path, args: list[str], says: str,
                                                   capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WUPIAN_OPS_DB", str(tmp_path / "ops.sqlite"))  # never the bank's folder
    before = digest(bank)
    code, out, err = run(["--db", str(bank), *args], capsys)
    assert code == 2, err
    assert says in " ".join(err.split()), err
    assert "Traceback" not in err + out and 'File "' not in err
    if not err.lstrip().startswith("Usage:"):  # our own errors: exactly one line, "error: …"
        assert [x for x in err.splitlines() if x.strip()] == [err.strip()] and err.startswith("error: ")
    assert out.strip() == ""
    assert digest(bank) == before


def test_a_file_that_is_not_a_warehouse(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake = tmp_path / "notes.duckdb"
    fake.write_text("季度会议纪要\n", encoding="utf-8")
    code, out, err = run(["--db", str(fake), "snapshots"], capsys)
    assert code == 2 and err.startswith("error: cannot open warehouse") and str(fake) in err
    assert "Traceback" not in err and fake.read_text(encoding="utf-8") == "季度会议纪要\n"


def test_a_warehouse_in_a_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "no" / "such" / "w.duckdb"
    code, _, err = run(["--db", str(db), "snapshots"], capsys)
    assert code == 2 and "wupian load --as-of DATE FOLDER" in err and "仓库文件不存在" in err
    assert not db.parent.exists()


def test_help_of_every_command_is_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    commands = ["demo", "check", "load", "load-events", "snapshots", "quarantine", "classify", "size", "indicators",
                "coverage", "report", "month-end", "recurring", "screen", "serve", "attest", "cases", "users"]
    for command in commands:
        code, out, err = run([command, "--help"], capsys)
        assert code == 0 and "Usage:" in out and err == "", command

"""``--help`` of every command and sub-command through ``main()`` (exit 0, its own usage line, a summary for
every listed command, English help), and the usage mistakes of the commands the golden-bank table
(test_usage_table.py) does not cover: exit 2, one ``error:`` line or Click's usage block on stderr, nothing on
stdout, never a traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from support.cli_run import run

GOOD = Path(__file__).resolve().parents[2] / "golden" / "ingest" / "good_minimal" / "input"
BOX_ROW = re.compile(r"^│ ([a-z][a-z0-9-]*)\s{2,}(\S.*?)\s*│$")


def listed_commands(help_text: str) -> dict[str, str]:
    """The commands of a help screen's "Commands" box with the first line of their summary."""
    box = help_text.split("─ Commands ", 1)
    if len(box) < 2:
        return {}
    return {m.group(1): m.group(2) for line in box[1].splitlines() if (m := BOX_ROW.match(line))}


def test_every_command_and_sub_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    seen: list[str] = []
    todo: list[list[str]] = [[]]
    while todo:
        path = todo.pop(0)
        code, out, err = run([*path, "--help"], capsys)
        name = " ".join(["wupian", *path])
        assert code == 0, (name, err)
        assert err == "" and "Traceback" not in out, name
        assert re.search(rf"Usage: {re.escape(name)} \[OPTIONS\]", out), (name, out[:300])
        assert "--help" in out, name
        commands = listed_commands(out)
        for sub, summary in commands.items():
            assert summary.strip(), f"{name} {sub} has no summary"
            todo.append([*path, sub])
        seen.append(name)
    top = {s.split()[1] for s in seen if len(s.split()) == 2}
    assert {"demo", "check", "load", "load-events", "snapshots", "quarantine", "classify", "size", "indicators",
            "coverage", "report", "month-end", "recurring", "screen", "serve", "attest", "cases", "users"} <= top
    subs = {s for s in seen if len(s.split()) == 3}
    assert {"wupian attest init", "wupian attest verify", "wupian attest audit", "wupian cases move",
            "wupian users add"} <= subs, sorted(subs)


def test_a_group_without_its_sub_command_shows_usage_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    for group in ("attest", "cases", "users"):
        code, out, err = run([group], capsys)
        assert code == 2, group
        assert f"Usage: wupian {group}" in out + err and "Traceback" not in out + err


# (arguments after --db <fresh file>, what stderr must say): no bank needed
MISTAKES = [
    (["check", "/nonexistent/snap"], "error: not a folder: /nonexistent/snap"),
    (["check", str(GOOD), "--as-of", "2026-02-29"], "'2026-02-29' is not a calendar date"),
    (["check", str(GOOD), "--format", "xml"], "--format expects text or json, got 'xml'"),
    (["check", str(GOOD), "--limit", "-1"], "--limit must be ≥ 0"),
    (["load", str(GOOD)], "Missing option '--as-of'"),
    (["load", str(GOOD), "--as-of", "20260331x"], "expects a date YYYY-MM-DD (e.g. 2026-03-31), got '20260331x'"),
    (["load", "/nonexistent/snap", "--as-of", "2026-03-31"], "error: not a folder: /nonexistent/snap"),
    (["load-events", "/nonexistent/events"], "error: not a folder: /nonexistent/events"),
    (["month-end", "--as-of", "2026-03-31"], "Missing option '--uscc'"),
    (["report", "--as-of", "2026-03-31"], "no warehouse at "),  # says how to create one, never creates it
    (["demo", "--scale", "-1"], "--scale must be in (0, 10], got -1.0"),
    (["demo", "--months", "0"], "Invalid value for '--months'"),
    (["recurring"], "give exactly one of ACCOUNT_ID, --all or --stale-mandates"),
    (["screen"], "give exactly one of REQUEST.json (or -), --all or --backtest"),
    (["attest", "audit", "--log-dir", "/nonexistent/log"], "no attestation log in /nonexistent/log"),
    (["attest", "verify", "/nonexistent/receipt.json"], "does not exist"),
    (["cases", "list", "--state", "nope"], "unknown state 'nope'; one of open, verifying"),
    (["users", "add", "bob"], "Missing option '--role'"),
]


@pytest.mark.parametrize("args,says", MISTAKES, ids=[" ".join(a)[:60] for a, _ in MISTAKES])
def test_a_usage_mistake_is_exit_2_without_a_traceback(args: list[str], says: str, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WUPIAN_OPS_DB", str(tmp_path / "ops.sqlite"))
    code, out, err = run(["--db", str(tmp_path / "w.duckdb"), *args], capsys)
    assert code == 2, err
    assert says in " ".join(err.split()), err
    assert out.strip() == "" and "Traceback" not in err and 'File "' not in err
    assert not (tmp_path / "w.duckdb").exists()  # a mistake never leaves an empty warehouse behind
    if not err.lstrip().startswith("Usage:"):
        assert [x for x in err.splitlines() if x.strip()] == [err.strip()] and err.startswith("error: ")


def test_check_and_load_exit_0_clean_and_1_on_rejected_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                                            ) -> None:
    db = str(tmp_path / "w.duckdb")
    code, out, err = run(["--db", db, "check", str(GOOD), "--as-of", "2026-03-31"], capsys)
    assert code == 0 and "通过 (clean)" in out and "ERROR" not in out, out + err
    bad = tmp_path / "bad"
    bad.mkdir()
    for f in GOOD.iterdir():
        (bad / f.name).write_bytes(f.read_bytes().replace(b"2026-01-10", b"2026-02-29"))
    code, out, err = run(["--db", db, "check", str(bad), "--as-of", "2026-03-31"], capsys)
    assert code == 1, out + err
    assert ("loans.csv:4[loan_id=L000003].drawdown_date: ERROR WP-LOAD-014 expected a date YYYY-MM-DD or "
            "YYYYMMDD, got '2026-02-29'") in out
    assert "WP-LOAD-014 ERROR: 1" in out and "Traceback" not in out + err
    code, out, err = run(["--db", db, "load", str(bad), "--as-of", "2026-03-31"], capsys)
    assert code == 1 and "WP-LOAD-014" in out, out + err
    code, out, err = run(["--db", db, "quarantine", "--as-of", "2026-03-31"], capsys)
    assert code == 0 and "L000003" in out and "2026-02-29" in out, out + err
    code, out, err = run(["--db", db, "load", str(tmp_path / "bad"), "--as-of", "2026-03-31", "--limit", "x"], capsys)
    assert code == 2 and "Traceback" not in err


def test_check_json_locates_every_issue_and_keeps_counts_past_the_limit(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    import json

    bad = tmp_path / "bad"
    bad.mkdir()
    for f in GOOD.iterdir():
        (bad / f.name).write_bytes(f.read_bytes().replace(b"FQ01", b"FQ9").replace(b"3.45", b"99"))
    code, out, err = run(["--db", str(tmp_path / "w.duckdb"), "check", str(bad), "--format", "json",
                          "--limit", "1"], capsys)
    assert code == 1 and err == "", err
    report = json.loads(out)
    assert report["ok"] is False and report["rows"]["loans"] == 3 and report["rejected"]["loans"] == 2
    [issue] = report["issues"]  # --limit 1 lists one …
    assert issue["source"] == {"file": "loans.csv", "line": 2, "key": "loan_id=L000001", "column": "interest_rate"}
    assert issue["code"] == "WP-LOAD-007" and issue["message"] == "expected rate ≥ -5 and ≤ 36, got 99"
    counts = {(c["code"], c["level"]): c["count"] for c in report["issue_counts"]}
    assert counts == {("WP-LOAD-007", "ERROR"): 1, ("WP-LOAD-020", "ERROR"): 2}  # … and counts them all
    assert not (tmp_path / "w.duckdb").exists()  # check never creates a warehouse

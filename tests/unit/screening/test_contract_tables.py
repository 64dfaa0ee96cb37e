"""The screening event tables load through ``load_events``: located errors, de-duplication, references."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from wupian.contract import table
from wupian.engine.warehouse import Warehouse
from wupian.ingest import load_events, load_snapshot

GOOD = Path(__file__).resolve().parents[2] / "golden" / "ingest" / "good_minimal" / "input"
AS_OF = dt.date(2026, 3, 31)

REQUESTS = """request_id,requested_at,branch_id,customer_id,account_id,request_type,amount,payee_account,accompanied_by
R1,2026-03-02 10:00:00,O001,K0002,A001,cash_withdrawal,50000.00,,family
R2,2026-03-02 11:00:00,O001,K0002,A001,转账,"12,000.00",6222000099990001,陌生人
R3,2026-03-02 11:00:00,O404,K0002,A001,cash_withdrawal,100.00,,
R4,2026-03-02 11:00:00,O001,K0002,A001,loan,100.00,,
R5,2026-03-02 11:00:00,O001,K0002,A001,cash_withdrawal,0,,
"""
OBS = """request_id,code,note
R1,anxious,
R1,hurried,催促
R9,anxious,
"""
WATCH = """list,account_no,id_code,name,valid_from,valid_to,source
police_case_account,6222000099990001,,张三,2026-01-01,,police
allow,,440305199001010011,王小明,,,branch
"""
LABELS = """key_type,key,label,typology,amount_lost,confirmed_at,source
request,R1,victim,fake_investment,0,2026-03-05,case_outcome
account,A001,mule,,,2026-03-05,police_feedback
"""


@pytest.fixture
def loaded(tmp_path: Path) -> tuple[Warehouse, Path]:
    snap = tmp_path / "snap"
    shutil.copytree(GOOD, snap)
    (snap / "accounts.csv").write_text(
        "account_id,customer_id,account_type,opened_at\nA001,K0002,personal_debit,2020-01-01\n", encoding="utf-8"
    )
    wh = Warehouse(tmp_path / "w.duckdb")
    load_snapshot(wh, AS_OF, snap)
    ev = tmp_path / "ev"
    ev.mkdir()
    (ev / "screening_requests.csv").write_text(REQUESTS, encoding="utf-8")
    (ev / "柜员观察.csv").write_text(OBS, encoding="utf-8")
    (ev / "watchlist.csv").write_text(WATCH, encoding="utf-8")
    (ev / "fraud_labels.csv").write_text(LABELS, encoding="utf-8")
    (ev / "transactions.csv").write_text(
        "txn_id,account_id,booked_at,amount,kind,counterparty_region\n"
        "T1,A001,2026-03-01 08:00:00,100.00,转入,440300\nT2,A001,2026-03-01 09:00:00,-5.00,fee,4403X\n",
        encoding="utf-8",
    )
    return wh, ev


def test_screening_tables_load_with_located_errors(loaded: tuple[Warehouse, Path]) -> None:
    wh, ev = loaded
    report = load_events(wh, ev)
    errors = sorted((i.source.file, i.source.line, i.code) for i in report.issues if str(i.level) == "ERROR")
    assert ("screening_requests.csv", 4, "WP-LOAD-023") in errors  # O404 is no branch
    assert any(f == "screening_requests.csv" and line == 5 for f, line, _ in errors)  # unknown request type
    assert any(f == "screening_requests.csv" and line == 6 for f, line, _ in errors)  # amount 0
    assert ("柜员观察.csv", 4, "WP-LOAD-023") in errors  # R9 is no request
    assert any(f == "transactions.csv" and line == 3 for f, line, _ in errors)  # region pattern
    assert report.loaded["screening_requests"] == 2
    assert report.loaded["teller_observations"] == 2
    assert report.loaded["watchlist"] == 2
    assert report.loaded["fraud_labels"] == 2
    assert wh.rows("SELECT request_type, amount, accompanied_by FROM screening_requests ORDER BY request_id") == [
        {"request_type": "cash_withdrawal", "amount": 50000, "accompanied_by": "family"},
        {"request_type": "transfer_out", "amount": 12000, "accompanied_by": "stranger"},
    ]
    assert wh.scalar("SELECT kind FROM transactions WHERE txn_id = 'T1'") == "transfer_in"


def test_screening_tables_deduplicate_on_keys_even_with_blank_key_columns(loaded: tuple[Warehouse, Path]) -> None:
    wh, ev = loaded
    load_events(wh, ev)
    again = load_events(wh, ev)
    assert again.loaded["watchlist"] == 0 and again.skipped["watchlist"] == 2
    assert again.loaded["screening_requests"] == 0
    assert wh.scalar("SELECT count(*) FROM watchlist") == 2
    assert wh.scalar("SELECT count(*) FROM teller_observations") == 2


def test_old_warehouse_gains_the_new_transaction_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with Warehouse(path) as wh:
        wh.execute("ALTER TABLE transactions DROP COLUMN kind")
        wh.execute("ALTER TABLE transactions DROP COLUMN counterparty_region")
    with Warehouse(path) as wh:
        cols = {r["column_name"] for r in wh.rows(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'transactions'")}
    assert {"kind", "counterparty_region"} <= cols


def test_contract_declares_the_spec_columns() -> None:
    req = table("screening_requests")
    assert req.key == ("request_id",) and req.kind == "event"
    assert [e.value for e in req.column("request_type").enum] == [
        "cash_withdrawal", "transfer_out", "remittance", "early_redemption", "gold_purchase", "limit_raise", "other"]
    assert {e.value for e in table("watchlist").column("list").enum} == {"police_case_account", "bank_high_risk",
                                                                          "allow"}
    assert table("teller_observations").key == ("request_id", "code")
    assert table("fraud_labels").column("label").required

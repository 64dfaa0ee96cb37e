"""The demo transaction generator (deterministic, contract-shaped files, planted truth) and the measured
quality of the detector on it."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from wupian.contract.tables import MANDATES, MERCHANTS, TRANSACTIONS
from wupian.demo.transactions import TRUTH_COLUMNS, generate_event_files, generate_event_tables
from wupian.engine.warehouse import Warehouse
from wupian.monitor.recurring import streams_table
from wupian.monitor.recurring.evaluate import evaluate, match, read_truth

END = date(2026, 3, 31)
ACCOUNTS = [f"62220300{i:08d}" for i in range(400)]


@pytest.fixture(scope="module")
def bank() -> tuple[pa.Table, pa.Table]:
    tables = generate_event_tables(ACCOUNTS, seed=11, end=END)
    with Warehouse(":memory:") as wh:
        for name in ("transactions", "mandates", "merchants"):
            wh.register("_in", getattr(tables, name))
            wh.execute(f"INSERT INTO {name} BY NAME SELECT * FROM _in")
            wh.unregister("_in")
        detected = streams_table(wh)
    return detected, tables.truth


def test_generator_is_deterministic() -> None:
    a = generate_event_tables(ACCOUNTS[:60], seed=3, end=END)
    b = generate_event_tables(ACCOUNTS[:60], seed=3, end=END)
    c = generate_event_tables(ACCOUNTS[:60], seed=4, end=END)
    assert a.transactions.equals(b.transactions) and a.truth.equals(b.truth) and a.mandates.equals(b.mandates)
    assert not a.transactions.equals(c.transactions)


def test_files_follow_the_contract(tmp_path: Path) -> None:
    files = generate_event_files(tmp_path, ACCOUNTS[:50], seed=5, end=END)
    for path, table, rows in ((files.transactions, TRANSACTIONS, files.transaction_rows),
                              (files.mandates, MANDATES, files.mandate_rows),
                              (files.merchants, MERCHANTS, files.merchant_rows)):
        with open(path, encoding="utf-8") as f:
            reader = csv.reader(f)
            assert tuple(next(reader)) == table.column_names
            assert sum(1 for _ in reader) == rows > 0
    truth = read_truth(files.truth)
    assert tuple(truth.column_names) == TRUTH_COLUMNS and truth.num_rows == files.truth_rows
    tx = generate_event_tables(ACCOUNTS[:50], seed=5, end=END).transactions
    dates = tx["booked_at"].to_pylist()
    assert min(dates).date() >= date(2025, 3, 1) and max(dates).date() <= END
    assert len(set(tx["txn_id"].to_pylist())) == tx.num_rows


def test_truth_has_the_hard_cases(bank: tuple[pa.Table, pa.Table]) -> None:
    truth = bank[1].to_pylist()
    assert {t["cadence"] for t in truth} >= {"weekly", "biweekly", "semimonthly", "monthly", "bimonthly",
                                              "quarterly", "semiannual", "annual"}
    assert {t["status"] for t in truth} == {"active", "ended", "early"}
    assert any(t["twin_stream_id"] for t in truth) and any(t["price_change"] for t in truth)
    assert any(t["skipped"] for t in truth) and any(t["has_mandate"] for t in truth)
    assert any(not t["has_mandate"] for t in truth)


def test_detector_meets_the_quality_goal(bank: tuple[pa.Table, pa.Table]) -> None:
    report = evaluate(*bank)
    assert report.overall.recall >= 0.95 and report.overall.precision >= 0.9
    monthly = next(s for s in report.by_cadence if s.slice == "cadence=monthly")
    assert monthly.recall >= 0.95 and monthly.precision >= 0.95
    assert report.cadence_accuracy >= 0.95 and report.status_accuracy >= 0.9


def test_matching_is_one_to_one_by_amount() -> None:
    day = date(2025, 3, 1)
    truth = [{"account_id": "A", "payee_key": "m:1", "typical_amount": Decimal(v), "first_date": day,
              "last_date": END} for v in ("30.00", "100.00")]
    detected = [dict(t, typical_amount=Decimal(a)) for t, a in zip(truth, ("101.00", "29.00"), strict=True)]
    assert match(detected, truth) == {0: 1, 1: 0}
    assert match(detected[:1], truth[:1]) == {0: 0}  # the only candidate, however far the amount

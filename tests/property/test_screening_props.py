"""Screening is point-in-time and deterministic: transactions booked at or after ``requested_at`` never change a
decision, and the same input with the same rulebook version always gives the same decision."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support import screening_bank as bank
from wupian.engine.warehouse import Warehouse
from wupian.monitor.screening import screen_request

CASES = [c for c in bank.golden_cases() if not c["id"].startswith("boundary")]
ACCOUNTS = ("A101", "A102", "A103", "A104", "A105", "A106", "A107")


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    w = bank.build(tmp_path_factory.mktemp("props"), requests=bank.prior_requests())
    yield w
    w.close()


later_txn = st.tuples(
    st.sampled_from(ACCOUNTS),
    st.one_of(st.just(0), st.integers(min_value=0, max_value=120), st.integers(min_value=0, max_value=60 * 24 * 30)),
    st.decimals(min_value=Decimal("-90000"), max_value=Decimal("90000"), places=2).filter(lambda d: d != 0),
    st.sampled_from(["transfer_in", "transfer_out", "cash_withdrawal", ""]),
    st.integers(min_value=0, max_value=5),
    st.sampled_from(["", "密码重置", "取现", "转账"]),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(later_txn, min_size=1, max_size=30), st.sampled_from(CASES))
def test_later_transactions_never_change_the_decision(wh: Warehouse, txns: list, case: dict) -> None:
    req = bank.golden_request(case)
    at = dt.datetime.fromisoformat(req["requested_at"])
    before = screen_request(wh, req, case["observations"])
    wh.execute("BEGIN TRANSACTION")
    try:
        for i, (acct, minutes, amount, kind, cp, summary) in enumerate(txns):
            wh.execute(
                "INSERT INTO transactions (txn_id, account_id, booked_at, amount, kind, counterparty_name, "
                "counterparty_account, counterparty_region, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [f"LATER{i}", acct, at + dt.timedelta(minutes=minutes), amount, kind or None, f"后来的人{cp}",
                 f"6299{cp:012d}", "110100", summary],
            )
        after = screen_request(wh, req, case["observations"])
    finally:
        wh.execute("ROLLBACK")
    assert after == before
    assert after.features == before.features  # no feature, fired or not, reads later data


def test_same_input_same_version_same_decision(wh: Warehouse, tmp_path: Path) -> None:
    other = bank.build(tmp_path, requests=bank.prior_requests(), db_name="again.duckdb")
    try:
        for case in CASES:
            req = bank.golden_request(case)
            a = screen_request(wh, req, case["observations"])
            b = screen_request(wh, req, list(reversed(case["observations"])))
            c = screen_request(other, req, case["observations"])
            assert a == b == c
            assert a.as_json() == c.as_json() and a.rulebook_version == c.rulebook_version
    finally:
        other.close()

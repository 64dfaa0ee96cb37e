"""The scoring statement is planned once per connection and re-used with other inputs, so its plan must not
depend on the data present when it was made: any order of live and batch screens on one connection gives each
golden case its reviewed decision. And point in time beyond transactions: requests made later, list entries valid
only from a later day and teller ticks on other requests never change a decision."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support import screening_bank as bank
from wupian.engine.warehouse import Warehouse
from wupian.monitor.screening import screen_all, screen_request

CASES = bank.golden_cases()
ACCOUNTS = [(c["request"]["customer_id"], c["request"]["account_id"]) for c in CASES]


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    w = bank.build(tmp_path_factory.mktemp("plan"), requests=bank.prior_requests())
    yield w
    w.close()


def _expected(case: dict) -> tuple[str, int, list[str]]:
    e = case["expect"]
    return e["band"], e["score"], e["reasons"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.permutations(CASES), st.lists(st.integers(min_value=0, max_value=len(CASES)), max_size=3))
def test_any_order_of_live_and_batch_screens_gives_the_reviewed_decisions(
        wh: Warehouse, order: list[dict], batch_at: list[int]) -> None:
    for i, case in enumerate(order):
        if i in batch_at:  # a batch over the loaded requests between two live screens, on the same connection
            assert all(d.band in ("low", "medium", "high", "block") for d in screen_all(wh))
        d = screen_request(wh, bank.golden_request(case), case["observations"])
        assert (d.band, d.score, [r.code for r in d.reasons]) == _expected(case), case["id"]


later_request = st.tuples(
    st.sampled_from(ACCOUNTS),
    st.integers(min_value=0, max_value=60 * 24 * 3),
    st.sampled_from(["cash_withdrawal", "transfer_out", "limit_raise", "early_redemption"]),
    st.sampled_from(["executed", "abandoned", ""]),
    st.sampled_from(["", "6222000099990001", "6230000011112222", "9100000000000009"]),
    st.sampled_from(["", "重置密码", "家用"]),
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(later_request, min_size=1, max_size=12), st.sampled_from(CASES),
       st.integers(min_value=1, max_value=40))
def test_later_requests_lists_and_ticks_never_change_the_decision(
        wh: Warehouse, later: list, case: dict, list_days: int) -> None:
    req = bank.golden_request(case)
    at = dt.datetime.fromisoformat(req["requested_at"])
    before = screen_request(wh, req, case["observations"])
    wh.execute("BEGIN TRANSACTION")
    try:
        for i, ((cust, acct), minutes, kind, outcome, payee, purpose) in enumerate(later):
            wh.execute(
                "INSERT INTO screening_requests (request_id, requested_at, branch_id, customer_id, account_id, "
                "request_type, amount, payee_account, stated_purpose, outcome) VALUES (?, ?, 'O001', ?, ?, ?, ?, ?, ?, ?)",
                [f"LATER-R{i}", at + dt.timedelta(minutes=minutes), cust, acct, kind, "90000.00", payee or None,
                 purpose or None, outcome or None])
            wh.execute("INSERT INTO teller_observations (request_id, code, note) VALUES (?, 'authority_story', '')",
                       [f"LATER-R{i}"])
            if payee:  # listed from a later day only
                wh.execute("INSERT INTO watchlist (list, account_no, valid_from, source) VALUES "
                           "('police_case_account', ?, ?, '公安')", [payee, at.date() + dt.timedelta(days=list_days)])
        wh.execute("INSERT INTO watchlist (list, id_code, valid_from, source) SELECT 'allow', id_code, ?, '网点核实' "
                   "FROM customers WHERE customer_id = ?", [at.date() + dt.timedelta(days=list_days),
                                                            req["customer_id"]])
        after = screen_request(wh, req, case["observations"])
    finally:
        wh.execute("ROLLBACK")
    assert after == before
    assert after.features == before.features

"""Cases through the Python API: joining by customer and day, the state machine's refusals, and the
"verified, not fraud" exemption that switches history rules off for N days (never the block)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest

from support import screening_bank as bank
from wupian.core.errors import UsageError
from wupian.engine.warehouse import Warehouse
from wupian.monitor.screening import WarehouseCaseStore, move, open_or_join, screen_request

T0 = bank.T0


@pytest.fixture
def wh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    w = bank.build(tmp_path_factory.mktemp("cases"))
    yield w
    w.close()


def _mule(rid: str, at: dt.datetime = T0, **extra: str) -> dict[str, str]:
    return bank.request(rid, "K0102", "A102", "cash_withdrawal", "50000.00", at, **extra)


def test_alerts_of_one_customer_and_day_join_one_case(wh: Warehouse) -> None:
    store = WarehouseCaseStore(wh)
    first = open_or_join(store, screen_request(wh, _mule("M1"), []))
    second = open_or_join(store, screen_request(wh, _mule("M2", T0 + dt.timedelta(hours=2)), []))
    again = open_or_join(store, screen_request(wh, _mule("M1"), []))  # screening the same request again
    assert first and second and again and first.case_id == second.case_id == again.case_id
    assert again.request_ids == ("M1", "M2") and again.amount == Decimal("100000.00")
    assert [e.to_state for e in again.history] == ["open"]


def test_state_machine_refuses_what_the_spec_forbids(wh: Warehouse) -> None:
    store = WarehouseCaseStore(wh)
    case = open_or_join(store, screen_request(wh, _mule("M3"), ["hurried"]))
    assert case is not None and case.band == "high"
    at = T0 + dt.timedelta(minutes=5)
    with pytest.raises(UsageError, match="comes back"):
        move(store, case.case_id, "suspended", actor="T1", at=at)
    with pytest.raises(UsageError, match="outcome"):
        move(store, case.case_id, "closed", actor="T1", note="x", second_actor="S1", at=at)
    with pytest.raises(UsageError, match="only when closing"):
        move(store, case.case_id, "verifying", actor="T1", outcome="prevented", at=at)
    with pytest.raises(UsageError, match="only for outcome not_fraud"):
        move(store, case.case_id, "closed", actor="T1", note="x", outcome="lost", amount=Decimal(1),
             second_actor="S1", exempt_days=5, at=at)
    moved = move(store, case.case_id, "suspended", actor="T1", note="改日再来", reopen_on=dt.date(2026, 2, 12), at=at)
    assert moved.state == "suspended" and moved.history[-1].reopen_on == dt.date(2026, 2, 12)
    with pytest.raises(UsageError, match="before the case's last event"):
        move(store, case.case_id, "verifying", actor="T1", at=T0)
    back = move(store, case.case_id, "verifying", actor="T1", at=at + dt.timedelta(days=2))
    assert [e.to_state for e in back.history] == ["open", "suspended", "verifying"]
    assert back.history[:2] == moved.history  # earlier events are never rewritten


def test_not_fraud_exemption_switches_history_rules_off_for_n_days(wh: Warehouse) -> None:
    store = WarehouseCaseStore(wh)
    d = screen_request(wh, _mule("M4"), [])
    assert d.band == "high" and not d.exempt
    case = open_or_join(store, d)
    assert case is not None
    move(store, case.case_id, "closed", actor="T1", second_actor="S1", outcome="not_fraud", exempt_days=30,
         note="客户为网店店主，流水有合同佐证", at=T0 + dt.timedelta(minutes=30))
    later = screen_request(wh, _mule("M5", T0 + dt.timedelta(hours=3)), [])
    assert later.exempt and later.band == "low"
    assert not any(r.kind == "history" for r in later.reasons)
    blocked = screen_request(wh, _mule("M6", T0 + dt.timedelta(hours=3), request_type="transfer_out",
                                       payee_account=bank.POLICE_ACCOUNT, payee_name="涉案人"), [])
    assert blocked.band == "block"  # an exemption never lifts the police list
    before = screen_request(wh, _mule("M7", T0 + dt.timedelta(minutes=10)), [])
    assert not before.exempt  # the exemption starts when the case was closed
    expired = screen_request(wh, _mule("M8", T0 + dt.timedelta(days=31)), [])
    assert not expired.exempt

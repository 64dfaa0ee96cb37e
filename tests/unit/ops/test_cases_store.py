"""Screening cases in the operational store, against SQLite and a real PostgreSQL: the same state machine
(``monitor.screening.move``) over ``OpsCaseStore`` gives exactly what it gives over the warehouse's store; the
history is append-only whatever SQL is sent; filters, exemptions, pending closings and the import."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from wupian.core.errors import UsageError
from wupian.engine.warehouse import Warehouse
from wupian.monitor.screening import Decision, WarehouseCaseStore, list_cases, move, open_or_join
from wupian.ops import OpsCaseStore, OpsStore, PendingClose

T0 = datetime(2026, 2, 10, 9, 30)


def decision(rid: str, customer: str, band: str, amount: str, at: datetime = T0, branch: str = "B1") -> Decision:
    return Decision(rid, at, branch, customer, "A" + customer, "cash_withdrawal", Decimal(amount), band,
                    {"low": 10, "medium": 40, "high": 70, "block": 99}[band], "核实", "verify", None, None, (), (),
                    "test+0")


def scenario(repo) -> list:  # type: ignore[no-untyped-def]
    """Two customers, a joined alert that raises the band, a full life cycle and an exemption."""
    assert open_or_join(repo, decision("R1", "K1", "low", "100.00")) is None
    open_or_join(repo, decision("R2", "K1", "medium", "50000.00"))
    open_or_join(repo, decision("R3", "K1", "high", "30000.50", T0 + timedelta(minutes=5)))
    open_or_join(repo, decision("R3", "K1", "high", "30000.50", T0 + timedelta(minutes=5)))  # idempotent
    open_or_join(repo, decision("R4", "K2", "medium", "8000.00", branch="B2"))
    cid = "C20260210-K1"
    move(repo, cid, "verifying", actor="T1", note="一查二问", at=T0 + timedelta(minutes=10))
    move(repo, cid, "police_contacted", actor="T1", note="96110", at=T0 + timedelta(minutes=12))
    move(repo, cid, "closed", actor="T1", note="劝阻成功", outcome="prevented", amount=Decimal("80000.50"),
         second_actor="S1", at=T0 + timedelta(minutes=40))
    move(repo, "C20260210-K2", "closed", actor="T2", note="有凭证", outcome="not_fraud", exempt_days=30,
         at=T0 + timedelta(minutes=20))
    return repo.cases()


def test_ops_store_behaves_exactly_like_the_warehouse_store(store: OpsStore) -> None:
    with Warehouse(":memory:") as wh:
        expected = scenario(WarehouseCaseStore(wh))
        expected_exempt = WarehouseCaseStore(wh).exemptions()
        expected_decisions = WarehouseCaseStore(wh).decisions("C20260210-K1")
    ops = OpsCaseStore(store)
    got = scenario(ops)
    assert got == expected
    assert [c.band for c in got] == ["high", "medium"]
    assert got[0].amount == Decimal("80000.50") and got[0].request_ids == ("R2", "R3")
    assert got[0].state == "closed" and got[0].outcome == "prevented" and len(got[0].history) == 4
    assert ops.exemptions() == expected_exempt == [("K2", T0 + timedelta(minutes=20), date(2026, 3, 12))]
    assert ops.decisions("C20260210-K1") == expected_decisions
    assert [d["request_id"] for d in ops.decisions("C20260210-K1")] == ["R2", "R3"]


def test_filters_branch_actor_state_dates(store: OpsStore) -> None:
    ops = OpsCaseStore(store)
    scenario(ops)
    assert [c.case_id for c in ops.cases(branch_ids=["B2"])] == ["C20260210-K2"]
    assert ops.cases(branch_ids=[]) == []
    assert [c.case_id for c in ops.cases(actor="T1")] == ["C20260210-K1"]
    assert [c.case_id for c in list_cases(ops, state="closed")] == ["C20260210-K1", "C20260210-K2"]
    assert ops.cases(date_from=date(2026, 2, 11)) == []
    assert len(ops.cases(date_to=date(2026, 2, 10), limit=1)) == 1
    assert ops.counts() == {"closed": 2}
    assert ops.counts(actor="T2") == {"closed": 1}


def test_history_is_append_only_whatever_sql_is_sent(store: OpsStore) -> None:
    ops = OpsCaseStore(store)
    scenario(ops)
    for sql in ("UPDATE case_events SET note = 'rewritten'", "DELETE FROM case_events",
                "UPDATE case_requests SET amount = 1", "DELETE FROM case_requests"):
        with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as con:
            con.execute(text(sql))
    assert [e.note for e in ops.cases(case_id="C20260210-K1")[0].history][1] == "一查二问"


def test_a_racing_second_transition_is_refused_not_lost(store: OpsStore) -> None:
    ops = OpsCaseStore(store)
    open_or_join(ops, decision("R2", "K1", "medium", "50000.00"))
    case = ops.cases()[0]
    from wupian.monitor.screening.model import CaseEvent

    ops.append(CaseEvent(case.case_id, 2, T0 + timedelta(minutes=1), "T1", "open", "verifying", "a"))
    with pytest.raises(UsageError, match="changed meanwhile"):
        ops.append(CaseEvent(case.case_id, 2, T0 + timedelta(minutes=1), "T2", "open", "dissuading", "b"))
    assert ops.cases()[0].state == "verifying"


def test_pending_close_is_kept_until_the_case_closes(store: OpsStore) -> None:
    ops = OpsCaseStore(store)
    open_or_join(ops, decision("R3", "K1", "high", "30000.00"))
    cid = "C20260210-K1"
    p = PendingClose(cid, "T1", "prevented", Decimal("30000.00"), "劝阻成功", None, T0 + timedelta(minutes=3))
    ops.propose_close(p)
    assert ops.pending_close(cid) == p
    ops.propose_close(PendingClose(cid, "T1", "proceeded", None, "客户坚持", None, T0 + timedelta(minutes=4)))
    assert ops.pending_close(cid).outcome == "proceeded"  # type: ignore[union-attr]
    move(ops, cid, "dissuading", actor="S1", note="再劝阻", at=T0 + timedelta(minutes=4, seconds=30))
    assert ops.pending_close(cid) is None  # the state changed: the proposal is outdated
    ops.propose_close(PendingClose(cid, "T1", "proceeded", None, "客户坚持", None, T0 + timedelta(minutes=4)))
    move(ops, cid, "closed", actor="T1", note="客户坚持", outcome="proceeded", second_actor="S1",
         at=T0 + timedelta(minutes=5))
    assert ops.pending_close(cid) is None


def test_import_copies_warehouse_cases_once(store: OpsStore) -> None:
    ops = OpsCaseStore(store)
    with Warehouse(":memory:") as wh:
        src = WarehouseCaseStore(wh)
        expected = scenario(src)
        assert ops.import_cases(src.cases(), src.decisions) == 2
        assert ops.import_cases(src.cases(), src.decisions) == 0
        assert ops.decisions("C20260210-K1") == src.decisions("C20260210-K1")
    assert ops.cases() == expected

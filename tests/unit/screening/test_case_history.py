"""Case history is append-only and the second approval covers every escalated band; a request whose ids are in
no snapshot is refused with located messages (exit 1), never scored."""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from support import screening_bank as bank
from wupian.cli.main import main
from wupian.core.errors import DataError, UsageError
from wupian.engine.warehouse import Warehouse
from wupian.monitor.screening import CaseEvent, WarehouseCaseStore, move, open_or_join, screen_request

T0 = bank.T0


@pytest.fixture
def wh(tmp_path: Path) -> Iterator[Warehouse]:
    w = bank.build(tmp_path)
    yield w
    w.close()


def _blocked(wh: Warehouse, rid: str) -> object:
    return screen_request(wh, bank.request(rid, "K0104", "A104", "transfer_out", "30000.00",
                                           payee_account=bank.POLICE_ACCOUNT, payee_name="涉案人"), [])


def test_a_recorded_event_cannot_be_rewritten(wh: Warehouse) -> None:
    store = WarehouseCaseStore(wh)
    case = open_or_join(store, _blocked(wh, "B1"))  # type: ignore[arg-type]
    assert case is not None and case.band == "block"
    first = case.history[0]
    forged = CaseEvent(case.case_id, first.seq, first.at, "intruder", None, "closed", "改写历史", "not_fraud")
    with pytest.raises(duckdb.ConstraintException):
        store.append(forged)
    assert WarehouseCaseStore(wh).cases(case_id=case.case_id)[0].history == case.history


def test_closing_a_block_case_needs_a_second_person_and_keeps_the_order(wh: Warehouse) -> None:
    store = WarehouseCaseStore(wh)
    case = open_or_join(store, _blocked(wh, "B2"))  # type: ignore[arg-type]
    assert case is not None
    at = T0 + dt.timedelta(minutes=3)
    with pytest.raises(UsageError, match="second person"):
        move(store, case.case_id, "closed", actor="T1", outcome="prevented", amount=Decimal("30000"),
             note="中止转账", at=at)
    done = move(store, case.case_id, "closed", actor="T1", second_actor="S1", outcome="prevented",
                amount=Decimal("30000"), note="中止转账并报告", at=at)
    assert (done.state, done.outcome, done.closed_at) == ("closed", "prevented", at)
    assert [(e.seq, e.from_state, e.to_state) for e in done.history] == [(1, None, "open"), (2, "open", "closed")]
    reopened = move(store, case.case_id, "open", actor="S1", note="客户次日再来", at=at + dt.timedelta(days=1))
    assert reopened.outcome is None and reopened.history[:2] == done.history


def test_medium_case_closes_with_one_person(wh: Warehouse) -> None:
    store = WarehouseCaseStore(wh)
    d = screen_request(wh, bank.request("S1", "K0108", "A108", "cash_withdrawal", "20000.00"),
                       ["unknown_counterparty"])
    case = open_or_join(store, d)
    assert d.band == "medium" and case is not None
    done = move(store, case.case_id, "closed", actor="T1", outcome="not_fraud", note="客户为个体户，流水已核实",
                exempt_days=90, at=T0 + dt.timedelta(minutes=20))
    assert done.state == "closed" and done.history[-1].exempt_days == 90
    assert store.exemptions() == [("K0108", T0 + dt.timedelta(minutes=20), dt.date(2026, 5, 11))]


def test_unknown_ids_are_refused_with_located_issues(wh: Warehouse) -> None:
    with pytest.raises(DataError) as exc:
        screen_request(wh, bank.request("X1", "K9999", "A999", "cash_withdrawal", "60000.00", branch_id="Z9"), [])
    text = "\n".join(str(i) for i in exc.value.issues)
    for col, value, table in (("branch_id", "Z9", "branches"), ("customer_id", "K9999", "customers"),
                              ("account_id", "A999", "accounts")):
        assert f"request[request_id=X1].{col}" in text and f"{col} {value} not found" in text and table in text


def test_unknown_account_through_the_cli_exits_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    bank.build(tmp_path).close()
    req = bank.request("X2", "K0102", "A999", "cash_withdrawal", "50000.00")
    monkeypatch.setattr(sys, "argv", ["wupian", "--db", str(tmp_path / "w.duckdb"), "screen", "-"])
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(req)))
    with pytest.raises(SystemExit) as exc:
        main()
    err = capsys.readouterr().err
    assert exc.value.code == 1 and "account_id A999 not found in any loaded snapshot of accounts" in err
    assert "Traceback" not in err
    monkeypatch.setattr(sys, "argv", ["wupian", "--db", str(tmp_path / "w.duckdb"), "cases", "list",
                                      "--state", "done"])
    with pytest.raises(SystemExit) as exc:
        main()
    assert exc.value.code == 2 and "unknown state 'done'" in capsys.readouterr().err


def test_suspended_cases_reopen_on_their_return_day(wh: Warehouse, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from wupian.monitor.screening import reopen_due

    store = WarehouseCaseStore(wh)
    case = open_or_join(store, _blocked(wh, "B3"))  # type: ignore[arg-type]
    assert case is not None
    move(store, case.case_id, "suspended", actor="T1", note="客户称回家商量", reopen_on=dt.date(2026, 2, 13),
         at=T0 + dt.timedelta(minutes=5))
    assert reopen_due(store, on=dt.date(2026, 2, 12)) == []  # not yet
    [back] = reopen_due(store, on=dt.date(2026, 2, 13))
    assert back.state == "open" and back.history[-1].at == dt.datetime(2026, 2, 13)
    assert back.history[-1].actor == "system" and "2026-02-13" in back.history[-1].note
    assert reopen_due(store, on=dt.date(2026, 3, 1)) == []  # reopened once only
    wh.close()
    monkeypatch.setattr(sys, "argv", ["wupian", "--db", str(tmp_path / "w.duckdb"), "cases", "reopen-due",
                                      "--on", "2026-03-01"])
    with pytest.raises(SystemExit) as exc:
        main()
    assert exc.value.code in (0, None) and "重新打开暂缓案件0件" in capsys.readouterr().out

"""Cases between the operational store and the warehouse: the export appends exactly what is missing (so the
month-end ``fraud.*`` figures see the web app's cases), never rewrites, and round-trips with the import."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from wupian.engine.warehouse import Warehouse
from wupian.monitor.screening import Decision, WarehouseCaseStore, move, open_or_join
from wupian.ops import OpsCaseStore, OpsStore
from wupian.web.case_sync import export_cases_to_warehouse, import_warehouse_cases

T0 = datetime(2026, 3, 10, 9, 0)


def decision(rid: str, customer: str, band: str, amount: str, at: datetime = T0) -> Decision:
    return Decision(rid, at, "B1", customer, "A" + customer, "transfer_out", Decimal(amount), band, 80, "暂缓",
                    "hold", None, None, (), (), "t+0")


def test_export_appends_what_is_missing_and_import_round_trips(tmp_path: Path) -> None:
    store = OpsStore.open(str(tmp_path / "ops.sqlite"))
    try:
        ops = OpsCaseStore(store)
        open_or_join(ops, decision("R1", "K1", "high", "90000.00"))
        open_or_join(ops, decision("R2", "K2", "medium", "20000.00"))
        move(ops, "C20260310-K1", "verifying", actor="teller", note="核实", at=T0 + timedelta(minutes=2))
        with Warehouse(":memory:") as wh:
            assert export_cases_to_warehouse(ops, wh) == 2 + 2 + 3  # cases, alerts, events
            assert WarehouseCaseStore(wh).cases() == ops.cases()
            assert WarehouseCaseStore(wh).decisions("C20260310-K1") == ops.decisions("C20260310-K1")
            assert export_cases_to_warehouse(ops, wh) == 0
            open_or_join(ops, decision("R3", "K1", "block", "5000.00", T0 + timedelta(minutes=5)))
            move(ops, "C20260310-K1", "closed", actor="teller", note="劝阻", outcome="prevented",
                 amount=Decimal("95000.00"), second_actor="supervisor", at=T0 + timedelta(minutes=30))
            assert export_cases_to_warehouse(ops, wh) == 2  # one alert, one event
            exported = WarehouseCaseStore(wh).cases()
            assert exported == ops.cases() and exported[0].band == "block" and exported[0].state == "closed"
            other = OpsStore.open(str(tmp_path / "other.sqlite"))
            try:
                assert import_warehouse_cases(OpsCaseStore(other), wh) == 2
                assert OpsCaseStore(other).cases() == ops.cases()
            finally:
                other.close()
    finally:
        store.close()

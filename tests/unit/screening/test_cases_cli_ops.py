"""``wupian screen`` and ``wupian cases`` with an operational database (the web app's): cases go there, the
warehouse's earlier cases are copied in once, and the warehouse itself is not written."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from support import screening_bank as bank
from wupian.cli.main import main
from wupian.engine.warehouse import Warehouse
from wupian.monitor.screening import WarehouseCaseStore, open_or_join, screen_request
from wupian.ops import OpsCaseStore, OpsStore


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("cliops")
    wh = bank.build(tmp)
    # a case kept in the warehouse before any web app existed
    open_or_join(WarehouseCaseStore(wh), screen_request(wh, bank.request("OLD-1", "K0102", "A102", "cash_withdrawal",
                                                                         "50000.00"), ["hurried"]))
    wh.close()
    return tmp / "w.duckdb"


def run(db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["wupian", "--db", str(db), *args])
    monkeypatch.delenv("WUPIAN_OPS_DB", raising=False)
    with pytest.raises(SystemExit) as exc:
        main()
    out = capsys.readouterr()
    return int(exc.value.code or 0), out.out + out.err


def test_cases_go_to_the_ops_store_beside_the_warehouse(source: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "w.duckdb"
    shutil.copyfile(source, db)
    OpsStore.open(str(tmp_path / "w.ops.sqlite")).close()  # the web app is set up here
    code, out = run(db, capsys, monkeypatch, "cases", "list", "--format", "json")
    assert code == 0, out
    imported = json.loads(out)
    assert [c["request_ids"] for c in imported] == [["OLD-1"]]
    cid = imported[0]["case_id"]
    code, out = run(db, capsys, monkeypatch, "cases", "move", cid, "verifying", "--actor", "T9", "--note", "核实")
    assert code == 0, out
    req = {"request_id": "NEW-1", "requested_at": "2026-02-10 11:00", "branch_id": "O001", "customer_id": "K0102",
           "account_id": "A102", "request_type": "取现", "amount": "50000", "observations": ["hurried"]}
    f = tmp_path / "r.json"
    f.write_text(json.dumps(req, ensure_ascii=False), encoding="utf-8")
    code, out = run(db, capsys, monkeypatch, "screen", str(f))
    assert code == 0 and f"案件：{cid}" in out, out
    store = OpsStore.open(str(tmp_path / "w.ops.sqlite"))
    try:
        case = OpsCaseStore(store).cases(case_id=cid)[0]
    finally:
        store.close()
    assert case.state == "verifying" and case.request_ids == ("OLD-1", "NEW-1")
    with Warehouse(str(db), read_only=True) as wh:  # the warehouse's copy is untouched
        old = WarehouseCaseStore(wh).cases(case_id=cid)[0]
    assert old.state == "open" and old.request_ids == ("OLD-1",)
    code, out = run(db, capsys, monkeypatch, "cases", "list", "--format", "json")
    assert [c["state"] for c in json.loads(out)] == ["verifying"]  # imported once, not again


def test_without_an_ops_store_the_warehouse_keeps_cases(source: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "w.duckdb"
    shutil.copyfile(source, db)
    code, out = run(db, capsys, monkeypatch, "cases", "list", "--format", "csv")
    assert code == 0 and "OLD-1" in out
    assert not (tmp_path / "w.ops.sqlite").exists()

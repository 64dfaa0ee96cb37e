"""``wupian screen`` and ``wupian cases`` through ``main()``: teller card, JSON, batch CSV, backtest, the case
states with the second approval and the immutable history, exit codes 0/1/2."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest

from support import screening_bank as bank
from wupian.cli.main import main

LABELS = [("request", "Q-VICTIM", "victim", "fake_investment", "", "2026-02-11", "case_outcome"),
          ("account", "A102", "mule", "mule", "", "2026-02-11", "police_feedback"),
          ("request", "Q-NEWYEAR", "not_fraud", "", "", "2026-02-11", "case_outcome")]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("cli")
    requests = [
        bank.request("Q-VICTIM", "K0101", "A101", "early_redemption", "200000.00", stated_purpose="投资理财"),
        bank.request("Q-MULE", "K0102", "A102", "cash_withdrawal", "50000.00"),
        bank.request("Q-NEWYEAR", "K0103", "A103", "cash_withdrawal", "160000.00", accompanied_by="family"),
    ]
    obs = [("Q-VICTIM", "anxious", ""), ("Q-VICTIM", "high_yield_story", "说老师带着炒股"), ("Q-MULE", "hurried", "")]
    bank.build(tmp, requests=requests, observations=obs, labels=LABELS).close()
    return tmp / "w.duckdb"


def run(db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str,
        stdin: str | None = None) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["wupian", "--db", str(db), *args])
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    with pytest.raises(SystemExit) as exc:
        main()
    out = capsys.readouterr()
    return int(exc.value.code or 0), out.out, out.err


def _req(rid: str, **extra: str) -> dict[str, str]:
    return {"request_id": rid, "requested_at": "2026-02-10 10:00", "branch_id": "O001", "customer_id": "K0102",
            "account_id": "A102", "request_type": "取现", "amount": "50000"} | extra


def test_teller_card_in_chinese_and_case_opened(db: Path, capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    f = tmp_path / "r.json"
    f.write_text(json.dumps(_req("L-1") | {"observations": ["hurried"]}, ensure_ascii=False), encoding="utf-8")
    code, out, err = run(db, capsys, monkeypatch, "screen", str(f))
    assert code == 0, err
    assert "风险等级：高风险（high）" in out and "处置：暂缓办理、主管到场、联系96110/110、开立案件" in out
    assert "申请前34小时内收到8笔陌生转入共5.65万元，占申请金额113%" in out
    assert "案件：C20260210-K0102" in out


def test_json_from_stdin_and_low_is_silent(db: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    req = _req("L-2", customer_id="K0103", account_id="A103", amount="160000", accompanied_by="家属")
    code, out, err = run(db, capsys, monkeypatch, "screen", "-", "--format", "json", "--no-case",
                         stdin=json.dumps(req, ensure_ascii=False))
    assert code == 0, err
    d = json.loads(out)
    assert (d["band"], d["action"], d["case_id"]) == ("low", "正常办理", None)
    assert d["amount"] == "160000.00" and d["rulebook_version"].startswith("2026.1+")


def test_invalid_request_is_located_exit_1(db: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    bad = _req("L-3", amount="-5", request_type="取钱", account_id="A999") | {"amout": "1"}
    code, _, err = run(db, capsys, monkeypatch, "screen", "-", stdin=json.dumps(bad, ensure_ascii=False))
    assert code == 1
    assert "request[request_id=L-3].amount" in err and "expected money > 0" in err
    assert "request_type" in err and "unknown field 'amout'" in err and "did you mean 'amount'?" in err
    assert "Traceback" not in err


def test_usage_errors_exit_2(db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                             tmp_path: Path) -> None:
    assert run(db, capsys, monkeypatch, "screen")[0] == 2
    assert run(db, capsys, monkeypatch, "screen", "--all", "--from", "2026-13-01")[0] == 2
    assert run(db, capsys, monkeypatch, "screen", str(tmp_path / "missing.json"))[0] == 2
    assert run(db, capsys, monkeypatch, "screen", "-", stdin="{not json")[0] == 2
    assert run(db, capsys, monkeypatch, "cases", "show", "C-NOPE")[0] == 2


def test_batch_csv_columns(db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = run(db, capsys, monkeypatch, "screen", "--all", "--from", "2026-02-01", "--to", "2026-02-28",
                         "--format", "csv")
    assert code == 0, err
    rows = {r["request_id"]: r for r in csv.DictReader(io.StringIO(out))}
    assert set(rows) == {"Q-VICTIM", "Q-MULE", "Q-NEWYEAR"}
    assert {"request_id", "band", "score", "action", "reason_codes"} <= set(rows["Q-MULE"])
    assert rows["Q-MULE"]["band"] == "high" and "fanin_young_account" in rows["Q-MULE"]["reason_codes"].split(";")
    assert rows["Q-NEWYEAR"]["band"] == "low" and rows["Q-NEWYEAR"]["amount"] == "160000.00"
    code, out, _ = run(db, capsys, monkeypatch, "screen", "--all", "--from", "2026-03-01", "--format", "csv")
    assert code == 0 and out.strip().count("\n") == 0  # header only


def test_backtest_json(db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = run(db, capsys, monkeypatch, "screen", "--backtest", "--format", "json")
    assert code == 0, err
    bt = json.loads(out)
    assert bt["overall"] == {"screened": 3, "positives": 2, "alerts": 2, "high_alerts": 2, "alert_tp": 2,
                             "high_tp": 2}
    assert {t["typology"]: t["recall"] for t in bt["typologies"]} == {"fake_investment": 1.0, "mule": 1.0}
    rules = {r["rule_id"]: r for r in bt["rules"]}
    assert rules["new_inflow"]["tp"] == 1 and rules["new_inflow"]["precision"] == 1.0
    assert bt["curve"][0]["threshold"] >= bt["curve"][-1]["threshold"]


def test_case_moves_second_approval_and_history(db: Path, capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = run(db, capsys, monkeypatch, "screen", "-", stdin=json.dumps(_req("L-9"), ensure_ascii=False))
    assert code == 0, err
    cid = "C20260210-K0102"
    assert run(db, capsys, monkeypatch, "cases", "move", cid, "verifying", "--actor", "T01",
               "--note", "一查二问")[0] == 0
    assert run(db, capsys, monkeypatch, "cases", "move", cid, "police_contacted", "--actor", "T01",
               "--note", "已拨打96110")[0] == 0
    code, _, err = run(db, capsys, monkeypatch, "cases", "move", cid, "closed", "--actor", "T01",
                       "--outcome", "prevented", "--amount", "50000", "--note", "客户放弃取现")
    assert code == 2 and "second person" in err
    code, _, err = run(db, capsys, monkeypatch, "cases", "move", cid, "closed", "--actor", "T01", "--second", "T01",
                       "--outcome", "prevented", "--amount", "50000", "--note", "客户放弃取现")
    assert code == 2
    assert run(db, capsys, monkeypatch, "cases", "move", cid, "closed", "--actor", "T01", "--outcome",
               "prevented", "--note", "x", "--second", "S09")[0] == 2  # prevented needs the amount
    code, out, err = run(db, capsys, monkeypatch, "cases", "move", cid, "closed", "--actor", "T01", "--second",
                         "S09", "--outcome", "prevented", "--amount", "50,000.00", "--note", "客户放弃取现")
    assert code == 0, err and "劝阻成功" in out
    code, out, _ = run(db, capsys, monkeypatch, "cases", "show", cid, "--format", "json")
    case = json.loads(out)
    assert case["state"] == "closed" and case["outcome"] == "prevented"
    assert [e["to_state"] for e in case["history"]] == ["open", "verifying", "police_contacted", "closed"]
    assert [e["seq"] for e in case["history"]] == [1, 2, 3, 4]
    assert case["history"][-1]["amount"] == "50000.00" and case["history"][-1]["second_actor"] == "S09"
    history = case["history"]
    assert run(db, capsys, monkeypatch, "cases", "move", cid, "open", "--actor", "S09", "--note", "客户又来了")[0] == 0
    code, out, _ = run(db, capsys, monkeypatch, "cases", "show", cid, "--format", "json")
    again = json.loads(out)
    assert again["history"][:4] == history and again["state"] == "open" and again["outcome"] is None
    code, out, _ = run(db, capsys, monkeypatch, "cases", "list", "--format", "csv")
    assert code == 0 and cid in out
    assert run(db, capsys, monkeypatch, "cases", "move", cid, "dissuading", "--actor", "S09")[0] == 0
    assert run(db, capsys, monkeypatch, "cases", "move", cid, "open", "--actor", "S09")[0] == 2  # not allowed

"""The backtest's figures on a small fixed dataset, worked out by hand: five requests, three positives (a victim
request label and two accounts labelled mule), one positive missed (split test credits and no teller tick stay
below the medium cut-off), an explicit not_fraud label that counts as negative."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import screening_bank as bank
from wupian.cli.main import main
from wupian.engine.warehouse import Warehouse
from wupian.monitor.screening import backtest

REQUESTS = [
    bank.request("Q-VICTIM", "K0101", "A101", "early_redemption", "200000.00", stated_purpose="投资理财"),
    bank.request("Q-MULE", "K0102", "A102", "cash_withdrawal", "50000.00"),
    bank.request("Q-NEWYEAR", "K0103", "A103", "cash_withdrawal", "160000.00", accompanied_by="family"),
    bank.request("Q-SPLIT", "K0108", "A108", "cash_withdrawal", "20000.00"),
    bank.request("Q-SHOP", "K0104", "A104", "cash_withdrawal", "30000.00"),
]
OBS = [("Q-VICTIM", "anxious", ""), ("Q-VICTIM", "high_yield_story", ""), ("Q-MULE", "hurried", "")]
LABELS = [("request", "Q-VICTIM", "victim", "fake_investment", "200000.00", "2026-02-12", "case_outcome"),
          ("account", "A102", "mule", "mule", "", "2026-02-20", "police_feedback"),
          ("account", "A108", "mule", "", "", "2026-03-01", "police_feedback"),
          ("request", "Q-NEWYEAR", "not_fraud", "", "", "2026-02-11", "case_outcome")]


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    w = bank.build(tmp_path_factory.mktemp("bt"), requests=REQUESTS, observations=OBS, labels=LABELS)
    yield w
    w.close()


def test_overall_recall_precision_and_rates(wh: Warehouse) -> None:
    bt = backtest(wh)
    assert bt.overall == {"screened": 5, "positives": 3, "alerts": 2, "high_alerts": 2, "alert_tp": 2, "high_tp": 2}
    assert (bt.alert_rate, bt.high_rate, bt.precision) == (0.4, 0.4, 1.0)
    assert bt.recall == pytest.approx(2 / 3) and bt.high_recall == pytest.approx(2 / 3)


def test_per_rule_hits_precision_recall_and_lift(wh: Warehouse) -> None:
    rules = {r["rule_id"]: r for r in backtest(wh).rules}
    split = rules["split_credits"]  # fired on the missed mule only: right every time, but below the cut-off alone
    assert (split["hits"], split["tp"], split["precision"]) == (1, 1, 1.0)
    assert split["recall"] == pytest.approx(1 / 3) and split["lift"] == pytest.approx(1 / (3 / 5))
    fam = rules["family_present"]  # the New Year cash of the 82-year-old: a mitigating rule, never a true positive
    assert (fam["hits"], fam["tp"], fam["precision"], fam["recall"], fam["lift"]) == (1, 0, 0.0, 0.0, 0.0)
    assert rules["obs_high_yield_story"]["tp"] == 1 and rules["fanin_young_account"]["tp"] == 1
    assert "obs_authority_story" not in rules  # a rule that never fired has no row


def test_per_typology_branch_and_curve(wh: Warehouse) -> None:
    bt = backtest(wh)
    assert {t["typology"]: (t["positives"], t["alerted"], t["high"], t["recall"]) for t in bt.typologies} == {
        "fake_investment": (1, 1, 1, 1.0), "mule": (2, 1, 1, 0.5)}  # a blank account typology reads as mule
    assert [(b["branch_id"], b["screened"], b["alerts"], b["positives"], b["alert_tp"]) for b in bt.branches] == [
        ("O001", 5, 2, 3, 2)]
    curve = {c["threshold"]: c for c in bt.curve}
    assert list(curve) == sorted(curve, reverse=True)
    at35 = curve[35]  # lowering the cut-off to 35 would catch the split-credit mule with no false alarm
    assert (at35["alerts"], at35["recall"], at35["precision"]) == (3, 1.0, 1.0)
    assert all(c["alert_rate"] == c["alerts"] / 5 for c in bt.curve)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("btcli")
    bank.build(tmp, requests=REQUESTS, observations=OBS, labels=LABELS).close()
    return tmp / "w.duckdb"


def _run(db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setattr(sys, "argv", ["wupian", "--db", str(db), *args])
    with pytest.raises(SystemExit) as exc:
        main()
    out = capsys.readouterr()
    return int(exc.value.code or 0), out.out, out.err


def test_backtest_table_in_chinese(db: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(db, monkeypatch, capsys, "screen", "--backtest")
    assert code == 0, err
    assert "筛查5笔，标注为诈骗3笔；预警（中及以上）2笔，预警率40.0%，召回66.7%，精确率100.0%；高风险2笔（40.0%）" in out
    assert "split_credits" in out and "按类型（召回）" in out and "召回—预警率（按评分阈值）" in out
    assert _run(db, monkeypatch, capsys, "screen", "--backtest", "--format", "csv")[0] == 2


def test_batch_json_to_a_file(db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "screened.json"
    code, out, err = _run(db, monkeypatch, capsys, "screen", "--all", "--format", "json", "--out", str(target))
    assert code == 0 and out == "" and "wrote 5 rows" in err
    rows = {d["request_id"]: d for d in json.loads(target.read_text(encoding="utf-8"))}
    assert rows["Q-SPLIT"]["band"] == "low" and rows["Q-SPLIT"]["score"] == 35
    assert [r["code"] for r in rows["Q-SPLIT"]["reasons"]] == ["split_credits"]
    assert rows["Q-MULE"]["band"] == "high" and rows["Q-MULE"]["typology"] == "mule"
    assert _run(db, monkeypatch, capsys, "screen", "--all", "--backtest")[0] == 2

"""The demo bank's counter-screening data: loads cleanly, every typology planted and labelled, quiet stories
stay quiet, alerts worked through the case queue to outcomes that feed the indicators."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from wupian.demo import run_demo
from wupian.demo.pipeline import DemoResult
from wupian.engine.warehouse import Warehouse
from wupian.monitor.screening import WarehouseCaseStore, backtest, screen_all


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoResult, Path]:
    tmp = tmp_path_factory.mktemp("demo-screen")
    return run_demo(str(tmp / "d.duckdb"), tmp / "bank", seed=5, scale=0.01, months=1, reports=False), tmp


def _truth(result: DemoResult) -> dict[str, dict[str, str]]:
    assert result.manifest.screening_dir is not None
    with (result.manifest.screening_dir / "screening_truth.csv").open(encoding="utf-8") as f:
        return {r["request_id"]: r for r in csv.DictReader(f)}


def test_screening_events_load_without_rejects(demo: tuple[DemoResult, Path]) -> None:
    result, _ = demo
    rep = result.screening_report
    assert rep is not None and rep.ok and sum(rep.rejected.values()) == 0
    assert rep.loaded["screening_requests"] == result.manifest.screening_requests >= 300
    assert rep.loaded["fraud_labels"] > 0 and rep.loaded["teller_observations"] > 0


def test_every_typology_planted_and_labelled(demo: tuple[DemoResult, Path]) -> None:
    result, _ = demo
    truth = _truth(result)
    stories = Counter(t["story"] for t in truth.values() if t["label"] != "not_fraud")
    assert set(stories) == {"fake_investment", "impersonate_authority", "task_scam", "romance", "mule",
                            "cash_handover"}
    quiet = {t["story"] for t in truth.values() if t["label"] == "not_fraud"}
    assert {"payroll_cash", "house_down_payment", "new_year_cash", "qr_shop"} <= quiet
    with Warehouse(result.db_path, read_only=True) as wh:
        labelled = {r["key"] for r in wh.rows("SELECT key FROM fraud_labels WHERE key_type = 'request'")}
    assert labelled == {rid for rid, t in truth.items() if t["label"] != "not_fraud"}


def test_planted_frauds_are_caught_and_quiet_stories_stay_quiet(demo: tuple[DemoResult, Path]) -> None:
    result, _ = demo
    truth = _truth(result)
    with Warehouse(result.db_path, read_only=True) as wh:
        bt = backtest(wh)
        decisions = {d.request_id: d for d in screen_all(wh)}
    assert bt.recall is not None and bt.recall >= 0.75  # 13 planted here; the 0.85 goal is measured at scale 1
    quiet = [d for rid, d in decisions.items() if truth[rid]["label"] == "not_fraud"]
    assert sum(d.alert for d in quiet) / len(quiet) <= 0.05
    new_year = [d for rid, d in decisions.items() if truth[rid]["story"] == "new_year_cash"]
    assert new_year and sum(d.band == "high" for d in new_year) == 0


def test_alerts_worked_to_outcomes(demo: tuple[DemoResult, Path]) -> None:
    result, _ = demo
    with Warehouse(result.db_path, read_only=True) as wh:
        cases = WarehouseCaseStore(wh).cases()
    assert result.screening_cases == len(cases) > 0
    outcomes = Counter(c.outcome for c in cases if c.state == "closed")
    assert outcomes["prevented"] > 0
    for c in cases:
        assert [e.seq for e in c.history] == list(range(1, len(c.history) + 1))
        if c.state == "closed" and c.band in ("high", "block"):
            assert c.history[-1].second_actor and c.history[-1].second_actor != c.history[-1].actor

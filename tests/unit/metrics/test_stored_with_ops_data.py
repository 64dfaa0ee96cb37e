"""The stored indicator set is never served when the figures read operational data (screening requests and
cases), which change through events loads and case actions, not through a snapshot load with a load id."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from support import screening_bank as bank
from wupian.api import compute_indicators
from wupian.ingest import load_events
from wupian.metrics import stored_indicators


def test_fraud_figures_follow_new_requests_without_a_snapshot_load(tmp_path: Path) -> None:
    at = dt.datetime(2026, 1, 20, 10, 0)
    wh = bank.build(tmp_path / "a", requests=[bank.request("R1", "K0104", "A104", "cash_withdrawal", "5000.00", at)])
    try:
        first = compute_indicators(wh, bank.AS_OF)
        assert first.value("H001", "fraud.screened") == 1
        assert stored_indicators(wh, bank.AS_OF) is None  # ops data present: always computed
        more = bank.build(tmp_path / "b", requests=[
            bank.request("R2", "K0104", "A104", "cash_withdrawal", "6000.00", at + dt.timedelta(hours=1))])
        more.close()
        only = tmp_path / "only"
        only.mkdir()
        shutil.copy(tmp_path / "b" / "ev" / "screening_requests.csv", only)
        load_events(wh, only)
        assert compute_indicators(wh, bank.AS_OF).value("H001", "fraud.screened") == 2
    finally:
        wh.close()

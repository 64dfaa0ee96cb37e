"""Work the demo's screening alerts through the case queue to their outcomes (deterministic, from the truth).

Every alert opens or joins its case; a victim who gave up is 劝阻成功 (prevented, the request amount), one who
went ahead is 被骗 (lost) or 客户坚持办理; a mule is referred to the police; an honest customer is 排除 (half of
them exempted for 90 days). Cases of the last two weeks stay open or suspended so the queue has work in it.
"""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

from wupian.engine.warehouse import Warehouse
from wupian.monitor.screening import Decision, WarehouseCaseStore, move, open_or_join, screen_all


def _truth(folder: Path) -> dict[str, tuple[str, str]]:
    with (folder / "screening_truth.csv").open(encoding="utf-8") as f:
        return {r["request_id"]: (r["story"], r["label"]) for r in csv.DictReader(f)}


def work_cases(wh: Warehouse, folder: Path) -> int:
    """Open a case for every alert and move it as a branch would; return the number of cases."""
    truth = _truth(folder)
    store = WarehouseCaseStore(wh)
    decisions = [d for d in screen_all(wh, cases=store) if d.alert]
    last = max((d.requested_at for d in decisions), default=datetime.min)
    with wh.transaction():
        for i, d in enumerate(decisions):
            case = open_or_join(store, d)
            if case is None or len(case.request_ids) > 1 or case.state != "open":
                continue
            _work(store, d, case.case_id, truth.get(d.request_id, ("", "not_fraud"))[1], i, last)
        return len(store.cases())


def _work(store: WarehouseCaseStore, d: Decision, cid: str, label: str, i: int, last: datetime) -> None:
    t = d.requested_at
    second = "S" + d.branch_id[-3:] if d.band in ("high", "block") else None

    def step(state: str, minutes: int, note: str, **kw: object) -> None:
        move(store, cid, state, actor=f"T{i % 50:03d}", note=note, at=t + timedelta(minutes=minutes),
             **kw)  # type: ignore[arg-type]

    if t > last - timedelta(days=14):
        if i % 3 == 0:
            step("suspended", 20, "客户称改日再来", reopen_on=(t + timedelta(days=3)).date())
        elif i % 3 == 1:
            step("verifying", 5, "一查二问：核实用途")
        return
    outcome = str(d.features.get("outcome") or "")
    step("verifying", 5, "一查二问：核实交易用途与收款人")
    if label == "victim":
        step("police_contacted", 14, "拨打96110，民警到场")
        step("dissuading", 20, "民警与柜员共同劝阻，出示防诈骗告知单")
        if outcome in ("abandoned", "deferred", "refused"):
            step("closed", 55, "客户认识到被骗，放弃办理", outcome="prevented", amount=d.amount,
                 second_actor=second)
        elif i % 2:
            step("closed", 60, "客户坚持办理，已提示风险并留存告知单", outcome="proceeded", second_actor=second)
        else:
            step("closed", 60, "客户坚持转出，事后报案确认被骗", outcome="lost", amount=d.amount, second_actor=second)
    elif label == "mule":
        step("police_contacted", 10, "疑似涉诈账户，联系民警")
        step("closed", 45, "账户移交公安核查", outcome="mule_referred", second_actor=second)
    else:
        step("closed", 25, "核实为正常用途（有凭证），排除", outcome="not_fraud", second_actor=second or "S000",
             exempt_days=90 if i % 2 else None)

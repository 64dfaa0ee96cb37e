"""Property: stale debit mandates (docs/recurring.md §10) for any set of mandates and debits (hypothesis):

a mandate is listed exactly when it is active on the as-of date (signed by then, not revoked by then) and its
last debit — or, never used, its signing — lies more than ``idle_months`` months back; ``uses`` and ``last_used``
count its debits up to the as-of date, ``idle_days`` runs from the last use (or the signing). Dates are drawn
clear of the boundaries (a week either side), which the golden cases pin.
"""

from __future__ import annotations

import csv
import io
import tempfile
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support.one_account_bank import one_account_snapshot
from wupian.api import load_events, load_snapshot
from wupian.engine.warehouse import Warehouse
from wupian.monitor.recurring import stale_mandates

AS_OF = date(2026, 3, 31)
IDLE_SINCE = date(2025, 9, 30)  # six months before
ACCOUNT = "6222000000000077"


def _clear(days: int) -> bool:
    """A day offset (before AS_OF) at least a week from the as-of date and from the idle boundary."""
    d = AS_OF - timedelta(days=days)
    return abs((d - IDLE_SINCE).days) > 7 and days > 7


offset = st.integers(8, 900).filter(_clear)
mandate = st.tuples(
    offset,  # signed, days before AS_OF
    st.none() | st.integers(1, 1200),  # revoked that many days after the signing
    st.lists(offset | st.integers(-60, -8), max_size=5),  # debits, days before AS_OF (< 0: after the as-of date)
)


def _snapshot(folder: Path) -> Path:
    """The month-end snapshot that makes the account known (events refer to loaded accounts)."""
    return one_account_snapshot(folder, ACCOUNT)


def _events(folder: Path, mandates: list[tuple[int, int | None, list[int]]]) -> Path:
    folder.mkdir()
    m, t = io.StringIO(), io.StringIO()
    mw, tw = csv.writer(m, lineterminator="\n"), csv.writer(t, lineterminator="\n")
    mw.writerow(["mandate_id", "account_id", "payee_name", "merchant_id", "signed_at", "revoked_at"])
    tw.writerow(["txn_id", "account_id", "booked_at", "amount", "counterparty_name", "merchant_id", "mandate_id"])
    n = 0
    for i, (signed, revoked, debits) in enumerate(mandates):
        mw.writerow([f"M{i}", ACCOUNT, f"收款单位{i}", f"8981000000{i:05d}", AS_OF - timedelta(days=signed),
                     "" if revoked is None else AS_OF - timedelta(days=signed - revoked)])
        for d in debits:
            tw.writerow([f"T{n:05d}", ACCOUNT, f"{AS_OF - timedelta(days=d)} 10:00:00", "-25.00", f"收款单位{i}",
                         f"8981000000{i:05d}", f"M{i}"])
            n += 1
    (folder / "mandates.csv").write_text(m.getvalue(), encoding="utf-8")
    (folder / "transactions.csv").write_text(t.getvalue(), encoding="utf-8")
    return folder


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mandate.filter(lambda m: m[1] is None or abs(m[0] - m[1]) > 7), min_size=1, max_size=6))
def test_stale_mandates_are_the_active_ones_idle_for_six_months(
        mandates: list[tuple[int, int | None, list[int]]]) -> None:
    with tempfile.TemporaryDirectory() as tmp, Warehouse(":memory:") as wh:
        load_snapshot(wh, AS_OF, _snapshot(Path(tmp) / "snap"))
        report = load_events(wh, _events(Path(tmp) / "events", mandates))
        assert not any(report.rejected.values()), report.issues[:3]
        got = {s.mandate_id: s for s in stale_mandates(wh, as_of=AS_OF, idle_months=6, account_id=ACCOUNT)}
    want = {}
    for i, (signed, revoked, debits) in enumerate(mandates):
        signed_at = AS_OF - timedelta(days=signed)
        active = revoked is None or signed_at + timedelta(days=revoked) > AS_OF
        used = [AS_OF - timedelta(days=d) for d in debits if d > 0]
        last = max(used) if used else None
        if active and (last or signed_at) < IDLE_SINCE:
            want[f"M{i}"] = (last, len(used), (AS_OF - (last or signed_at)).days)
    assert set(got) == set(want), (mandates, sorted(got), sorted(want))
    for mid, (last, uses, idle) in want.items():
        s = got[mid]
        assert (s.last_used, s.uses, s.account_id) == (last, uses, ACCOUNT), (mid, s)
        assert s.idle_days == idle, (mid, s.idle_days, idle)
        assert s.explanation

"""Property: recurring-debit discovery finds a planted monthly debit whatever surrounds it (hypothesis):

a fixed-amount debit to one payee on an anchor day of every month for the last N months (a few days' jitter, as a
bank's batch drifts), among one-off debits to other payees and refunds (credits) from the same payee, loaded
through ``load_events`` from a CSV:

* exactly one stream to that payee: monthly, N occurrences, the planted amount, first and last dates as booked;
* no stream to a payee debited once;
* the order and ids of the transactions do not matter: the same streams, field for field.
"""

from __future__ import annotations

import csv
import io
import random
import tempfile
from dataclasses import asdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support.one_account_bank import one_account_snapshot
from wupian.api import load_events, load_snapshot
from wupian.engine.warehouse import Warehouse
from wupian.monitor.recurring import find_streams

AS_OF = date(2026, 3, 31)
ACCOUNT = "6222000000000042"
PAYEE, PAYEE_ACCOUNT = "北京某某物业管理有限公司", "110000000000000001"
HEAD = ["txn_id", "account_id", "booked_at", "amount", "channel", "counterparty_name", "counterparty_account",
        "summary"]


def _monthly(anchor: int, months: int, jitter: list[int]) -> list[date]:
    out = []
    for k in range(months):  # the last `months` month-ends' months, oldest first, ending in March 2026
        back = months - 1 - k
        year, month = (2026, 3 - back) if back < 3 else (2025, 15 - back)
        out.append(date(year, month, anchor) + timedelta(days=jitter[k % len(jitter)]))
    return out


def _csv(rows: list[tuple[str, date, Decimal, str, str, str]]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(HEAD)
    for i, (_, day, amount, name, account, summary) in enumerate(rows):
        w.writerow([f"T{i:05d}", ACCOUNT, f"{day.isoformat()} 09:{i % 60:02d}:00", f"{amount:.2f}", "代扣",
                    name, account, summary])
    return out.getvalue()


def _snapshot(folder: Path) -> Path:
    """The month-end snapshot that makes the account known (events refer to loaded accounts)."""
    return one_account_snapshot(folder, ACCOUNT)


def _streams(rows: list[tuple[str, date, Decimal, str, str, str]]) -> list[dict[str, object]]:
    with tempfile.TemporaryDirectory() as tmp, Warehouse(":memory:") as wh:
        load_snapshot(wh, AS_OF, _snapshot(Path(tmp) / "snapshot"))
        events = Path(tmp) / "events"
        events.mkdir()
        (events / "transactions.csv").write_text(_csv(rows), encoding="utf-8")
        report = load_events(wh, events)
        assert report.loaded["transactions"] == len(rows) and not report.rejected.get("transactions")
        return [asdict(s) for s in find_streams(wh, ACCOUNT, as_of=AS_OF)]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(3, 26),  # anchor day
    st.integers(4, 12),  # months debited
    st.lists(st.integers(-2, 2), min_size=1, max_size=12),  # jitter (days) of each debit
    st.decimals(Decimal("10.00"), Decimal("5000.00"), places=2),
    st.lists(st.decimals(Decimal("1.00"), Decimal("9999.99"), places=2), max_size=8),  # one-off debits
    st.lists(st.integers(0, 11), max_size=3),  # refunds from the payee (months)
    st.randoms(use_true_random=False),
)
def test_a_planted_monthly_debit_is_found_among_noise(anchor: int, months: int, jitter: list[int], amount: Decimal,
                                                       one_offs: list[Decimal], refunds: list[int],
                                                       rnd: random.Random) -> None:
    booked = _monthly(anchor, months, jitter)
    rows = [("debit", d, -amount, PAYEE, PAYEE_ACCOUNT, "物业费代扣") for d in booked]
    for i, a in enumerate(one_offs):
        rows.append(("once", date(2025, 4 + i, 1 + (7 * i) % 27), -a, f"一次性商户{i}", f"2200000000000{i:05d}",
                     "消费"))
    for m in refunds:
        rows.append(("refund", booked[m % len(booked)] + timedelta(days=3), amount, PAYEE, PAYEE_ACCOUNT, "退款"))
    streams = _streams(rows)
    mine = [s for s in streams if s["counterparty_account"] == PAYEE_ACCOUNT]
    assert len(mine) == 1, (booked, [(s["payee"], s["cadence"], s["occurrences"]) for s in streams])
    s = mine[0]
    assert (s["cadence"], s["occurrences"], s["typical_amount"]) == ("monthly", months, amount), s
    assert (s["first_date"], s["last_date"]) == (booked[0], booked[-1])
    assert s["account_id"] == ACCOUNT and s["min_amount"] == s["max_amount"] == amount
    assert not any(str(x["payee"]).startswith("一次性商户") for x in streams)
    shuffled = rows[:]
    rnd.shuffle(shuffled)  # other insertion order and other transaction ids
    assert _streams(shuffled) == streams

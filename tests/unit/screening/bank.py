"""A small real-shaped bank for the screening tests: good_minimal's snapshot plus screening customers, accounts,
transactions, watchlist and the stories of spec/screening.md (victim, mule, the 82-year-old's New Year cash)."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from wupian.engine.warehouse import Warehouse
from wupian.ingest import load_events, load_snapshot

GOOD = Path(__file__).resolve().parents[2] / "golden" / "ingest" / "good_minimal" / "input"
AS_OF = dt.date(2026, 1, 31)
T0 = dt.datetime(2026, 2, 10, 10, 0)  # the request time of most stories

CUSTOMERS = [
    # customer_id, name, birth_date, id_code
    ("K0101", "李秀英", "1958-03-02", "420104195803020021"),
    ("K0102", "张浩", "2002-06-18", "420104200206180033"),
    ("K0103", "陈国富", "1944-01-10", "420104194401100015"),
    ("K0104", "刘芳", "1975-09-09", "420104197509090048"),
    ("K0105", "周建国", "1950-12-12", "420104195012120019"),
]
ACCOUNTS = [
    ("A101", "K0101", "2010-05-01"),
    ("A102", "K0102", "2026-01-20"),
    ("A103", "K0103", "2005-03-15"),
    ("A104", "K0104", "2015-07-01"),
    ("A105", "K0105", "2012-02-02"),
    ("A001", "K0002", "2020-01-01"),
]
POLICE_ACCOUNT = "6222 0000 9999 0001"


def _write(path: Path, header: Iterable[str], rows: Iterable[Iterable[Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def history_rows() -> list[tuple[Any, ...]]:
    """Transactions strictly before the stories' request times."""
    rows: list[tuple[Any, ...]] = []
    n = 0

    def add(acct: str, at: dt.datetime, amount: str, kind: str, cp_name: str = "", cp_acct: str = "",
            region: str = "", summary: str = "") -> None:
        nonlocal n
        n += 1
        rows.append((f"TX{n:05d}", acct, at.isoformat(sep=" "), amount, kind, cp_name, cp_acct, region, summary))

    for m in range(1, 13):  # pensions of the older customers, 2025-02 … 2026-01
        day = dt.datetime(2025 + (m + 1) // 13, (m + 1) % 12 or 12, 5, 9, 0)
        add("A101", day, "4200.00", "transfer_in", "武汉市社保中心", "4200000000000001", "42", "养老金")
        add("A103", day, "6800.00", "transfer_in", "武汉市社保中心", "4200000000000001", "42", "养老金")
        add("A105", day, "5100.00", "transfer_in", "武汉市社保中心", "4200000000000001", "42", "养老金")
        add("A104", day, "9000.00", "transfer_in", "武汉某某科技有限公司", "4200000000000777", "42", "工资")
    add("A103", dt.datetime(2025, 1, 20, 10, 0), "-150000.00", "cash_withdrawal", summary="取现")  # last New Year
    # the mule: night credits from many provinces into a card opened on 2026-01-20, then 3 strangers 38 min before
    provinces = ["44", "35", "33", "51", "45", "36", "43", "50"]
    for i, prov in enumerate(provinces):
        add("A102", dt.datetime(2026, 2, 7 + i % 3, 23, 10 + i), f"{1200 + 37 * i}.00", "transfer_in",
            f"付款人{i}", f"62170000000{i:05d}", prov + "0100", "转账")
        add("A102", dt.datetime(2026, 2, 8 + i % 2, 1, 5 + i), f"-{1100 + 37 * i}.00", "transfer_out",
            "收款人X", "6217999900000001", "53", "转账")
    for i, (amt, mins) in enumerate((("16600.00", 38), ("16600.00", 25), ("16600.00", 12))):
        add("A102", T0 - dt.timedelta(minutes=mins), amt, "transfer_in", f"陌生人{i}", f"62280000000{i:05d}",
            "460100", "转账")
    # a sleeper account woken up for a scam: dormant since 2024, two credits this week
    add("A105", dt.datetime(2026, 2, 8, 14, 0), "300.00", "transfer_in", "某平台", "9100000000000001", "44", "返利")
    return rows


def build(tmp_path: Path, *, requests: list[dict[str, Any]] | None = None,
          observations: list[tuple[str, str, str]] | None = None, labels: list[tuple[str, ...]] | None = None,
          extra_txns: list[tuple[Any, ...]] | None = None) -> Warehouse:
    snap = tmp_path / "snap"
    shutil.copytree(GOOD, snap)
    with (snap / "customers.csv").open("a", encoding="utf-8") as f:
        for cid, name, _birth, idc in CUSTOMERS:
            f.write(f"{cid},{name},individual,id_card,{idc},,,,,O001,N\n")
    text = (snap / "customers.csv").read_text(encoding="utf-8").splitlines()
    head = text[0] + ",birth_date"
    body = []
    births = {c[0]: c[2] for c in CUSTOMERS}
    for line in text[1:]:
        body.append(line + "," + births.get(line.split(",")[0], ""))
    (snap / "customers.csv").write_text("\n".join([head, *body]) + "\n", encoding="utf-8")
    _write(snap / "accounts.csv", ["account_id", "customer_id", "account_type", "opened_at"],
           [(a, c, "personal_debit", d) for a, c, d in ACCOUNTS])
    wh = Warehouse(tmp_path / "w.duckdb")
    load_snapshot(wh, AS_OF, snap)
    ev = tmp_path / "ev"
    ev.mkdir()
    _write(ev / "transactions.csv", ["txn_id", "account_id", "booked_at", "amount", "kind", "counterparty_name",
                                     "counterparty_account", "counterparty_region", "summary"],
           history_rows() + list(extra_txns or ()))
    _write(ev / "watchlist.csv", ["list", "account_no", "id_code", "name", "valid_from", "valid_to", "source"],
           [("police_case_account", POLICE_ACCOUNT, "", "涉案人", "2026-01-01", "", "公安")])
    if requests:
        cols = list(requests[0])
        _write(ev / "screening_requests.csv", cols, [[r.get(c, "") for c in cols] for r in requests])
    if observations:
        _write(ev / "teller_observations.csv", ["request_id", "code", "note"], observations)
    if labels:
        _write(ev / "fraud_labels.csv", ["key_type", "key", "label", "typology", "amount_lost", "confirmed_at",
                                         "source"], labels)
    report = load_events(wh, ev)
    assert report.ok, report.issues
    return wh


def request(rid: str, customer: str, account: str, kind: str, amount: str, at: dt.datetime = T0,
            **extra: str) -> dict[str, Any]:
    base = {"request_id": rid, "requested_at": at.isoformat(sep=" "), "branch_id": "O001", "customer_id": customer,
            "account_id": account, "request_type": kind, "amount": amount}
    base.update(extra)
    return base

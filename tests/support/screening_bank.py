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

GOOD = Path(__file__).resolve().parents[1] / "golden" / "ingest" / "good_minimal" / "input"
AS_OF = dt.date(2026, 1, 31)
T0 = dt.datetime(2026, 2, 10, 10, 0)  # the request time of most stories

CUSTOMERS = [
    # customer_id, name, birth_date, id_code
    ("K0101", "李秀英", "1958-03-02", "420104195803020021"),
    ("K0102", "张浩", "2002-06-18", "420104200206180033"),
    ("K0103", "陈国富", "1944-01-10", "420104194401100015"),
    ("K0104", "刘芳", "1975-09-09", "420104197509090048"),
    ("K0105", "周建国", "1950-12-12", "420104195012120019"),
    ("K0106", "吴强", "1988-04-04", "420104198804040011"),
    ("K0107", "郑丽", "1995-05-05", "420104199505050026"),
    ("K0108", "孙磊", "1999-09-19", "420104199909190037"),
]
ACCOUNTS = [
    ("A101", "K0101", "2010-05-01"),
    ("A102", "K0102", "2026-01-20"),
    ("A103", "K0103", "2005-03-15"),
    ("A104", "K0104", "2015-07-01"),
    ("A105", "K0105", "2012-02-02"),
    ("A106", "K0106", "2018-08-08"),
    ("A107", "K0107", "2026-01-25"),
    ("A108", "K0108", "2025-12-01"),
    ("A001", "K0002", "2020-01-01"),
]
POLICE_ACCOUNT = "6222 0000 9999 0001"
HIGH_RISK_ACCOUNT = "6230000011112222"
ALLOWED_ID = "420104199505050026"  # K0107, verified by the branch


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
    add("A104", dt.datetime(2025, 6, 3, 10, 0), "-10000.00", "", summary="ATM取款")  # kind blank: summary says cash
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
    # a sleeper account woken up for a scam: nothing since mid-2024, then a "rebate" this week
    add("A106", dt.datetime(2024, 6, 1, 9, 0), "-200.00", "transfer_out", "某超市", "4200000000000555", "42", "消费")
    add("A106", dt.datetime(2026, 2, 8, 14, 0), "300.00", "transfer_in", "某平台", "9100000000000001", "44", "返利")
    # K0107 (allow-listed): the same young-card fan-in pattern as the mule — a verified market stall
    for i in range(6):
        add("A107", dt.datetime(2026, 2, 8, 23, 30 + i), "800.00", "transfer_in", f"顾客{i}", f"62150000000{i:05d}",
            ["44", "35", "33", "51", "45", "36"][i] + "0100", "收款")
    # a card rented out (跑分): two payers each split test credits over several transfers on one day
    for day, payer, card, amounts in (
            (dt.datetime(2026, 2, 1, 21, 0), "试探人甲", "6229000000000001", ("1.00", "2.00", "1.50", "3.00")),
            (dt.datetime(2026, 2, 5, 22, 0), "试探人乙", "6229000000000002", ("5.00", "4.00", "6.00"))):
        for i, amt in enumerate(amounts):
            add("A108", day + dt.timedelta(minutes=3 * i), amt, "transfer_in", payer, card, "440100", "转账")
    # a shop taking many small QR receipts on an old account (must stay quiet)
    for i in range(40):
        add("A104", dt.datetime(2026, 2, 9, 9 + i % 10, i), "35.00", "transfer_in", f"扫码顾客{i}",
            f"6216000000{i:06d}", "420100", "二维码收款")
    return rows


def build(tmp_path: Path, *, requests: list[dict[str, Any]] | None = None,
          observations: list[tuple[str, str, str]] | None = None, labels: list[tuple[str, ...]] | None = None,
          extra_txns: list[tuple[Any, ...]] | None = None, db_name: str = "w.duckdb") -> Warehouse:
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
    wh = Warehouse(tmp_path / db_name)
    load_snapshot(wh, AS_OF, snap)
    ev = tmp_path / "ev"
    ev.mkdir()
    _write(ev / "transactions.csv", ["txn_id", "account_id", "booked_at", "amount", "kind", "counterparty_name",
                                     "counterparty_account", "counterparty_region", "summary"],
           history_rows() + list(extra_txns or ()))
    _write(ev / "watchlist.csv", ["list", "account_no", "id_code", "name", "valid_from", "valid_to", "source"],
           [("police_case_account", POLICE_ACCOUNT, "", "涉案人", "2026-01-01", "", "公安"),
            ("police_case_account", "6222000099990002", "", "已解除", "2025-01-01", "2025-12-31", "公安"),
            ("bank_high_risk", HIGH_RISK_ACCOUNT, "", "某投资咨询有限公司", "", "", "风控"),
            ("allow", "", ALLOWED_ID, "郑丽", "2026-02-01", "", "网点核实")])
    if requests:
        cols = list(dict.fromkeys(c for r in requests for c in r))  # every column any request gives
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


GOLDEN_CASES = Path(__file__).resolve().parents[1] / "golden" / "screening" / "cases.yaml"


def golden_cases() -> list[dict[str, Any]]:
    import yaml

    return yaml.safe_load(GOLDEN_CASES.read_text(encoding="utf-8"))


def golden_request(case: dict[str, Any]) -> dict[str, Any]:
    return {"request_id": case["id"], "requested_at": "2026-02-10 10:00:00", "branch_id": "O001"} | case["request"]


def prior_requests() -> list[dict[str, Any]]:
    return [request(p["request_id"], p["customer_id"], p["account_id"], p["request_type"], p["amount"],
                    dt.datetime.fromisoformat(p["requested_at"]), outcome=p.get("outcome", ""))
            for c in golden_cases() for p in c.get("prior", [])]

"""Edge cases of recurring-debit discovery on inline data: degenerate accounts, bad rows, names, holidays,
mandates, stale mandates and the look-back window."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pyarrow as pa
import pytest

from wupian.engine.warehouse import Warehouse
from wupian.monitor.recurring import find_streams, stale_mandates, window_start
from wupian.monitor.recurring.api import months_before
from wupian.monitor.recurring.cadence import is_workday, next_workday
from wupian.monitor.recurring.normalise import normalise_name, payee_key

TXN_SCHEMA = pa.schema([
    ("txn_id", pa.string()), ("account_id", pa.string()), ("booked_at", pa.timestamp("s")),
    ("amount", pa.decimal128(38, 2)), ("counterparty_name", pa.string()), ("counterparty_account", pa.string()),
    ("merchant_id", pa.string()), ("summary", pa.string()), ("mandate_id", pa.string()),
])


def insert(wh: Warehouse, rows: list[dict[str, object]]) -> None:
    full = [{f.name: r.get(f.name) for f in TXN_SCHEMA} for r in rows]
    wh.register("_rows", pa.Table.from_pylist(full, schema=TXN_SCHEMA))
    wh.execute("INSERT INTO transactions BY NAME SELECT * FROM _rows")
    wh.unregister("_rows")


def monthly(account: str, day: int, amount: str, n: int = 13, start: tuple[int, int] = (2025, 3),
            **fields: object) -> list[dict[str, object]]:
    out = []
    for i in range(n):
        y, m = start[0] + (start[1] - 1 + i) // 12, (start[1] - 1 + i) % 12 + 1
        out.append({"txn_id": f"{account}-{fields.get('summary', '')}-{i}", "account_id": account,
                    "booked_at": datetime(y, m, day, 3, 0), "amount": Decimal(amount), **fields})
    return out


def test_empty_warehouse_and_single_transaction(wh: Warehouse) -> None:
    assert find_streams(wh) == []
    insert(wh, [{"txn_id": "T1", "account_id": "A", "booked_at": datetime(2026, 3, 1), "amount": Decimal("-9.90"),
                 "summary": "支付宝-便利店"}])
    assert find_streams(wh, "A") == []
    assert find_streams(wh) == []


def test_thousands_of_same_day_debits_do_not_crash(wh: Warehouse) -> None:
    rows = [{"txn_id": f"S{i}", "account_id": "B", "booked_at": datetime(2026, 3, 18, 10, 0, i % 60),
             "amount": Decimal("-1.00") - Decimal(i % 7), "merchant_id": "M-BURST", "summary": "快捷支付 XXXX"}
            for i in range(3000)]
    rows += monthly("B", 5, "-50.00", merchant_id="M-PHONE", summary="财付通-中国移动")
    insert(wh, rows)
    streams = find_streams(wh, "B")
    assert [s.merchant_id for s in streams] == ["M-PHONE"]


def test_rows_without_date_or_amount_are_ignored(wh: Warehouse) -> None:
    rows = monthly("C", 12, "-66.00", counterparty_name="北京燃气", summary="代扣燃气费")
    rows.append({"txn_id": "bad1", "account_id": "C", "booked_at": None, "amount": Decimal("-66.00"),
                 "counterparty_name": "北京燃气"})
    rows.append({"txn_id": "bad2", "account_id": "C", "booked_at": datetime(2025, 7, 30), "amount": None,
                 "counterparty_name": "北京燃气"})
    insert(wh, rows)
    (s,) = find_streams(wh, "C")
    assert s.occurrences == 13 and s.payee_key == "n:北京燃气"


@pytest.mark.parametrize(("raw", "expected"), [
    ("财付通-中国移动", "中国移动"),
    ("支付宝 移动话费", "移动话费"),
    ("银联代扣 保险费", "保险费"),
    ("快捷支付 XXXX", "快捷支付xxxx"),
    ("微信支付 QQ音乐 2025-03", "qq音乐"),
    ("  ", "?"),
    (None, "?"),
])
def test_python_normaliser(raw: str | None, expected: str) -> None:
    assert normalise_name(raw) == expected


def test_sql_and_python_normalisers_agree(wh: Warehouse) -> None:
    names = ["财付通-中国移动", "支付宝 移动话费", "银联代扣 保险费", "快捷支付 XXXX", "微信支付 QQ音乐 2025",
             "代扣：北京市自来水集团（海淀）", "ＰＯＳ消费　物美", "批量代扣 电费"]
    rows = []
    for i, name in enumerate(names):
        rows += monthly(f"N{i}", 10 + i, "-20.00", summary=name)
    insert(wh, rows)
    got = {s.account_id: s.payee_key for s in find_streams(wh)}
    assert got == {f"N{i}": payee_key(None, None, name) for i, name in enumerate(names)}


def test_counterparty_account_and_merchant_keys(wh: Warehouse) -> None:
    insert(wh, monthly("K", 3, "-4200.00", counterparty_name="张建国", counterparty_account="6217 0000-1111",
                       summary="房租"))
    (s,) = find_streams(wh, "K")
    assert s.payee_key == payee_key(None, "6217 0000-1111", "张建国") == "a:621700001111"
    assert payee_key("M1", "6217", "x") == "m:M1"


def test_workday_bound_stream_is_rolled_to_next_working_day(wh: Warehouse) -> None:
    rows = []
    for i in range(13):  # the biller debits on the 4th, or the next working day
        y, m = 2025 + (2 + i) // 12, (2 + i) % 12 + 1
        day = next_workday(date(y, m, 4))
        rows.append({"txn_id": f"W{i}", "account_id": "W", "booked_at": datetime(day.year, day.month, day.day, 4),
                     "amount": Decimal("-350.00"), "counterparty_name": "泰康人寿", "counterparty_account": "1100777",
                     "summary": "代扣保费"})
    insert(wh, rows)
    (s,) = find_streams(wh, "W", as_of=date(2026, 3, 31))
    assert s.next_nominal_date == date(2026, 4, 4)  # Saturday, and Qingming
    assert s.next_expected_date == next_workday(date(2026, 4, 4)) and s.holiday_adjusted
    assert is_workday(s.next_expected_date)
    assert "遇节假日顺延" in s.explanation


def test_semimonthly_and_biweekly_are_told_apart(wh: Warehouse) -> None:
    rows = []
    for i in range(24):
        y, m = 2025 + (3 + i // 2) // 12, (3 + i // 2) % 12 + 1
        rows.append({"txn_id": f"H{i}", "account_id": "H", "booked_at": datetime(y, m, 1 if i % 2 == 0 else 16, 9),
                     "amount": Decimal("-600.00"), "counterparty_name": "李秀兰", "counterparty_account": "6222111",
                     "summary": "家政服务费"})
    d = date(2025, 4, 3)
    for i in range(26):
        rows.append({"txn_id": f"G{i}", "account_id": "G", "booked_at": datetime(d.year, d.month, d.day, 19),
                     "amount": Decimal("-99.00"), "merchant_id": "GYM", "summary": "财付通-健身"})
        d += timedelta(days=14)
    insert(wh, rows)
    assert [s.cadence for s in find_streams(wh, "H")] == ["semimonthly"]
    assert [s.cadence for s in find_streams(wh, "G")] == ["biweekly"]


def test_mandate_on_debits_but_missing_from_register(wh: Warehouse) -> None:
    insert(wh, monthly("D", 7, "-120.00", merchant_id="M-INS", summary="银联代扣 保险费", mandate_id="DK-GHOST"))
    (s,) = find_streams(wh, "D")
    assert s.mandate_id == "DK-GHOST" and not s.mandate_on_file and not s.unexplained
    assert "协议登记表中没有" in s.explanation


def test_stale_mandates_threshold_and_as_of_window(wh: Warehouse) -> None:
    rows = monthly("E", 20, "-88.00", n=6, merchant_id="M-GYM", summary="快捷支付 XXXX", mandate_id="DK-E1")
    rows += monthly("E", 2, "-30.00", merchant_id="M-TEL", summary="财付通-中国联通")
    insert(wh, rows)
    wh.execute("INSERT INTO mandates (mandate_id, account_id, payee_name, merchant_id, signed_at) VALUES "
               "('DK-E1', 'E', '乐刻运动', 'M-GYM', DATE '2024-12-01'), "
               "('DK-E2', 'E', '中国联通', 'M-TEL', DATE '2024-01-01'), "
               "('DK-E3', 'E', '某健身房', NULL, DATE '2020-01-01')")
    as_of = date(2026, 3, 31)  # the gym debits stopped after 2025-08-20
    assert [m.mandate_id for m in stale_mandates(wh, as_of=as_of, idle_months=6)] == ["DK-E3", "DK-E1"]
    assert [m.mandate_id for m in stale_mandates(wh, as_of=as_of, idle_months=12)] == ["DK-E3"]
    gym = next(s for s in find_streams(wh, "E", as_of=as_of) if s.merchant_id == "M-GYM")
    assert gym.status == "ended"
    earlier = next(s for s in find_streams(wh, "E", as_of=date(2025, 8, 31)) if s.merchant_id == "M-GYM")
    assert earlier.status == "active" and earlier.next_expected_date == date(2025, 9, 20)


def test_window_arithmetic() -> None:
    assert window_start(date(2026, 3, 31), 12) == date(2025, 3, 1)
    assert window_start(date(2026, 1, 15), 1) == date(2025, 12, 1)
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    with pytest.raises(Exception, match="at least 1"):
        window_start(date(2026, 3, 31), 0)

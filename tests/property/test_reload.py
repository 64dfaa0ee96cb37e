"""Property: loading the same snapshot twice gives identical tables; Decimal amounts survive unchanged."""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wupian.engine.warehouse import Warehouse
from wupian.ingest import load_snapshot

AS_OF = dt.date(2026, 3, 31)
BRANCHES = "branch_id,name,parent_id\nH,总行,\nB1,一分行,H\nB2,二分行,H\n"
CUSTOMERS = "customer_id,name,customer_type\nK1,甲,企业法人\nK2,乙,individual\n"

amounts = st.decimals(min_value=Decimal("-100"), max_value=Decimal("99999999999999.99"), places=2)
loan = st.tuples(
    st.sampled_from(["L1", "L2", "L3", "L4", "L5", "L6"]),
    st.sampled_from(["K1", "K2", "K9"]),
    st.sampled_from(["B1", "B2", "H", "B9"]),
    st.sampled_from(["C01", "个人贷款", "corporate", "Personal", "bogus"]),
    amounts,
    st.sampled_from(["FQ01", "正常", "关注", "FQ09"]),
    st.booleans(),
)


def _csv(rows: list[tuple]) -> str:  # type: ignore[type-arg]
    head = "loan_id,customer_id,branch_id,business_type,drawdown_date,drawdown_amount,maturity_date,balance," \
           "interest_rate,five_class\n"
    body = "".join(
        f"{lid},{cid},{bid},{bt},2025-01-01,\"{amt:,}\",2027-01-01,{amt},3.5,{fc}\n" if commas else
        f"{lid},{cid},{bid},{bt},20250101,{amt},20270101,{amt},3.5,{fc}\n"
        for lid, cid, bid, bt, amt, fc, commas in rows
    )
    return head + body


def _dump(wh: Warehouse) -> dict[str, list]:  # type: ignore[type-arg]
    out = {t: wh.con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
           for t in ("branches", "customers", "loans", "branch_closure")}
    out["quarantine"] = wh.con.execute(
        "SELECT table_name, line, row_key, row_json, issues_json FROM quarantine ORDER BY ALL").fetchall()
    return out


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(loan, min_size=1, max_size=8))
def test_same_snapshot_twice_is_identical_and_money_is_exact(rows: list[tuple]) -> None:  # type: ignore[type-arg]
    with tempfile.TemporaryDirectory() as tmp:
        snap = Path(tmp) / "snap"
        snap.mkdir()
        (snap / "branches.csv").write_text(BRANCHES, encoding="utf-8")
        (snap / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
        (snap / "loans.csv").write_text(_csv(rows), encoding="utf-8")
        with Warehouse(Path(tmp) / "w.duckdb") as wh:
            first_report = load_snapshot(wh, AS_OF, snap)
            first = _dump(wh)
            second_report = load_snapshot(wh, AS_OF, snap)
            assert _dump(wh) == first
            assert dict(first_report.loaded) == dict(second_report.loaded)
            assert sum(first_report.rejected.values()) == len(first["quarantine"])
            assert first_report.loaded["loans"] + first_report.rejected["loans"] == len(rows)
            loaded = {r[0]: (r[1], r[2]) for r in wh.con.execute(
                "SELECT loan_id, drawdown_amount, balance FROM loans").fetchall()}
        for lid, cid, bid, bt, amt, fc, _ in rows:
            if lid in loaded:
                assert loaded[lid] == (amt, amt)
                assert amt >= 0 and cid != "K9" and bid != "B9" and bt != "bogus" and fc != "FQ09"

"""load_snapshot / check_snapshot against a real DuckDB file: atomicity, idempotence, quarantine, closure, formats."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from wupian.core.errors import DataError, UsageError
from wupian.engine import loading
from wupian.engine.warehouse import Warehouse
from wupian.ingest import check_snapshot, load_snapshot
from wupian.ingest.inventory import list_quarantine, list_snapshots

AS_OF = dt.date(2026, 3, 31)
TABLES = ("branches", "customers", "loans", "branch_closure")


def dump(wh: Warehouse) -> dict[str, list[tuple[object, ...]]]:
    out = {}
    for t in TABLES:
        cur = wh.con.execute(f"SELECT * FROM {t} ORDER BY ALL")
        out[t] = cur.fetchall()
    out["quarantine"] = wh.con.execute(
        "SELECT as_of, table_name, file, line, row_key, row_json, issues_json FROM quarantine ORDER BY ALL"
    ).fetchall()
    return out


def test_good_snapshot_loads_clean(wh: Warehouse, good_dir: Path) -> None:
    report = load_snapshot(wh, AS_OF, good_dir)
    assert report.ok and not report.issues
    assert dict(report.loaded) == {"branches": 5, "customers": 3, "loans": 3}
    loans = wh.rows("SELECT loan_id, drawdown_date, drawdown_amount, balance, interest_rate, is_first_loan, "
                    "applied_at, business_type FROM loans ORDER BY loan_id")
    assert loans[1]["drawdown_date"] == dt.date(2025, 1, 15)  # YYYYMMDD accepted
    assert loans[1]["balance"] == Decimal("280000.12")
    assert loans[1]["applied_at"] == dt.datetime(2025, 1, 10, 10, 0)  # +08:00 is China time already
    assert loans[2]["drawdown_amount"] == Decimal("500000.00")  # "500,000.00" with thousands separator
    assert loans[2]["is_first_loan"] is True  # "Y"
    assert loans[0]["business_type"] == "corporate"  # PBOC code C01
    cust = wh.rows("SELECT customer_type, declared_size, is_rural, revenue FROM customers ORDER BY customer_id")
    assert cust[0]["customer_type"] == "enterprise" and cust[0]["declared_size"] == "small"
    assert cust[0]["is_rural"] is False and cust[2]["revenue"] == Decimal("1200000.50")
    closure = wh.rows("SELECT descendant_id, depth FROM branch_closure WHERE ancestor_id = 'H001' ORDER BY depth, descendant_id")
    assert [(r["descendant_id"], r["depth"]) for r in closure] == [
        ("H001", 0), ("P001", 1), ("C001", 2), ("O001", 3), ("O002", 3)
    ]
    assert wh.scalar("SELECT count(*) FROM branch_closure WHERE depth = 0") == 5
    [snap] = list_snapshots(wh)
    assert snap.as_of == AS_OF and dict(snap.rows)["loans"] == 3 and snap.total_rejected == 0


def test_offset_datetimes_are_converted_to_china_time(wh: Warehouse, good_dir: Path) -> None:
    text = (good_dir / "loans.csv").read_text(encoding="utf-8").replace("2025-01-10T10:00:00+08:00", "2025-01-10T02:00:00Z")
    (good_dir / "loans.csv").write_text(text, encoding="utf-8")
    load_snapshot(wh, AS_OF, good_dir)
    assert wh.scalar("SELECT applied_at FROM loans WHERE loan_id = 'L000002'") == dt.datetime(2025, 1, 10, 10, 0)


def test_loading_twice_gives_the_same_warehouse(wh: Warehouse, good_dir: Path) -> None:
    (good_dir / "loans.csv").write_text(
        (good_dir / "loans.csv").read_text(encoding="utf-8").replace("280000.12", "-1"), encoding="utf-8"
    )
    load_snapshot(wh, AS_OF, good_dir)
    first = dump(wh)
    load_snapshot(wh, AS_OF, good_dir)
    assert dump(wh) == first
    assert len(first["quarantine"]) == 1
    assert wh.scalar("SELECT count(*) FROM snapshots") == 1


def test_other_dates_accumulate(wh: Warehouse, good_dir: Path) -> None:
    load_snapshot(wh, dt.date(2025, 12, 31), good_dir)
    load_snapshot(wh, AS_OF, good_dir)
    assert wh.snapshot_dates() == [dt.date(2025, 12, 31), AS_OF]
    assert wh.scalar("SELECT count(*) FROM loans") == 6


def test_structural_error_leaves_previous_snapshot_intact(wh: Warehouse, good_dir: Path, tmp_path: Path) -> None:
    load_snapshot(wh, AS_OF, good_dir)
    before = dump(wh)
    broken = tmp_path / "broken"
    broken.mkdir()
    for f in good_dir.iterdir():
        (broken / f.name).write_bytes(f.read_bytes())
    (broken / "loans.csv").write_text(
        (good_dir / "loans.csv").read_text(encoding="utf-8").replace(",balance,", ",balanse,"), encoding="utf-8"
    )
    with pytest.raises(DataError) as err:
        load_snapshot(wh, AS_OF, broken)
    assert any(i.code == "WP-LOAD-006" for i in err.value.issues)
    assert dump(wh) == before


def test_broken_tree_refuses_the_load(wh: Warehouse, good_dir: Path) -> None:
    load_snapshot(wh, AS_OF, good_dir)
    before = dump(wh)
    text = (good_dir / "branches.csv").read_text(encoding="utf-8")
    (good_dir / "branches.csv").write_text(text.replace("P001,广东省分行,H001", "P001,广东省分行,O002"), encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_snapshot(wh, AS_OF, good_dir)
    assert [i.code for i in err.value.issues] == ["WP-LOAD-025"]
    assert "P001 → O002 → C001 → P001" in err.value.issues[0].message
    assert dump(wh) == before


def test_two_roots_and_missing_parent_are_structural(good_dir: Path) -> None:
    text = (good_dir / "branches.csv").read_text(encoding="utf-8")
    (good_dir / "branches.csv").write_text(text.replace("O002,福田支行,C001", "O002,福田支行,X404") +
                                           "H002,第二总行,,head,\n", encoding="utf-8")
    codes = {i.code for i in check_snapshot(good_dir).issues}
    assert {"WP-LOAD-024", "WP-LOAD-026"} <= codes


def test_exception_mid_load_rolls_back(wh: Warehouse, good_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_snapshot(wh, AS_OF, good_dir)
    before = dump(wh)
    real = loading.insert_snapshot

    def crash_after_loans(con, table, as_of, *rest):  # type: ignore[no-untyped-def]
        n = real(con, table, as_of, *rest)
        if table.name == "loans":
            raise RuntimeError("disk full (injected)")
        return n

    monkeypatch.setattr(loading, "insert_snapshot", crash_after_loans)
    with pytest.raises(RuntimeError):
        load_snapshot(wh, AS_OF, good_dir)
    assert dump(wh) == before


def test_quarantine_keeps_rejected_rows_with_reasons(wh: Warehouse, good_dir: Path) -> None:
    text = (good_dir / "loans.csv").read_text(encoding="utf-8")
    (good_dir / "loans.csv").write_text(text.replace("K0003,O001", "K0099,O001"), encoding="utf-8")
    report = load_snapshot(wh, AS_OF, good_dir)
    assert not report.ok and report.rejected["loans"] == 1
    rows, total = list_quarantine(wh, AS_OF, "loans")
    assert total == 1
    [row] = rows
    assert row.line == 4 and row.key == "loan_id=L000003"
    assert dict(row.values)["drawdown_amount"] == "500,000.00"  # raw text kept exactly
    assert row.issues[0]["code"] == "WP-LOAD-023"
    assert json.dumps(row.issues[0], ensure_ascii=False).count("K0099") == 1


def test_reference_to_a_rejected_row_says_so(good_dir: Path) -> None:
    text = (good_dir / "customers.csv").read_text(encoding="utf-8")
    (good_dir / "customers.csv").write_text(text.replace("K0003,南山小吃店,个体工商户", "K0003,南山小吃店,小店"),
                                            encoding="utf-8")
    issues = check_snapshot(good_dir).issues
    ref = [i for i in issues if i.code == "WP-LOAD-023"]
    assert len(ref) == 1 and "was rejected" in ref[0].message


def test_formats_and_encodings_load_identically(tmp_path: Path, good_dir: Path) -> None:
    with Warehouse(tmp_path / "a.duckdb") as wh:
        load_snapshot(wh, AS_OF, good_dir)
        reference = dump(wh)
    variant = tmp_path / "variant"
    variant.mkdir()
    zh = {"loan_id": "贷款借据编码", "customer_id": "客户号", "balance": "贷款余额", "five_class": "贷款质量"}
    for f in good_dir.iterdir():
        text = f.read_text(encoding="utf-8")
        header, rest = text.split("\n", 1)
        if f.name == "loans.csv":
            header = ",".join(zh.get(h, h).upper() if h not in zh else zh[h] for h in header.split(","))
        rest = rest.replace('"500,000.00"', "500000.00").replace('"1,200,000.50"', "1200000.50")
        text = (header + "\n" + rest).replace(",", "|")
        if f.name == "customers.csv":
            (variant / f.name).write_bytes(text.encode("gbk"))
        else:
            (variant / f.name).write_text(text, encoding="utf-8-sig")
    with Warehouse(tmp_path / "b.duckdb") as wh:
        report = load_snapshot(wh, AS_OF, variant)
        assert report.ok, report.issues
        got = dump(wh)
    assert got == reference


def test_parquet_loads_like_csv(tmp_path: Path, good_dir: Path) -> None:
    with Warehouse(tmp_path / "a.duckdb") as wh:
        load_snapshot(wh, AS_OF, good_dir)
        reference = dump(wh)
    pq_dir = tmp_path / "pq"
    pq_dir.mkdir()
    import csv

    for f in good_dir.iterdir():
        with f.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        cols = {h: [r[i] or None for r in rows[1:]] for i, h in enumerate(rows[0])}
        pq.write_table(pa.table(cols), pq_dir / f"{f.stem}.parquet")
    with Warehouse(tmp_path / "b.duckdb") as wh:
        load_snapshot(wh, AS_OF, pq_dir)
        got = dump(wh)
    strip = lambda d: {k: v for k, v in d.items() if k != "quarantine"}  # noqa: E731
    assert strip(got) == strip(reference)


def test_quoted_newlines_and_blank_lines_keep_true_line_numbers(good_dir: Path) -> None:
    text = (good_dir / "customers.csv").read_text(encoding="utf-8")
    text = text.replace("K0002,王小明,", 'K0002,"王小明\n（曾用名 王明）",')
    text = text.replace("K0003,南山小吃店,个体工商户", "K0003,南山小吃店,小店")
    (good_dir / "customers.csv").write_text(text, encoding="utf-8")
    [issue] = [i for i in check_snapshot(good_dir).issues if i.code == "WP-LOAD-020"]
    assert issue.source.line == 5  # header 1, K0001 2, K0002 3–4, K0003 5
    (good_dir / "customers.csv").write_text(text.replace("\nK0003", "\n\nK0003"), encoding="utf-8")
    [issue] = [i for i in check_snapshot(good_dir).issues if i.code == "WP-LOAD-020"]
    assert issue.source.line == 6


def test_counts_survive_a_truncated_listing(good_dir: Path) -> None:
    text = (good_dir / "loans.csv").read_text(encoding="utf-8")
    (good_dir / "loans.csv").write_text(text.replace("FQ01", "FQ9").replace("normal", "nrm"), encoding="utf-8")
    report = check_snapshot(good_dir, issue_limit=1)
    assert len(report.issues) == 1 and report.truncated
    assert report.issue_counts[("WP-LOAD-020", "ERROR")] == 3


def test_keyed_tables_are_upserted(wh: Warehouse, good_dir: Path) -> None:
    (good_dir / "targets.csv").write_text("branch_id,indicator_id,year,target\nC001,tech.balance,2026,1000\n",
                                          encoding="utf-8")
    load_snapshot(wh, AS_OF, good_dir)
    (good_dir / "targets.csv").write_text("branch_id,indicator_id,year,target\nC001,tech.balance,2026,1200\n",
                                          encoding="utf-8")
    load_snapshot(wh, dt.date(2026, 4, 30), good_dir)
    assert wh.rows("SELECT branch_id, target FROM targets") == [{"branch_id": "C001", "target": Decimal("1200")}]


def test_check_snapshot_warns_about_drawdown_after_as_of(good_dir: Path) -> None:
    report = check_snapshot(good_dir, dt.date(2025, 12, 31))
    [w] = [i for i in report.issues if i.code == "WP-LOAD-033"]
    assert report.ok and w.source.key == "loan_id=L000003"


def test_missing_required_table_and_bad_folder(tmp_path: Path, good_dir: Path) -> None:
    (good_dir / "loans.csv").rename(good_dir / "loan.csv")
    codes = {(i.code, str(i.suggestion)) for i in check_snapshot(good_dir).issues}
    assert ("WP-LOAD-001", "None") in codes
    assert ("WP-LOAD-031", "did you mean 'loans.csv'?") in codes
    with pytest.raises(UsageError):
        check_snapshot(tmp_path / "nope")

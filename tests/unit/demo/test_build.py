"""The demo bank's files: determinism, layout, and conformance to the input contract."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pyarrow.csv as pacsv

from wupian.contract import SNAPSHOT_TABLES, ColumnType, table
from wupian.demo import PLANTED, DemoManifest, build_demo
from wupian.demo.build import LEGACY_GBK


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes(tmp_path: Path, small_demo: DemoManifest) -> None:
    again = build_demo(tmp_path / "again", seed=7, scale=0.01)
    assert _digest(again.out_dir) == _digest(small_demo.out_dir)


def test_other_seed_other_bank(tmp_path: Path, small_demo: DemoManifest) -> None:
    other = build_demo(tmp_path / "other", seed=8, scale=0.01)
    first = small_demo.snapshot_dirs[-1] / "loans.csv"
    assert (other.snapshot_dirs[-1] / "loans.csv").read_bytes() != first.read_bytes()


def test_thirteen_month_ends_with_every_table(small_demo: DemoManifest) -> None:
    names = [p.name for p in small_demo.snapshot_dirs]
    assert names[0] == "2025-03-31" and names[-1] == "2026-03-31" and len(names) == 13
    for folder in small_demo.snapshot_dirs:
        assert sorted(p.stem for p in folder.glob("*.csv")) == sorted(t.name for t in SNAPSHOT_TABLES)
    assert (small_demo.out_dir / "README.txt").read_text(encoding="utf-8").startswith("五篇示范银行")


def _read(folder: Path, name: str) -> tuple[list[str], list[dict[str, str]]]:
    path = folder / f"{name}.csv"
    encoding = "gbk" if (name, folder.name) == (LEGACY_GBK, "2025-03-31") else "utf-8"
    with path.open(encoding=encoding, newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def test_headers_are_the_contract_columns(small_demo: DemoManifest) -> None:
    for folder in small_demo.snapshot_dirs:
        for spec in SNAPSHOT_TABLES:
            header, _ = _read(folder, spec.name)
            if (spec.name, folder.name) == (LEGACY_GBK, "2025-03-31"):
                assert header == [c.zh for c in spec.columns]  # older export: Chinese headers
            else:
                assert header == list(spec.column_names)


def test_values_fit_the_column_types(last_folder: Path) -> None:
    """Every non-blank value parses as its contract type and every enum value is an accepted one."""
    planted = {p.key for p in PLANTED}
    for spec in SNAPSHOT_TABLES:
        _, rows = _read(last_folder, spec.name)
        assert rows, spec.name
        for row in rows:
            if spec.name == "loans" and row["loan_id"] in planted:
                continue
            for col in spec.columns:
                value = row[col.name]
                if value == "":
                    assert not col.required, f"{spec.name}.{col.name} blank in {row}"
                    continue
                _check_value(spec.name, col, value)


def _check_value(name: str, col, value: str) -> None:  # type: ignore[no-untyped-def]
    from datetime import date, datetime
    from decimal import Decimal

    where = f"{name}.{col.name}={value!r}"
    if col.enum:
        assert value in {e.value for e in col.enum}, where
    elif col.type is ColumnType.DATE:
        date.fromisoformat(value)
    elif col.type is ColumnType.DATETIME:
        datetime.fromisoformat(value)
    elif col.type is ColumnType.BOOL:
        assert value in ("true", "false"), where
    elif col.type is ColumnType.INT:
        assert int(value) >= 0, where
    elif col.type in (ColumnType.MONEY, ColumnType.RATE, ColumnType.SHARE):
        d = Decimal(value)
        if col.type is ColumnType.MONEY:
            assert d == d.quantize(Decimal("0.01")), where
        if col.min_value is not None:
            assert d >= Decimal(col.min_value), where
        if col.max_value is not None:
            assert d <= Decimal(col.max_value), where
    if col.pattern:
        import re

        assert re.fullmatch(col.pattern, value), where


def test_keys_unique_and_references_resolve(last_folder: Path) -> None:
    planted = {p.key for p in PLANTED}
    ids: dict[str, set[str]] = {}
    for spec in SNAPSHOT_TABLES:
        _, rows = _read(last_folder, spec.name)
        keys = [tuple(r[k] for k in spec.key) for r in rows]
        assert len(keys) == len(set(keys)), f"duplicate key in {spec.name}"
        ids[spec.name] = {r[spec.key[0]] for r in rows} if len(spec.key) == 1 else set()
    _, loans = _read(last_folder, "loans")
    bad = {r["loan_id"] for r in loans if r["customer_id"] not in ids["customers"]}
    assert bad == {"L999999901"}
    assert all(r["branch_id"] in ids["branches"] for r in loans)
    _, accounts = _read(last_folder, "accounts")
    assert all(r["customer_id"] in ids["customers"] for r in accounts)
    assert {p.key for p in PLANTED} == planted


def test_legacy_export_is_gbk_with_chinese_labels(small_demo: DemoManifest) -> None:
    name, month = LEGACY_GBK, "2025-03-31"
    raw = (small_demo.out_dir / "snapshots" / month / f"{name}.csv").read_bytes()
    try:
        raw.decode("utf-8")
        raise AssertionError("expected a GBK file, got valid UTF-8")
    except UnicodeDecodeError:
        pass
    header, rows = _read(small_demo.out_dir / "snapshots" / month, name)
    assert header[0] == table(name).column("customer_id").zh
    assert {r["客户类型"] for r in rows} <= {e.zh for e in table(name).column("customer_type").enum}
    assert all(len(r["出生日期"]) in (0, 8) for r in rows)


def test_loans_csv_reads_as_exact_decimals(last_folder: Path) -> None:
    tbl = pacsv.read_csv(last_folder / "loans.csv", convert_options=pacsv.ConvertOptions(
        column_types={"balance": "string", "drawdown_amount": "string"}))
    assert all("." in v and len(v.split(".")[1]) == 2 for v in tbl["balance"].to_pylist())


def test_peers_carry_increments_for_every_balance(last_folder: Path) -> None:
    _, rows = _read(last_folder, "peers")
    ids = {r["indicator_id"] for r in rows}
    assert {"green.balance", "green.ytd_change", "inclusive_micro.ytd_change", "tech.ytd_change"} <= ids
    for ind in ids:
        assert sum(1 for r in rows if r["indicator_id"] == ind) == 6  # one value per fictitious peer bank

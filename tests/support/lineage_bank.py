"""A small demo bank (scale 0.01, last four month-ends) and altered copies of its snapshot folders, for the
lineage tests: re-loading a corrected snapshot must change every figure that depends on it."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

from wupian import api
from wupian.demo import build_demo
from wupian.engine.warehouse import Warehouse

Row = dict[str, str]


TINY_BRANCHES = "branch_id,name,parent_id\nH,总行,\nB1,一分行,H\n"
TINY_CUSTOMERS = "customer_id,name,customer_type\nK1,甲,enterprise\n"
TINY_LOANS = ("loan_id,customer_id,branch_id,business_type,drawdown_date,drawdown_amount,maturity_date,balance,"
              "interest_rate,five_class,green_code\n"
              "L1,K1,B1,corporate,2023-01-01,100.00,2029-01-01,{balance},3.5,normal,{green}\n")
TINY_TARGETS = "branch_id,indicator_id,year,target\nH,green.balance,2026,1000.00\n"


def tiny_folder(root: Path, name: str, *, balance: str = "100.00", green: str = "", targets: bool = False) -> Path:
    """A one-loan snapshot folder (branches, customers, loans; targets on request)."""
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "branches.csv").write_text(TINY_BRANCHES, encoding="utf-8")
    (folder / "customers.csv").write_text(TINY_CUSTOMERS, encoding="utf-8")
    (folder / "loans.csv").write_text(TINY_LOANS.format(balance=balance, green=green), encoding="utf-8")
    if targets:
        (folder / "targets.csv").write_text(TINY_TARGETS, encoding="utf-8")
    return folder


def demo_folders(root: Path, *, scale: float = 0.01) -> dict[date, Path]:
    """Generate the demo bank into ``root`` once and return {as_of: snapshot folder}."""
    manifest = build_demo(root, seed=7, scale=scale, months=4)
    return {date.fromisoformat(p.name): p for p in manifest.snapshot_dirs}


def _read(path: Path) -> tuple[str, list[str], list[Row]]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gbk"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    reader = csv.DictReader(io.StringIO(text))
    return encoding, list(reader.fieldnames or []), list(reader)


def altered_copy(src: Path, dst: Path, change: Callable[[Row], Row | None]) -> Path:
    """Copy the snapshot folder ``src`` to ``dst`` with ``change`` applied to every loan row (None drops it)."""
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst)
    encoding, fields, rows = _read(src / "loans.csv")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        new = change(dict(row))
        if new is not None:
            writer.writerow(new)
    (dst / "loans.csv").write_bytes(out.getvalue().encode("utf-8" if encoding == "utf-8-sig" else encoding))
    return dst


def clear_green(row: Row) -> Row:
    """Every green code and green amount cleared."""
    for key in ("green_code", "green_amount"):
        if key in row:
            row[key] = ""
    return row


def double_balance(row: Row) -> Row:
    if row.get("balance"):
        row["balance"] = str(Decimal(row["balance"]) * 2)
    return row


def loaded_demo(tmp_path: Path, demo: tuple[date, Path], name: str) -> Warehouse:
    """A fresh warehouse ``<tmp_path>/<name>.duckdb`` with the snapshot ``demo`` (date, folder) loaded."""
    wh = api.open_warehouse(str(tmp_path / f"{name}.duckdb"))
    api.load_snapshot(wh, demo[0], demo[1])
    return wh

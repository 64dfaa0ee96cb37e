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

from wupian.demo import build_demo

Row = dict[str, str]


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

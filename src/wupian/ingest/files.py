"""Find the contract's table files in a snapshot (or events) folder: ``<table>.csv|.xlsx|.parquet``.

A file may also be named after the table's Chinese name (``贷款借据.csv``). Files that match no table are
reported with a "did you mean" suggestion; two files for one table are refused as ambiguous.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Sequence
from pathlib import Path

from wupian.contract import ALL_TABLES, Table
from wupian.core.issues import Issue
from wupian.engine.load_codes import make_issue

SUFFIXES = (".csv", ".xlsx", ".parquet")


def find_table_files(
    directory: Path, tables: Sequence[Table], *, require: bool = True
) -> tuple[dict[str, Path], tuple[Issue, ...]]:
    """{table name: file} for ``tables`` found in ``directory`` and the issues about the folder's files."""
    wanted = {t.name: t for t in tables}
    by_alias: dict[str, str] = {}
    for t in ALL_TABLES:
        by_alias[t.name.casefold()] = t.name
        by_alias[t.zh.casefold()] = t.name
    found: dict[str, list[Path]] = {}
    issues: list[Issue] = []
    for path in sorted(directory.iterdir()):
        if not path.is_file() or path.name.startswith((".", "~$")):
            continue
        if path.suffix.casefold() not in SUFFIXES:
            continue
        name = by_alias.get(path.stem.strip().casefold())
        if name is None:
            close = difflib.get_close_matches(path.stem.casefold(), sorted(by_alias), n=1, cutoff=0.6)
            issues.append(
                make_issue(
                    "WP-LOAD-031",
                    f"file {path.name} is not named after a table of the data contract; ignored",
                    file=path.name,
                    suggestion=f"did you mean '{by_alias[close[0]]}{path.suffix}'?" if close else None,
                )
            )
            continue
        if name not in wanted:
            issues.append(
                make_issue(
                    "WP-LOAD-032",
                    f"table {name} does not belong in this kind of folder; ignored",
                    file=path.name,
                    suggestion="event tables are loaded with `wupian load-events`, snapshot tables with "
                    "`wupian load`",
                )
            )
            continue
        found.setdefault(name, []).append(path)
    result: dict[str, Path] = {}
    for name, paths in found.items():
        if len(paths) > 1:
            issues.append(
                make_issue(
                    "WP-LOAD-003",
                    f"several files for table {name}: {', '.join(p.name for p in paths)}",
                    file=paths[0].name,
                    suggestion="keep exactly one file per table",
                )
            )
            continue
        result[name] = paths[0]
    if require:
        for t in tables:
            if t.required and t.name not in result and t.name not in found:
                issues.append(
                    make_issue(
                        "WP-LOAD-001",
                        f"required table {t.name} [{t.zh}] not found: expected {t.name}.csv, .xlsx or .parquet",
                        file=f"{t.name}.csv",
                    )
                )
    return result, tuple(issues)


_DAY = re.compile(r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?!\d)")
_MONTH = re.compile(r"(?<!\d)(\d{4})[-_.]?(\d{2})(?!\d)")


def folder_date_issue(directory: Path, as_of: dt.date) -> Issue | None:
    """WARNING when the folder's name carries a date (2026-03-31, 20260331) or a month (2026-03, 202603)
    that differs from ``as_of``: the wrong month-end folder would be loaded under that date."""
    name = directory.resolve().name
    for m in _DAY.finditer(name):
        try:
            found = dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            continue
        if found == as_of:
            return None
        return _folder_issue(name, found.isoformat(), as_of)
    for m in _MONTH.finditer(name):
        year, month = int(m[1]), int(m[2])
        if 1900 < year < 2200 and 1 <= month <= 12:
            if (year, month) == (as_of.year, as_of.month):
                return None
            return _folder_issue(name, f"{year:04d}-{month:02d}", as_of)
    return None


def _folder_issue(name: str, found: str, as_of: dt.date) -> Issue:
    return make_issue(
        "WP-LOAD-045",
        f"folder name '{name}' says {found} but the as-of date is {as_of.isoformat()}",
        file=name,
        suggestion="check that this is the right month-end folder, or correct --as-of",
    )

"""Find the contract's table files in a snapshot (or events) folder: ``<table>.csv|.xlsx|.parquet``.

A file may also be named after the table's Chinese name (``贷款借据.csv``). Files that match no table are
reported with a "did you mean" suggestion; two files for one table are refused as ambiguous.
"""

from __future__ import annotations

import difflib
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

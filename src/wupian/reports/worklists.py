"""Findings kept as files: when a report step finds more located problems than a run should hold as ``Issue``
objects (every PBOC record of a bank without branch codes, every unresolved code contradiction), they stay an Arrow
table and are written whole to a CSV worklist (UTF-8 with BOM, like every worklist a banker opens in Excel).

The run keeps a ``Worklist`` per file: the file, the count of its rows per (code, level), and how many of them are
also listed as Issues — the first ``SAMPLE`` of each code, in the order they were found — so the CLI, the web job
and the exit code see the same counts and the same first findings as when every finding was an Issue. Nothing is
lost: every finding is a row of the file.

The CSV is written by Arrow's CSV writer (every text value quoted, CRLF line ends): read back with Python's ``csv``
module, its rows are exactly the fields of the findings — except that a text cell a spreadsheet would run as a
formula (``=…``, ``+…``, ``-…``, ``@…``; a customer name or key taken from the bank's files) starts with an apostrophe,
column-wise by :mod:`wupian.core.csv_guard` (the one rule for every CSV written for people).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from wupian.core.csv_guard import guard_table
from wupian.core.issues import Issue, Level, Source

SAMPLE = 50  # findings of each code listed as Issues (the CLI lists at most 50 errors and, by default, 20 others)
BOM = "\ufeff"
# the columns of a findings table: where (file, 1-based line, record key, field), what (code, level, text, fix)
FINDINGS = pa.schema([("file", pa.string()), ("line", pa.int64()), ("key", pa.string()), ("column", pa.string()),
                      ("code", pa.string()), ("level", pa.string()), ("message", pa.string()),
                      ("suggestion", pa.string())])


@dataclass(frozen=True, slots=True)
class Worklist:
    """A CSV file holding every finding of one kind; ``counts`` is (code, level, rows) per code, ``listed`` how many
    of those rows are also in the run's issues."""

    path: Path
    counts: tuple[tuple[str, str, int], ...]
    listed: tuple[tuple[str, str, int], ...]

    @property
    def rows(self) -> int:
        return sum(n for _, _, n in self.counts)

    @property
    def errors(self) -> int:
        return sum(n for _, level, n in self.counts if level == str(Level.ERROR))


def issue_counts(issues: Iterable[Issue], worklists: Sequence[Worklist] = ()) -> dict[tuple[str, str], int]:
    """(code, level) -> count over the run's issues and every row of its worklists (each finding once)."""
    counts = Counter((i.code, str(i.level)) for i in issues)
    for w in worklists:
        for code, level, n in w.counts:
            counts[(code, level)] += n
        for code, level, n in w.listed:
            counts[(code, level)] -= n
    return {k: n for k, n in counts.items() if n}


def error_count(issues: Iterable[Issue], worklists: Sequence[Worklist] = ()) -> int:
    """How many findings at ERROR the run has, its worklists' rows included."""
    return sum(n for (_, level), n in issue_counts(issues, worklists).items() if level == str(Level.ERROR))


def findings_table(issues: Sequence[Issue]) -> pa.Table:
    """Issues as a findings table (for the few found one by one)."""
    return pa.table({
        "file": [i.source.file for i in issues], "line": [i.source.line for i in issues],
        "key": [i.source.key for i in issues], "column": [i.source.column for i in issues],
        "code": [i.code for i in issues], "level": [str(i.level) for i in issues],
        "message": [i.message for i in issues], "suggestion": [i.suggestion for i in issues]}, schema=FINDINGS)


def repeat(value: str | None, n: int) -> pa.Array:
    """``n`` times the text ``value`` (or null) as a string column, without a Python list of ``n`` items (a findings
    table's constant columns have one row per finding: a million rows cost ≈ 1 s as a list, ≈ 10 ms so)."""
    return pa.repeat(pa.scalar(value, pa.string()), n)


def to_issues(table: pa.Table) -> list[Issue]:
    """The rows of a findings table as Issues, in table order."""
    cols = [table.column(c).to_pylist() for c in FINDINGS.names]
    return [Issue(code, Level[level], message, Source(file, line, key, column), suggestion)
            for file, line, key, column, code, level, message, suggestion in zip(*cols, strict=True)]


def concat(tables: Sequence[pa.Table]) -> pa.Table:
    """Findings tables one after the other (an empty table for none)."""
    return pa.concat_tables([t.select(FINDINGS.names).cast(FINDINGS) for t in tables]) if tables \
        else FINDINGS.empty_table()


def first_per_code(table: pa.Table, n: int = SAMPLE, limits: dict[str, int] | None = None) -> pa.Table:
    """The first ``n`` rows of each code (``limits[code]`` for a code it names), in table order."""
    if table.num_rows == 0:
        return table
    column = table.column("code")
    enc = pc.dictionary_encode(column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column)
    codes = enc.indices.to_numpy(zero_copy_only=False)  # equal codes, equal integers
    cap = np.array([(limits or {}).get(c, n) for c in enc.dictionary.to_pylist()], dtype=np.int64)
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    starts = np.searchsorted(sorted_codes, sorted_codes, side="left")
    rank = np.empty(len(codes), dtype=np.int64)
    rank[order] = np.arange(len(codes)) - starts
    return table.take(pa.array(np.nonzero(rank < cap[codes])[0]))


def _counts(table: pa.Table) -> tuple[tuple[str, str, int], ...]:
    if table.num_rows == 0:
        return ()
    grouped = table.group_by(["code", "level"], use_threads=False).aggregate([("code", "count")])
    return tuple(sorted(zip(grouped.column("code").to_pylist(), grouped.column("level").to_pylist(),
                            grouped.column("code_count").to_pylist(), strict=True)))


def write_csv(table: pa.Table, header: Sequence[str], path: Path) -> Path:
    """Write the rows of ``table`` under ``header`` as a CSV worklist: UTF-8 with BOM (Excel), CRLF line ends, every
    text value quoted (Arrow's CSV writer; quotes doubled), a missing value empty, a text that a spreadsheet would
    run as a formula prefixed with an apostrophe (:func:`wupian.core.csv_guard.guard_table`, column-wise)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    named = guard_table(pa.table(list(table.columns), names=list(header)))
    with path.open("wb") as fh:
        fh.write(BOM.encode("utf-8"))
        pa_csv.write_csv(named, fh, pa_csv.WriteOptions(eol="\r\n"))
    return path


FINDINGS_HEADER = ("文件", "行号", "定位", "字段", "代码", "级别", "问题", "处理建议")


class WorklistFile:
    """A worklist written as its findings are found (``add`` per batch, then ``close``): the same file, counts and
    first ``SAMPLE`` findings of each code as :func:`keep` of all the batches concatenated, without holding them —
    one file's findings at a time (at 10M loans the PBOC findings of a bank without branch codes are GBs of Arrow).
    Nothing is written until a batch has rows; ``close`` removes an earlier file when none had any."""

    def __init__(self, path: Path, header: Sequence[str] = FINDINGS_HEADER,
                 columns: Sequence[str] = tuple(FINDINGS.names)) -> None:
        self.path, self.header, self.columns = path, tuple(header), tuple(columns)
        self._fh: Any = None
        self._writer: pa_csv.CSVWriter | None = None
        self._schema: pa.Schema | None = None
        self._counts: Counter[tuple[str, str]] = Counter()
        self._listed: Counter[tuple[str, str]] = Counter()
        self._per_code: Counter[str] = Counter()
        self._sample: list[pa.Table] = []

    def add(self, table: pa.Table) -> None:
        """Append the findings of ``table`` (a findings table) in their order."""
        if table.num_rows == 0:
            return
        named = guard_table(pa.table(list(table.select(list(self.columns)).columns), names=list(self.header)))
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = self.path.open("wb")
            self._fh.write(BOM.encode("utf-8"))
            self._schema = named.schema
            self._writer = pa_csv.CSVWriter(self._fh, named.schema, write_options=pa_csv.WriteOptions(eol="\r\n"))
        self._writer.write_table(named.cast(self._schema))
        for code, level, n in _counts(table):
            self._counts[(code, level)] += n
        listed = first_per_code(table, limits={c: SAMPLE - n for c, n in self._per_code.items()})
        for code, level, n in _counts(listed):
            self._listed[(code, level)] += n
            self._per_code[code] += n
        if listed.num_rows:
            self._sample.append(listed)

    def close(self) -> tuple[Worklist | None, list[Issue]]:
        """The Worklist (None, and no file, when no batch had a row) and the listed findings as Issues."""
        if self._writer is None:
            self.path.unlink(missing_ok=True)
            return None, []
        self._writer.close()
        self._fh.close()
        self._writer = None
        return (Worklist(self.path, tuple(sorted((c, lv, n) for (c, lv), n in self._counts.items())),
                         tuple(sorted((c, lv, n) for (c, lv), n in self._listed.items() if n))),
                [i for t in self._sample for i in to_issues(t)])


def keep(table: pa.Table, path: Path, header: Sequence[str] = FINDINGS_HEADER,
         columns: Sequence[str] = tuple(FINDINGS.names)) -> tuple[Worklist | None, list[Issue]]:
    """Write every finding of ``table`` to ``path`` (``columns`` under ``header``) and return its Worklist and the
    first ``SAMPLE`` findings of each code as Issues; no file (and an earlier one removed) when there is none."""
    if table.num_rows == 0:
        path.unlink(missing_ok=True)
        return None, []
    write_csv(table.select(list(columns)), header, path)
    listed = first_per_code(table)
    return Worklist(path, _counts(table), _counts(listed)), to_issues(listed)

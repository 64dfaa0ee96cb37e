"""Findings kept as files: when a report step finds more located problems than a run should hold as ``Issue``
objects (every PBOC record of a bank without branch codes, every unresolved code contradiction), they stay an Arrow
table and are written whole to a CSV worklist (UTF-8 with BOM, like every worklist a banker opens in Excel).

The run keeps a ``Worklist`` per file: the file, the count of its rows per (code, level), and how many of them are
also listed as Issues — the first ``SAMPLE`` of each code, in the order they were found — so the CLI, the web job
and the exit code see the same counts and the same first findings as when every finding was an Issue. Nothing is
lost: every finding is a row of the file.

A finding may stand for several records (``RECORDS``: a cause that is a property of a branch — its missing
统一社会信用代码 — is one row per file and branch, with the number of records it affects in its text): the worklist then
also counts the records per code (``Worklist.records``), and ``issue_counts`` / ``error_count`` count records, so a
run's summary says how many records fail, as when every record had its row.

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

from wupian.core.csv_guard import guard_array
from wupian.core.issues import Issue, Level, Source

SAMPLE = 50  # findings of each code listed as Issues (the CLI lists at most 50 errors and, by default, 20 others)
BOM = "\ufeff"
# the columns of a findings table: where (file, 1-based line, record key, field), what (code, level, text, fix)
FINDINGS = pa.schema([("file", pa.string()), ("line", pa.int64()), ("key", pa.string()), ("column", pa.string()),
                      ("code", pa.string()), ("level", pa.string()), ("message", pa.string()),
                      ("suggestion", pa.string())])
# an optional int64 column of a findings table: how many records the finding stands for (absent or null: one) — never
# written to a worklist file (the finding's text says it), counted by ``Worklist.records``
RECORDS = "records"


@dataclass(frozen=True, slots=True)
class Worklist:
    """A CSV file holding every finding of one kind; ``counts`` is (code, level, rows) per code, ``listed`` how many
    of those rows are also in the run's issues; ``records`` (code, level, records) per code when some rows stand for
    several records (``RECORDS``; empty: one record per row, as ``counts``)."""

    path: Path
    counts: tuple[tuple[str, str, int], ...]
    listed: tuple[tuple[str, str, int], ...]
    records: tuple[tuple[str, str, int], ...] = ()

    @property
    def rows(self) -> int:
        return sum(n for _, _, n in self.counts)

    @property
    def errors(self) -> int:
        return sum(n for _, level, n in self.counts if level == str(Level.ERROR))


def issue_counts(issues: Iterable[Issue], worklists: Sequence[Worklist] = ()) -> dict[tuple[str, str], int]:
    """(code, level) -> count over the run's issues and every row of its worklists (each finding once; a worklist row
    that stands for several records counts them all, ``Worklist.records``)."""
    counts = Counter((i.code, str(i.level)) for i in issues)
    for w in worklists:
        for code, level, n in w.records or w.counts:
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


TEXTS = pa.dictionary(pa.int32(), pa.string())  # a findings text column whose few texts repeat over many rows


def constant(value: str | None, n: int) -> pa.Array:
    """``n`` times the text ``value`` (or null) as a dictionary column (``TEXTS``): one text and ``n`` integers."""
    return pooled([value], np.zeros(n, dtype=np.int32))


def pooled(texts: Sequence[str | None], ids: np.ndarray) -> pa.Array:
    """The texts ``texts[ids[i]]`` as a dictionary column (``TEXTS``) — no copy of a text per row; a ``None`` text is
    a null row. A findings table may hold such columns where ``FINDINGS`` says string: ``concat`` keeps them,
    ``to_issues`` and the worklist files read them as their values."""
    dictionary = pa.array([t if t is not None else "" for t in texts], pa.string())
    nulls = [i for i, t in enumerate(texts) if t is None]
    indices = np.asarray(ids, dtype=np.int32)
    mask = np.isin(indices, nulls) if nulls else None
    return pa.DictionaryArray.from_arrays(pa.array(indices, pa.int32(), mask=mask), dictionary)


def to_issues(table: pa.Table) -> list[Issue]:
    """The rows of a findings table as Issues, in table order."""
    cols = [table.column(c).to_pylist() for c in FINDINGS.names]
    return [Issue(code, Level[level], message, Source(file, line, key, column), suggestion)
            for file, line, key, column, code, level, message, suggestion in zip(*cols, strict=True)]


def concat(tables: Sequence[pa.Table]) -> pa.Table:
    """Findings tables one after the other (an empty table for none). A text column that is a dictionary column
    (``pooled``) in any of them stays one (``TEXTS``): its texts are not copied per row."""
    if not tables:
        return FINDINGS.empty_table()
    texts = {f.name for t in tables for f in t.schema if pa.types.is_dictionary(f.type)}
    schema = pa.schema([pa.field(f.name, TEXTS) if f.name in texts else f for f in FINDINGS])
    if not any(RECORDS in t.column_names for t in tables):
        return pa.concat_tables([t.select(FINDINGS.names).cast(schema) for t in tables])
    # a table with findings that stand for several records keeps that column; the other tables' rows are one each
    schema = schema.append(pa.field(RECORDS, pa.int64()))
    return pa.concat_tables([
        (t if RECORDS in t.column_names else t.append_column(RECORDS, pa.nulls(t.num_rows, pa.int64())))
        .select(schema.names).cast(schema) for t in tables])


def first_per_code(table: pa.Table, n: int = SAMPLE, limits: dict[str, int] | None = None) -> pa.Table:
    """The first ``n`` rows of each code (``limits[code]`` for a code it names), in table order."""
    if table.num_rows == 0:
        return table
    column = table.column("code")
    enc = pc.dictionary_encode(column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column)
    codes = enc.indices.to_numpy(zero_copy_only=False)  # equal codes, equal integers
    # a few codes per table: the first rows of each by one comparison of the integers, not a sort of every row
    firsts = [np.flatnonzero(codes == j)[:max(0, (limits or {}).get(c, n))]
              for j, c in enumerate(enc.dictionary.to_pylist())]
    rows = np.sort(np.concatenate(firsts)) if firsts else np.empty(0, np.int64)
    # row by row (a few hundred at most): a take from a table of many chunks would first join them (every text)
    return pa.concat_tables([table.slice(int(i), 1) for i in rows]) if len(rows) else table.slice(0, 0)


def _counts(table: pa.Table, records: bool = False) -> tuple[tuple[str, str, int], ...]:
    """(code, level, rows) per code, sorted; with ``records``, (code, level, records) (``RECORDS``)."""
    if table.num_rows == 0:
        return ()
    # one chunk: dictionary columns of several chunks may have different dictionaries
    keys = pa.table({c: table.column(c).combine_chunks() for c in ("code", "level")})
    if records and RECORDS in table.column_names:
        keys = keys.append_column(RECORDS, pc.fill_null(table.column(RECORDS).combine_chunks(), 1))
        grouped = keys.group_by(["code", "level"], use_threads=False).aggregate([(RECORDS, "sum")])
        n = f"{RECORDS}_sum"
    else:
        grouped = keys.group_by(["code", "level"], use_threads=False).aggregate([("code", "count")])
        n = "code_count"
    return tuple(sorted(zip(grouped.column("code").to_pylist(), grouped.column("level").to_pylist(),
                            grouped.column(n).to_pylist(), strict=True)))


def _several(table: pa.Table) -> bool:
    """Whether a row of ``table`` stands for more than one record (``RECORDS``)."""
    return RECORDS in table.column_names and bool(pc.any(pc.greater(table.column(RECORDS), 1)).as_py())


_PROBE = 4096  # values of a text column looked at to decide whether it repeats enough to guard its distinct values


def _guarded(columns: Sequence[Any], names: Sequence[str]) -> pa.Table:
    """The columns under ``names`` with every text value guarded (:func:`wupian.core.csv_guard.guard_array`). A long
    text column whose first ``_PROBE`` values repeat (a findings table's file, code, level, message and suggestion:
    a handful of texts over a million rows) is dictionary-encoded and only its distinct values are guarded; Arrow's
    CSV writer writes a dictionary column as its values, so the bytes are the same at a fraction of the pattern
    matching."""
    out = []
    for c in columns:
        if pa.types.is_string(c.type) and len(c) > _PROBE and len(pc.unique(c.slice(0, _PROBE))) * 8 <= _PROBE:
            c = pc.dictionary_encode(c)
        out.append(guard_array(c))
    return pa.table(out, names=list(names))


def write_csv(table: pa.Table, header: Sequence[str], path: Path) -> Path:
    """Write the rows of ``table`` under ``header`` as a CSV worklist: UTF-8 with BOM (Excel), CRLF line ends, every
    text value quoted (Arrow's CSV writer; quotes doubled), a missing value empty, a text that a spreadsheet would
    run as a formula prefixed with an apostrophe (:func:`wupian.core.csv_guard.guard_table`, column-wise)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    named = _guarded(list(table.columns), header)
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
        self._counts: Counter[tuple[str, str]] = Counter()
        self._records: Counter[tuple[str, str]] = Counter()
        self._several = False
        self._listed: Counter[tuple[str, str]] = Counter()
        self._per_code: Counter[str] = Counter()
        self._sample: list[pa.Table] = []

    def add(self, table: pa.Table) -> None:
        """Append the findings of ``table`` (a findings table) in their order."""
        if table.num_rows == 0:
            return
        named = _guarded(table.select(list(self.columns)).columns, self.header)
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Arrow's own file (a Python file object is written through a buffer that may outlive the batch)
            self._fh = pa.OSFile(str(self.path), "wb")
            self._fh.write(BOM.encode("utf-8"))
            pa_csv.write_csv(named.slice(0, 0), self._fh, pa_csv.WriteOptions(eol="\r\n"))  # the header
        # batch by batch (a column may be dictionary-encoded in one batch and not in the next: no common schema);
        # without empty record batches — Arrow 26 writes garbage for a leading empty batch when there is no header
        rows = pa.Table.from_batches([b for b in named.to_batches() if b.num_rows], schema=named.schema)
        pa_csv.write_csv(rows, self._fh, pa_csv.WriteOptions(include_header=False, eol="\r\n"))
        per_code = _counts(table)
        for code, level, n in per_code:
            self._counts[(code, level)] += n
        for code, level, n in _counts(table, records=True) if RECORDS in table.column_names else per_code:
            self._records[(code, level)] += n
        self._several = self._several or _several(table)
        listed = first_per_code(table, limits={c: SAMPLE - n for c, n in self._per_code.items()})
        for code, level, n in _counts(listed):
            self._listed[(code, level)] += n
            self._per_code[code] += n
        if listed.num_rows:
            self._sample.append(listed)

    def close(self) -> tuple[Worklist | None, list[Issue]]:
        """The Worklist (None, and no file, when no batch had a row) and the listed findings as Issues."""
        if self._fh is None:
            self.path.unlink(missing_ok=True)
            return None, []
        self._fh.close()
        self._fh = None
        return (Worklist(self.path, tuple(sorted((c, lv, n) for (c, lv), n in self._counts.items())),
                         tuple(sorted((c, lv, n) for (c, lv), n in self._listed.items() if n)),
                         tuple(sorted((c, lv, n) for (c, lv), n in self._records.items())) if self._several else ()),
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
    return (Worklist(path, _counts(table), _counts(listed), _counts(table, records=True) if _several(table) else ()),
            to_issues(listed))

"""Findings kept as files: when a report step finds more located problems than a run should hold as ``Issue``
objects (every PBOC record of a bank without branch codes, every unresolved code contradiction), they stay an Arrow
table and are written whole to a CSV worklist (UTF-8 with BOM, like every worklist a banker opens in Excel).

The run keeps a ``Worklist`` per file: the file, the count of its rows per (code, level), and how many of them are
also listed as Issues — the first ``SAMPLE`` of each code, in the order they were found — so the CLI, the web job
and the exit code see the same counts and the same first findings as when every finding was an Issue. Nothing is
lost: every finding is a row of the file.

The CSV text is rendered column-wise (Arrow compute) with the quoting of Python's ``csv`` module (minimal quoting,
CRLF line ends), so a worklist written here is byte-identical to one written row by row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

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


def to_issues(table: pa.Table) -> list[Issue]:
    """The rows of a findings table as Issues, in table order."""
    cols = [table.column(c).to_pylist() for c in FINDINGS.names]
    return [Issue(code, Level[level], message, Source(file, line, key, column), suggestion)
            for file, line, key, column, code, level, message, suggestion in zip(*cols, strict=True)]


def concat(tables: Sequence[pa.Table]) -> pa.Table:
    """Findings tables one after the other (an empty table for none)."""
    return pa.concat_tables([t.select(FINDINGS.names).cast(FINDINGS) for t in tables]) if tables \
        else FINDINGS.empty_table()


def drop_repeats(table: pa.Table) -> pa.Table:
    """Each finding once, at its first place: the same finding of a loan can come from several files (a loan in
    a stock and a flow file), as the CLI always listed it once."""
    if table.num_rows == 0:
        return table
    whole = pc.binary_join_element_wise(*(pc.fill_null(pc.cast(table.column(c), pa.string()), "\x00")
                                          for c in FINDINGS.names), "\x01")
    codes = pc.dictionary_encode(whole).combine_chunks().indices.to_numpy(zero_copy_only=False)
    _, first = np.unique(codes, return_index=True)
    if len(first) == table.num_rows:
        return table
    return table.take(pa.array(np.sort(first)))


def first_per_code(table: pa.Table, n: int = SAMPLE) -> pa.Table:
    """The first ``n`` rows of each code, in table order."""
    if table.num_rows == 0:
        return table
    codes = pc.dictionary_encode(table.column("code")).combine_chunks().indices.to_numpy(zero_copy_only=False)
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    starts = np.searchsorted(sorted_codes, sorted_codes, side="left")
    rank = np.empty(len(codes), dtype=np.int64)
    rank[order] = np.arange(len(codes)) - starts
    return table.take(pa.array(np.nonzero(rank < n)[0]))


def _counts(table: pa.Table) -> tuple[tuple[str, str, int], ...]:
    if table.num_rows == 0:
        return ()
    grouped = table.group_by(["code", "level"], use_threads=False).aggregate([("code", "count")])
    return tuple(sorted(zip(grouped.column("code").to_pylist(), grouped.column("level").to_pylist(),
                            grouped.column("code_count").to_pylist(), strict=True)))


def csv_text(columns: Sequence[pa.Array | pa.ChunkedArray], header: Sequence[str]) -> bytes:
    """The rows as CSV bytes exactly as Python's ``csv.writer`` writes them (fields with a comma, a quote or a line
    break quoted, quotes doubled, CRLF line ends), computed column-wise; a header row first."""
    head = ",".join(_quote_one(h) for h in header) + "\r\n"
    if not columns or len(columns[0]) == 0:
        return head.encode("utf-8")
    fields = []
    for col in columns:
        text = pc.fill_null(pc.cast(col, pa.string()), "")
        needs = pc.match_substring_regex(text, '[,"\r\n]')
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
        fields.append(pc.if_else(needs, quoted, text))
    lines = pc.binary_join_element_wise(*fields, pa.scalar(",")) if len(fields) > 1 else fields[0]
    body = pc.binary_join_element_wise(lines, "\r\n", "")
    body = body.combine_chunks() if isinstance(body, pa.ChunkedArray) else body
    body = body.cast(pa.large_string()) if body.type == pa.string() else body
    offsets = np.frombuffer(body.buffers()[1], dtype=np.int64)[body.offset: body.offset + len(body) + 1]
    data = body.buffers()[2]
    return head.encode("utf-8") + data.to_pybytes()[offsets[0]:offsets[-1]]


def _quote_one(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\r\n') else text


def write_csv(columns: Sequence[pa.Array | pa.ChunkedArray], header: Sequence[str], path: Path) -> Path:
    """Write rows as a CSV worklist (UTF-8 with BOM)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(BOM.encode("utf-8") + csv_text(columns, header))
    return path


FINDINGS_HEADER = ("文件", "行号", "定位", "字段", "代码", "级别", "问题", "处理建议")


def keep(table: pa.Table, path: Path, header: Sequence[str] = FINDINGS_HEADER,
         columns: Sequence[str] = tuple(FINDINGS.names)) -> tuple[Worklist | None, list[Issue]]:
    """Write every finding of ``table`` to ``path`` (``columns`` under ``header``) and return its Worklist and the
    first ``SAMPLE`` findings of each code as Issues; no file (and an earlier one removed) when there is none."""
    if table.num_rows == 0:
        path.unlink(missing_ok=True)
        return None, []
    write_csv([table.column(c) for c in columns], header, path)
    listed = first_per_code(table)
    return Worklist(path, _counts(table), _counts(listed)), to_issues(listed)

"""Bounded repair of a large CSV file that DuckDB refused because of stray quotes.

Re-reading a whole 2-million-line file in Python because one field opens a stray quote costs more than the
load itself. Instead, a vectorised byte scan finds the lines with an odd number of quotes (the only places
a record can run over several lines); only the lines from each of them to where its quote would close are
parsed in Python, with the same rule as the careful reader (``csvsafe.stray_quote``). Each stray line is
replaced, in a temporary copy, by a line of empty fields (so every later line keeps its number) and
quarantined; DuckDB's parallel reader then reads the copy. Anything else (a malformed record over several
lines, too many suspects) returns None: the caller falls back to the careful reader.
"""

from __future__ import annotations

import csv
import mmap
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from wupian.engine.stage import ReadReject
from wupian.ingest.csvsafe import stray_quote

CHUNK = 1 << 26  # bytes scanned at a time (bounded memory)
MAX_SUSPECTS = 1000  # more lines with an odd number of quotes than this: read the whole file carefully


def _scan(buf: mmap.mmap) -> tuple[np.ndarray, np.ndarray]:
    """(byte offsets of every '\\n', 1-based numbers of lines with an odd number of '"')."""
    newlines: list[np.ndarray] = []
    odd_lines: list[np.ndarray] = []
    base_line = 0
    for start in range(0, len(buf), CHUNK):
        chunk = np.frombuffer(buf, dtype=np.uint8, count=min(CHUNK, len(buf) - start), offset=start)
        nl = np.flatnonzero(chunk == 10)
        quotes = np.flatnonzero(chunk == 34)
        if quotes.size:
            line_of = np.searchsorted(nl, quotes) + base_line  # 0-based line of each quote
            lines, counts = np.unique(line_of, return_counts=True)
            odd_lines.append(lines[counts % 2 == 1] + 1)
        newlines.append(nl + start)
        base_line += nl.size
    odd = np.concatenate(odd_lines) if odd_lines else np.empty(0, dtype=np.int64)
    return np.concatenate(newlines) if newlines else np.empty(0, dtype=np.int64), odd


def _line_reader(buf: mmap.mmap, newlines: np.ndarray, first: int, span: list[tuple[int, str]]) -> Iterator[str]:
    """Lines from ``first`` (1-based) on, decoded; each is appended to ``span`` with its number."""
    line = first
    while True:
        start = 0 if line == 1 else int(newlines[line - 2]) + 1
        if start >= len(buf):
            return
        end = int(newlines[line - 1]) + 1 if line - 1 < len(newlines) else len(buf)
        text = buf[start:end].decode("utf-8", errors="replace")
        span.append((line, text))
        yield text
        line += 1


def repair_stray_quotes(
    path: Path, delimiter: str, n_fields: int, label: str, dest: Path
) -> tuple[Path, tuple[ReadReject, ...], tuple[int, ...]] | None:
    """(repaired copy, rejected stray lines, their line numbers), or None when stray quotes are not the
    (whole) problem. ``path`` is UTF-8; line 1 is the header."""
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
        newlines, odd = _scan(buf)
        if odd.size == 0 or odd.size > MAX_SUSPECTS:
            return None
        rejects: list[ReadReject] = []
        after = 1  # lines up to here are settled
        for s in (int(x) for x in odd):
            if s <= after:
                continue
            span: list[tuple[int, str]] = []
            reader = csv.reader(_line_reader(buf, newlines, s, span), delimiter=delimiter, strict=True)
            try:
                record = next(reader, None)
            except csv.Error:
                record = None
            issue = stray_quote(span, n_fields, delimiter, label, record is not None and len(record) == n_fields)
            if issue is not None:
                rejects.append(ReadReject(s, span[0][1].rstrip("\r\n"), (issue,)))
                after = s
                continue
            if record is None or len(record) != n_fields:
                return None  # a malformed record over several lines: the careful reader says what is wrong
            after = span[-1][0]
        if not rejects:
            return None
        skip = tuple(r.line for r in rejects)
        empty = (delimiter * (n_fields - 1)).encode("utf-8")
        with dest.open("wb") as out:
            pos = 0
            for line in skip:
                start = int(newlines[line - 2]) + 1
                end = int(newlines[line - 1]) + 1 if line - 1 < len(newlines) else len(buf)
                ending = b"\r\n" if buf[start:end].endswith(b"\r\n") else b"\n"
                out.write(buf[pos:start])
                out.write(empty + ending)  # the line keeps its place: every later line keeps its number
                pos = end
            out.write(buf[pos:])
    return dest, tuple(rejects), skip

"""The careful CSV reader: line by line in Python, for files DuckDB's strict reader refuses.

Used only when a file has undecodable bytes, rows with the wrong number of fields, an unterminated quote
at the end (a truncated export) or blank lines; clean files never come here. Every problem becomes a
located issue and the offending physical row becomes a ``ReadReject`` (quarantined, never dropped).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from wupian.core.issues import Issue
from wupian.engine.load_codes import make_issue
from wupian.engine.stage import ReadReject


def _decoded_lines(
    path: Path, encoding: str, bad: dict[int, Issue], label: str, buf: list[str]
) -> Iterator[str]:
    enc = "utf-8" if encoding == "utf-8-sig" else encoding
    with path.open("rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                text = raw.decode(enc)
            except UnicodeDecodeError as exc:
                chunk = raw[exc.start : exc.start + 4].hex(" ")
                bad[lineno] = make_issue(
                    "WP-LOAD-004",
                    f"bytes {chunk} at byte {exc.start + 1} of the line are not valid {enc} (nor GB18030)",
                    file=label,
                    line=lineno,
                    suggestion="re-export the file as UTF-8 or GBK",
                )
                text = raw.decode(enc, errors="replace")
            buf.append(text)
            yield text


def read_careful(
    path: Path, encoding: str, delimiter: str, label: str
) -> tuple[list[str], pa.Table | None, tuple[ReadReject, ...], tuple[Issue, ...]]:
    """(header, Arrow table of c<i> strings + __line, rejected rows, file-level issues)."""
    bad: dict[int, Issue] = {}
    buf: list[str] = []  # the physical lines of the record being parsed (its raw text for quarantine)
    lines = _decoded_lines(path, encoding, bad, label, buf)
    reader = csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True, strict=True)
    header: list[str] | None = None
    columns: list[list[str | None]] = []
    line_numbers: list[int] = []
    rejects: list[ReadReject] = []
    issues: list[Issue] = []
    last = 0
    while True:
        start = last + 1
        buf.clear()
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            issues_here = (
                make_issue(
                    "WP-LOAD-005",
                    f"row cannot be parsed ({exc}); a quote is not closed or the file is truncated",
                    file=label,
                    line=start,
                    suggestion="check that the export finished and quotes are balanced",
                ),
            )
            rejects.append(ReadReject(start, "".join(buf).rstrip("\r\n"), issues_here))
            last = reader.line_num
            continue  # the reader resynchronises on the next line: later rows are never dropped
        end = reader.line_num
        last = end
        if not record or (len(record) == 1 and record[0].strip() == ""):
            continue  # blank line
        span_bad = [bad[n] for n in range(start, end + 1) if n in bad]
        raw_text = "".join(buf).rstrip("\r\n")
        if header is None:
            if span_bad:
                issues.extend(span_bad)
            header = [h.strip() for h in record]
            columns = [[] for _ in header]
            continue
        if span_bad:
            rejects.append(ReadReject(start, raw_text, tuple(span_bad)))
            continue
        if len(record) != len(header):
            what = "cut short" if len(record) < len(header) else "has extra fields"
            rejects.append(
                ReadReject(
                    start,
                    raw_text,
                    (
                        make_issue(
                            "WP-LOAD-005",
                            f"expected {len(header)} fields, got {len(record)} (row {what})",
                            file=label,
                            line=start,
                            suggestion="check delimiters and quotes in this row, or re-export the file",
                        ),
                    ),
                )
            )
            continue
        for i, value in enumerate(record):
            columns[i].append(value if value != "" else None)
        line_numbers.append(start)
    if header is None:
        return [], None, tuple(rejects), tuple(issues)
    arrays = {f"c{i}": pa.array(col, type=pa.string()) for i, col in enumerate(columns)}
    arrays["__line"] = pa.array(line_numbers, type=pa.int64())
    return header, pa.table(arrays), tuple(rejects), tuple(issues)

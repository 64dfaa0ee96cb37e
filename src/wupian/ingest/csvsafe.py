"""The careful CSV reader: line by line in Python, for files DuckDB's strict reader refuses.

Used only when a file has undecodable bytes, rows with the wrong number of fields, an unterminated quote
at the end (a truncated export) or blank lines; clean files never come here. Every problem becomes a
located issue and the offending physical row becomes a ``ReadReject`` (quarantined, never dropped).
A stray quote never takes its neighbours with it: records are compared with the physical lines they span,
and lines swallowed into one record that are complete records by themselves are read again (WP-LOAD-035).
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from wupian.core.issues import Issue
from wupian.engine.load_codes import make_issue
from wupian.engine.stage import ReadReject


class _Lines:
    """The decoded physical lines of a file as an iterator for ``csv.reader``, with their line numbers.

    ``span`` collects the (line number, text) pairs of the record being parsed; ``push_back`` returns lines
    to be read again (resynchronising after a stray quote swallowed them into one record)."""

    def __init__(self, path: Path, encoding: str, bad: dict[int, Issue], label: str) -> None:
        self._source = self._decode(path, encoding, bad, label)
        self._pending: deque[tuple[int, str]] = deque()
        self.span: list[tuple[int, str]] = []

    @staticmethod
    def _decode(path: Path, encoding: str, bad: dict[int, Issue], label: str) -> Iterator[tuple[int, str]]:
        enc = "utf-8" if encoding == "utf-8-sig" else encoding
        with path.open("rb") as fh:
            for lineno, raw in enumerate(fh, start=1):
                if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
                try:
                    text = raw.decode(enc)
                except UnicodeDecodeError as exc:
                    chunk = raw[exc.start : exc.start + 4].hex(" ")
                    other = "GB18030" if enc == "utf-8" else "UTF-8"  # the file was judged the other one
                    bad[lineno] = make_issue(
                        "WP-LOAD-004",
                        f"bytes {chunk} at byte {exc.start + 1} of the line are not valid {enc} (nor {other})",
                        file=label,
                        line=lineno,
                        suggestion="re-export the file as UTF-8 or GBK",
                    )
                    text = raw.decode(enc, errors="replace")
                yield lineno, text

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        item = self._pending.popleft() if self._pending else next(self._source)
        self.span.append(item)
        return item[1]

    def push_back(self, lines: list[tuple[int, str]]) -> None:
        self._pending.extendleft(reversed(lines))


def _alone(text: str, delimiter: str) -> list[str] | None:
    """The fields of one physical line parsed on its own, or None when it is not a record by itself."""
    try:
        return next(csv.reader([text], delimiter=delimiter, quotechar='"', doublequote=True, strict=True), [])
    except csv.Error:
        return None


def open_quote(line: str, delimiter: str) -> tuple[int, int]:
    """(1-based field, character position) of the quote that opens a field and is still open at the end of
    ``line``; (1, first quote) when the line ends inside no quoted field."""
    field, start, quoted, at_field_start, i = 1, -1, False, True, 0
    while i < len(line):
        c = line[i]
        if quoted:
            if c == '"' and i + 1 < len(line) and line[i + 1] == '"':
                i += 1  # an escaped quote inside the field
            elif c == '"':
                quoted = False
        elif c == delimiter:
            field, at_field_start = field + 1, True
            i += 1
            continue
        elif c == '"' and at_field_start:
            quoted, start = True, i
        at_field_start = False
        i += 1
    if quoted:
        return field, start
    return 1, max(line.find('"'), 0)


def stray_quote(span: list[tuple[int, str]], n_fields: int, delimiter: str, label: str,
                well_formed: bool = False) -> Issue | None:
    """When a record read over several physical lines swallowed lines that are complete records by
    themselves, the quote that opened it on its first line is stray: the located issue for that line.

    ``well_formed``: the lines read as one record gave exactly ``n_fields`` fields. Then only lines wholly
    inside the record count: its last line holds the end of a legitimately multi-line field plus the fields
    after it, and may look like a record by itself (``"王小明\n曾用名,王明",individual,…``) without being one."""
    swallowed = span[1:-1] if well_formed else span[1:]
    if len(span) < 2 or not any(
        (f := _alone(text, delimiter)) is not None and len(f) == n_fields for _, text in swallowed
    ):
        return None
    first_line, text = span[0]
    field, start = open_quote(text.rstrip("\r\n"), delimiter)
    shown = text[start : start + 20].rstrip("\r\n")
    swallowed = f"line {span[1][0]}" if len(span) == 2 else f"lines {span[1][0]}–{span[-1][0]}"
    return make_issue(
        "WP-LOAD-035",
        f"field {field} opens a quote that is not closed on this line ({shown}…); it would swallow {swallowed} "
        f"into one record, so only this line is quarantined and reading resumes on line {span[1][0]}",
        file=label,
        line=first_line,
        suggestion='remove the stray " or close the quoted field on the same line',
    )


def _field_count_issue(label: str, line: int, n_expected: int, n_got: int) -> Issue:
    what = "cut short" if n_got < n_expected else "has extra fields"
    return make_issue(
        "WP-LOAD-005",
        f"expected {n_expected} fields, got {n_got} (row {what})",
        file=label,
        line=line,
        suggestion="check delimiters and quotes in this row, or re-export the file",
    )


def read_careful(
    path: Path, encoding: str, delimiter: str, label: str
) -> tuple[list[str], pa.Table | None, tuple[ReadReject, ...], tuple[Issue, ...]]:
    """(header, Arrow table of c<i> strings + __line, rejected rows, file-level issues).

    Records are compared with the physical lines they were read from: a record spanning several lines
    that swallowed lines which are complete records on their own (a stray quote opened a field) is
    resynchronised — its first line alone is quarantined (WP-LOAD-035) and the other lines are read again."""
    bad: dict[int, Issue] = {}
    lines = _Lines(path, encoding, bad, label)
    reader = csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True, strict=True)
    header: list[str] | None = None
    columns: list[list[str | None]] = []
    line_numbers: list[int] = []
    rejects: list[ReadReject] = []
    issues: list[Issue] = []
    while True:
        lines.span = []
        error: csv.Error | None = None
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            error, record = exc, []
        span = lines.span
        if not span:
            break
        start = span[0][0]
        raw_text = "".join(t for _, t in span).rstrip("\r\n")
        if header is not None and len(span) > 1:
            stray = stray_quote(span, len(header), delimiter, label, error is None and len(record) == len(header))
            if stray is not None:
                rejects.append(ReadReject(start, span[0][1].rstrip("\r\n"), (stray,)))
                lines.push_back(span[1:])
                continue
        if error is not None:
            issue = make_issue(
                "WP-LOAD-005",
                f"row cannot be parsed ({error}); a quote is not closed or the file is truncated",
                file=label,
                line=start,
                suggestion="check that the export finished and quotes are balanced",
            )
            rejects.append(ReadReject(start, raw_text, (issue,)))
            continue  # the reader resynchronises on the next line: later rows are never dropped
        if not record or (len(record) == 1 and record[0].strip() == ""):
            continue  # blank line
        span_bad = [bad[n] for n, _ in span if n in bad]
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
            rejects.append(ReadReject(start, raw_text, (_field_count_issue(label, start, len(header), len(record)),)))
            continue
        for i, value in enumerate(record):
            columns[i].append(value if value != "" else None)
        line_numbers.append(start)
    if header is None:
        return [], None, tuple(rejects), tuple(issues)
    arrays = {f"c{i}": pa.array(col, type=pa.string()) for i, col in enumerate(columns)}
    arrays["__line"] = pa.array(line_numbers, type=pa.int64())
    return header, pa.table(arrays), tuple(rejects), tuple(issues)

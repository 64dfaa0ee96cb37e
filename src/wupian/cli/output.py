"""The one output helper of the command line (value conventions shared with the web app in
``wupian.core.tabular``): rows rendered as a Rich table, CSV or JSON, to stdout or a file.

``emit(rows, fmt, title=…, out=…, columns=…)`` takes a list of dicts or anything with ``to_pylist()`` (an Arrow
table). CSV: a header row (also when there are no rows, if ``columns`` is given), ``None`` as an empty cell,
Decimal as exact text, dates as ISO. JSON: a list of objects with the same conventions (Decimal as a string).
Table: Rich, at most ``max_rows`` rows with a note pointing to ``--format csv --out FILE``.
An Arrow table is written as CSV on its columns (``core.tabular.text_columns``: the same text, no Python object
per value) and only the rows a Rich table shows are converted; the bytes go to stdout or the file as they are.
Files are written via :func:`write_text` so a full disk or an unwritable path surfaces as one ``OSError``
naming the file, which ``wupian.cli.errors`` turns into a one-line message and exit 2.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from wupian.core.tabular import cell_text, csv_bytes_of_strings, csv_text, json_value, text_columns, to_json

__all__ = ["Format", "cell_text", "console", "csv_text", "emit", "emit_text", "json_value", "print_table",
           "table_text", "to_json", "write_text"]


class Format(StrEnum):
    """``--format`` of commands that print rows."""

    table = "table"
    csv = "csv"
    json = "json"


def _as_rows(data: Any) -> list[dict[str, Any]]:
    return data.to_pylist() if hasattr(data, "to_pylist") else list(data)


def write_text(path: Path, text: str | bytes) -> None:
    """Write a whole output file (UTF-8; bytes are UTF-8 already); errors are OSErrors that name the file."""
    try:
        if isinstance(text, bytes):
            with open(path, "wb") as fb:
                fb.write(text)
        else:
            with open(path, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
    except OSError as exc:
        if exc.filename is None:
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise


def _utf8_stdout() -> Any | None:
    """The binary stream under stdout when writing UTF-8 bytes to it gives what writing the text would (an
    UTF-8 text stream that translates no newline), else None."""
    import codecs
    import os
    import sys

    stream = sys.stdout
    buffer = getattr(stream, "buffer", None)
    encoding = getattr(stream, "encoding", None)
    if buffer is None or not encoding or os.linesep != "\n":
        return None
    try:
        return buffer if codecs.lookup(encoding).name == "utf-8" else None
    except LookupError:
        return None


def emit_text(text: str | bytes, out: Path | None, *, what: str = "") -> None:
    """``text`` (or its UTF-8 bytes) to stdout, or to ``out`` with a one-line note on stderr."""
    if out is None:
        binary = _utf8_stdout() if isinstance(text, bytes) and b"\x1b" not in text else None
        if binary is not None:  # no decode and re-encode of a large output (echo strips no style from bytes)
            import sys

            sys.stdout.flush()
            binary.write(text)
            binary.flush()
        else:
            typer.echo(text.decode("utf-8") if isinstance(text, bytes) else text, nl=False)
    else:
        write_text(out, text)
        typer.echo(f"wrote {what + ' to ' if what else ''}{out}", err=True)


def emit(data: Any, fmt: Format | str, *, title: str = "", out: Path | None = None,
         columns: Sequence[str] | None = None, cell: Callable[[object], str] = cell_text,
         json_cell: Callable[[object], Any] = json_value, max_rows: int = 2000, width: int | None = None) -> None:
    """Render rows in ``fmt`` (table/csv/json) to stdout or ``out``."""
    fmt = Format(fmt)
    if hasattr(data, "column_names") and cell is cell_text and fmt is not Format.json:
        if fmt is Format.csv:
            texts = text_columns(data, columns)
            if texts is not None:
                emit_text(csv_bytes_of_strings(texts), out, what=f"{data.num_rows} rows")
                return
        else:  # a Rich table shows max_rows rows: convert only those
            shown = _as_rows(data.slice(0, max_rows))
            if columns is not None:
                shown = [{c: r.get(c) for c in columns} for r in shown]
            if out is not None:
                emit_text(table_text(shown, title, columns, cell, max_rows, width, total=data.num_rows), out)
            else:
                print_table(shown, title, columns, cell, max_rows, width, total=data.num_rows)
            return
    rows = _as_rows(data)
    if columns is not None:
        rows = [{c: r.get(c) for c in columns} for r in rows]
    what = f"{len(rows)} rows"
    if fmt is Format.csv:
        emit_text(csv_text(rows, columns, cell), out, what=what)
    elif fmt is Format.json:
        payload = [{k: json_cell(v) for k, v in r.items()} for r in rows]
        emit_text(to_json(payload) + "\n", out, what=what)
    else:
        emit_text(table_text(rows, title, columns, cell, max_rows, width), out) if out is not None else \
            print_table(rows, title, columns, cell, max_rows, width)


def _rich_table(rows: Sequence[dict[str, Any]], title: str, columns: Iterable[str] | None,
                cell: Callable[[object], str], max_rows: int, total: int | None = None) -> tuple[Any, str | None]:
    from rich.table import Table

    names = list(columns) if columns is not None else (list(rows[0]) if rows else [])
    table = Table(title=title or None)
    for name in names or [""]:
        table.add_column(str(name))
    for row in rows[:max_rows]:
        table.add_row(*(cell(row.get(c)) for c in names))
    note = None
    total = len(rows) if total is None else total  # ``rows`` may be only the first max_rows of ``total``
    if total > max_rows:
        note = f"… 共 {total} 行，表格只显示前 {max_rows} 行；完整结果请用 --format csv --out FILE"
    return table, note


def print_table(rows: Sequence[dict[str, Any]], title: str = "", columns: Iterable[str] | None = None,
                cell: Callable[[object], str] = cell_text, max_rows: int = 2000, width: int | None = None,
                total: int | None = None) -> None:
    """A Rich table on stdout (``total``: how many rows there are when ``rows`` holds only the first ones)."""
    table, note = _rich_table(rows, title, columns, cell, max_rows, total)
    con = console(width=width)
    con.print(table)
    if note:
        con.print(note, markup=False)


def table_text(rows: Sequence[dict[str, Any]], title: str = "", columns: Iterable[str] | None = None,
               cell: Callable[[object], str] = cell_text, max_rows: int = 2000, width: int | None = None,
               total: int | None = None) -> str:
    """A Rich table rendered as plain text (for ``--format table --out FILE``)."""
    table, note = _rich_table(rows, title, columns, cell, max_rows, total)
    buf = io.StringIO()
    con = console(file=buf, width=width or 200)
    con.print(table)
    if note:
        con.print(note, markup=False)
    return buf.getvalue()


def console(*, stderr: bool = False, width: int | None = None, file: io.StringIO | None = None) -> Any:
    """A Rich console (imported on first use, so ``--help`` stays fast)."""
    from rich.console import Console

    return Console(stderr=stderr, width=width, file=file)

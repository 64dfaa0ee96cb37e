"""How wupian writes values in machine-readable output, for both shells (CLI ``--format csv|json``, web exports):
``None`` as an empty CSV cell / JSON null, Decimal as exact text (never a float), dates as ISO text; CSV always
has its header row (also when there are no rows, if the columns are known)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any


def cell_text(value: object) -> str:
    """CSV/table text of a value: '' for None, exact Decimal, ISO dates."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def json_value(value: object) -> Any:
    """JSON-compatible value: Decimal and dates as text, everything else unchanged."""
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, date):
        return value.isoformat()
    return value


def _json_default(value: object) -> Any:
    converted = json_value(value)
    if converted is value:
        raise TypeError(f"not JSON serialisable: {type(value).__name__}")
    return converted


def to_json(payload: object, indent: int = 1) -> str:
    """Indented UTF-8 JSON (Chinese kept as is) with Decimal/dates as text."""
    return json.dumps(payload, ensure_ascii=False, default=_json_default, indent=indent)


def csv_text(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None,
             cell: Callable[[object], str] = cell_text) -> str:
    """CSV with a header; '' when there are neither rows nor columns."""
    names = list(columns) if columns is not None else (list(rows[0]) if rows else [])
    if not names:
        return ""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow([cell(row.get(c)) for c in names])
    return buf.getvalue()

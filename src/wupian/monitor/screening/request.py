"""Validate one live request (CLI JSON, API, web form) against the contract's ``screening_requests`` columns.

Every problem becomes a located Issue (source ``request``, the column, the value, the expectation); the caller
raises ``DataError`` with all of them. Enum values accept the English value or the Chinese label
(``取现`` = ``cash_withdrawal``), amounts exact ``Decimal``, times ``YYYY-MM-DD HH:MM[:SS]``.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from wupian.contract import table
from wupian.contract.schema import ColumnType
from wupian.core.issues import Issue, Level, Source

REQUESTS = table("screening_requests")
MAX_YUAN = Decimal("1e36")  # DECIMAL(38,2) holds 36 digits before the point


def issue(column: str | None, message: str, suggestion: str | None = None, key: str | None = None) -> Issue:
    return Issue("WP-SCREEN-001", Level.ERROR, message, Source("request", None, key, column), suggestion)


def parse_request(raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[Issue]]:
    """(typed request dict in contract column order, issues). Unknown keys are refused with a suggestion."""
    issues: list[Issue] = []
    headers = REQUESTS.header_map()
    out: dict[str, Any] = {c.name: None for c in REQUESTS.columns}
    rid = str(raw.get("request_id") or raw.get("申请编号") or "").strip() or None
    key = f"request_id={rid}" if rid else None
    for name, value in raw.items():
        if name in ("observations", "柜员观察"):
            continue
        col_name = headers.get(str(name).strip().casefold())
        if col_name is None:
            close = difflib.get_close_matches(str(name), [c.name for c in REQUESTS.columns], n=1)
            issues.append(issue(str(name), f"unknown field {name!r}",
                                 f"did you mean {close[0]!r}?" if close else None, key))
            continue
        col = REQUESTS.column(col_name)
        text = "" if value is None else str(value).strip()
        if text == "":
            continue
        if col.type is ColumnType.ENUM:
            canon = col.enum_map().get(text.casefold())
            if canon is None:
                allowed = [e.value for e in col.enum]
                close = difflib.get_close_matches(text, allowed, n=1)
                issues.append(issue(col.name, f"expected one of {', '.join(allowed)}, got {text!r}",
                                     f"did you mean {close[0]!r}?" if close else None, key))
            out[col.name] = canon
        elif col.type is ColumnType.MONEY:
            try:
                amount = Decimal(text.replace(",", ""))
                exact = amount.is_finite() and amount == amount.quantize(Decimal("0.01")) and amount < MAX_YUAN
            except InvalidOperation:  # not a number, or too many digits to be yuan and fen
                issues.append(issue(col.name, f"expected an amount in yuan, got {text!r}", key=key))
                continue
            if not exact or amount <= 0:
                issues.append(issue(col.name, f"expected money > 0 with at most 2 decimals, got {text!r}", key=key))
                continue
            out[col.name] = amount
        elif col.type is ColumnType.DATETIME:
            try:
                out[col.name] = datetime.fromisoformat(text.replace("T", " ")).replace(tzinfo=None)
            except ValueError:
                issues.append(issue(col.name, f"expected YYYY-MM-DD HH:MM[:SS], got {text!r}", key=key))
        else:
            out[col.name] = text
    for col in REQUESTS.columns:
        if col.required and out[col.name] is None and not any(i.source.column == col.name for i in issues):
            issues.append(issue(col.name, f"missing required field {col.name} ({col.zh})", key=key))
    return out, issues


def parse_observations(raw: Sequence[Any] | None, checklist: Mapping[str, str],
                       request_id: str | None) -> tuple[list[tuple[str, str]], list[Issue]]:
    """[(code, note)] from codes, zh labels or {"code", "note"} mappings; unknown codes are located issues."""
    out: dict[str, str] = {}
    issues: list[Issue] = []
    by_zh = {zh: code for code, zh in checklist.items()}
    key = f"request_id={request_id}" if request_id else None
    for item in raw or ():
        if isinstance(item, Mapping):
            code, note = str(item.get("code", "")).strip(), str(item.get("note") or "").strip()
        else:
            code, note = str(item).strip(), ""
        code = by_zh.get(code, code)
        if code not in checklist:
            close = difflib.get_close_matches(code, list(checklist), n=1)
            issues.append(issue("observations", f"unknown checklist code {code!r}",
                                 f"did you mean {close[0]!r}?" if close else "known: " + ", ".join(checklist), key))
            continue
        out[code] = note
    return sorted(out.items()), issues

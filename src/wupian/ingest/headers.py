"""Map a file's header cells (English names or Chinese aliases) to the contract's columns, with issues.

Unknown headers are kept aside and reported as a WARNING with a "did you mean" suggestion; a required
column that is missing, or two headers naming the same column, refuse the table (structural ERROR).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from wupian.contract import Table
from wupian.core.issues import Issue
from wupian.engine.load_codes import make_issue


def normalise_header(text: object) -> str:
    """Trim (including full-width spaces and a BOM) and case-fold a header cell."""
    if text is None:
        return ""
    return str(text).replace("\ufeff", "").replace("\u3000", " ").strip().casefold()


def suggest(value: str, candidates: Sequence[str]) -> str | None:
    """``did you mean 'x'?`` for the closest candidate, or None when nothing is close."""
    close = difflib.get_close_matches(value, list(candidates), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def _other_delimiter(text: str, hmap: dict[str, str]) -> str | None:
    """A hint when one header cell is a whole header row split by another delimiter (';' or a tab)."""
    for sep, name in ((";", "';'"), ("\t", "a tab")):
        if sum(normalise_header(part) in hmap for part in text.split(sep)) >= 2:
            return f"the file seems to be separated by {name}; re-export it with ',' or '|' between the fields"
    return None


def map_headers(
    table: Table, headers: Sequence[object], file_label: str, header_line: int
) -> tuple[tuple[tuple[int, str], ...], tuple[Issue, ...]]:
    """(position, column) pairs for the recognised headers, and the issues found in the header row."""
    hmap = table.header_map()
    aliases = [a for c in table.columns for a in c.aliases]
    positions: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    unknown: list[tuple[int, str]] = []
    issues: list[Issue] = []
    for pos, raw in enumerate(headers):
        norm = normalise_header(raw)
        if not norm:
            unknown.append((pos, ""))
            continue
        col = hmap.get(norm)
        if col is None:
            unknown.append((pos, str(raw).strip()))
            continue
        if col in seen:
            issues.append(
                make_issue(
                    "WP-LOAD-009",
                    f"headers in columns {seen[col] + 1} and {pos + 1} both name column {col}",
                    file=file_label,
                    line=header_line,
                    column=col,
                    suggestion="keep only one of them",
                )
            )
            continue
        seen[col] = pos
        positions.append((pos, col))
    missing = [c.name for c in table.columns if c.required and c.name not in seen]
    for pos, text in unknown:
        label = text or f"(blank header in column {pos + 1})"
        hint = _other_delimiter(text, hmap) or (suggest(text.casefold(), aliases) if text else None)
        issues.append(
            make_issue(
                "WP-LOAD-008",
                f"unknown column '{label}' is not part of table {table.name}; kept aside, not loaded",
                file=file_label,
                line=header_line,
                column=text or None,
                suggestion=hint,
            )
        )
    unknown_texts = [t.casefold() for _, t in unknown if t]
    for name in missing:
        missing_col = table.column(name)
        hint = None
        for alias in missing_col.aliases:
            close = difflib.get_close_matches(alias.casefold(), unknown_texts, n=1, cutoff=0.6)
            if close:
                hint = f"is header '{close[0]}' meant to be '{name}'?"
                break
        issues.append(
            make_issue(
                "WP-LOAD-006",
                f"required column {name} [{missing_col.zh}] is missing from the header",
                file=file_label,
                line=header_line,
                column=name,
                suggestion=hint,
            )
        )
    return tuple(positions), tuple(issues)

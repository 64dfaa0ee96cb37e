"""The stable issue codes of reading, checking and loading (WP-LOAD-001 …), with their level and meaning.

Codes are never renumbered or reused; ``docs/loading.md`` lists every one (a test keeps them in step).
``structural`` codes refuse a whole table or the whole load; the others reject (quarantine) single rows or warn.
"""

from __future__ import annotations

from dataclasses import dataclass

from wupian.core.issues import Issue, Level, Source


@dataclass(frozen=True, slots=True)
class LoadCode:
    """One documented issue code."""

    code: str
    level: Level
    title: str
    structural: bool = False


_CODES: tuple[LoadCode, ...] = (
    LoadCode("WP-LOAD-001", Level.ERROR, "required table file missing", True),
    LoadCode("WP-LOAD-002", Level.ERROR, "file is empty (no header row)", True),
    LoadCode("WP-LOAD-003", Level.ERROR, "file cannot be read (corrupt, unsupported or ambiguous)", True),
    LoadCode("WP-LOAD-004", Level.ERROR, "bytes that are neither UTF-8 nor GB18030 on a line"),
    LoadCode("WP-LOAD-005", Level.ERROR, "wrong number of fields on a line (truncated or shifted row)"),
    LoadCode("WP-LOAD-006", Level.ERROR, "required column missing from the header", True),
    LoadCode("WP-LOAD-007", Level.ERROR, "value out of its allowed range"),
    LoadCode("WP-LOAD-008", Level.WARNING, "unknown column (kept aside, not loaded)"),
    LoadCode("WP-LOAD-009", Level.ERROR, "two header cells name the same column", True),
    LoadCode("WP-LOAD-010", Level.ERROR, "Excel header cell merged across several columns", True),
    LoadCode("WP-LOAD-011", Level.INFO, "Excel title rows above the header skipped"),
    LoadCode("WP-LOAD-012", Level.WARNING, "Excel merged data cells filled from their top-left value"),
    LoadCode("WP-LOAD-013", Level.ERROR, "required value is blank"),
    LoadCode("WP-LOAD-014", Level.ERROR, "not a date (YYYY-MM-DD or YYYYMMDD)"),
    LoadCode("WP-LOAD-015", Level.ERROR, "not a date-time (ISO 8601 or YYYY-MM-DD HH:MM:SS)"),
    LoadCode("WP-LOAD-016", Level.ERROR, "not a money amount in yuan with at most 2 decimals"),
    LoadCode("WP-LOAD-017", Level.ERROR, "not a decimal number (rate or share)"),
    LoadCode("WP-LOAD-018", Level.ERROR, "not a whole number"),
    LoadCode("WP-LOAD-019", Level.ERROR, "not a boolean (1/0, Y/N, 是/否, true/false)"),
    LoadCode("WP-LOAD-020", Level.ERROR, "value not in the column's list of accepted codes"),
    LoadCode("WP-LOAD-021", Level.ERROR, "value does not match the column's format"),
    LoadCode("WP-LOAD-022", Level.ERROR, "duplicate key: every row sharing the key is rejected"),
    LoadCode("WP-LOAD-023", Level.ERROR, "broken reference to another table"),
    LoadCode("WP-LOAD-024", Level.ERROR, "branch tree must have exactly one root", True),
    LoadCode("WP-LOAD-025", Level.ERROR, "branch tree has a cycle", True),
    LoadCode("WP-LOAD-026", Level.ERROR, "branch's parent does not exist", True),
    LoadCode("WP-LOAD-027", Level.ERROR, "drawdown date after maturity date"),
    LoadCode("WP-LOAD-028", Level.ERROR, "none of the alternative identifying columns is filled"),
    LoadCode("WP-LOAD-029", Level.ERROR, "event id loaded before with different content"),
    LoadCode("WP-LOAD-030", Level.INFO, "event id loaded before with identical content (skipped)"),
    LoadCode("WP-LOAD-031", Level.WARNING, "file in the folder is not a table of the data contract"),
    LoadCode("WP-LOAD-032", Level.WARNING, "table of the other kind in this folder (snapshot vs events), ignored"),
    LoadCode("WP-LOAD-033", Level.WARNING, "drawdown date after the as-of date of the snapshot"),
    LoadCode("WP-LOAD-034", Level.ERROR, "no data rows at all in a required table", True),
    LoadCode("WP-LOAD-035", Level.ERROR, "a quote opens a field and is not closed on its line (row quarantined alone)"),
    LoadCode("WP-LOAD-036", Level.ERROR, "amount with ',' or a space that is not 3-digit grouping"),
    LoadCode("WP-LOAD-037", Level.WARNING, "id normalised (whitespace, invisible characters, full-width)"),
    LoadCode("WP-LOAD-038", Level.ERROR, "id cannot be normalised unambiguously (whitespace inside it)"),
    LoadCode("WP-LOAD-039", Level.ERROR, "keys that differ only in letter case: every such row is rejected"),
    LoadCode("WP-LOAD-040", Level.INFO, "Excel workbook with several sheets: which sheet was read"),
    LoadCode("WP-LOAD-041", Level.WARNING, "Excel percent-formatted rate cells converted to percent"),
    LoadCode("WP-LOAD-042", Level.ERROR, "Excel number of 15 or more digits in a text column (id typed as number)"),
    LoadCode("WP-LOAD-043", Level.ERROR, "Excel formula without a cached value"),
    LoadCode("WP-LOAD-044", Level.WARNING, "every value of a rate column is below 1 (fractions, not percent?)"),
    LoadCode("WP-LOAD-045", Level.WARNING, "folder name's date differs from the as-of date"),
    LoadCode("WP-LOAD-046", Level.WARNING, "industry code's section letter is not its division's (the digits are used)"),
)

CODES: dict[str, LoadCode] = {c.code: c for c in _CODES}


def code_info(code: str) -> LoadCode:
    """The documented record for ``code`` (KeyError for an unknown code)."""
    return CODES[code]


def make_issue(
    code: str,
    message: str,
    *,
    file: str | None = None,
    line: int | None = None,
    key: str | None = None,
    column: str | None = None,
    suggestion: str | None = None,
    level: Level | None = None,
) -> Issue:
    """An Issue with the documented level of ``code`` (overridable) and a Source."""
    info = CODES[code]
    return Issue(
        code=code,
        level=level if level is not None else info.level,
        message=message,
        source=Source(file=file, line=line, key=key, column=column),
        suggestion=suggestion,
    )


def is_structural(issue: Issue) -> bool:
    """True when the issue refuses a table or the whole load rather than single rows."""
    info = CODES.get(issue.code)
    return bool(info and info.structural and issue.level >= Level.ERROR)

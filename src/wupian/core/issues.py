"""The one error shape of wupian: an Issue located by a Source, as values rather than exceptions.

Every check in every layer returns Issues; the CLI renders them one per line, e.g.
``loans.csv:17[loan_id=L000123].balance: ERROR WP-LOAD-007 expected money ≥ 0, got -3.00``.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field


class Level(enum.IntEnum):
    """Severity. ERROR rows are rejected (quarantined); WARNING rows are kept; INFO is advice."""

    INFO = 10
    WARNING = 20
    ERROR = 30

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Source:
    """Where an issue was found: file, 1-based line number, business key, column."""

    file: str | None = None
    line: int | None = None
    key: str | None = None  # e.g. "loan_id=L000123"
    column: str | None = None

    def __str__(self) -> str:
        out = self.file or ""
        if self.line is not None:
            out += f":{self.line}"
        if self.key:
            out += f"[{self.key}]"
        if self.column:
            out += f".{self.column}"
        return out or "-"

    def to_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "key": self.key, "column": self.column}


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem a banker can act on: stable code, level, message (expected vs actual), location."""

    code: str
    level: Level
    message: str
    source: Source = field(default_factory=Source)
    suggestion: str | None = None

    def __str__(self) -> str:
        text = f"{self.source}: {self.level} {self.code} {self.message}"
        if self.suggestion:
            text += f" ({self.suggestion})"
        return text

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "level": str(self.level),
            "message": self.message,
            "source": self.source.to_dict(),
            "suggestion": self.suggestion,
        }


def worst_level(issues: Iterable[Issue]) -> Level | None:
    """The highest level among issues, or None when there are none."""
    levels = [i.level for i in issues]
    return max(levels) if levels else None


def count_by_code(issues: Iterable[Issue]) -> dict[tuple[str, str], int]:
    """(code, level) -> count, so totals survive a truncated listing."""
    return dict(Counter((i.code, str(i.level)) for i in issues))

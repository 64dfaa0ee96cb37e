"""What a check or a load tells its caller: rows loaded and rejected per table, issues and their counts.

``issues`` may be truncated (``truncated`` says so); ``issue_counts`` always counts every issue, so totals
survive a long listing. Records are frozen; mappings are read-only views.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from wupian.core.issues import Issue, Level


def _empty() -> Mapping[str, int]:
    return MappingProxyType({})


def frozen_map(data: Mapping) -> Mapping:  # type: ignore[type-arg]
    """A read-only copy of ``data``."""
    return MappingProxyType(dict(data))


@dataclass(frozen=True)
class CheckReport:
    """Result of ``check_snapshot``: what a load would do, without touching a warehouse."""

    directory: str
    as_of: dt.date | None
    rows: Mapping[str, int] = field(default_factory=_empty)  # rows read per table
    loaded: Mapping[str, int] = field(default_factory=_empty)  # rows that pass every check
    rejected: Mapping[str, int] = field(default_factory=_empty)  # rows that would be quarantined
    issues: tuple[Issue, ...] = ()
    issue_counts: Mapping[tuple[str, str], int] = field(default_factory=lambda: MappingProxyType({}))
    truncated: bool = False
    skipped: Mapping[str, int] = field(default_factory=_empty)  # events already loaded with identical content

    @property
    def errors(self) -> int:
        return sum(n for (_, level), n in self.issue_counts.items() if level == str(Level.ERROR))

    @property
    def warnings(self) -> int:
        return sum(n for (_, level), n in self.issue_counts.items() if level == str(Level.WARNING))

    @property
    def ok(self) -> bool:
        """True when no issue is at ERROR level (warnings and infos allowed)."""
        return self.errors == 0

    def to_dict(self) -> dict[str, object]:
        return {
            "directory": self.directory,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "ok": self.ok,
            "rows": dict(self.rows),
            "loaded": dict(self.loaded),
            "rejected": dict(self.rejected),
            "skipped": dict(self.skipped),
            "issue_counts": [
                {"code": code, "level": level, "count": n} for (code, level), n in sorted(self.issue_counts.items())
            ],
            "truncated": self.truncated,
            "issues": [i.to_dict() for i in self.issues],
        }


@dataclass(frozen=True)
class LoadReport(CheckReport):
    """Result of ``load_snapshot`` / ``load_events``: rows written to the warehouse and to quarantine."""

"""The kinds of output ``wupian report --kind`` writes (a light module: the CLI lists them in ``--help``)."""

from __future__ import annotations

KINDS: tuple[str, ...] = ("pboc", "nfra", "workbook", "briefing", "all")

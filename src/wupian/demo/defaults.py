"""The demo bank's fixed parameters, in a module without heavy imports (the CLI shows them in ``--help``)."""

from __future__ import annotations

MONTHS = 13  # month-ends written, ending 2026-03-31
DEFAULT_SEED = 20260331

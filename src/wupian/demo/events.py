"""The one place where the demo calls the transaction generator (``wupian.demo.transactions``).

That generator writes transactions.csv, mandates.csv, merchants.csv and recurring_truth.csv (the planted
recurring streams) for the given personal debit accounts. When it is not installed in this checkout yet,
the demo still builds every snapshot and reports that no event files were written.
"""

from __future__ import annotations

import importlib
from datetime import date
from pathlib import Path


def write_events(out_dir: Path, account_ids: list[str], *, seed: int, end: date, months: int) -> Path | None:
    """Write the event files into ``out_dir``; None when the transaction generator is unavailable."""
    try:
        module = importlib.import_module("wupian.demo.transactions")
    except ModuleNotFoundError as exc:
        if exc.name != "wupian.demo.transactions":
            raise
        return None
    out_dir.mkdir(parents=True, exist_ok=True)
    module.generate_event_files(out_dir, account_ids, seed=seed, end=end, months=months)
    return out_dir

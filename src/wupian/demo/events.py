"""The one place where the demo calls the transaction generator (``wupian.demo.transactions``).

That generator writes transactions.csv, mandates.csv, merchants.csv and recurring_truth.csv (the planted
recurring streams, the ground truth the recurring-debit detector is measured against) for the given
personal debit accounts.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from wupian.demo.transactions import generate_event_files


def write_events(out_dir: Path, account_ids: list[str], *, seed: int, end: date, months: int) -> Path:
    """Write the event files into ``out_dir`` and return it."""
    out_dir.mkdir(parents=True, exist_ok=True)
    generate_event_files(out_dir, account_ids, seed=seed, end=end, months=months)
    return out_dir

"""Golden-file helper: compare text with tests/golden/reports/expected/<name>; WUPIAN_REGEN_GOLDEN=1 rewrites."""

from __future__ import annotations

import os
from pathlib import Path

EXPECTED = Path(__file__).resolve().parents[2] / "golden" / "reports" / "expected"


def check_golden(name: str, text: str) -> None:
    path = EXPECTED / name
    if os.environ.get("WUPIAN_REGEN_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with WUPIAN_REGEN_GOLDEN=1 and review the diff"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"

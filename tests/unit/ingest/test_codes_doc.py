"""Every issue code is documented in docs/loading.md with its level, and every code is used by the code base."""

from __future__ import annotations

import re
from pathlib import Path

from wupian.engine.load_codes import CODES

ROOT = Path(__file__).resolve().parents[3]


def test_every_code_is_documented() -> None:
    doc = (ROOT / "docs" / "loading.md").read_text(encoding="utf-8")
    for code in CODES.values():
        assert f"| {code.code} | {code.level} | {'yes' if code.structural else ''} | {code.title} |" in doc


def test_every_code_is_raised_somewhere() -> None:
    src = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "src" / "wupian").rglob("*.py")
                  if p.name != "load_codes.py")
    used = set(re.findall(r"WP-LOAD-\d{3}", src))
    assert set(CODES) - used == set()

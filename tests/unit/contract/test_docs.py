"""The committed docs/data-contract.md is exactly what the contract definitions render to."""

from __future__ import annotations

from pathlib import Path

from wupian.contract import ALL_TABLES
from wupian.contract.docs import render

DOC = Path(__file__).resolve().parents[3] / "docs" / "data-contract.md"


def test_committed_reference_page_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), "run: python -m wupian.contract.docs > docs/data-contract.md"


def test_every_table_column_and_pboc_code_is_documented() -> None:
    text = render()
    for table in ALL_TABLES:
        assert f"## {table.name} — {table.zh}" in text
        for col in table.columns:
            assert f"| `{col.name}` | {col.zh} |" in text
            for ev in col.enum:
                for code in ev.codes:
                    assert f"`{code}`" in text
    assert "`FQ01`" in text and "`CS03`" in text and "`A01`" in text

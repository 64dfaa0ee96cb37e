"""Excel cells as the text the contract expects, and the cells that cannot be read safely.

Three traps of typed Excel cells, each made explicit:

* a rate cell formatted as percent (Excel shows 3.45%, the file stores 0.0345) is converted to the contract's
  unit, percent (3.45), and each such column gets one WARNING (WP-LOAD-041) saying so;
* a number of 15 or more digits in a text column (an 18-digit id card typed as a number) has already lost
  digits in Excel: refused, row quarantined (WP-LOAD-042);
* a formula whose value was never saved (a workbook written by a program and never opened in Excel) would
  read as a blank: refused, row quarantined (WP-LOAD-043).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from wupian.contract import Column, ColumnType
from wupian.core.issues import Issue
from wupian.engine.load_codes import make_issue

EXACT_DIGITS = 1e15  # Excel keeps 15 significant digits: a number this large may already be rounded


def cell_text(value: Any) -> str | None:
    """Excel cell value → the text a user would see (numbers to 15 significant digits, dates ISO)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < EXACT_DIGITS:
            return str(int(value))
        return format(value, ".15g")
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def percent_text(value: float | int) -> str:
    """0.0345 (a cell shown as 3.45%) → '3.45': exact decimal arithmetic on the 15 digits Excel keeps."""
    shown = Decimal(format(value, ".15g")) * 100
    return format(shown.normalize(), "f")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass
class RowReader:
    """Converts the data rows of one sheet; collects per-row refusals and per-column percent conversions."""

    label: str
    columns: Sequence[Column | None]  # contract column of each sheet column (None: not in the contract)
    letters: Sequence[str]  # sheet column letters, for cell references in messages
    percent: dict[int, tuple[int, int, str]] = field(default_factory=dict)  # pos → (count, first row, its text)

    def convert(
        self, row: int, values: Sequence[Any], formats: Sequence[str], formulas: Sequence[Any]
    ) -> tuple[list[str | None], list[Issue]]:
        """(texts of the row's cells, issues refusing the row)."""
        texts: list[str | None] = []
        refused: list[Issue] = []
        for pos, value in enumerate(values):
            col = self.columns[pos] if pos < len(self.columns) else None
            ref = f"{self.letters[pos]}{row}"
            formula = formulas[pos] if pos < len(formulas) else None
            if value is None and isinstance(formula, str) and formula.startswith("="):
                refused.append(self._formula(row, ref, formula, col))
                texts.append(None)
                continue
            if col is not None and _is_number(value):
                if col.type is ColumnType.STR and abs(value) >= EXACT_DIGITS:
                    refused.append(self._long_number(row, ref, value, col))
                elif col.type is ColumnType.RATE and "%" in (formats[pos] or ""):
                    text = percent_text(value)
                    count, first, first_text = self.percent.get(pos, (0, row, text))
                    self.percent[pos] = (count + 1, first, first_text)
                    texts.append(text)
                    continue
            texts.append(cell_text(value))
        return texts, refused

    def _formula(self, row: int, ref: str, formula: str, col: Column | None) -> Issue:
        return make_issue(
            "WP-LOAD-043",
            f"cell {ref} holds the formula {formula[:60]} with no saved value; expected a value",
            file=self.label,
            line=row,
            column=col.name if col else None,
            suggestion="open and save the workbook in Excel (or paste the column as values) and export again",
        )

    def _long_number(self, row: int, ref: str, value: float | int, col: Column) -> Issue:
        return make_issue(
            "WP-LOAD-042",
            f"cell {ref} is the number {cell_text(value)}; expected text: Excel keeps only 15 digits, so an id "
            "typed as a number has lost its last digits",
            file=self.label,
            line=row,
            column=col.name,
            suggestion="format the column as text and enter the ids again, or export the table as CSV",
        )

    def percent_issues(self) -> list[Issue]:
        """One WARNING per rate column that held percent-formatted cells (all of them were converted)."""
        out = []
        for pos, (count, row, text) in sorted(self.percent.items()):
            col = self.columns[pos]
            assert col is not None
            out.append(
                make_issue(
                    "WP-LOAD-041",
                    f"{count} cell(s) of column {self.letters[pos]} are formatted as percent (Excel shows {text}%, "
                    f"the file stores {Decimal(text) / 100}); read as {text}, since {col.name} is in percent",
                    file=self.label,
                    line=row,
                    column=col.name,
                )
            )
        return out

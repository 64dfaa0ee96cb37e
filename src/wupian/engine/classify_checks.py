"""Set-based data checks run with a classification: invalid green codes, green amounts above the balance.

Each query reads the temp table ``cls_eval`` of the classification just run and returns the offending rows;
``wupian.rules`` turns them into Issues with suggestions. Queries are capped (``limit``) and also return the
full count, so a bad file of millions of rows yields a bounded issue list plus an honest total.
"""

from __future__ import annotations

from typing import Any

from wupian.engine.warehouse import Warehouse

CHECKS = {
    "invalid_green_code": "green_code IS NOT NULL AND NOT green_valid",
    "green_amount_above_balance": "green_valid AND green_amount_raw > balance",
    "green_amount_without_code": "green_code IS NULL AND green_amount_raw IS NOT NULL AND green_amount_raw > 0",
}


def check_counts(wh: Warehouse) -> dict[str, int]:
    """Row count of every check, in one scan of ``cls_eval``."""
    cols = ", ".join(f"count(*) FILTER (WHERE {where}) AS {name}" for name, where in CHECKS.items())
    return {k: int(v or 0) for k, v in wh.rows(f"SELECT {cols} FROM cls_eval")[0].items()}


def check_rows(wh: Warehouse, check: str, limit: int = 1000, total: int | None = None
               ) -> tuple[int, list[dict[str, Any]]]:
    """(total count, first ``limit`` rows ordered by loan_id) of one named check."""
    where = CHECKS[check]
    if total is None:
        total = int(wh.scalar(f"SELECT count(*) FROM cls_eval WHERE {where}") or 0)
    if total == 0:
        return 0, []
    rows = wh.rows(
        f"""SELECT loan_id, green_code, purpose_industry_code, balance, green_amount_raw
            FROM cls_eval WHERE {where} ORDER BY loan_id LIMIT ?""",
        [limit],
    )
    return total, rows


def eval_row(wh: Warehouse, loan_id: str, columns: list[str]) -> dict[str, Any] | None:
    """Selected columns of one loan's row in ``cls_eval`` (columns come from our own plan/fact names)."""
    cols = ", ".join('"' + c.replace('"', "") + '"' for c in columns)
    rows = wh.rows(f"SELECT {cols} FROM cls_eval WHERE loan_id = ?", [loan_id])
    return rows[0] if rows else None

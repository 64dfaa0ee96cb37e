"""The amount bands of the recurring batch (``recurring_sql.CAND``) give every debit of a run of equal amounts the
same band, whatever order the engine's sorts put equal amounts in — so the batch is a function of its input.

Found at 10M transactions: the band was a ``ROWS`` running count of breaks whose sort could order equal amounts
differently from the ``LAG`` that set the breaks, so a run at a band boundary was split between two bands, and two
runs of the same batch gave 187,186 and 187,184 streams. With many ties in large partitions on two threads the old
form splits runs within a few tries (checked below, so the test can be seen to fail)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from wupian.engine import recurring_sql as q
from wupian.engine.warehouse import Warehouse

ROWS_FORM = q.CAND.replace("RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW", "ROWS UNBOUNDED PRECEDING")
SPLIT_RUNS = """
SELECT COUNT(*) FROM (
  SELECT gid, amt FROM (SELECT DISTINCT gid, amt, band FROM _wp_rec_cand WHERE band >= 0) x
  GROUP BY gid, amt HAVING COUNT(*) > 1) y
"""


@pytest.fixture(scope="module")
def ties() -> Warehouse:
    """7 payee groups × ≈ 43k debits of three amounts (50, 150, 400): long runs of ties at every band start."""
    wh = Warehouse(":memory:")
    wh.execute("SET threads = 2")
    wh.execute("""
        CREATE TEMP TABLE _wp_rec_keyed AS
        SELECT i % 7 AS gid, 'T' || CAST(i AS VARCHAR) AS rid, DATE '2025-01-01' + CAST(i % 300 AS INTEGER) AS d,
               CAST(CASE i % 3 WHEN 0 THEN 50 WHEN 1 THEN 150 ELSE 400 END AS DECIMAL(18, 2)) AS amt
        FROM range(300000) t(i)""")
    return wh


def _split_runs(wh: Warehouse, sql: str) -> int:
    wh.execute(sql, {"band_ratio": Decimal("1.5")})
    return int(wh.scalar(SPLIT_RUNS) or 0)


def test_every_debit_of_a_run_of_equal_amounts_gets_the_same_band(ties: Warehouse) -> None:
    for _ in range(5):
        assert _split_runs(ties, q.CAND) == 0
    bands = ties.rows("SELECT amt, MIN(band) AS lo, MAX(band) AS hi FROM _wp_rec_cand WHERE band >= 0 "
                      "GROUP BY amt ORDER BY amt")
    assert [(r["amt"], r["lo"], r["hi"]) for r in bands] == [(Decimal("50.00"), 0, 0), (Decimal("150.00"), 1, 1),
                                                            (Decimal("400.00"), 2, 2)]
    whole = ties.scalar("SELECT COUNT(*) FROM _wp_rec_cand WHERE band = -1")
    assert whole == 300000  # every debit also once in its whole group


def test_the_rows_form_this_replaced_can_split_a_run(ties: Warehouse) -> None:
    """The check above can fail: the former ``ROWS`` form splits runs on the same data (it did in 3 of 5 tries
    here). Whether a given try splits depends on the threads' timing, so this is skipped, not failed, when 12
    tries happen not to show it."""
    if not any(_split_runs(ties, ROWS_FORM) > 0 for _ in range(12)):
        pytest.skip("the engine's sorts ordered the ties alike in every try")

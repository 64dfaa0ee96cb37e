"""The flagship city's green book, sized like the seed article's branch.

The seed article (工行沧州分行, 2026) reports a green-loan balance of 162.72亿元 at the end of March 2026, 28.53亿元
more than at the start of the year, first among local banks. The demo's flagship city (``FLAGSHIP_CITY``) leads
on new energy the same way: its wind, solar and hydrogen project loans are generated like every other loan, then
their amounts are scaled — one factor for projects drawn by 2025-12-31, one for those drawn in 2026 — so that
the city's green balance (projects plus every other green loan booked there) is about those figures times the
demo ``scale`` at both dates. The loans themselves (dates, terms, codes, shares) are untouched.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from wupian.demo.branches import FLAGSHIP_CITY, BranchTree
from wupian.demo.columns import day
from wupian.demo.customers import Customers
from wupian.demo.loan_codes import INVALID_GREEN_CODES, LoanCodes
from wupian.demo.loanbook import LoanBook
from wupian.demo.monthly import balances
from wupian.demo.segments import SEGMENTS

YI_FEN = 10_000_000_000  # fen per 亿元
SEED_GREEN_BALANCE = 162.72  # 亿元 at 2026-03-31
SEED_GREEN_YTD = 28.53  # 亿元 increase since 2025-12-31
YEAR_START = day("2025-12-31")
AS_OF = day("2026-03-31")
_FACTOR_RANGE = (0.1, 50.0)  # wide: at small scales the flagship may have one 2026 project
_UNIT_FEN = 1_000_000  # project loans are whole 万元


def green_fen(book: LoanBook, codes: LoanCodes, rows: np.ndarray, at: np.datetime64) -> np.ndarray:
    """Green part of each row's balance at ``at`` (0 before drawdown, without a valid code, or after it ended)."""
    drawn = book.drawdown[rows] <= at
    ended = book.ended[rows]
    live = drawn & (np.isnat(ended) | (ended > at))
    bal = np.where(live, balances(book, rows, at), 0)
    share = np.nan_to_num(codes.green_share[rows], nan=1.0)
    valid = (codes.green_code[rows] != "") & ~np.isin(codes.green_code[rows], INVALID_GREEN_CODES)
    return np.where(valid, np.floor(bal * share), 0).astype(np.int64)


def calibrate_flagship_green(book: LoanBook, codes: LoanCodes, cus: Customers, tree: BranchTree,
                             scale: float) -> LoanBook:
    """The book with the flagship city's green project loans rescaled to the seed article's magnitudes."""
    city = int(np.flatnonzero(tree.city_names == FLAGSHIP_CITY)[0])
    seg = np.array([s.key for s in SEGMENTS], dtype=object)[book.segment]
    rows = np.flatnonzero(cus.city[book.cust] == city)
    valid = (codes.green_code[rows] != "") & ~np.isin(codes.green_code[rows], INVALID_GREEN_CODES)
    project = (seg[rows] == "green_project") & valid
    old = project & (book.drawdown[rows] <= YEAR_START)
    new = project & (book.drawdown[rows] > YEAR_START) & (book.drawdown[rows] <= AS_OF)
    g_start, g_end = green_fen(book, codes, rows, YEAR_START), green_fen(book, codes, rows, AS_OF)
    want_end = SEED_GREEN_BALANCE * YI_FEN * scale
    want_start = (SEED_GREEN_BALANCE - SEED_GREEN_YTD) * YI_FEN * scale
    rest_start, rest_end = g_start[~project].sum(), g_end[~project].sum()
    a = _factor(want_start - rest_start, g_start[old].sum())
    b = _factor(want_end - rest_end - a * g_end[old].sum(), g_end[new].sum())
    amount = book.amount_fen.copy()
    for mask, factor in ((old, a), (new, b)):
        idx = rows[mask]
        amount[idx] = np.maximum(np.round(amount[idx] * factor / _UNIT_FEN) * _UNIT_FEN, _UNIT_FEN).astype(np.int64)
    return replace(book, amount_fen=amount)


def _factor(wanted: float, current: float) -> float:
    if current <= 0:
        return 1.0
    return float(np.clip(wanted / current, *_FACTOR_RANGE))

"""The demo bank's magnitudes look like a real bank's (issue 2 item 7), checked on the generator's own arrays.

The figures the month-end job prints at scale 0.2 and 1.0 are recorded in bench/results/demo.md; these tests
guard the mechanisms behind them without loading anything: credit lines respected, starred industries coded
only in part, growth and 首贷户 of a plausible size, the flagship city's green book sized like the seed article.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from wupian.demo.branches import FLAGSHIP_CITY, BranchTree, build_tree
from wupian.demo.build import DEFAULT_SEED
from wupian.demo.columns import day, stream
from wupian.demo.customers import Customers, build_customers
from wupian.demo.flagship import (
    AS_OF,
    SEED_GREEN_BALANCE,
    SEED_GREEN_YTD,
    YEAR_START,
    YI_FEN,
    calibrate_flagship_green,
    green_fen,
)
from wupian.demo.loan_codes import LoanCodes, assign_codes, credit_history
from wupian.demo.loanbook import UTILISATION, LoanBook, build_book
from wupian.demo.monthly import balances, included
from wupian.demo.refdata import green_items, industries
from wupian.demo.segments import SEGMENTS
from wupian.demo.sizes import group_of, size_class

SCALE = 0.3


@dataclass(frozen=True)
class Bank:
    tree: BranchTree
    cus: Customers
    book: LoanBook
    codes: LoanCodes


@pytest.fixture(scope="module")
def bank() -> Bank:
    ind = industries()
    tree = build_tree(stream(DEFAULT_SEED, "branches"))
    cus = build_customers(stream(DEFAULT_SEED, "customers"), tree, ind, SCALE)
    book = build_book(stream(DEFAULT_SEED, "loans"), cus, SCALE)
    codes = assign_codes(stream(DEFAULT_SEED, "codes"), book, cus, ind, green_items())
    return Bank(tree, cus, calibrate_flagship_green(book, codes, cus, tree, SCALE), codes)


def _keys(book: LoanBook) -> np.ndarray:
    return np.array([s.key for s in SEGMENTS], dtype=object)[book.segment]


def _balance(book: LoanBook, at: str) -> np.ndarray:
    d = day(at)
    rows = included(book, d)
    out = np.zeros(len(book), dtype=np.int64)
    out[rows] = balances(book, rows, d)
    return out


def test_loans_under_a_credit_line_stay_within_it(bank: Bank) -> None:
    book, cus = bank.book, bank.cus
    based = np.array([s.credit_share is not None for s in SEGMENTS])[book.segment]
    for at in ("2025-03-31", "2025-09-30", "2026-03-31"):
        d = day(at)
        alive = based & (book.drawdown <= d) & (np.isnat(book.ended) | (book.ended > d))
        owed = np.bincount(book.cust[alive], weights=book.amount_fen[alive].astype(float), minlength=len(cus))
        borrowers = np.flatnonzero(owed > 0)
        assert (owed[borrowers] <= cus.credit_fen[borrowers] * UTILISATION + 1).all(), at


def test_starred_industries_carry_tech_codes_only_in_part(bank: Bank) -> None:
    ind, book, codes = industries(), bank.book, bank.codes
    purpose = ind.index_of([c or "0111" for c in codes.purpose_industry.tolist()])
    unit = (book.business_type() != "personal") & (codes.purpose_industry != "")
    mapped = unit & (ind.se[purpose] != "")
    starred, full = mapped & ind.se_star[purpose], mapped & ~ind.se_star[purpose]
    assert starred.sum() > 50 and full.sum() > 50
    filled = codes.tech_se != ""
    assert filled[starred].mean() < 0.1 and filled[full].mean() > 3 * filled[starred].mean()


def test_category_codes_cover_a_plausible_part_of_the_book(bank: Bank) -> None:
    bal = _balance(bank.book, "2026-03-31")
    live = ~np.isin(_keys(bank.book), ["entrusted", "bill_rediscount"])
    total = bal[live].sum()
    c = bank.codes
    tech = (c.tech_htp != "") | (c.tech_hts != "") | (c.tech_se != "") | (c.tech_pa != "")
    assert 0.06 < bal[tech & live].sum() / total < 0.25  # 科技相关产业 (the lists add the rest of 科技贷款)
    assert bal[(c.pension_code != "") & live].sum() / total < 0.02  # 养老产业: well under 1% once shares apply
    assert bal[(c.digital_code != "") & live].sum() / total < 0.12
    share = np.nan_to_num(c.green_share, nan=1.0)
    green = (bal * share)[(c.green_code != "") & live].sum() / total
    assert 0.10 < green < 0.22


def test_the_book_grows_like_a_real_bank(bank: Bank) -> None:
    live = ~np.isin(_keys(bank.book), ["entrusted", "bill_rediscount"])
    before, after = (_balance(bank.book, d)[live].sum() for d in ("2025-03-31", "2026-03-31"))
    assert 0.04 < after / before - 1 < 0.16  # a real bank: about 8–12% a year


def test_first_loans_are_customers_new_to_credit(bank: Bank) -> None:
    book, cus = bank.book, bank.cus
    flag, first_credit = credit_history(book, cus)
    q1 = (book.drawdown >= day("2026-01-01")) & (book.drawdown <= day("2026-03-31"))
    newcomers = np.unique(book.cust[flag & q1]).size / SCALE
    assert 100 <= newcomers < 1000  # hundreds at scale 1.0 (seed: 938 in a whole year)
    borrowers = np.unique(book.cust)
    earliest = np.full(len(cus), np.iinfo(np.int64).max)
    np.minimum.at(earliest, book.cust, book.drawdown.astype(np.int64))
    assert (first_credit[borrowers].astype(np.int64) <= earliest[borrowers]).all()
    veterans = np.setdiff1d(borrowers, book.cust[flag])
    assert veterans.size > 0 and (first_credit[veterans] >= cus.since[veterans]).all()


def test_flagship_city_green_book_reads_like_the_seed_article(bank: Bank) -> None:
    city = int(np.flatnonzero(bank.tree.city_names == FLAGSHIP_CITY)[0])
    rows = np.flatnonzero(bank.cus.city[bank.book.cust] == city)
    end = green_fen(bank.book, bank.codes, rows, AS_OF).sum() / YI_FEN / SCALE
    start = green_fen(bank.book, bank.codes, rows, YEAR_START).sum() / YI_FEN / SCALE
    assert end == pytest.approx(SEED_GREEN_BALANCE, rel=0.02)
    assert end - start == pytest.approx(SEED_GREEN_YTD, rel=0.1)
    others = [np.flatnonzero(bank.cus.city[bank.book.cust] == k) for k in range(bank.tree.city_ids.size) if k != city]
    assert all(green_fen(bank.book, bank.codes, r, AS_OF).sum() < end * YI_FEN * SCALE for r in others)


def test_declared_sizes_of_small_businesses_mostly_agree(bank: Bank) -> None:
    cus, ind = bank.cus, industries()
    sized = np.flatnonzero(np.isin(cus.ctype, ["sole_proprietor", "other_org"]) & ~np.isin(cus.declared_size,
                                                                                          ["", "none"]))
    groups = np.array([("other" if cus.ctype[i] == "other_org" else group_of(ind.code[cus.industry[i]],
                                                                              ind.section[cus.industry[i]]))
                       for i in sized.tolist()], dtype=object)
    derived = size_class(groups, cus.employees[sized].astype(float), cus.revenue_fen[sized] / 1e6,
                         cus.assets_fen[sized] / 1e6)
    declared = np.array([("micro", "small", "medium", "large").index(s) for s in cus.declared_size[sized]])
    rate = float(np.mean(derived != declared))
    assert 0 < rate < 0.08  # a few deliberate disagreements, not most micro firms

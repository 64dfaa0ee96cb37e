"""Everything on a statement that is *not* a planted recurring debit, vectorised over accounts.

Salaries in, everyday card and QR spending at many merchants, and the hard negatives a detector must not
flag: frequent irregular purchases at one payee (coffee at the same price, ride-hailing, take-away),
salary-like irregular transfers to family, ATM withdrawals, one-off refunds and one-off large purchases.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wupian.demo.transactions_calendar import DayGrid
from wupian.demo.transactions_catalogue import BANKS, EVERYDAY_CATEGORIES, HABIT_CATEGORIES, PI_COMPANY
from wupian.demo.transactions_payees import Identities, Merchants, account_number, person_name

_EMPLOYERS = ("北京京东世纪贸易有限公司", "北京字节跳动科技有限公司", "中国石化北京分公司", "北京市海淀区教育委员会",
              "北京协和医院", "联想（北京）有限公司", "北京首都机场股份有限公司", "北京银行股份有限公司")


@dataclass(frozen=True)
class Events:
    """Columns of generated non-stream events (amount signed, in fen)."""

    acc: np.ndarray
    day: np.ndarray
    sec: np.ndarray
    fen: np.ndarray
    ident: np.ndarray


def _pool(ids: Identities, merchants: Merchants) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Everyday merchants → (identity row, category index, refund identity row, habit flag)."""
    rows, cats, refunds, habit = [], [], [], []
    for ci, (category, stems, _mu, _sigma) in enumerate(EVERYDAY_CATEGORIES):
        for stem in stems:
            for inst in ("tenpay", "alipay", "pos"):
                code = f"shop{ci:02d}{stems.index(stem):02d}"
                if inst == "pos":
                    mid = merchants.merchant_id(code, "unionpay", stem, category, "")
                    rows.append(ids.add(mid, stem, None, None, f"POS消费 {stem}", "POS"))
                    refunds.append(ids.add(mid, stem, None, None, f"退货退款 {stem}", "POS"))
                else:
                    mid = merchants.merchant_id(code, inst, stem, category, "")
                    via = "财付通" if inst == "tenpay" else "支付宝"
                    rows.append(ids.add(mid, PI_COMPANY[inst], None, None, f"{via}-{stem}", "快捷支付"))
                    refunds.append(ids.add(mid, PI_COMPANY[inst], None, None, f"{via}-退款-{stem}", "快捷支付"))
                cats.append(ci)
                habit.append(category in HABIT_CATEGORIES)
    return np.array(rows), np.array(cats), np.array(refunds), np.array(habit)


def _spend(rng: np.random.Generator, cats: np.ndarray, pool_n: int, count: np.ndarray,
           fav: np.ndarray, n_days: int) -> tuple[np.ndarray, ...]:
    acc = np.repeat(np.arange(count.size), count)
    weights = 1.0 / np.arange(1, fav.shape[1] + 1)
    pick = rng.choice(fav.shape[1], size=acc.size, p=weights / weights.sum())
    shop = fav[acc, pick]
    mu = np.array([c[2] for c in EVERYDAY_CATEGORIES])[cats[shop]]
    sigma = np.array([c[3] for c in EVERYDAY_CATEGORIES])[cats[shop]]
    fen = -np.maximum(100, (np.exp(rng.normal(mu, sigma)) * 100).astype(np.int64))
    day = rng.integers(0, n_days, acc.size)
    sec = rng.integers(7 * 3600, 23 * 3600, acc.size)
    return acc, day, sec, fen, shop


def generate_noise(
    rng: np.random.Generator,
    g: DayGrid,
    n_acc: int,
    ids: Identities,
    merchants: Merchants,
    spend_per_month: float,
) -> Events:
    parts: list[tuple[np.ndarray, ...]] = []
    shop_rows, cats, refund_rows, habit = _pool(ids, merchants)
    pool_n = shop_rows.size
    months = g.n_months
    # Salaries: around the 10th (next working day), near-fixed amounts, for most accounts.
    employed = np.flatnonzero(rng.random(n_acc) < 0.85)
    employer = np.array([ids.add(None, e, account_number(rng), BANKS[i % len(BANKS)], "代发工资", "代发")
                         for i, e in enumerate(_EMPLOYERS)])
    salary = rng.integers(40, 300, n_acc) * 10000
    acc = np.repeat(employed, months)
    m = np.tile(np.arange(months), employed.size)
    day = g.next_workday[g.month_start[m] + 9]
    fen = (salary[acc] * rng.uniform(0.95, 1.1, acc.size)).astype(np.int64)
    parts.append((acc, day, rng.integers(9 * 3600, 11 * 3600, acc.size), fen,
                  employer[acc % employer.size]))
    # Everyday spending at favourite shops.
    activity = rng.lognormal(0.0, 0.5, n_acc)
    count = rng.poisson(spend_per_month * months * activity)
    fav = rng.integers(0, pool_n, (n_acc, 12))
    a, d, s, f, shop = _spend(rng, cats, pool_n, count, fav, g.n_days)
    parts.append((a, d, s, f, shop_rows[shop]))
    # Habit payee: many irregular purchases at one shop, often at the very same price (hard negative).
    habit_shops = np.flatnonzero(habit)
    who = np.flatnonzero(rng.random(n_acc) < 0.25)
    n_habit = rng.poisson(rng.uniform(3, 10, who.size) * months)
    a = np.repeat(who, n_habit)
    shop = habit_shops[rng.integers(0, habit_shops.size, who.size)][np.repeat(np.arange(who.size), n_habit)]
    prices = np.array([990, 1300, 1590, 1990, 2500, 3200])
    fen = -np.where(rng.random(a.size) < 0.6, prices[rng.integers(0, prices.size, who.size)][
        np.repeat(np.arange(who.size), n_habit)], rng.integers(800, 6000, a.size))
    parts.append((a, rng.integers(0, g.n_days, a.size), rng.integers(7 * 3600, 22 * 3600, a.size), fen,
                  shop_rows[shop]))
    # Salary-like irregular transfers to family: every 15–50 days, round varying amounts (hard negative).
    who = np.flatnonzero(rng.random(n_acc) < 0.15)
    gaps = rng.integers(15, 51, (who.size, 30))
    days = np.cumsum(gaps, axis=1) - rng.integers(0, 30, (who.size, 1))
    mask = (days >= 0) & (days < g.n_days)
    a = np.repeat(who, mask.sum(axis=1))
    family = np.array([ids.add(None, person_name(rng), account_number(rng), BANKS[i % len(BANKS)], "转账", "手机银行")
                       for i in range(who.size)], dtype=np.int64)
    fam_of = np.repeat(np.arange(who.size), mask.sum(axis=1))
    parts.append((a, days[mask], rng.integers(8 * 3600, 22 * 3600, a.size),
                  -rng.integers(10, 81, a.size) * 10000, family[fam_of] if who.size else family))
    # ATM cash withdrawals.
    who = np.flatnonzero(rng.random(n_acc) < 0.3)
    n_atm = rng.poisson(1.5 * months, who.size)
    a = np.repeat(who, n_atm)
    atm = ids.add(None, None, None, None, "ATM取款", "ATM")
    parts.append((a, rng.integers(0, g.n_days, a.size), rng.integers(8 * 3600, 22 * 3600, a.size),
                  -rng.integers(2, 31, a.size) * 10000, np.full(a.size, atm)))
    # One-off refunds (credits) at a favourite shop, and transfers in.
    who = np.flatnonzero(rng.random(n_acc) < 0.3)
    pick = fav[who, rng.integers(0, 12, who.size)]
    parts.append((who, rng.integers(0, g.n_days, who.size), rng.integers(9 * 3600, 21 * 3600, who.size),
                  rng.integers(20, 800, who.size) * 100, refund_rows[pick]))
    who = np.flatnonzero(rng.random(n_acc) < 0.2)
    sender = ids.add(None, "转入", None, None, "跨行转入", "网银")
    parts.append((who, rng.integers(0, g.n_days, who.size), rng.integers(8 * 3600, 22 * 3600, who.size),
                  rng.integers(5, 200, who.size) * 10000, np.full(who.size, sender)))
    cols = [np.concatenate([p[i] for p in parts]).astype(np.int64) for i in range(5)]
    return Events(*cols)

"""The loan book as a history of 借据: drawdowns, schedules, prepayments, extensions, defaults and write-offs.

Every loan ever relevant to the 13 month-ends is generated once, with the dates of its life events. A
month-end file is then a vectorised evaluation of that history at the as-of date (``monthly.py``), so the
book evolves consistently: balances amortise, loans mature and settle, a few migrate 关注 → 次级 → 可疑 → 损失
and are written off or transferred.
Loans drawn under a credit line are scaled so that what a customer owes stays within its 单户授信总额.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wupian.demo.columns import add_months, day, holidays, next_workday
from wupian.demo.customers import WAN, Customers
from wupian.demo.segments import SEGMENTS, Segment

HORIZON = day("2026-03-31")
CALIBRATE_AT = day("2025-12-31")
NAT = np.datetime64("NaT", "D")


@dataclass(frozen=True)
class LoanBook:
    """One element per 借据 (parallel arrays); dates are datetime64[D], NaT = never (within the horizon)."""

    segment: np.ndarray  # index into SEGMENTS
    cust: np.ndarray  # index into Customers
    product_type: np.ndarray
    product_name: np.ndarray
    amount_fen: np.ndarray
    drawdown: np.ndarray
    maturity: np.ndarray
    extended_to: np.ndarray
    term_months: np.ndarray
    amortising: np.ndarray
    rate: np.ndarray
    guarantee: np.ndarray
    online: np.ndarray
    settled: np.ndarray  # repaid in full (prepaid or at (extended) maturity)
    default: np.ndarray  # becomes 次级 / overdue
    watch_from: np.ndarray  # 关注 from
    watch_to: np.ndarray  # 关注 until (cured), NaT when it defaults instead
    written_off: np.ndarray
    transferred: np.ndarray
    restructured: np.ndarray
    applied_at: np.ndarray  # datetime64[s], NaT before 2024 (legacy system) and for bills
    approved_at: np.ndarray
    disbursed_at: np.ndarray

    def __len__(self) -> int:
        return int(self.segment.size)

    @property
    def ended(self) -> np.ndarray:
        """The date the loan left the book (settled, written off or transferred), NaT if it has not."""
        out = np.where(np.isnat(self.settled), self.written_off, self.settled)
        return np.where(np.isnat(out), self.transferred, out)

    def business_type(self) -> np.ndarray:
        return np.array([s.business_type for s in SEGMENTS], dtype=object)[self.segment]


_MONTH_WEIGHT = np.array([1.3, 1.05, 1.25, 1.0, 1.0, 1.1, 0.95, 0.95, 1.05, 0.95, 0.95, 1.05])
# Loans outstanding plus those settled earlier in the year make a month-end file ~15% longer than the book.
BOOK_SCALE = 0.87


def _eligible(seg: Segment, cus: Customers) -> tuple[np.ndarray, np.ndarray]:
    ok = np.isin(cus.ctype, seg.types)
    if seg.business_type != "personal" or seg.credit_share is not None:
        ok &= cus.borrower
    if seg.kinds:
        ok &= np.isin(cus.kind, seg.kinds)
    elif seg.key in ("fixed_asset", "trade_finance", "bill_direct", "bill_rediscount"):
        ok &= ~np.isin(cus.kind, ("school", "power"))  # power companies: project loans and working capital only
    else:
        ok &= ~np.isin(cus.kind, ("school",))
    if seg.sizes:
        ok &= np.isin(cus.true_size, seg.sizes) | (cus.ctype != "enterprise")
    if seg.key == "student":
        age = (HORIZON - cus.birth).astype(np.int64) / 365.25
        ok &= (age >= 18) & (age < 30)
    if seg.credit_share is not None:
        ok &= cus.credit_fen > 0
    idx = np.flatnonzero(ok)
    weight = np.ones(idx.size)
    if seg.credit_share is not None:
        weight = np.power(cus.credit_fen[idx] / WAN, 0.2)
    # a customer who joined recently has had less time to borrow: weight by the days available
    window = _window_days(seg)
    start = np.maximum(cus.since[idx], HORIZON - np.timedelta64(int(window), "D"))
    weight = weight * np.maximum((HORIZON - start).astype(np.int64), 1)
    return idx, weight / weight.sum()


def _window_days(seg: Segment) -> float:
    return max(seg.window_years, min(seg.term_months[1] / 12 + 1.2, 20.0)) * 365.25


def _drawdowns(rng: np.random.Generator, lo: np.ndarray, seg: Segment) -> np.ndarray:
    """Growth-weighted dates in [lo, HORIZON] with a first-quarter bump (开门红), per row bounds."""
    span = np.maximum((HORIZON - lo).astype(np.int64), 0).astype(np.float64)
    g = max(seg.growth, 1e-6) / 365.25
    u = rng.random(lo.size)
    offs = np.log1p(u * np.expm1(g * span)) / g
    d = lo + np.floor(offs).astype(np.int64).astype("timedelta64[D]")
    month = d.astype("datetime64[M]").astype(np.int64) % 12
    weight = _MONTH_WEIGHT[month].copy()
    weight[(month < 3) & (d >= day("2026-01-01"))] *= seg.q1_boost
    accept = rng.random(lo.size) * weight.max() < weight
    return next_workday(np.where(accept, d, np.datetime64("NaT", "D")))  # banks lend on working days


def _segment(rng: np.random.Generator, k: int, seg: Segment, cus: Customers, scale: float) -> dict[str, np.ndarray]:
    idx, p = _eligible(seg, cus)
    target = max(int(round(seg.target * scale * BOOK_SCALE)), 3)
    if idx.size == 0:
        return {}
    mean_life_days = (seg.term_months[0] + seg.term_months[1]) / 2 * 30.4 * (1 - seg.prepay / 2)
    window = _window_days(seg)
    pool = int(target * max(window / mean_life_days, 1.0) * 3.2) + 50
    cust = idx[rng.choice(idx.size, size=pool, p=p)]
    lo = np.maximum(cus.since[cust], HORIZON - np.timedelta64(int(window), "D"))
    draw = _drawdowns(rng, lo, seg)
    keep = ~np.isnat(draw)
    cust, draw = cust[keep], draw[keep]
    n = cust.size
    term = rng.integers(seg.term_months[0], seg.term_months[1] + 1, n)
    if seg.key in ("mortgage", "student", "fixed_asset", "green_project"):
        term = (term // 12) * 12  # whole years
    maturity = add_months(draw, term)
    if seg.amount_wan is not None:
        lo_a, hi_a = seg.amount_wan
        amount_wan = np.exp(rng.uniform(np.log(lo_a), np.log(hi_a), n))
    else:
        lo_s, hi_s = seg.credit_share or (0.0, 1.0)
        share = rng.uniform(lo_s, hi_s, n)
        credit_wan = cus.credit_fen[cust] / WAN
        amount_wan = credit_wan * share
        full = rng.random(n) < 0.08  # some draw the whole limit (incl. exactly 1000万 / 500万)
        amount_wan = np.where(full, credit_wan, amount_wan)
    amount_wan = np.minimum(amount_wan, seg.cap_wan)
    unit = 10_000 if seg.key in ("bill_direct", "bill_rediscount", "fixed_asset", "green_project") else 100
    amount_fen = np.maximum(np.round(amount_wan * WAN / (unit * 100)) * unit * 100, 100 * 100).astype(np.int64)
    amort = rng.random(n) < seg.amortising
    age_premium = np.where(draw < day("2024-01-01"), rng.uniform(0.3, 0.9, n), 0.0)
    rate = np.round(rng.uniform(*seg.rate, n) + age_premium, 2)
    g_names = np.array([g for g, _ in seg.guarantees], dtype=object)
    g_p = np.array([w for _, w in seg.guarantees])
    guarantee = g_names[rng.choice(g_names.size, n, p=g_p / g_p.sum())]
    pw = np.array([w for _, _, w in seg.products])
    prod = rng.choice(len(seg.products), n, p=pw / pw.sum())
    # life events ---------------------------------------------------------------------------------------
    life = (maturity - draw).astype(np.int64)
    extended = np.where((rng.random(n) < seg.extend) & ~amort, add_months(maturity, rng.integers(3, 13, n)), NAT)
    natural_end = np.where(np.isnat(extended), maturity, extended)
    prepaid = rng.random(n) < seg.prepay
    prepay_at = draw + (rng.uniform(0.1, 0.9, n) * life).astype(np.int64).astype("timedelta64[D]")
    settled = np.where(prepaid, prepay_at, natural_end)
    defaults = rng.random(n) < seg.default
    default_at = draw + (rng.uniform(0.15, 0.95, n) * life).astype(np.int64).astype("timedelta64[D]")
    default_at = np.where(defaults & (default_at < settled), default_at, NAT)
    settled = np.where(np.isnat(default_at), settled, NAT)
    fate = rng.random(n)
    written_off = np.where(~np.isnat(default_at) & (fate < 0.55),
                           default_at + rng.integers(380, 520, n).astype("timedelta64[D]"), NAT)
    transferred = np.where(~np.isnat(default_at) & (fate >= 0.55) & (fate < 0.65),
                           default_at + rng.integers(250, 400, n).astype("timedelta64[D]"), NAT)
    watch_only = (rng.random(n) < 0.02) & np.isnat(default_at)
    watch_from = np.where(watch_only, draw + (rng.uniform(0.2, 0.8, n) * life).astype(np.int64)
                          .astype("timedelta64[D]"), default_at - np.timedelta64(90, "D"))
    watch_to = np.where(watch_only, watch_from + rng.integers(90, 270, n).astype("timedelta64[D]"), NAT)
    watch_from = np.where(watch_only | ~np.isnat(default_at), np.maximum(watch_from, draw), NAT)
    applied, approved, disbursed = _timeline(rng, seg, draw, rng.random(n) < seg.online)
    out = {
        "applied_at": applied, "approved_at": approved, "disbursed_at": disbursed,
        "segment": np.full(n, k, dtype=np.int64), "cust": cust,
        "product_type": np.array([seg.products[i][0] for i in prod], dtype=object),
        "product_name": np.array([seg.products[i][1] for i in prod], dtype=object),
        "amount_fen": amount_fen, "drawdown": draw, "maturity": maturity, "extended_to": extended,
        "term_months": term, "amortising": amort, "rate": rate, "guarantee": guarantee,
        "online": rng.random(n) < seg.online, "settled": settled, "default": default_at,
        "watch_from": watch_from, "watch_to": watch_to, "written_off": written_off, "transferred": transferred,
        "restructured": (rng.random(n) < 0.003) & (seg.business_type == "corporate"),
    }
    # calibrate: keep a random subset so that ``target`` loans are outstanding at CALIBRATE_AT
    ended = np.where(np.isnat(settled), np.where(np.isnat(written_off), transferred, written_off), settled)
    alive = (draw <= CALIBRATE_AT) & (np.isnat(ended) | (ended > CALIBRATE_AT))
    keep_p = min(1.0, target / max(int(alive.sum()), 1))
    keep = rng.random(n) < keep_p
    return {key: val[keep] for key, val in out.items()}


_MEAN_WORKING_DAYS = {"personal_business": (7.0, 4.8), "working_capital": (7.0, 4.0), "mortgage": (12.0, 9.0),
                      "car": (5.0, 3.0), "consumer": (2.0, 1.0), "fixed_asset": (25.0, 20.0),
                      "trade_finance": (5.0, 4.0), "green_project": (30.0, 20.0)}


def _timeline(rng: np.random.Generator, seg: Segment, draw: np.ndarray, online: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Application, approval and disbursement times; processing gets faster through 2025 (流程优化)."""
    n = draw.size
    sec = np.timedelta64(1, "s")
    disbursed = draw.astype("datetime64[s]") + (rng.integers(9 * 3600, 17 * 3600, n)) * sec
    nat = np.full(n, np.datetime64("NaT", "s"))
    if seg.key not in _MEAN_WORKING_DAYS:
        return nat, nat, disbursed
    early, late = _MEAN_WORKING_DAYS[seg.key]
    progress = np.clip((draw - day("2025-01-01")).astype(np.int64) / 455.0, 0.0, 1.0)
    mean = early + (late - early) * progress
    wd = np.maximum(np.round(rng.gamma(3.0, mean / 3.0)), 1).astype(np.int64)
    applied_day = np.busday_offset(draw, -wd, roll="backward", holidays=holidays())
    applied = applied_day.astype("datetime64[s]") + rng.integers(9 * 3600, 16 * 3600, n) * sec
    quick = online & (seg.key in ("consumer", "personal_business"))  # online credit: minutes, not days
    applied = np.where(quick, disbursed - rng.integers(3 * 60, 90 * 60, n) * sec, applied)
    span = (disbursed - applied).astype(np.int64)
    approved = applied + (span * rng.uniform(0.5, 0.95, n)).astype(np.int64) * sec
    legacy = draw < day("2024-01-01")
    return np.where(legacy, nat, applied), np.where(legacy, nat, approved), disbursed


_UNIT_FEN = np.array([(10_000 if s.key in ("bill_direct", "bill_rediscount", "fixed_asset", "green_project") else 100)
                      * 100 for s in SEGMENTS], dtype=np.int64)
_CREDIT_BASED = np.array([s.credit_share is not None for s in SEGMENTS])
UTILISATION = 0.9  # loans drawn under a credit line stay within this share of the customer's 单户授信总额


_CHECK_DATES = tuple(day(d) for d in ("2025-03-31", "2025-06-30", "2025-09-30", "2025-12-31", "2026-03-31"))


def _within_limits(merged: dict[str, np.ndarray], cus: Customers) -> None:
    """Scale down a customer's loans drawn under its credit line so that what it owes at every quarter-end of the
    demo period stays within its 单户授信总额 (concurrent loans would otherwise add up to a multiple of it)."""
    seg, cust, amount = merged["segment"], merged["cust"], merged["amount_fen"]
    ended = np.where(np.isnat(merged["settled"]), merged["written_off"], merged["settled"])
    ended = np.where(np.isnat(ended), merged["transferred"], ended)
    based = _CREDIT_BASED[seg]
    limit = np.maximum(cus.credit_fen, 0) * UTILISATION
    per_customer = np.ones(len(cus))
    for at in _CHECK_DATES:
        alive = based & (merged["drawdown"] <= at) & (np.isnat(ended) | (ended > at))
        owed = np.bincount(cust[alive], weights=amount[alive].astype(np.float64), minlength=len(cus))
        per_customer = np.minimum(per_customer, np.where(owed > limit, limit / np.maximum(owed, 1.0), 1.0))
    ratio = per_customer[cust]
    unit = _UNIT_FEN[seg]
    fitted = np.maximum(np.floor(amount * ratio / unit) * unit, unit).astype(np.int64)
    merged["amount_fen"] = np.where(based & (ratio < 1.0), fitted, amount)


def build_book(rng: np.random.Generator, cus: Customers, scale: float) -> LoanBook:
    parts = [_segment(rng, k, seg, cus, scale) for k, seg in enumerate(SEGMENTS)]
    parts = [p for p in parts if p]
    merged = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    _within_limits(merged, cus)
    order = np.lexsort((merged["cust"], merged["drawdown"]))  # loan numbers follow drawdown dates
    return LoanBook(**{key: val[order] for key, val in merged.items()})

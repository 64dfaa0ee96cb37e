"""Planting recurring debit streams (the ground truth) for the demo bank, vectorised over accounts.

Each stream gets a cadence, an anchor (day of month, month-end, or weekday), an amount pattern and optional
twists — a price change, a skipped period, a stop well before the end (status ``ended``), a late start
(status ``early``), a second stream to the same payee at a different amount — and its debits are shifted to
the next working day (Chinese calendar) when the biller does so, or jittered by a few days when paid by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wupian.demo.transactions_calendar import DayGrid
from wupian.demo.transactions_catalogue import KINDS, SEASON, StreamKind

CADENCE_DAYS = {
    "weekly": 7.0, "biweekly": 14.0, "semimonthly": 365.25 / 24, "monthly": 365.25 / 12,
    "bimonthly": 365.25 / 6, "quarterly": 365.25 / 4, "semiannual": 365.25 / 2, "annual": 365.25,
}
MONTH_STEP = {"monthly": 1, "bimonthly": 2, "quarterly": 3, "semiannual": 6, "annual": 12}
MIN_N = {"weekly": 4, "biweekly": 3, "semimonthly": 4, "monthly": 3, "bimonthly": 3, "quarterly": 3,
         "semiannual": 2, "annual": 2}
CONFIRM_N = {"weekly": 6, "biweekly": 4, "semimonthly": 5, "monthly": 4, "bimonthly": 3, "quarterly": 3,
             "semiannual": 2, "annual": 2}


@dataclass(frozen=True)
class Streams:
    """Per-stream columns (index = stream number) and per-debit columns (``occ_*``)."""

    acc: np.ndarray
    kind: np.ndarray  # index into KINDS
    biller: np.ndarray  # index into the kind's billers (or -1 for person payees)
    inst: np.ndarray  # payment institution code per stream (object array of str)
    cadence: np.ndarray  # object array of str
    pattern: np.ndarray  # object array of str
    base_fen: np.ndarray
    has_mandate: np.ndarray
    mandate_on_txn: np.ndarray
    twin_of: np.ndarray  # stream index of the other stream to the same payee, or -1
    status: np.ndarray  # object: active | ended | early
    skipped: np.ndarray  # periods skipped (0/1)
    price_change: np.ndarray  # bool
    occ_stream: np.ndarray
    occ_day: np.ndarray
    occ_sec: np.ndarray
    occ_fen: np.ndarray  # positive amount in fen (the debit is its negative)


def _pick(rng: np.random.Generator, options: tuple[tuple[str, float], ...], n: int) -> np.ndarray:
    names = np.array([o[0] for o in options], dtype=object)
    probs = np.array([o[1] for o in options], dtype=float)
    return names[rng.choice(len(names), size=n, p=probs / probs.sum())]


def _amounts(rng: np.random.Generator, k: StreamKind, n: int) -> np.ndarray:
    if k.amounts:
        return np.array(k.amounts, dtype=np.int64)[rng.integers(0, len(k.amounts), n)] * 100
    lo, hi = k.amount_range
    return rng.integers(lo, hi + 1, n).astype(np.int64) * 100


def _plan(rng: np.random.Generator, n_acc: int) -> dict[str, np.ndarray]:
    cols: dict[str, list[np.ndarray]] = {c: [] for c in (
        "acc", "kind", "biller", "inst", "cadence", "base_fen", "pattern", "mandate", "twin", "month_end")}
    for ki, k in enumerate(KINDS):
        acc = np.flatnonzero(rng.random(n_acc) < k.share)
        n = acc.size
        cadence = _pick(rng, k.cadences, n)
        base = _amounts(rng, k, n)
        if k.kind == "insurance":  # premiums scale with the period
            base = base * np.where(cadence == "quarterly", 3, np.where(cadence == "annual", 10, 1))
        pattern = np.full(n, k.pattern, dtype=object)
        if k.kind == "loan":  # equal principal (等额本金) repayments drift down slowly
            pattern[rng.random(n) < 0.4] = "near_fixed"
        biller = rng.integers(0, max(1, len(k.billers)), n) if k.billers else np.full(n, -1)
        inst = _pick(rng, k.institutions, n)
        if k.kind == "phone":  # some carriers' top-ups show only a summary ("支付宝 移动话费")
            inst[rng.random(n) < 0.3] = "summary_only"
        cols["acc"].append(acc)
        cols["kind"].append(np.full(n, ki))
        cols["biller"].append(biller)
        cols["inst"].append(inst)
        cols["cadence"].append(cadence)
        cols["base_fen"].append(base)
        cols["pattern"].append(pattern)
        cols["mandate"].append(rng.random(n) < k.mandate_share)
        cols["twin"].append(np.full(n, -1))
        cols["month_end"].append(rng.random(n) < k.month_end_share)
        if k.kind == "phone":  # a second number paid to the same carrier at a clearly different amount
            twin_rows = np.flatnonzero(rng.random(n) < 0.06)
            cols["acc"].append(acc[twin_rows])
            cols["kind"].append(np.full(twin_rows.size, ki))
            cols["biller"].append(biller[twin_rows])
            cols["inst"].append(inst[twin_rows])
            cols["cadence"].append(cadence[twin_rows])
            main = base[twin_rows]
            cols["base_fen"].append(np.where(main <= 5000, main * 3, main // 4).astype(np.int64))
            cols["pattern"].append(pattern[twin_rows])
            cols["mandate"].append(np.zeros(twin_rows.size, dtype=bool))
            cols["twin"].append(twin_rows)  # provisional: index within this kind, fixed below
            cols["month_end"].append(np.zeros(twin_rows.size, dtype=bool))
    out = {c: np.concatenate(v) for c, v in cols.items()}
    # Resolve twin indices: each twin block follows its kind's main block.
    twin = out["twin"]
    offset = 0
    block_starts: list[int] = []
    for arr in cols["acc"]:
        block_starts.append(offset)
        offset += arr.size
    fixed = np.full(twin.size, -1)
    for b in range(len(cols["acc"])):
        block = cols["twin"][b]
        if b > 0 and (block >= 0).any():
            main_start = block_starts[b - 1]
            fixed[block_starts[b]: block_starts[b] + block.size] = main_start + block
    out["twin"] = fixed
    return out


def _nominal(rng: np.random.Generator, g: DayGrid, cad: np.ndarray, month_end: np.ndarray) -> tuple:
    """Nominal debit days per (stream, k): returns (stream index, k, day offset)."""
    n = cad.size
    period = np.array([CADENCE_DAYS[c] for c in cad])
    kmax = (np.ceil(g.n_days / period) + 2).astype(np.int64)
    s = np.repeat(np.arange(n), kmax)
    k = np.arange(kmax.sum()) - np.repeat(np.cumsum(kmax) - kmax, kmax)
    dom = rng.integers(1, 29, n)
    step = np.array([MONTH_STEP.get(c, 0) for c in cad])
    m0 = np.zeros(n, dtype=np.int64)
    m0 = np.where(step == 2, rng.integers(0, 2, n), m0)
    m0 = np.where(step == 3, rng.integers(0, 3, n), m0)
    m0 = np.where(step == 6, rng.integers(0, 7, n), m0)
    dom = np.where(step == 12, rng.integers(1, 26, n), dom)
    d0 = rng.integers(0, 14, n)
    cs = cad[s]
    day = np.zeros(s.size, dtype=np.int64)
    monthly = step[s] > 0
    mi = np.minimum(m0[s] + k * step[s], g.month_start.size - 1)
    last = g.month_len[mi]
    dd = np.where(month_end[s], last, np.minimum(dom[s], last))
    day = np.where(monthly, g.month_start[mi] + dd - 1, day)
    semi = cs == "semimonthly"
    mi2 = np.minimum(k // 2, g.month_start.size - 1)
    d1 = np.minimum(dom[s], 13)
    day = np.where(semi, g.month_start[mi2] + np.where(k % 2 == 0, d1, d1 + 15) - 1, day)
    weekly = (cs == "weekly") | (cs == "biweekly")
    day = np.where(weekly, (d0[s] % period[s].astype(np.int64)) + k * period[s].astype(np.int64), day)
    return s, k, day


def plant_streams(rng: np.random.Generator, g: DayGrid, n_acc: int) -> Streams:
    p = _plan(rng, n_acc)
    n = p["acc"].size
    cad = p["cadence"]
    kinds = [KINDS[i] for i in p["kind"]]
    s, _k, day = _nominal(rng, g, cad, p["month_end"])
    jitter = np.array([kd.jitter for kd in kinds])[s]
    day = day + np.where(jitter > 0, rng.integers(-3, 4, s.size) % (2 * jitter + 1) - jitter, 0)
    bound = np.array([kd.workday_bound for kd in kinds])
    in_grid = (day >= 0) & (day < g.next_workday.size)
    day = np.where(in_grid & bound[s], g.next_workday[np.clip(day, 0, g.next_workday.size - 1)], day)
    keep = (day >= 0) & (day < g.n_days)
    # Twists per stream.
    period = np.array([CADENCE_DAYS[c] for c in cad])
    short = np.isin(cad, ["weekly", "biweekly", "semimonthly", "monthly", "bimonthly", "quarterly"])
    ends = short & (rng.random(n) < 0.08) & (p["twin"] < 0)
    late = np.isin(cad, ["weekly", "biweekly", "monthly"]) & (rng.random(n) < 0.06) & ~ends & (p["twin"] < 0)
    stop_day = g.n_days - 1 - (3 + rng.integers(0, 4, n)) * period
    keep &= ~(ends[s] & (day > stop_day[s]))
    s, day = s[keep], day[keep]
    # Rank within stream (days are ordered within a stream).
    count = np.bincount(s, minlength=n)
    rank = np.arange(s.size) - np.repeat(np.cumsum(count) - count, count)
    confirm = np.array([CONFIRM_N[c] for c in cad])
    keep = ~(late[s] & (rank < count[s] - (confirm[s] - 1)))
    skip = (rng.random(n) < 0.06) & ~late
    skip_rank = 2 + rng.integers(0, 1000, n) % np.maximum(count - 4, 1)
    skip &= count >= 7
    keep &= ~(skip[s] & (rank == skip_rank[s]))
    s, day = s[keep], day[keep]
    count = np.bincount(s, minlength=n)
    min_n = np.array([MIN_N[c] for c in cad])
    alive = count >= min_n
    keep = alive[s]
    s, day = s[keep], day[keep]
    count = np.bincount(s, minlength=n)
    rank = np.arange(s.size) - np.repeat(np.cumsum(count) - count, count)
    # Amounts.
    base = p["base_fen"]
    pattern = p["pattern"]
    change_share = np.array([kd.price_change_share for kd in kinds])
    change = (rng.random(n) < change_share) & (count >= 6) & (pattern == "fixed")
    change_rank = count // 2 + rng.integers(-1, 2, n)
    new_base = base + np.maximum(500, (base * 0.2).astype(np.int64) // 100 * 100)
    fen = np.where(change[s] & (rank >= change_rank[s]), new_base[s], base[s]).astype(np.int64)
    near = pattern[s] == "near_fixed"
    fen = np.where(near, (base[s] * (1.0 - 0.003 * rank)).astype(np.int64), fen)
    variable = pattern[s] == "variable"
    if variable.any():
        month_of = (g.start.month - 1 + np.searchsorted(g.month_start, day, side="right") - 1) % 12
        kind_name = np.array([kd.kind for kd in kinds], dtype=object)[s]
        season = np.ones(s.size)
        for name, factors in SEASON.items():
            sel = kind_name == name
            season[sel] = np.array(factors)[month_of[sel]]
        noise = rng.lognormal(0.0, 0.15, s.size)
        fen = np.where(variable, np.maximum(500, (base[s] * season * noise).astype(np.int64)), fen)
    lo = np.array([kd.hours[0] for kd in kinds])[s]
    hi = np.array([kd.hours[1] for kd in kinds])[s]
    sec = (lo * 3600 + rng.integers(0, 3600, s.size) * np.maximum(hi - lo, 1)).astype(np.int64)
    status = np.where(ends, "ended", np.where(late, "early", "active")).astype(object)
    mandate = p["mandate"] & alive
    return Streams(
        acc=p["acc"], kind=p["kind"], biller=p["biller"], inst=p["inst"], cadence=cad, pattern=pattern,
        base_fen=base, has_mandate=mandate, mandate_on_txn=mandate & (rng.random(n) < 0.6),
        twin_of=np.where(alive, p["twin"], -1), status=np.where(alive, status, "dropped").astype(object),
        skipped=(skip & alive).astype(np.int64), price_change=change & alive,
        occ_stream=s, occ_day=day, occ_sec=sec % 86400, occ_fen=fen,
    )

"""Demo counter-screening data: a year of large payout requests with planted, labelled fraud stories.

Writes ``screening/`` (an events folder): transactions.csv (each screened account's own history, ``S…`` ids),
screening_requests.csv, teller_observations.csv, watchlist.csv, fraud_labels.csv and screening_truth.csv (the
planted story of every request: the ground truth ``bench/screening.py`` measures against).

Planted typologies (spec/screening.md, signs drawn from reported counter cases): fake_investment,
impersonate_authority, task_scam, romance, mule (young card, night fan-in from many provinces, cash-out minutes
after strangers' credits), cash_handover (older customer, stranger, cash for a "专人"). Ordinary large requests
that must stay quiet: payroll cash, house down payments, New Year cash of older customers (often with family),
shops with many small QR receipts, car purchases, transfers to known family. Teller observations are noisy: a
victim's signs are ticked with probability < 1 and honest customers get a stray tick now and then.
"""

from __future__ import annotations

import csv
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np

from wupian.demo.customers import Customers
from wupian.demo.services import Accounts

PROVINCES = ("11", "13", "32", "33", "35", "36", "37", "41", "43", "44", "45", "46", "50", "51", "52", "53")
HOME = "42"  # the demo bank's customers live in Hubei (the counterparty region of local payers)
TYPOLOGIES = ("fake_investment", "impersonate_authority", "task_scam", "romance", "mule", "cash_handover")
ORDINARY = ("payroll_cash", "house_down_payment", "new_year_cash", "qr_shop", "car_purchase", "family_transfer",
            "term_redemption")
TXN_HEADER = ("txn_id", "account_id", "booked_at", "amount", "kind", "counterparty_name", "counterparty_account",
              "counterparty_region", "summary")
REQ_HEADER = ("request_id", "requested_at", "branch_id", "customer_id", "account_id", "request_type", "amount",
              "channel", "teller_id", "payee_name", "payee_account", "payee_bank", "payee_type", "stated_purpose",
              "appointment_purpose", "accompanied_by", "outcome")


@dataclass
class _Out:
    txns: list[tuple[object, ...]] = field(default_factory=list)
    reqs: list[dict[str, object]] = field(default_factory=list)
    obs: list[tuple[str, str, str]] = field(default_factory=list)
    labels: list[tuple[object, ...]] = field(default_factory=list)
    watch: list[tuple[object, ...]] = field(default_factory=list)
    truth: list[tuple[object, ...]] = field(default_factory=list)
    n: int = 0

    def txn(self, acct: str, at: datetime, amount: float, kind: str, cp: str = "", cp_acct: str = "",
            region: str = "", summary: str = "") -> None:
        self.n += 1
        self.txns.append((f"S{self.n:09d}", acct, at.isoformat(sep=" "), f"{amount:.2f}", kind, cp, cp_acct,
                          region, summary))


@dataclass(frozen=True)
class ScreeningFiles:
    folder: Path
    requests: int
    planted: int


def _yuan(rng: np.random.Generator, lo: float, hi: float, step: int = 100) -> float:
    return float(round(rng.uniform(lo, hi) / step) * step)


def _card(rng: np.random.Generator, prefix: str = "62") -> str:
    return prefix + "".join(str(d) for d in rng.integers(0, 10, 17 - len(prefix) + 2))


def _history(o: _Out, rng: np.random.Generator, acct: str, opened: date, at: datetime, *, income: float,
             payer: str, cash_habit: float = 0.0, months: int = 13) -> None:
    """Monthly income from one stable payer, a few purchases, optional habitual cash — strictly before ``at``."""
    start = max(opened + timedelta(days=3), (at - timedelta(days=30 * months)).date())
    d = start.replace(day=min(start.day, 28))
    payer_acct = "4200" + str(zlib.crc32(payer.encode("utf-8"))).zfill(12)
    while True:
        when = datetime(d.year, d.month, min(10, 28), 9, 0)
        if when >= at:
            break
        if when.date() >= start:
            o.txn(acct, when, income * rng.uniform(0.97, 1.03), "transfer_in", payer, payer_acct, HOME + "0100",
                  "工资" if "公司" in payer else "养老金")
            for _ in range(int(rng.integers(1, 4))):
                spend = when + timedelta(days=int(rng.integers(1, 18)), hours=int(rng.integers(1, 10)))
                if spend < at:
                    o.txn(acct, spend, -_yuan(rng, 50, 1500, 1), "transfer_out", "某超市", "4200000000000555",
                          HOME + "0100", "消费")
            if cash_habit and rng.random() < 0.5:
                cash_at = when + timedelta(days=int(rng.integers(2, 15)), hours=2)
                if cash_at < at:
                    o.txn(acct, cash_at, -cash_habit * rng.uniform(0.7, 1.1), "cash_withdrawal", summary="取现")
        d = (d.replace(day=1) + timedelta(days=32)).replace(day=min(start.day, 28))


def _tick(o: _Out, rng: np.random.Generator, rid: str, probs: dict[str, float]) -> None:
    for code, p in probs.items():
        if rng.random() < p:
            o.obs.append((rid, code, ""))


def _noise(o: _Out, rng: np.random.Generator, rid: str) -> None:
    """Honest customers: a stray tick on 6% (hurried/anxious), two on 1%."""
    r = rng.random()
    if r < 0.06:
        o.obs.append((rid, str(rng.choice(["hurried", "anxious", "hurried", "evasive"])), "柜员误勾或客户赶时间"))
    if r < 0.01:
        o.obs.append((rid, "purpose_inconsistent", ""))


class Gen:
    """The generator's state and helpers shared by the story planters (``screening_stories.py``)."""

    def __init__(self, cus: Customers, acc: Accounts, *, seed: int, end: date) -> None:
        self.rng = np.random.default_rng([seed, 11])
        self.cus, self.acc, self.end, self.o = cus, acc, end, _Out()
        last = np.datetime64(end.isoformat(), "D")
        open_ok = (acc.account_type == "personal_debit") & (acc.opened <= last) & np.isnat(acc.closed)
        cand = np.flatnonzero(open_ok & ~np.isnat(cus.birth)[acc.cust])
        self.cand = cand
        ages = (last - cus.birth[acc.cust[cand]]).astype(np.int64) / 365.25
        self.age_at = dict(zip(cand.tolist(), ages.tolist(), strict=True))
        self.ages = ages
        self.is_young = acc.opened[cand] >= last - np.timedelta64(330, "D")
        self.used: set[int] = set()
        self.first = end - timedelta(days=360)

    def pick(self, lo: float, hi: float, *, young: bool = False, fresh: bool = True) -> int:
        """An account of a customer aged lo..hi (at the demo's end); fresh = not used by another story."""
        mask = (self.ages >= lo) & (self.ages < hi)
        if young:
            mask &= self.is_young
        pool = self.cand[mask] if mask.any() else self.cand
        a = int(self.rng.choice(pool))
        for _ in range(30):
            if not fresh or a not in self.used:
                break
            a = int(self.rng.choice(pool))
        self.used.add(a)
        return a

    def opened(self, a: int) -> date:
        return date.fromisoformat(str(self.acc.opened[a]))

    def when(self, a: int, *, days_after_open: int = 20, latest: int | None = None) -> datetime:
        """A working-hours request time after the account opened (within ``latest`` days of opening if given)."""
        lo = max(self.first, self.opened(a) + timedelta(days=days_after_open))
        hi = self.end if latest is None else min(self.end, self.opened(a) + timedelta(days=latest))
        d = lo + timedelta(days=int(self.rng.integers(0, max((hi - lo).days, 1))))
        if d.weekday() == 6:
            d -= timedelta(days=1)
        return datetime(d.year, d.month, d.day, int(self.rng.integers(9, 16)), int(self.rng.integers(0, 60)))

    def age(self, a: int, at: datetime) -> float:
        return self.age_at[a] - (self.end - at.date()).days / 365.25

    def request(self, a: int, at: datetime, rtype: str, amount: float, story: str, label: str,
                **extra: object) -> str:
        rid = f"SR{len(self.o.reqs) + 1:07d}"
        row: dict[str, object] = {k: "" for k in REQ_HEADER}
        row.update(request_id=rid, requested_at=at.isoformat(sep=" "), branch_id=str(self.acc.branch_id[a]),
                   customer_id=str(self.cus.customer_id[self.acc.cust[a]]), account_id=str(self.acc.account_id[a]),
                   request_type=rtype, amount=f"{amount:.2f}", channel="counter",
                   teller_id=f"T{int(self.rng.integers(1, 60)):03d}")
        row.update({k: v for k, v in extra.items() if v is not None})
        self.o.reqs.append(row)
        self.o.truth.append((rid, story, label, f"{self.age(a, at):.0f}"))
        return rid

    def history(self, a: int, at: datetime, *, income: float, payer: str, cash_habit: float = 0.0) -> None:
        _history(self.o, self.rng, str(self.acc.account_id[a]), self.opened(a), at, income=income, payer=payer,
                 cash_habit=cash_habit)

    def tick(self, rid: str, probs: dict[str, float]) -> None:
        _tick(self.o, self.rng, rid, probs)

    def noise(self, rid: str) -> None:
        _noise(self.o, self.rng, rid)

    def yuan(self, lo: float, hi: float, step: int = 100) -> float:
        return _yuan(self.rng, lo, hi, step)

    def card(self, prefix: str = "62") -> str:
        return _card(self.rng, prefix)


def write_screening(folder: Path, cus: Customers, acc: Accounts, *, seed: int, scale: float,
                    end: date) -> ScreeningFiles:
    """Generate the screening folder (pure function of seed and scale)."""
    from wupian.demo.screening_stories import plant_frauds, plant_ordinary

    folder.mkdir(parents=True, exist_ok=True)
    g = Gen(cus, acc, seed=seed, end=end)
    plant_frauds(g, max(2, round(12 * scale)))
    plant_ordinary(g, max(300, round(6000 * scale)))
    _write(folder, g.o)
    planted = sum(1 for t in g.o.truth if t[2] in ("victim", "mule"))
    return ScreeningFiles(folder, len(g.o.reqs), planted)


def _write(folder: Path, o: _Out) -> None:
    def put(name: str, header: tuple[str, ...], rows: list[tuple[object, ...]]) -> None:
        with (folder / name).open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows)

    o.txns.sort(key=lambda t: (str(t[1]), str(t[2])))
    put("transactions.csv", TXN_HEADER, o.txns)
    put("screening_requests.csv", REQ_HEADER, [tuple(r[k] for k in REQ_HEADER) for r in o.reqs])
    put("teller_observations.csv", ("request_id", "code", "note"), sorted(set(o.obs)))
    put("watchlist.csv", ("list", "account_no", "id_code", "name", "valid_from", "valid_to", "source"), o.watch)
    put("fraud_labels.csv", ("key_type", "key", "label", "typology", "amount_lost", "confirmed_at", "source"),
        o.labels)
    put("screening_truth.csv", ("request_id", "story", "label", "age"), o.truth)

"""Accounts, service activations, business processes and service activities of the demo bank.

Accounts grow through the year (e-CNY wallets, social security cards, personal pension accounts, third-party
custody); 医保码一码付 is switched on for every 三级/二级 医保定点 institution and most 一级 ones; 支付即开票
for gas stations, a few of which actually invoice. Corporate account opening gets faster (about 60 → 20
minutes) and 普惠 loans are handled in about 3 working days by the end. Event-like tables (processes,
activities) hold the current calendar year up to the as-of date in each month-end folder.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from wupian.demo.branches import BranchTree
from wupian.demo.columns import (
    dates,
    day,
    holidays,
    ints,
    next_workday,
    ordered,
    text,
    timestamps,
    uniform_days,
    year_start,
)
from wupian.demo.customers import Customers
from wupian.demo.loanbook import LoanBook
from wupian.demo.segments import SEGMENTS

NAT = np.datetime64("NaT", "D")
# (account_type, customer types, share of them holding one, share opened inside the 13 months, id prefix)
ACCOUNT_PLAN = (
    ("corporate_settlement", ("enterprise", "other_org", "sole_proprietor"), 0.92, 0.08, "0409"),
    ("personal_debit", ("individual", "farmer", "small_business_owner", "sole_proprietor"), 0.97, 0.05, "6222"),
    ("ecny_wallet_personal", ("individual", "farmer", "small_business_owner", "sole_proprietor"), 0.45, 0.35, "0021"),
    ("ecny_wallet_corporate", ("enterprise", "other_org"), 0.3, 0.4, "0022"),
    ("social_security_card", ("individual", "farmer", "small_business_owner"), 0.5, 0.07, "6217"),
    ("third_party_custody", ("individual", "small_business_owner"), 0.09, 0.3, "7001"),
    ("personal_pension", ("individual", "small_business_owner"), 0.07, 0.5, "6288"),
    ("enterprise_annuity", ("other_org", "enterprise"), 0.06, 0.1, "8801"),
)


@dataclass(frozen=True)
class Accounts:
    account_id: np.ndarray
    cust: np.ndarray
    account_type: np.ndarray
    opened: np.ndarray
    closed: np.ndarray
    branch_id: np.ndarray
    online: np.ndarray


def build_accounts(rng: np.random.Generator, cus: Customers) -> Accounts:
    parts = []
    window = day("2025-03-01")
    for k, (atype, types, share, recent, prefix) in enumerate(ACCOUNT_PLAN):
        pool = np.flatnonzero(np.isin(cus.ctype, types))
        if atype == "enterprise_annuity":
            pool = pool[np.isin(cus.true_size[pool], ["large", "medium", ""])]
        holders = pool[rng.random(pool.size) < share]
        n = holders.size
        since = cus.since[holders]
        late = rng.random(n) < recent
        lo = np.where(late, np.maximum(since, window), since)
        span = np.maximum((day("2026-03-31") - lo).astype(np.int64), 0)
        opened = lo + (rng.random(n) * (span + 1)).astype(np.int64).astype("timedelta64[D]")
        if not late.all():  # older accounts: opened when the relationship started (or soon after)
            early = ~late
            opened[early] = np.minimum(since[early] + rng.integers(0, 60, int(early.sum())).astype("timedelta64[D]"),
                                       opened[early])
        opened = next_workday(opened)
        closed = np.where(rng.random(n) < 0.03, opened + rng.integers(30, 900, n).astype("timedelta64[D]"), NAT)
        closed = np.where(closed <= day("2026-03-31"), closed, NAT)
        width = 19 - len(prefix)
        ids = np.array([f"{prefix}{(k * 7_919_111 + int(i) * 104_729 + 1) % 10**width:0{width}d}"
                        for i in holders.tolist()], dtype=object)
        parts.append((ids, holders, np.full(n, atype, dtype=object), opened, closed,
                      cus.branch_id[holders], rng.random(n) < (0.7 if atype.startswith("ecny") else 0.2)))
    cols = [np.concatenate(c) for c in zip(*parts, strict=True)]
    return Accounts(*cols)


def accounts_table(acc: Accounts, cus: Customers, as_of: np.datetime64) -> pa.Table:
    rows = np.flatnonzero(acc.opened <= as_of)
    closed = acc.closed[rows]
    data = {
        "account_id": text(acc.account_id[rows]), "customer_id": text(cus.customer_id[acc.cust[rows]]),
        "account_type": text(acc.account_type[rows]), "opened_at": dates(acc.opened[rows]),
        "closed_at": dates(np.where(closed <= as_of, closed, NAT)), "branch_id": text(acc.branch_id[rows]),
        "channel": text(np.where(acc.online[rows], "online", "offline").astype(object)),
    }
    return ordered("accounts", data)


def build_activations(rng: np.random.Generator, reg: dict[str, np.ndarray], cus: Customers) -> dict[str, np.ndarray]:
    mi = np.flatnonzero(reg["registry"] == "medical_insurance_institution")
    grade = reg["attribute"][mi]
    on = (grade != "一级") | (rng.random(mi.size) < 0.75)
    mi = mi[on]
    act = uniform_days(rng, day("2024-09-01"), day("2026-03-20"), mi.size)
    gas = np.flatnonzero(reg["registry"] == "gas_station")
    gas = gas[rng.random(gas.size) < 0.8]
    g_act = uniform_days(rng, day("2025-03-01"), day("2026-03-20"), gas.size)
    usage = np.zeros(gas.size, dtype=np.int64)
    users = rng.random(gas.size) < 0.21
    usage[users] = rng.integers(1, 7, int(users.sum()))
    cust_of = dict(zip(cus.id_code.tolist(), cus.customer_id.tolist(), strict=True))
    g_ids = reg["id_code"][gas]
    g_cust = np.array([cust_of.get(i, "") for i in g_ids.tolist()], dtype=object)
    return {
        "service": np.concatenate([np.full(mi.size, "medical_insurance_code", dtype=object),
                                   np.full(gas.size, "pay_and_invoice", dtype=object)]),
        "id_code": np.concatenate([reg["id_code"][mi], np.where(g_cust == "", g_ids, "")]),
        "customer_id": np.concatenate([np.full(mi.size, "", dtype=object), g_cust]),
        "activated_at": np.concatenate([act, g_act]),
        "usage_count": np.concatenate([rng.integers(50, 20_000, mi.size), usage]),
    }


def activations_table(act: dict[str, np.ndarray], as_of: np.datetime64) -> pa.Table:
    rows = np.flatnonzero(act["activated_at"] <= as_of)
    data = {
        "service": text(act["service"][rows]), "id_code": text(act["id_code"][rows]),
        "customer_id": text(act["customer_id"][rows]), "activated_at": dates(act["activated_at"][rows]),
        "deactivated_at": dates(np.full(rows.size, NAT)), "usage_count": ints(act["usage_count"][rows]),
    }
    return ordered("service_activations", data)


def build_processes(rng: np.random.Generator, book: LoanBook, cus: Customers, acc: Accounts) -> dict[str, np.ndarray]:
    keys = np.array([s.key for s in SEGMENTS], dtype=object)[book.segment]
    small = np.isin(cus.true_size[book.cust], ["small", "micro"]) | (cus.ctype[book.cust] != "enterprise")
    incl = np.flatnonzero(((keys == "personal_business") | ((keys == "working_capital") & small))
                          & ~np.isnat(book.applied_at) & (book.drawdown >= day("2025-01-01")))
    corp = np.flatnonzero((acc.account_type == "corporate_settlement") & (acc.opened >= day("2025-01-01")))
    # about an hour at the start of 2025, about 20 minutes from 2026 on (seed: 由1小时压缩至20分钟)
    progress = np.clip((acc.opened[corp] - day("2025-01-01")).astype(np.int64) / 365.0, 0, 1)
    minutes = np.maximum(rng.gamma(6.0, (60 - 40 * progress) / 6.0), 8).astype(np.int64)
    start = acc.opened[corp].astype("datetime64[s]") + rng.integers(9 * 3600, 16 * 3600, corp.size) * np.timedelta64(1, "s")
    n1 = incl.size
    return {
        "case_id": np.array([f"PL{i:08d}" for i in range(1, n1 + 1)] + [f"KH{i:08d}" for i in range(1, corp.size + 1)],
                            dtype=object),
        "process": np.concatenate([np.full(n1, "inclusive_loan", dtype=object),
                                   np.full(corp.size, "corporate_account_opening", dtype=object)]),
        "started_at": np.concatenate([book.applied_at[incl], start]),
        "finished_at": np.concatenate([book.disbursed_at[incl], start + minutes * np.timedelta64(60, "s")]),
        "branch_id": np.concatenate([cus.branch_id[book.cust[incl]], acc.branch_id[corp]]),
        "customer_id": np.concatenate([cus.customer_id[book.cust[incl]], cus.customer_id[acc.cust[corp]]]),
        "online": np.concatenate([book.online[incl], np.zeros(corp.size, dtype=bool)]),
    }


def processes_table(proc: dict[str, np.ndarray], as_of: np.datetime64) -> pa.Table:
    fin = proc["finished_at"].astype("datetime64[D]")
    rows = np.flatnonzero((fin <= as_of) & (fin >= year_start(as_of)))
    data = {
        "case_id": text(proc["case_id"][rows]), "process": text(proc["process"][rows]),
        "started_at": timestamps(proc["started_at"][rows]), "finished_at": timestamps(proc["finished_at"][rows]),
        "branch_id": text(proc["branch_id"][rows]), "customer_id": text(proc["customer_id"][rows]),
        "channel": text(np.where(proc["online"][rows], "online", "offline").astype(object)),
    }
    return ordered("processes", data)


def build_activities(rng: np.random.Generator, tree: BranchTree) -> dict[str, np.ndarray]:
    days = np.arange(day("2025-01-01"), day("2026-03-31") + 1)
    work = np.is_busday(days, holidays=holidays())
    out: dict[str, list[np.ndarray]] = {"branch_id": [], "activity": [], "date": [], "count": [], "people": []}
    for activity, per_year, people in (("home_visit", 14.0, (1, 2)), ("outreach_event", 10.0, (20, 120))):
        rate = per_year / 250.0 * tree.outlet_weight * tree.outlet_ids.size
        hits = rng.random((tree.outlet_ids.size, days.size)) < np.clip(rate[:, None], 0, 0.9) * work[None, :]
        o, d = np.nonzero(hits)
        out["branch_id"].append(tree.outlet_ids[o])
        out["activity"].append(np.full(o.size, activity, dtype=object))
        out["date"].append(days[d])
        out["count"].append(np.ones(o.size, dtype=np.int64) + (rng.random(o.size) < 0.15))
        out["people"].append(rng.integers(people[0], people[1] + 1, o.size))
    return {k: np.concatenate(v) for k, v in out.items()}


def activities_table(act: dict[str, np.ndarray], as_of: np.datetime64) -> pa.Table:
    rows = np.flatnonzero((act["date"] <= as_of) & (act["date"] >= year_start(as_of)))
    data = {
        "branch_id": text(act["branch_id"][rows]), "activity": text(act["activity"][rows]),
        "date": dates(act["date"][rows]), "count": ints(act["count"][rows]), "people": ints(act["people"][rows]),
    }
    return ordered("activities", data)

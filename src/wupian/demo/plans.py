"""Targets (任务目标) and peer-bank figures (同业数据) consistent with the generated book.

Targets for year *Y* are set from the bank's own position at the previous year-end (as a real plan would be):
growth for balances, a number of new accounts for account counts. Peer banks are fictitious; their figures
are our own at each month-end times a per-peer factor, chosen so that we rank first for green loans (as in
the seed article) but not for everything; their 较年初增量 (``<scope>.ytd_change``, for 同业排名 of the increment)
are our own increment times a per-peer factor, |ours| when ours is negative (peers are then ranked above us).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from wupian.demo.branches import BranchTree
from wupian.demo.columns import dates, decimals, money, ordered, text
from wupian.demo.customers import Customers
from wupian.demo.loan_codes import INVALID_GREEN_CODES, LoanCodes
from wupian.demo.loanbook import LoanBook
from wupian.demo.monthly import balances, included
from wupian.demo.segments import SEGMENTS
from wupian.demo.services import Accounts

PEERS = ("华北农商银行", "燕赵银行", "齐鲁商业银行", "中原发展银行", "北方城市银行", "黄河农村商业银行")
PEER_FACTORS = {  # indicator → one factor per peer (ours = 1.0)
    "green.balance": (0.92, 0.81, 0.74, 0.66, 0.58, 0.43),
    "tech.balance": (1.12, 0.95, 0.88, 1.04, 0.61, 0.47),
    "inclusive_micro.balance": (1.21, 0.97, 0.83, 1.02, 0.77, 0.69),
    "all_loans.balance": (1.35, 0.92, 0.88, 1.10, 0.64, 0.55),
}
PEER_CHANGE_FACTORS = {  # 较年初增量 of the same indicators: ours first for green and 普惠小微 (as in the seed)
    "green.ytd_change": (0.88, 0.71, 0.64, 0.52, 0.40, 0.33),
    "tech.ytd_change": (1.25, 0.90, 1.08, 0.70, 0.52, 0.41),
    "inclusive_micro.ytd_change": (0.93, 0.86, 0.72, 0.69, 0.55, 0.47),
    "all_loans.ytd_change": (1.41, 0.97, 0.83, 1.16, 0.60, 0.52),
}


def measures(book: LoanBook, codes: LoanCodes, cus: Customers, as_of: np.datetime64) -> dict[str, np.ndarray]:
    """Per-loan approximations of a few indicators at ``as_of`` (for plans only — not the classification)."""
    rows = included(book, as_of)
    bal = balances(book, rows, as_of)
    key = np.array([s.key for s in SEGMENTS], dtype=object)[book.segment[rows]]
    live = ~np.isin(key, ["entrusted", "bill_rediscount"])
    green_code = codes.green_code[rows]
    green_ok = (green_code != "") & ~np.isin(green_code, INVALID_GREEN_CODES) & live
    c = book.cust[rows]
    small = np.isin(cus.true_size[c], ["small", "micro"]) | np.isin(cus.ctype[c], ["sole_proprietor",
                                                                                 "small_business_owner"])
    credit_ok = (cus.credit_fen[c] >= 0) & (cus.credit_fen[c] <= 1000 * 1_000_000)
    micro = np.isin(key, ["personal_business", "working_capital", "trade_finance", "bill_direct"]) & small & credit_ok
    tech = live & np.isin(key, ["working_capital", "fixed_asset", "trade_finance", "bill_direct", "green_project"]) & (
        (codes.tech_htp[rows] != "") | (codes.tech_hts[rows] != "") | (codes.tech_se[rows] != "")
        | (codes.tech_pa[rows] != ""))
    share = np.where(np.isnan(codes.green_share[rows]), 1.0, codes.green_share[rows])
    return {
        "branch": cus.branch_id[c],
        "all_loans.balance": np.where(live, bal, 0),
        "green.balance": np.where(green_ok, np.floor(bal * share), 0).astype(np.int64),
        "inclusive_micro.balance": np.where(micro & live, bal, 0),
        "tech.balance": np.where(tech, bal, 0),
    }


def _by_city(tree: BranchTree, branch: np.ndarray, values: np.ndarray) -> np.ndarray:
    parent = dict(zip(tree.branch_id.tolist(), tree.parent_id.tolist(), strict=True))
    level = dict(zip(tree.branch_id.tolist(), tree.level.tolist(), strict=True))
    city_of = {b: (b if level[b] == "city" else parent[b]) for b in tree.branch_id.tolist() if level[b] in
               ("city", "outlet")}
    index = {c: i for i, c in enumerate(tree.city_ids.tolist())}
    idx = np.array([index[city_of[b]] for b in branch.tolist()], dtype=np.int64)
    return np.bincount(idx, weights=values.astype(np.float64), minlength=tree.city_ids.size)


def build_targets(rng: np.random.Generator, tree: BranchTree, book: LoanBook, codes: LoanCodes, cus: Customers,
                  acc: Accounts, year: int) -> pa.Table:
    base = np.datetime64(f"{year - 1}-12-31")
    m = measures(book, codes, cus, base)
    branch, indicator, target = [], [], []
    for ind_id, growth in (("green.balance", (1.18, 1.30)), ("inclusive_micro.balance", (1.10, 1.20))):
        per_city = _by_city(tree, m["branch"], m[ind_id])
        goal = np.round(per_city * rng.uniform(*growth, per_city.size) / 1e6) * 1e4  # whole 万元, in yuan
        branch += tree.city_ids.tolist()
        indicator += [ind_id] * per_city.size
        target += goal.tolist()
    start, end = base, np.datetime64(f"{year}-12-31")
    for atype, level_ids in (("third_party_custody", tree.outlet_ids), ("ecny_wallet_personal", tree.city_ids),
                             ("social_security_card", tree.city_ids)):
        sel = acc.account_type == atype
        held = sel & (acc.opened <= start)
        opened_in = sel & (acc.opened > start) & (acc.opened <= end)
        owner = acc.branch_id if level_ids is tree.outlet_ids else _city_ids(tree, acc.branch_id)
        index = {b: i for i, b in enumerate(level_ids.tolist())}
        pos = np.array([index.get(b, -1) for b in owner.tolist()], dtype=np.int64)
        known = pos >= 0
        now = np.bincount(pos[known & held], minlength=level_ids.size)
        new = np.bincount(pos[known & opened_in], minlength=level_ids.size)
        counts = now + np.ceil(np.maximum(new, 1) * rng.uniform(0.95, 1.12, now.size) * (365 / 90 if year == 2026 else 1))
        branch += level_ids.tolist()
        indicator += [f"accounts.{atype}.count"] * now.size
        target += counts.tolist()
    data = {
        "branch_id": text(np.array(branch, dtype=object)), "indicator_id": text(np.array(indicator, dtype=object)),
        "year": pa.array([year] * len(branch), type=pa.int64()), "target": decimals(np.array(target), 2),
    }
    return ordered("targets", data)


def _city_ids(tree: BranchTree, branch: np.ndarray) -> np.ndarray:
    parent = dict(zip(tree.branch_id.tolist(), tree.parent_id.tolist(), strict=True))
    cities = set(tree.city_ids.tolist())
    return np.array([b if b in cities else parent.get(b, "") for b in branch.tolist()], dtype=object)


def peers_table(rng: np.random.Generator, book: LoanBook, codes: LoanCodes, cus: Customers,
                as_of: np.datetime64) -> pa.Table:
    m = measures(book, codes, cus, as_of)
    peer, ind_ids, value = [], [], []
    for ind_id, factors in PEER_FACTORS.items():
        ours = float(np.sum(m[ind_id]))
        drift = rng.uniform(0.985, 1.015, len(PEERS))
        peer += list(PEERS)
        ind_ids += [ind_id] * len(PEERS)
        value += [int(ours * f * d) for f, d in zip(factors, drift, strict=True)]
    year_end = np.datetime64(f"{str(as_of)[:4]}-01-01") - np.timedelta64(1, "D")
    m0 = measures(book, codes, cus, year_end)
    for ind_id, factors in PEER_CHANGE_FACTORS.items():
        scope = ind_id.split(".")[0] + ".balance"
        ours = float(np.sum(m[scope])) - float(np.sum(m0[scope]))
        drift = rng.uniform(0.985, 1.015, len(PEERS))
        peer += list(PEERS)
        ind_ids += [ind_id] * len(PEERS)
        value += [int(abs(ours) * f * d) for f, d in zip(factors, drift, strict=True)]
    n = len(peer)
    data = {
        "peer": text(np.array(peer, dtype=object)), "indicator_id": text(np.array(ind_ids, dtype=object)),
        "as_of": dates(np.full(n, as_of)), "value": money(np.array(value, dtype=np.int64)),
        "region_code": text(np.full(n, "", dtype=object)),
    }
    return ordered("peers", data)

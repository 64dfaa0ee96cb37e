"""Five-priority codes on each 借据, filled the way a real bank fills them — mostly right, sometimes not.

For unit loans and bills the 实际投向 is usually the borrower's own industry; the tech (HTP/HTS/SE/PA),
digital (DE) and pension (EC) codes follow the NBS mappings of that industry: most of the time where the
industry is wholly covered, only for a small part of the loans where it is starred (*, partly covered — a
bank files the code only when the purpose is the covered activity), and 养老 codes mostly for care homes
(``FILL``, ``PENSION_ON``). 首贷户 flags mark only customers new to credit (``credit_history``). Planted
problems, for the checks and explanations to find:

* 可能漏标 — codes left blank although the purpose industry or purpose text says otherwise;
* wrong codes — ``HTP03`` on industries outside 高技术制造业, tech codes on personal loans, green codes that
  are not in the 2025 catalogue (``INVALID_GREEN_CODES``);
* boundary values — pension shares of exactly 0.5 and 0.4999, DE05 with and without 数字化佐证.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wupian.demo.customers import Customers
from wupian.demo.loanbook import LoanBook
from wupian.demo.refdata import GreenItems, Industries
from wupian.demo.segments import SEGMENTS

INVALID_GREEN_CODES = ("4.2.15", "3.3.1", "10.1.1", "6.7.2", "4.2")
# Share of loans whose purpose industry maps to a code that carry it: fully covered industries are filled
# mostly (a few 可能漏标 remain); starred (*) industries only for the part of their activity that is covered.
FILL = {"htp": 0.92, "hts": 0.35, "se": 0.4, "pa": 0.25, "star": 0.05, "de": 0.75, "de_star": 0.2}
PENSION_ON = {"care": 1.0, "hospital": 0.3, "other": 0.035}  # purpose really is 养老 for this share of loans
_KEY = np.array([s.key for s in SEGMENTS], dtype=object)
_PURPOSE = {
    "mortgage": ("购买自住住房",), "car": ("购买自用汽车",),
    "consumer": ("日常消费", "房屋装修", "购置家电", "教育支出", "旅游消费"), "student": ("支付学费和住宿费",),
    "personal_business": ("经营周转", "购进货物", "购买农业生产资料", "店面装修", "支付租金"),
    "working_capital": ("日常经营周转", "采购原材料", "支付货款", "支付工资及税费"),
    "fixed_asset": ("购置生产设备", "厂房建设", "技术改造项目", "生产线升级改造"),
    "trade_finance": ("国内贸易融资", "订单融资"), "bill_direct": ("票据贴现",), "bill_rediscount": ("转贴现",),
    "entrusted": ("委托贷款",), "green_project": ("新能源项目建设",),
}


@dataclass(frozen=True)
class LoanCodes:
    """Per-loan classification inputs (parallel to the LoanBook). '' = blank; NaN share = blank."""

    purpose_industry: np.ndarray
    purpose_text: np.ndarray
    green_code: np.ndarray
    green_share: np.ndarray  # of the balance; NaN when no green code
    green_amount_blank: np.ndarray  # bool: green_amount left blank (defaults to balance)
    tech_htp: np.ndarray
    tech_hts: np.ndarray
    tech_se: np.ndarray
    tech_pa: np.ndarray
    pension_code: np.ndarray
    pension_share: np.ndarray
    digital_code: np.ndarray
    digital_evidence: np.ndarray  # object True/False/None
    startup_guarantee: np.ndarray
    is_student_loan: np.ndarray  # object True/None
    is_ex_poverty_consumer: np.ndarray
    industrial_cluster: np.ndarray
    core_enterprise_id: np.ndarray
    is_first_loan: np.ndarray  # object True/False/None
    product_name: np.ndarray


def _some(rng: np.random.Generator, mask: np.ndarray, share: float, minimum: int = 2) -> np.ndarray:
    """A random subset of ``mask``: ``share`` of it, but at least ``minimum`` rows (planted problems must exist
    even in a tiny demo)."""
    idx = np.flatnonzero(mask)
    k = min(idx.size, max(minimum, int(round(share * idx.size))))
    out = np.zeros(mask.size, dtype=bool)
    out[rng.choice(idx, size=k, replace=False)] = True
    return out


def _fill(rng: np.random.Generator, codes: np.ndarray, rows: np.ndarray, keep: float | np.ndarray) -> np.ndarray:
    out = np.full(rows.size, "", dtype=object)
    out[:] = codes
    out[rng.random(rows.size) >= keep] = ""
    return out


def assign_codes(rng: np.random.Generator, book: LoanBook, cus: Customers, ind: Industries,
                 green: GreenItems) -> LoanCodes:
    n = len(book)
    seg = _KEY[book.segment]
    btype = book.business_type()
    unit = btype != "personal"
    c = book.cust
    cust_ind = cus.industry[c]

    # purpose industry ---------------------------------------------------------------------------------
    purpose = np.full(n, -1, dtype=np.int64)
    r = rng.random(n)
    own = unit & (cust_ind >= 0) & (r < 0.88)
    purpose[own] = cust_ind[own]
    sib = unit & (cust_ind >= 0) & (r >= 0.88) & (r < 0.95)  # another industry of the same 大类
    division_first = {d: i for i, d in reversed(list(enumerate(ind.division.tolist())))}
    purpose[sib] = [division_first[ind.division[i]] for i in cust_ind[sib]]
    pb = (seg == "personal_business") & (cust_ind >= 0) & (r < 0.7)
    purpose[pb] = cust_ind[pb]

    # green --------------------------------------------------------------------------------------------
    green_code = np.full(n, "", dtype=object)
    by_industry: dict[str, list[int]] = {}
    for i, code in enumerate(green.industry.tolist()):
        if code:
            by_industry.setdefault(code, []).append(i)
    energy = {"4415": "4.2.1", "4416": "4.2.2", "4417": "4.2.3", "4413": "4.2.4", "4419": "4.2.6"}
    gp = np.flatnonzero(seg == "green_project")
    items = np.array([energy.get(ind.code[i], "4.2.8") if i >= 0 else "4.2.1" for i in cust_ind[gp]], dtype=object)
    items[rng.random(gp.size) < 0.12] = "4.2.8"  # hydrogen
    green_code[gp] = items
    purpose[gp] = np.where(cust_ind[gp] >= 0, cust_ind[gp], purpose[gp])
    code_index = {cd: i for i, cd in enumerate(ind.code.tolist())}
    corp = np.flatnonzero(np.isin(seg, ["working_capital", "fixed_asset", "trade_finance", "bill_direct"])
                          & (purpose >= 0))
    p_green = np.where(seg[corp] == "fixed_asset", 0.45, 0.12)
    for j, row in zip(corp.tolist(), (rng.random(corp.size) < p_green).tolist(), strict=True):
        if row:
            cand = by_industry.get(ind.code[purpose[j]])
            if cand:
                green_code[j] = green.code[cand[int(rng.integers(0, len(cand)))]]
    other = np.flatnonzero(np.isin(seg, ["fixed_asset"]) & (green_code == "") & (rng.random(n) < 0.08))
    pick = rng.integers(0, green.code.size, other.size)  # green upgrades outside the borrower's own industry
    green_code[other] = green.code[pick]
    purpose[other] = [code_index.get(x, -1) for x in green.industry[pick]]
    cars = np.flatnonzero((seg == "car") & (rng.random(n) < 0.12))
    green_code[cars] = "9.1.1"
    homes = np.flatnonzero((seg == "mortgage") & (rng.random(n) < 0.02))
    green_code[homes] = "9.1.2"
    has_green = green_code != ""
    relevant = np.isnat(book.ended) | (book.ended >= np.datetime64("2025-01-01"))  # appears in some month-end
    missing = _some(rng, has_green & (seg == "green_project") & relevant, 0.04)  # 可能漏标: text says so, code blank
    invalid = _some(rng, has_green & ~missing & relevant, 0.006)
    green_code[invalid] = np.array(INVALID_GREEN_CODES, dtype=object)[rng.integers(0, 5, int(invalid.sum()))]
    partial = has_green & (rng.random(n) < 0.15)
    green_share = np.where(has_green, np.where(partial, np.round(rng.uniform(0.3, 0.9, n), 2), 1.0), np.nan)
    green_code[missing] = ""
    green_share[missing] = np.nan
    green_blank = has_green & ~partial & (rng.random(n) < 0.3)

    # tech / digital / pension by the purpose industry -------------------------------------------------
    pi = np.where(purpose >= 0, purpose, 0)
    known = unit & (purpose >= 0)
    # A starred (*) industry is only partly in the classification: the bank files the code only for the loans
    # whose purpose is the covered activity, so far fewer of those carry it than of the fully covered ones.
    tech_htp = np.where(known, _fill(rng, ind.htp[pi], pi, FILL["htp"]), "")
    tech_hts = np.where(known, _fill(rng, ind.hts[pi], pi, np.where(ind.hts_star[pi], FILL["star"], FILL["hts"])), "")
    tech_se = np.where(known, _fill(rng, ind.se[pi], pi, np.where(ind.se_star[pi], FILL["star"], FILL["se"])), "")
    tech_pa = np.where(known, _fill(rng, ind.pa[pi], pi, FILL["pa"]), "")
    wrong_htp = _some(rng, known & (ind.htp[pi] == "") & (ind.section[pi] == "C") & relevant, 0.01)
    tech_htp[wrong_htp] = "HTP03"
    personal_tech = np.flatnonzero(_some(rng, (seg == "personal_business") & relevant, 0.0008))
    tech_se[personal_tech] = "SE01"
    de = np.where(known, ind.de[pi], "")
    star = ind.de_star[pi] & (de == "DE05")
    keep_de = np.where(ind.de_star[pi], FILL["de_star"], FILL["de"])  # starred 核心产业 codes: partly digital
    digital = np.where((de != "") & ~star & (rng.random(n) < keep_de), de, "")
    tagged_star = star & (rng.random(n) < 0.06)  # 数字化效率提升 is rarely claimed (it needs evidence)
    digital[tagged_star] = "DE05"
    ev_r = rng.random(n)
    evidence = np.full(n, None, dtype=object)
    evidence[tagged_star & (ev_r < 0.4)] = True
    evidence[tagged_star & (ev_r >= 0.4) & (ev_r < 0.7)] = False
    kind = cus.kind[c]
    ec = np.where(purpose >= 0, ind.ec[pi], "")
    p_on = np.where(kind == "elderly_care", PENSION_ON["care"],
                    np.where(np.isin(kind, ["hospital3", "hospital2"]), PENSION_ON["hospital"], PENSION_ON["other"]))
    pension_on = (ec != "") & (rng.random(n) < p_on)
    pension_code = np.where(pension_on, ec, "")
    share_pick = rng.choice([0.5, 0.4999, 0.3, 0.7, 0.9, 1.0, np.nan], n)
    pension_share = np.where(pension_on, np.where(kind == "elderly_care", np.round(rng.uniform(0.8, 1.0, n), 4),
                                                  share_pick), np.nan)

    # inclusive flags, clusters, supply chains ---------------------------------------------------------
    product_name = book.product_name.copy()
    startup = np.full(n, "", dtype=object)
    st = np.flatnonzero((seg == "personal_business") & np.isin(cus.ctype[c], ["sole_proprietor"])
                        & (book.amount_fen <= 50 * 1_000_000) & (rng.random(n) < 0.06))
    startup[st] = np.where(rng.random(st.size) < 0.8, "C01", "C02")
    product_name[st] = "创业担保贷款"
    student = np.full(n, None, dtype=object)
    student[(seg == "student") & (rng.random(n) < 0.98)] = True  # a few 助学 loans miss the flag
    ex_poverty = np.full(n, None, dtype=object)
    ex_poverty[(seg == "consumer") & (cus.ctype[c] == "farmer") & (rng.random(n) < 0.08)] = True
    cluster = np.where(unit & (cus.cluster[c] != "") & (rng.random(n) < 0.85), cus.cluster[c], "")
    product_name[(cluster != "") & (seg == "working_capital") & (rng.random(n) < 0.5)] = "产业集群贷"
    large = np.flatnonzero((cus.ctype == "enterprise") & (cus.true_size == "large"))
    core = np.full(n, "", dtype=object)
    chain = np.flatnonzero((seg == "trade_finance") & np.isin(cus.true_size[c], ["small", "micro"])
                           & (rng.random(n) < 0.6))
    if large.size:
        core[chain] = cus.id_code[large[rng.integers(0, large.size, chain.size)]]

    # purpose text -------------------------------------------------------------------------------------
    text = np.empty(n, dtype=object)
    for k, options in _PURPOSE.items():
        sel = np.flatnonzero(seg == k)
        text[sel] = np.array(options, dtype=object)[rng.integers(0, len(options), sel.size)]
    gname = dict(zip(green.code.tolist(), green.name.tolist(), strict=True))
    for j in np.flatnonzero((green_code != "") | missing).tolist():
        label = gname.get(green_code[j]) or "风电场建设"
        text[j] = f"用于{label}项目"
    first, _ = credit_history(book, cus)
    first_obj = np.where(first, True, False).astype(object)
    first_obj[rng.random(n) < 0.08] = None  # sometimes not reported: derived from history
    return LoanCodes(
        purpose_industry=np.where(purpose >= 0, ind.code[pi], ""), purpose_text=text, green_code=green_code,
        green_share=green_share, green_amount_blank=green_blank, tech_htp=tech_htp, tech_hts=tech_hts,
        tech_se=tech_se, tech_pa=tech_pa, pension_code=pension_code, pension_share=pension_share,
        digital_code=digital, digital_evidence=evidence, startup_guarantee=startup, is_student_loan=student,
        is_ex_poverty_consumer=ex_poverty, industrial_cluster=cluster, core_enterprise_id=core,
        is_first_loan=first_obj, product_name=product_name,
    )


VETERAN_GAP = np.timedelta64(730, "D")


def credit_history(book: LoanBook, cus: Customers) -> tuple[np.ndarray, np.ndarray]:
    """(first-loan flag per 借据, first credit date per customer, NaT for non-borrowers).

    The book only reaches a few years back, so a long-standing customer's earliest 借据 in it is usually not its
    first loan ever: nine in ten customers whose relationship began more than two years before that 借据 had
    borrowed before (their first credit date falls early in the relationship). Only the others — and customers
    who borrow soon after joining — are 首贷户 on their earliest 借据.
    """
    _, first_idx = np.unique(book.cust, return_index=True)  # the book is sorted by drawdown date
    cust = book.cust[first_idx]
    earliest = book.drawdown[first_idx]
    since = cus.since[cust]
    veteran = (earliest - since > VETERAN_GAP) & (cust % 10 != 0)  # customer numbers are in random order
    early = since + ((earliest - since).astype(np.int64) // 5).astype("timedelta64[D]")
    first_credit = np.full(len(cus), np.datetime64("NaT", "D"))
    first_credit[cust] = np.where(veteran, early, earliest)
    flag = np.zeros(len(book), dtype=bool)
    flag[first_idx[~veteran]] = True
    return flag, first_credit

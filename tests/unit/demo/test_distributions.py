"""The demo bank looks like a bank: tree shape, customer mix, thresholds, planted codes, registry boundaries."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from wupian.demo import DemoManifest
from wupian.demo.loan_codes import INVALID_GREEN_CODES
from wupian.demo.refdata import green_items, industries


def _rows(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_branch_tree_has_one_root_and_four_levels(last_folder: Path) -> None:
    rows = _rows(last_folder, "branches")
    roots = [r for r in rows if r["parent_id"] == ""]
    assert len(roots) == 1
    assert Counter(r["level"] for r in rows) .keys() == {"head", "province", "city", "outlet"}
    parent = {r["branch_id"]: r["parent_id"] for r in rows}
    depth = {}
    for b in parent:
        d, cur = 0, b
        while parent[cur]:
            cur, d = parent[cur], d + 1
            assert d < 10, "cycle"
        depth[b] = d
    assert max(depth.values()) == 3
    levels = Counter(r["level"] for r in rows)
    assert levels["province"] == 3 and levels["city"] == 20 and 130 <= levels["outlet"] <= 175
    assert all(len(r["region_code"]) == 6 and r["region_code"].isdigit() for r in rows)


def test_every_customer_type_is_present(last_folder: Path) -> None:
    types = Counter(r["customer_type"] for r in _rows(last_folder, "customers"))
    assert set(types) == {"enterprise", "other_org", "sole_proprietor", "small_business_owner", "farmer",
                          "individual"}


def test_credit_totals_sit_on_and_just_above_the_thresholds(last_folder: Path) -> None:
    rows = _rows(last_folder, "customers")
    credit = Counter(r["credit_limit_total"] for r in rows)
    assert credit["10000000.00"] > 0  # exactly 1000万元
    assert credit["5000000.00"] > 0  # exactly 500万元 (农户)
    above = [r for r in rows if r["credit_limit_total"] and 10_000_000 < float(r["credit_limit_total"]) <= 10_500_000]
    assert above
    loans = _rows(last_folder, "loans")
    exact = {r["customer_id"] for r in rows if r["credit_limit_total"] == "10000000.00"}
    assert any(r["customer_id"] in exact for r in loans)


def test_codes_are_mostly_valid_with_planted_mistakes(small_demo: DemoManifest) -> None:
    catalogue = set(green_items().code.tolist())
    ind = industries()
    htp_of = dict(zip(ind.code.tolist(), ind.htp.tolist(), strict=True))
    green, invalid, wrong_htp, blank_htp, right_htp = Counter(), 0, 0, 0, 0
    for folder in small_demo.snapshot_dirs:
        for r in _rows(folder, "loans"):
            if r["green_code"]:
                green[r["green_code"] in catalogue] += 1
                invalid += r["green_code"] in INVALID_GREEN_CODES
            code = r["purpose_industry_code"]
            if r["tech_htp"]:
                if htp_of.get(code) == r["tech_htp"]:
                    right_htp += 1
                elif htp_of.get(code, "") == "":
                    wrong_htp += 1
            elif code and htp_of.get(code):
                blank_htp += 1
    assert invalid > 0 and green[True] > 5 * green[False]
    assert wrong_htp > 0 and blank_htp > 0 and right_htp > 3 * (wrong_htp + blank_htp)


def test_registry_validity_changes_inside_the_period(small_demo: DemoManifest) -> None:
    rows = _rows(small_demo.snapshot_dirs[-1], "registries")
    start, end = "2025-03-31", "2026-03-31"
    assert any(start < r["valid_to"] < end for r in rows if r["valid_to"])
    assert any(start < r["valid_from"] <= end for r in rows)
    assert all(r["valid_from"] <= r["valid_to"] for r in rows if r["valid_to"] and r["valid_from"])
    registries = {r["registry"] for r in rows}
    assert {"high_tech_enterprise", "tech_sme", "specialized_sme", "above_scale_enterprise", "public_hospital",
            "medical_insurance_institution", "industrial_cluster", "gas_station"} <= registries
    grades = {r["attribute"] for r in rows if r["registry"] == "medical_insurance_institution"}
    assert grades == {"三级", "二级", "一级"}
    customers = {r["id_code"] for r in _rows(small_demo.snapshot_dirs[-1], "customers")}
    above = [r for r in rows if r["registry"] == "above_scale_enterprise"]
    assert any(r["id_code"] not in customers for r in above) and any(r["id_code"] in customers for r in above)


def test_book_evolves_month_to_month(small_demo: DemoManifest) -> None:
    first = {r["loan_id"]: r for r in _rows(small_demo.snapshot_dirs[0], "loans")}
    second = {r["loan_id"]: r for r in _rows(small_demo.snapshot_dirs[1], "loans")}
    assert set(second) - set(first), "new drawdowns"
    amortised = [k for k in first.keys() & second.keys()
                 if float(second[k]["balance"]) < float(first[k]["balance"])]
    assert amortised
    settled = [r for r in second.values() if r["status"] == "settled"]
    assert settled and all(r["balance"] == "0.00" for r in settled)
    # a January file keeps loans settled in January but drops those settled in December
    jan = _rows(small_demo.snapshot_dirs[10], "loans")
    assert all(not (r["status"] == "settled" and r["drawdown_date"] < "2026-01-01")
               or r["maturity_date"] >= "2026-01-01" or r["extended_maturity_date"] >= "2026-01-01"
               or r["balance"] == "0.00" for r in jan)
    business = Counter(r["business_type"] for r in _rows(small_demo.snapshot_dirs[-1], "loans"))
    assert {"corporate", "personal", "bill_direct", "bill_rediscount"} <= set(business)


def test_services_show_the_seed_article_trends(small_demo: DemoManifest) -> None:
    from datetime import datetime

    procs = _rows(small_demo.snapshot_dirs[-1], "processes") + _rows(small_demo.snapshot_dirs[9], "processes")
    opening = [r for r in procs if r["process"] == "corporate_account_opening"]
    minutes = sorted((r["started_at"][:7], (datetime.fromisoformat(r["finished_at"])
                                            - datetime.fromisoformat(r["started_at"])).seconds / 60) for r in opening)
    early = [m for month, m in minutes if month <= "2025-04"]
    late = [m for month, m in minutes if month >= "2026-01"]
    assert early and late and sum(late) / len(late) < sum(early) / len(early)
    types = {r["account_type"] for r in _rows(small_demo.snapshot_dirs[-1], "accounts")}
    assert {"ecny_wallet_personal", "social_security_card", "third_party_custody", "personal_pension"} <= types


def _industrial_size(employees: int, revenue_wan: float) -> str:
    """工信部联企业〔2011〕300号, 工业: the highest class whose lower bounds are all met."""
    if employees >= 1000 and revenue_wan >= 40000:
        return "large"
    if employees >= 300 and revenue_wan >= 2000:
        return "medium"
    if employees >= 20 and revenue_wan >= 300:
        return "small"
    return "micro"


def test_declared_sizes_mostly_agree_with_the_metrics(tmp_path: Path) -> None:
    from wupian.demo import build_demo

    folder = build_demo(tmp_path / "sizes", seed=3, scale=0.05, months=2).snapshot_dirs[-1]  # [0] is GBK
    section = dict(zip(industries().code.tolist(), industries().section.tolist(), strict=True))
    agree, disagree = 0, 0
    for r in _rows(folder, "customers"):
        if r["customer_type"] != "enterprise" or section.get(r["industry_code"]) not in ("B", "C", "D"):
            continue
        if not r["declared_size"]:
            continue
        derived = _industrial_size(int(r["employees"]), float(r["revenue"]) / 10_000)
        if derived == r["declared_size"]:
            agree += 1
        else:
            disagree += 1
    assert disagree > 0 and agree > 8 * disagree


def test_branches_carry_check_digit_valid_codes_and_city_counters_inherit(last_folder: Path) -> None:
    from wupian.demo.branches import BANK_USCC
    from wupian.demo.idcodes import uscc_check

    rows = _rows(last_folder, "branches")
    by_id = {r["branch_id"]: r for r in rows}
    root = next(r for r in rows if r["parent_id"] == "")
    assert root["uscc"] == BANK_USCC
    own = [r for r in rows if r["uscc"]]
    assert len({r["uscc"] for r in own}) == len(own)
    assert all(len(r["uscc"]) == 18 and uscc_check(r["uscc"][:17]) == r["uscc"][17] for r in own)
    assert all(r["uscc"][2:8] == r["region_code"] for r in own if r is not root)
    blank = [r for r in rows if not r["uscc"]]
    assert blank and all(r["level"] == "outlet" and r["branch_id"].endswith("001") for r in blank)
    assert all(by_id[r["parent_id"]]["uscc"] for r in blank)  # the city branch they inherit from has one


def test_loans_carry_bill_numbers_and_serials_and_some_contradictions_are_accepted(last_folder: Path) -> None:
    from wupian.demo import PLANTED

    planted = {p.key for p in PLANTED}
    loans = [r for r in _rows(last_folder, "loans") if r["loan_id"] not in planted]  # planted copies of real rows
    bills = [r for r in loans if r["business_type"] in ("bill_direct", "bill_rediscount")]
    assert bills and all(len(r["bill_no"]) == 30 and r["bill_no"].isdigit() for r in bills)
    assert all(r["bill_no"] == "" for r in loans if r not in bills)
    serials = [r["drawdown_serial"] for r in loans]
    assert all(s.startswith("FK") for s in serials) and len(set(serials)) == len(serials)
    accepted = _rows(last_folder, "code_acceptances")
    ids = {r["loan_id"]: r for r in loans}
    assert accepted and all(ids[a["loan_id"]]["tech_htp"] == a["code"] == "HTP03" and a["reason"] for a in accepted)

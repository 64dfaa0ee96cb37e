"""~50,000 customers of every contract customer type, with industries, sizes, credit totals and ids.

Enterprises draw a size class, then employees/revenue/assets consistent with it (``sizes.py``); a few declare
another size on purpose (about 3–4%; 个体工商户 and clinics/care homes declare what their figures imply, public
hospitals and schools declare 不适用), and a few sit exactly on the 划型 boundaries. 单户授信总额 clusters around the 普惠
thresholds: some exactly 1000万 (and 500万 for 农户), some just above. Special kinds (hospitals by grade, elderly
care homes, gas stations, renewable-power companies, cluster members) feed the registries and the loan book.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wupian.demo import names
from wupian.demo.branches import FLAGSHIP_CITY, BranchTree
from wupian.demo.columns import day, uniform_days
from wupian.demo.idcodes import id_cards, usccs
from wupian.demo.refdata import Industries
from wupian.demo.sizes import INDUSTRY_BOUNDARIES, SIZE_ORDER, draw_metrics, group_of, size_class

TYPES = ("enterprise", "other_org", "sole_proprietor", "small_business_owner", "farmer", "individual")
TYPE_SHARE = (0.15, 0.012, 0.15, 0.08, 0.17, 0.438)
WAN = 1_000_000  # fen per 万元
FIRST_DAY = day("2005-01-01")
WINDOW_START = day("2025-01-01")


@dataclass(frozen=True)
class Customers:
    """Parallel arrays, one element per customer. Null conventions: -1 for ints/fen, '' for text, NaT, NaN."""

    customer_id: np.ndarray
    name: np.ndarray
    ctype: np.ndarray
    id_type: np.ndarray
    id_code: np.ndarray
    industry: np.ndarray  # index into Industries, -1 none
    employees: np.ndarray
    revenue_fen: np.ndarray
    assets_fen: np.ndarray
    declared_size: np.ndarray
    true_size: np.ndarray  # what the metrics imply ('' for non-enterprises)
    birth: np.ndarray
    credit_fen: np.ndarray
    branch_id: np.ndarray
    city: np.ndarray  # index into BranchTree.city_*
    owned_enterprise_id: np.ndarray
    is_rural: np.ndarray  # object: True/False/None
    pension_share: np.ndarray  # float, NaN none
    since: np.ndarray  # relationship start (datetime64[D])
    kind: np.ndarray  # '', hospital3, hospital2, clinic, elderly_care, school, gas_station, power
    cluster: np.ndarray  # industrial cluster name or ''
    borrower: np.ndarray  # bool: has credit with us

    def __len__(self) -> int:
        return int(self.customer_id.size)

    def of_type(self, *types: str) -> np.ndarray:
        return np.flatnonzero(np.isin(self.ctype, types))


def _industry_weights(ind: Industries) -> np.ndarray:
    section_w = {"C": 0.34, "F": 0.15, "E": 0.07, "D": 0.04, "G": 0.07, "I": 0.04, "M": 0.04, "L": 0.09,
                 "K": 0.04, "A": 0.03, "N": 0.05, "B": 0.01, "H": 0.03}
    w = np.array([section_w.get(s, 0.0) for s in ind.section.tolist()])
    counts = {s: max(int(np.sum(ind.section == s)), 1) for s in section_w}
    w = w / np.array([counts.get(s, 1) for s in ind.section.tolist()])
    return w / w.sum()


def _since(rng: np.random.Generator, n: int, new_share: float) -> np.ndarray:
    old = FIRST_DAY + (rng.beta(1.0, 1.0, n) * (WINDOW_START - FIRST_DAY).astype(np.int64)).astype("timedelta64[D]")
    new = uniform_days(rng, WINDOW_START, day("2026-03-20"), n)
    return np.where(rng.random(n) < new_share, new, old)


def _log_uniform(rng: np.random.Generator, lo: float, hi: float, n: int) -> np.ndarray:
    return np.exp(rng.uniform(np.log(lo), np.log(hi), n))


def _plant_thresholds(rng: np.random.Generator, credit_wan: np.ndarray, sel: np.ndarray, limit: float,
                      exact: float, above: float) -> None:
    """Put ``exact`` of the selected customers exactly on ``limit`` 万元 and ``above`` of them just above it."""
    idx = rng.permutation(np.flatnonzero(sel))
    k_exact = min(idx.size, max(2, int(round(exact * idx.size))))  # at least two, even in a tiny demo
    k_above = min(idx.size - k_exact, max(2, int(round(above * idx.size))))
    credit_wan[idx[:k_exact]] = limit
    just = idx[k_exact:k_exact + k_above]
    credit_wan[just] = limit + rng.choice([0.0001, 0.5, 1.0, 50.0], size=just.size)


def build_customers(rng: np.random.Generator, tree: BranchTree, ind: Industries, scale: float) -> Customers:
    n = max(int(round(50_000 * scale)), 600)
    counts = np.maximum(np.round(np.array(TYPE_SHARE) * n).astype(int), 20)
    ctype = np.repeat(np.array(TYPES, dtype=object), counts)
    n = ctype.size
    outlet = rng.choice(tree.outlet_ids.size, size=n, p=tree.outlet_weight)
    city = tree.outlet_city[outlet]
    branch_id = tree.outlet_ids[outlet].copy()
    city_name = tree.city_names[city]
    region = tree.city_region[city]

    industry = np.full(n, -1, dtype=np.int64)
    employees = np.full(n, -1, dtype=np.int64)
    revenue_wan = np.full(n, np.nan)
    assets_wan = np.full(n, np.nan)
    declared = np.full(n, "", dtype=object)
    true_size = np.full(n, "", dtype=object)
    kind = np.full(n, "", dtype=object)
    cluster = np.full(n, "", dtype=object)
    credit_wan = np.full(n, np.nan)
    birth = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    pension = np.full(n, np.nan)
    is_rural = np.full(n, None, dtype=object)
    code_of = {c: i for i, c in enumerate(ind.code.tolist())}

    # -- enterprises ------------------------------------------------------------------------------------
    ent = np.flatnonzero(ctype == "enterprise")
    industry[ent] = rng.choice(ind.code.size, size=ent.size, p=_industry_weights(ind))
    cls = rng.choice(4, size=ent.size, p=[0.44, 0.36, 0.15, 0.05])
    n_gas, n_power = max(4, round(130 * scale)), max(4, round(160 * scale))
    special = rng.permutation(ent.size)
    gas, power = special[:n_gas], special[n_gas:n_gas + n_power]
    industry[ent[gas]] = code_of["5265"]
    cls[gas] = rng.choice([0, 1], size=gas.size, p=[0.4, 0.6])
    kind[ent[gas]] = "gas_station"
    industry[ent[power]] = ind.index_of(list(rng.choice(["4415", "4416", "4416", "4417", "4419", "4413"],
                                                          size=power.size)))
    cls[power] = rng.choice([1, 2, 3], size=power.size, p=[0.45, 0.45, 0.10])
    kind[ent[power]] = "power"
    flagship = np.flatnonzero(tree.city_names[tree.outlet_city] == FLAGSHIP_CITY)
    moved = ent[power][rng.random(power.size) < 0.3]  # the seed article's city leads on new energy
    outlet[moved] = flagship[rng.integers(0, flagship.size, moved.size)]
    city[moved] = tree.outlet_city[outlet[moved]]
    branch_id[moved] = tree.outlet_ids[outlet[moved]]
    city_name, region = tree.city_names[city], tree.city_region[city]
    groups = np.array([group_of(ind.code[i], ind.section[i]) for i in industry[ent]], dtype=object)
    x, y, z = draw_metrics(rng, groups, cls)
    sizes = np.array(SIZE_ORDER, dtype=object)
    true_size[ent] = sizes[cls]
    # boundary cases straight from domain-rules §14 on a few industrial firms
    indus = np.flatnonzero(groups == "industry")
    bnd = rng.choice(indus, size=min(indus.size, max(5, ent.size // 150)), replace=False) if indus.size else indus
    for j, i in enumerate(bnd.tolist()):
        ex, rev, sz = INDUSTRY_BOUNDARIES[j % len(INDUSTRY_BOUNDARIES)]
        x[i], y[i] = ex, rev
        z[i] = rev * 1.1
        true_size[ent[i]] = sz
    employees[ent], revenue_wan[ent], assets_wan[ent] = x, y, z
    shift = rng.random(ent.size) < 0.04  # deliberate disagreements: declared one class off
    declared_idx = np.array([SIZE_ORDER.index(s) for s in true_size[ent]])
    declared_idx = np.where(shift, np.clip(declared_idx + rng.choice([-1, 1], ent.size), 0, 3), declared_idx)
    declared[ent] = np.where(rng.random(ent.size) < 0.03, "", sizes[declared_idx])  # some never filled in
    cw = np.select([declared_idx == 0, declared_idx == 1, declared_idx == 2],
                   [_log_uniform(rng, 50, 800, ent.size), _log_uniform(rng, 300, 3000, ent.size),
                    _log_uniform(rng, 1500, 15000, ent.size)], _log_uniform(rng, 10000, 150000, ent.size))
    credit_wan[ent] = np.round(cw, 0)
    _plant_thresholds(rng, credit_wan, np.isin(np.arange(n), ent) & np.isin(true_size, ["small", "micro"]),
                      1000.0, 0.05, 0.025)
    manuf = ent[(ind.section[industry[ent]] == "C") & (cls <= 2)]
    members = manuf[rng.random(manuf.size) < 0.3]
    which = rng.integers(0, 2, members.size)
    cluster[members] = city_name[members] + np.array(names.CLUSTERS, dtype=object)[(city[members] * 3 + which) % 10]
    is_rural[ent] = ind.section[industry[ent]] == "A"
    ecs = ent[(ind.ec[industry[ent]] != "") & (rng.random(ent.size) < 0.35)]
    pension[ecs] = np.round(rng.choice([0.5, 0.4999, 0.3, 0.65, 0.8, 0.9], ecs.size), 4)
    big = ent[cls == 3]
    branch_id[big] = tree.city_ids[city[big]]  # large corporates are managed by the city branch itself

    # -- other organisations ----------------------------------------------------------------------------
    org = np.flatnonzero(ctype == "other_org")
    okind = rng.choice(["hospital3", "hospital2", "clinic", "elderly_care", "school"], size=org.size,
                       p=[0.07, 0.25, 0.25, 0.23, 0.20])
    kind[org] = okind
    org_codes = {"hospital3": ["8411", "8412"], "hospital2": ["8411", "8412", "8415", "8413"],
                 "clinic": ["8421", "8423", "8425"], "elderly_care": ["8514", "8512"],
                 "school": ["8334", "8321", "8310", "8336"]}
    for k, codes in org_codes.items():
        sel = org[okind == k]
        industry[sel] = ind.index_of(list(rng.choice(codes, size=sel.size)))
    employees[org] = np.where(okind == "hospital3", rng.integers(800, 3000, org.size),
                              np.where(okind == "hospital2", rng.integers(150, 800, org.size),
                                       rng.integers(8, 150, org.size)))
    revenue_wan[org] = employees[org] * rng.uniform(15, 40, org.size)
    assets_wan[org] = revenue_wan[org] * rng.uniform(0.8, 2.0, org.size)
    org_cls = size_class(np.full(org.size, "other", dtype=object), employees[org].astype(np.float64),
                         revenue_wan[org], assets_wan[org])
    org_cls = np.where(rng.random(org.size) < 0.04, np.clip(org_cls + rng.choice([-1, 1], org.size), 0, 3), org_cls)
    # public hospitals and schools are 事业单位: 划型 does not apply
    declared[org] = np.where(np.isin(okind, ["elderly_care", "clinic"]), sizes[org_cls], "none")
    credit_wan[org] = np.select([okind == "hospital3", okind == "hospital2", okind == "elderly_care"],
                                [_log_uniform(rng, 3000, 50000, org.size), _log_uniform(rng, 500, 8000, org.size),
                                 _log_uniform(rng, 50, 1500, org.size)], np.nan)
    credit_wan[org] = np.round(credit_wan[org], 0)
    pension[org[okind == "elderly_care"]] = np.round(rng.uniform(0.6, 1.0, int(np.sum(okind == "elderly_care"))), 4)

    # -- individuals of every kind ----------------------------------------------------------------------
    sole = np.flatnonzero(ctype == "sole_proprietor")
    sole_codes = [c for c in ind.code.tolist() if c[:2] in {"52", "62", "80", "81", "51", "01", "61"}]
    industry[sole] = ind.index_of(list(rng.choice(sole_codes, size=sole.size)))
    employees[sole] = rng.integers(1, 12, sole.size)
    revenue_wan[sole] = np.round(_log_uniform(rng, 8, 400, sole.size), 2)
    sole_groups = np.array([group_of(ind.code[i], ind.section[i]) for i in industry[sole]], dtype=object)
    sole_cls = size_class(sole_groups, employees[sole].astype(np.float64), revenue_wan[sole],
                          np.full(sole.size, np.nan))
    sole_cls = np.where(rng.random(sole.size) < 0.03, np.clip(sole_cls + 1, 0, 3), sole_cls)  # a few claim more
    declared[sole] = np.where(rng.random(sole.size) < 0.6, sizes[sole_cls], "")
    credit_wan[sole] = np.round(_log_uniform(rng, 10, 500, sole.size), 0)
    sbo = np.flatnonzero(ctype == "small_business_owner")
    credit_wan[sbo] = np.round(_log_uniform(rng, 20, 800, sbo.size), 0)
    _plant_thresholds(rng, credit_wan, np.isin(ctype, ["sole_proprietor", "small_business_owner"]), 1000.0,
                      0.02, 0.01)
    farm = np.flatnonzero(ctype == "farmer")
    farm_codes = [c for c in ind.code.tolist() if c[:2] in {"01", "03", "04", "02"}]
    with_ind = farm[rng.random(farm.size) < 0.6]
    industry[with_ind] = ind.index_of(list(rng.choice(farm_codes, size=with_ind.size)))
    credit_wan[farm] = np.round(_log_uniform(rng, 3, 80, farm.size), 0)
    _plant_thresholds(rng, credit_wan, ctype == "farmer", 500.0, 0.015, 0.01)
    is_rural[farm] = True
    indiv = np.flatnonzero(ctype == "individual")
    is_rural[indiv[rng.random(indiv.size) < 0.5]] = False
    persons = np.flatnonzero(np.isin(ctype, ["small_business_owner", "farmer", "individual", "sole_proprietor"]))
    age_years = np.where(ctype[persons] == "individual", rng.uniform(18, 86, persons.size),
                         rng.uniform(24, 70, persons.size))
    birth[persons] = day("2026-03-31") - (age_years * 365.25).astype("timedelta64[D]")

    # -- names and identifiers --------------------------------------------------------------------------
    name = np.empty(n, dtype=object)
    name[ent] = names.enterprises(rng, city_name[ent], ind.name[industry[ent]])
    name[ent[gas]] = city_name[ent[gas]] + names.brands(rng, gas.size) + "加油站有限公司"
    name[ent[power]] = city_name[ent[power]] + names.brands(rng, power.size) + \
        np.array(["风电", "光伏", "光伏", "新能源", "清洁能源", "水电"], dtype=object)[rng.integers(0, 6, power.size)] + "有限公司"
    org_name = np.select(
        [okind == "hospital3", okind == "hospital2", okind == "clinic", okind == "elderly_care"],
        [np.array(names.HOSPITALS_GRADE3, dtype=object)[rng.integers(0, 3, org.size)],
         np.array(names.HOSPITALS_GRADE2, dtype=object)[rng.integers(0, len(names.HOSPITALS_GRADE2), org.size)],
         np.array(names.STREETS, dtype=object)[rng.integers(0, len(names.STREETS), org.size)]
         + np.array(names.CLINIC_KINDS, dtype=object)[rng.integers(0, 5, org.size)],
         names.brands(rng, org.size) + np.array(["养老院", "颐养中心", "老年公寓"], dtype=object)[rng.integers(0, 3, org.size)]],
        names.brands(rng, org.size) + np.array(names.ORG_KINDS, dtype=object)[rng.integers(0, 3, org.size)])
    name[org] = city_name[org] + "市" + org_name
    person_names = names.people(rng, n)
    name[sole] = names.shops(rng, city_name[sole], person_names[sole])
    others = np.flatnonzero(np.isin(ctype, ["small_business_owner", "farmer", "individual"]))
    name[others] = person_names[others]
    name = _dedupe_names(name)

    prefix = np.full(n, "", dtype=object)
    prefix[ent] = "91"
    prefix[sole] = "92"
    prefix[org] = np.where(np.isin(okind, ["hospital3", "hospital2", "school"]), "12", "52")
    orgs = np.flatnonzero(prefix != "")
    id_code = np.full(n, "", dtype=object)
    id_code[orgs] = usccs(rng, prefix[orgs], region[orgs])
    people_idx = np.flatnonzero(prefix == "")
    id_code[people_idx] = id_cards(rng, region[people_idx], birth[people_idx])
    id_type = np.where(prefix != "", "uscc", "id_card").astype(object)
    owned = np.full(n, "", dtype=object)
    small_ents = ent[np.isin(true_size[ent], ["small", "micro"])]
    owned[sbo] = id_code[rng.choice(small_ents, size=sbo.size)] if small_ents.size else ""

    # firms above the 规上 line (营业收入 ≥ 2000万) borrow more often (seed: 授信覆盖率 68.42% of the list)
    p_borrow = np.where(np.nan_to_num(revenue_wan) >= 2000, 0.85, 0.7)
    borrower = np.where(np.isin(ctype, ["enterprise", "other_org"]), rng.random(n) < p_borrow, rng.random(n) < 0.86)
    borrower[ent[power]] = True
    borrower &= ~((ctype == "other_org") & (kind == "school"))
    credit_wan[~borrower | np.isin(ctype, ["individual"])] = np.nan
    since = _since(rng, n, 0.04)
    perm = rng.permutation(n)  # interleave types, then number them

    def p(a: np.ndarray) -> np.ndarray:
        return a[perm]

    credit_fen = np.where(np.isnan(credit_wan), -1, np.round(np.nan_to_num(credit_wan) * WAN)).astype(np.int64)
    rev_fen = np.where(np.isnan(revenue_wan), -1, np.round(np.nan_to_num(revenue_wan) * WAN)).astype(np.int64)
    ast_fen = np.where(np.isnan(assets_wan), -1, np.round(np.nan_to_num(assets_wan) * WAN)).astype(np.int64)
    return Customers(
        customer_id=np.array([f"C{i:08d}" for i in range(1, n + 1)], dtype=object),
        name=p(name), ctype=p(ctype), id_type=p(id_type), id_code=p(id_code), industry=p(industry),
        employees=p(employees), revenue_fen=p(rev_fen), assets_fen=p(ast_fen), declared_size=p(declared),
        true_size=p(true_size), birth=p(birth), credit_fen=p(credit_fen), branch_id=p(branch_id), city=p(city),
        owned_enterprise_id=p(owned), is_rural=p(is_rural), pension_share=p(pension), since=p(since), kind=p(kind),
        cluster=p(cluster), borrower=p(borrower),
    )


def _dedupe_names(name: np.ndarray) -> np.ndarray:
    """Organisation names must be unique (people may share names): suffix a branch number to repeats."""
    seen: dict[str, int] = {}
    out = name.copy()
    for i, nm in enumerate(name.tolist()):
        if nm in seen and (nm.endswith("公司") or nm.endswith("院") or nm.endswith("中心")):
            seen[nm] += 1
            out[i] = nm.replace("市", f"市第{seen[nm]}", 1) if "市" in nm else f"{nm}（{seen[nm]}）"
        else:
            seen.setdefault(nm, 1)
    return out

"""Registry memberships (名录/名单) with validity periods, including members who are not our customers.

Tech lists (高新技术企业 3-year certificates, 科技型中小企业 yearly, 专精特新 / 小巨人 / 创新型 / 单项冠军 / 示范企业),
全国养老机构, and target lists for 清单式管理: 规上企业 (about a third not yet customers — the worklist),
公立医院 and 医保定点医疗机构 with grade as attribute, 产业集群 members with the cluster as attribute, 加油站.
Some memberships expire or start inside the 13 months so as-of evaluation matters.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from wupian.demo import names
from wupian.demo.branches import BranchTree
from wupian.demo.columns import add_months, dates, day, ordered, text, uniform_days
from wupian.demo.customers import Customers
from wupian.demo.idcodes import usccs
from wupian.demo.refdata import Industries


class RegistryRows:
    """Accumulates registry rows as parallel lists, then freezes them to arrays."""

    def __init__(self) -> None:
        self.parts: list[dict[str, np.ndarray]] = []

    def add(self, registry: str, id_code: np.ndarray, name: np.ndarray, attribute: np.ndarray,
            valid_from: np.ndarray, valid_to: np.ndarray, branch_id: np.ndarray) -> None:
        n = id_code.size
        self.parts.append({
            "registry": np.full(n, registry, dtype=object), "id_code": id_code, "name": name,
            "attribute": attribute if attribute.size == n else np.full(n, "", dtype=object),
            "valid_from": valid_from, "valid_to": valid_to, "branch_id": branch_id,
        })

    def arrays(self) -> dict[str, np.ndarray]:
        return {k: np.concatenate([p[k] for p in self.parts]) for k in self.parts[0]}


def _periods(rng: np.random.Generator, n: int, years: int) -> tuple[np.ndarray, np.ndarray]:
    """Certificates issued over the last ``years`` + the window; valid ``years`` years (inclusive end)."""
    start = uniform_days(rng, day("2022-01-01"), day("2026-03-15"), n)
    end = add_months(start, np.full(n, 12 * years)) - np.timedelta64(1, "D")
    return start, end


def _outsiders(rng: np.random.Generator, tree: BranchTree, n: int, prefix: str, suffix: str
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Entities on a list that do not bank with us: (id_code, name, responsible city branch)."""
    city = rng.choice(tree.city_ids.size, size=n, p=tree.city_weight)
    ids = usccs(rng, np.full(n, prefix, dtype=object), tree.city_region[city])
    nm = tree.city_names[city] + names.brands(rng, n) + suffix
    return ids, nm, tree.city_ids[city]


def build_registries(rng: np.random.Generator, tree: BranchTree, cus: Customers, ind: Industries,
                     scale: float) -> dict[str, np.ndarray]:
    rows = RegistryRows()
    ent = np.flatnonzero(cus.ctype == "enterprise")
    sec = ind.section[np.maximum(cus.industry[ent], 0)]
    techy = ent[(sec == "C") | (sec == "I") | (sec == "M")]
    blank = np.full(0, "", dtype=object)

    def members(pool: np.ndarray, share: float) -> np.ndarray:
        return pool[rng.random(pool.size) < share]

    def add_customers(registry: str, idx: np.ndarray, years: int, attribute: np.ndarray = blank) -> None:
        f, t = _periods(rng, idx.size, years)
        rows.add(registry, cus.id_code[idx], cus.name[idx], attribute, f, t, np.full(idx.size, "", dtype=object))

    # bigger firms are more often certified (R&D spending and patents scale with size)
    p_hte = np.select([cus.true_size[techy] == "large", cus.true_size[techy] == "medium",
                       cus.true_size[techy] == "small"], [0.22, 0.18, 0.12], 0.06)
    hte = techy[rng.random(techy.size) < p_hte]
    add_customers("high_tech_enterprise", hte, 3)
    renew = hte[rng.random(hte.size) < 0.3]  # renewed certificates: a second row starting after the first
    f = uniform_days(rng, day("2025-04-01"), day("2026-03-01"), renew.size)
    first_from = rows.parts[-1]["valid_from"][np.isin(hte, renew)]
    f = np.where(f == first_from, f + np.timedelta64(1, "D"), f)  # keep (registry, id_code, valid_from) unique
    rows.add("high_tech_enterprise", cus.id_code[renew], cus.name[renew], blank, f,
             add_months(f, np.full(renew.size, 36)) - np.timedelta64(1, "D"), np.full(renew.size, "", dtype=object))
    sme = techy[np.isin(cus.true_size[techy], ["small", "micro", "medium"])]
    add_customers("tech_sme", members(sme, 0.2), 1)
    spec = members(sme, 0.08)
    add_customers("specialized_sme", spec, 3)
    add_customers("little_giant", members(spec, 0.25), 3)
    add_customers("innovative_sme", members(sme, 0.1), 3)
    big = ent[np.isin(cus.true_size[ent], ["medium", "large"]) & (ind.section[np.maximum(cus.industry[ent], 0)] == "C")]
    add_customers("single_champion", members(big, 0.05), 3)
    add_customers("tech_innovation_demo", members(big, 0.04), 3)
    care = np.flatnonzero(cus.kind == "elderly_care")
    add_customers("national_elderly_care_institution", members(care, 0.7), 5)

    # 规上企业: customers with revenue ≥ 2000万 plus outsiders (the coverage worklist)
    above = ent[cus.revenue_fen[ent] >= 2000 * 1_000_000]
    n_out = max(int(above.size * 0.22), 3)  # ≈ 3/4 of the list bank with us (seed: 开户覆盖率 75.15%)
    o_ids, o_names, o_branch = _outsiders(rng, tree, n_out, "91", "制造有限公司")
    city_branch = tree.city_ids[cus.city[above]]
    no_end = np.full(above.size + n_out, np.datetime64("NaT", "D"))
    start = np.full(above.size + n_out, day("2025-01-01"))
    late = rng.random(start.size) < 0.08  # entered the list during the year
    start[late] = uniform_days(rng, day("2025-04-01"), day("2026-02-28"), int(late.sum()))
    rows.add("above_scale_enterprise", np.concatenate([cus.id_code[above], o_ids]),
             np.concatenate([cus.name[above], o_names]), blank, start, no_end,
             np.concatenate([city_branch, o_branch]))

    # hospitals and 医保定点 institutions by grade
    grade_of = {"hospital3": "三级", "hospital2": "二级", "clinic": "一级"}
    hosp = np.flatnonzero(np.isin(cus.kind, ["hospital3", "hospital2"]))
    clinic = np.flatnonzero(cus.kind == "clinic")
    h_grade = np.array([grade_of[k] for k in cus.kind[hosp]], dtype=object)
    n_h = max(int(hosp.size * 0.6), 3)
    oh_ids, oh_names, oh_branch = _outsiders(rng, tree, n_h, "12", "医院")
    oh_grade = rng.choice(np.array(["三级", "二级", "一级"], dtype=object), n_h, p=[0.1, 0.5, 0.4])
    hp_ids = np.concatenate([cus.id_code[hosp], oh_ids])
    hp_names = np.concatenate([cus.name[hosp], oh_names])
    hp_grade = np.concatenate([h_grade, oh_grade])
    hp_branch = np.concatenate([tree.city_ids[cus.city[hosp]], oh_branch])
    always = np.full(hp_ids.size, day("2020-01-01"))
    rows.add("public_hospital", hp_ids, hp_names, hp_grade, always, np.full(hp_ids.size, np.datetime64("NaT", "D")),
             hp_branch)
    n_c = max(clinic.size * 3, 5)
    oc_ids, oc_names, oc_branch = _outsiders(rng, tree, n_c, "52", "社区卫生服务站")
    mi_ids = np.concatenate([hp_ids, cus.id_code[clinic], oc_ids])
    mi_names = np.concatenate([hp_names, cus.name[clinic], oc_names])
    mi_grade = np.concatenate([hp_grade, np.full(clinic.size + n_c, "一级", dtype=object)])
    mi_branch = np.concatenate([hp_branch, tree.city_ids[cus.city[clinic]], oc_branch])
    mi_from = uniform_days(rng, day("2019-01-01"), day("2026-03-01"), mi_ids.size)
    mi_end = np.maximum(uniform_days(rng, day("2025-05-01"), day("2026-03-30"), mi_ids.size),
                        mi_from + np.timedelta64(30, "D"))  # a few leave the 医保定点 list during the year
    mi_to = np.where(rng.random(mi_ids.size) < 0.03, mi_end, np.datetime64("NaT", "D"))
    rows.add("medical_insurance_institution", mi_ids, mi_names, mi_grade, mi_from, mi_to, mi_branch)

    # cluster members (attribute = cluster name) and gas stations
    cl = np.flatnonzero(cus.cluster != "")
    rows.add("industrial_cluster", cus.id_code[cl], cus.name[cl], cus.cluster[cl],
             np.full(cl.size, day("2024-01-01")), np.full(cl.size, np.datetime64("NaT", "D")),
             tree.city_ids[cus.city[cl]])
    gas = np.flatnonzero(cus.kind == "gas_station")
    og_ids, og_names, og_branch = _outsiders(rng, tree, max(gas.size // 3, 2), "91", "加油站有限公司")
    g_ids = np.concatenate([cus.id_code[gas], og_ids])
    rows.add("gas_station", g_ids, np.concatenate([cus.name[gas], og_names]), blank,
             np.full(g_ids.size, day("2024-06-30")), np.full(g_ids.size, np.datetime64("NaT", "D")),
             np.concatenate([tree.city_ids[cus.city[gas]], og_branch]))
    return rows.arrays()


def registries_table(reg: dict[str, np.ndarray], as_of: np.datetime64) -> pa.Table:
    """Every list row published by ``as_of`` (valid_from ≤ as_of), expired ones included as history."""
    rows = np.flatnonzero(reg["valid_from"] <= as_of)
    data = {
        "registry": text(reg["registry"][rows]), "id_code": text(reg["id_code"][rows]),
        "name": text(reg["name"][rows]), "attribute": text(reg["attribute"][rows]),
        "valid_from": dates(reg["valid_from"][rows]), "valid_to": dates(reg["valid_to"][rows]),
        "branch_id": text(reg["branch_id"][rows]),
    }
    return ordered("registries", data)

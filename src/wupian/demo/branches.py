"""The demo bank's branch tree: head office → 3 province branches → 20 city branches → ~150 outlets.

Region codes are GB/T 2260 codes of the provinces and prefecture-level cities the branches sit in; outlets
carry their city's code. Each city has a business weight (a few big cities, many small) that later decides
where customers and loans are booked. Branch ids keep leading zeros on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wupian.demo.idcodes import usccs
from wupian.demo.names import STREETS

BANK_NAME = "五篇示范银行"
HEAD_REGION = "110000"  # head office in 北京市
PROVINCES = (
    ("河北省", "130000", (("石家庄", "130100"), ("唐山", "130200"), ("保定", "130600"), ("沧州", "130900"),
                          ("邯郸", "130400"), ("廊坊", "131000"), ("衡水", "131100"))),
    ("山东省", "370000", (("济南", "370100"), ("青岛", "370200"), ("淄博", "370300"), ("烟台", "370600"),
                          ("潍坊", "370700"), ("德州", "371400"), ("临沂", "371300"))),
    ("河南省", "410000", (("郑州", "410100"), ("洛阳", "410300"), ("新乡", "410700"), ("南阳", "411300"),
                          ("许昌", "411000"), ("商丘", "411400"))),
)
# The seed article's branch (沧州) is deliberately the biggest city, so its figures read like the article's.
FLAGSHIP_CITY = "沧州"


@dataclass(frozen=True)
class BranchTree:
    """Flat parallel arrays (object dtype) for every branch, plus the outlets' city index and weights."""

    branch_id: np.ndarray
    name: np.ndarray
    parent_id: np.ndarray  # '' for the root
    level: np.ndarray  # head / province / city / outlet
    region_code: np.ndarray
    city_ids: np.ndarray  # branch ids of the cities
    city_names: np.ndarray  # '沧州'
    city_region: np.ndarray
    city_weight: np.ndarray  # float, sums to 1
    outlet_ids: np.ndarray
    outlet_city: np.ndarray  # index into city_* arrays
    outlet_weight: np.ndarray  # float, sums to 1
    province_ids: np.ndarray
    root_id: str

    def __len__(self) -> int:
        return int(self.branch_id.size)


def build_tree(rng: np.random.Generator) -> BranchTree:
    ids, names, parents, levels, regions = ["0000000"], [f"{BANK_NAME}总行"], [""], ["head"], [HEAD_REGION]
    city_ids: list[str] = []
    city_names: list[str] = []
    city_region: list[str] = []
    city_w: list[float] = []
    outlet_ids: list[str] = []
    outlet_city: list[int] = []
    outlet_w: list[float] = []
    province_ids: list[str] = []
    for p, (pname, pcode, cities) in enumerate(PROVINCES, start=1):
        pid = f"{p:02d}00000"
        province_ids.append(pid)
        ids.append(pid)
        names.append(f"{BANK_NAME}{pname}分行")
        parents.append("0000000")
        levels.append("province")
        regions.append(pcode)
        for c, (cname, ccode) in enumerate(cities, start=1):
            cid = f"{p:02d}{c:02d}000"
            ci = len(city_ids)
            weight = 2.5 if cname == FLAGSHIP_CITY else float(rng.lognormal(0.0, 0.45))
            city_ids.append(cid)
            city_names.append(cname)
            city_region.append(ccode)
            city_w.append(weight)
            ids.append(cid)
            names.append(f"{BANK_NAME}{cname}分行")
            parents.append(pid)
            levels.append("city")
            regions.append(ccode)
            n_out = 12 if cname == FLAGSHIP_CITY else int(rng.integers(6, 10))
            streets = rng.permutation(len(STREETS))[: n_out - 1]
            for o in range(n_out):
                oid = f"{p:02d}{c:02d}{o + 1:03d}"
                label = "营业部" if o == 0 else f"{STREETS[streets[o - 1]]}支行"
                ids.append(oid)
                names.append(f"{BANK_NAME}{cname}{label}")
                parents.append(cid)
                levels.append("outlet")
                regions.append(ccode)
                outlet_ids.append(oid)
                outlet_city.append(ci)
                outlet_w.append(weight * (2.5 if o == 0 else float(rng.lognormal(0.0, 0.35))))
    cw = np.array(city_w) / np.sum(city_w)
    ow = np.array(outlet_w) / np.sum(outlet_w)
    obj = lambda xs: np.array(xs, dtype=object)  # noqa: E731
    return BranchTree(
        branch_id=obj(ids), name=obj(names), parent_id=obj(parents), level=obj(levels), region_code=obj(regions),
        city_ids=obj(city_ids), city_names=obj(city_names), city_region=obj(city_region), city_weight=cw,
        outlet_ids=obj(outlet_ids), outlet_city=np.array(outlet_city), outlet_weight=ow,
        province_ids=obj(province_ids), root_id="0000000",
    )


BANK_USCC = "91130900MA0BANK010"  # the legal entity's 统一社会信用代码 (GB 32100 check character valid)


def branch_usccs(rng: np.random.Generator, tree: BranchTree) -> np.ndarray:
    """Each branch's 统一社会信用代码: the head office carries the legal entity's; province and city branches and the
    支行 are registered 分支机构 with their own code (prefix 91, the branch's region, valid check character); a
    city's 营业部 (outlet ``…001``) is the city branch's own counter and leaves it blank, inheriting the city's."""
    n = len(tree)
    own = usccs(rng, np.full(n, "91", dtype=object), tree.region_code)
    out = np.where(np.array([b.endswith("001") and lv == "outlet" for b, lv in zip(tree.branch_id, tree.level,
                                                                                    strict=True)]), "", own)
    out[tree.branch_id == tree.root_id] = BANK_USCC
    return out.astype(object)

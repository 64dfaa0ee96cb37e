"""Employees, revenue and total assets consistent with a chosen enterprise size (划型), per industry group.

Thresholds are those of 《中小企业划型标准规定》工信部联企业〔2011〕300号 as tabulated in the project's
shared/data/enterprise_size_2011 (units: 人 and 万元). A value set drawn for class *c* meets every lower bound of
*c* and misses a bound of the class above, so the engine's derived size equals *c* — unless the generator
deliberately declares another size (the planted disagreements).
"""

from __future__ import annotations

import numpy as np

SIZE_ORDER = ("micro", "small", "medium", "large")

# group → {indicator: (large_min, medium_min, small_min)}; X employees (人), Y revenue (万元), Z assets (万元)
THRESHOLDS: dict[str, dict[str, tuple[float, float, float]]] = {
    "agri": {"Y": (20000, 500, 50)},
    "industry": {"X": (1000, 300, 20), "Y": (40000, 2000, 300)},
    "construction": {"Y": (80000, 6000, 300), "Z": (80000, 5000, 300)},
    "wholesale": {"X": (200, 20, 5), "Y": (40000, 5000, 1000)},
    "retail": {"X": (300, 50, 10), "Y": (20000, 500, 100)},
    "transport": {"X": (1000, 300, 20), "Y": (30000, 3000, 200)},
    "warehousing": {"X": (200, 100, 20), "Y": (30000, 1000, 100)},
    "postal": {"X": (1000, 300, 20), "Y": (30000, 2000, 100)},
    "accommodation": {"X": (300, 100, 10), "Y": (10000, 2000, 100)},
    "catering": {"X": (300, 100, 10), "Y": (10000, 2000, 100)},
    "telecom": {"X": (2000, 100, 10), "Y": (100000, 1000, 100)},
    "software": {"X": (300, 100, 10), "Y": (10000, 1000, 50)},
    "real_estate": {"Y": (200000, 1000, 100), "Z": (10000, 5000, 2000)},
    "property_mgmt": {"X": (1000, 300, 100), "Y": (5000, 1000, 500)},
    "leasing": {"X": (300, 100, 10), "Z": (120000, 8000, 100)},
    "other": {"X": (300, 100, 10)},
}


def group_of(code: str, section: str) -> str:
    """The 划型 industry group of a GB/T 4754-2017 小类."""
    div = int(code[:2])
    if section == "A":
        return "agri"
    if section in "BCD":
        return "industry"
    if section == "E":
        return "construction"
    simple = {51: "wholesale", 52: "retail", 59: "warehousing", 60: "postal", 61: "accommodation",
              62: "catering", 63: "telecom", 64: "telecom", 65: "software"}
    if div in simple:
        return simple[div]
    if 54 <= div <= 58:
        return "transport"
    if code == "7010":
        return "real_estate"
    if code.startswith("702"):
        return "property_mgmt"
    if section == "L":
        return "leasing"
    return "other"


def _bounds(limits: tuple[float, float, float], cls: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    large, medium, small = limits
    lo = np.select([cls == 3, cls == 2, cls == 1], [large, medium, small], default=max(small / 20, 1))
    hi = np.select([cls == 3, cls == 2, cls == 1], [large * 6, large, medium], default=small)
    return lo, hi


def draw_metrics(rng: np.random.Generator, groups: np.ndarray, cls: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(employees, revenue 万元, assets 万元) for enterprises of size index ``cls`` (0 micro … 3 large)."""
    n = cls.size
    x = np.zeros(n)
    y = np.zeros(n)
    z = np.zeros(n)
    u = rng.random((3, n))
    for g, limits in THRESHOLDS.items():
        sel = groups == g
        if not sel.any():
            continue
        c = cls[sel]
        for key, target in (("X", x), ("Y", y), ("Z", z)):
            if key in limits:
                lo, hi = _bounds(limits[key], c)
                r = u["XYZ".index(key), sel]
                target[sel] = np.exp(np.log(lo) + r * (np.log(hi) - np.log(lo)))
    # indicators a group does not use: plausible relations to the ones it does
    scale = np.array([3.0, 30.0, 300.0, 3000.0])[cls] * np.exp(rng.normal(0, 0.4, n))
    x = np.where(x > 0, x, scale)
    y = np.where(y > 0, y, x * rng.uniform(20, 120, n))
    z = np.where(z > 0, z, y * rng.uniform(0.4, 2.2, n))
    employees = np.maximum(np.floor(x), 1).astype(np.int64)
    # floor keeps a value drawn just below a bound below it; the lower bound itself is an integer count
    return employees, np.floor(y * 100) / 100, np.floor(z * 100) / 100


# Boundary cases from domain-rules §14 (工业): (employees, revenue 万元, size they imply)
INDUSTRY_BOUNDARIES = ((1000, 39999.0, "medium"), (19, 5000.0, "micro"), (20, 300.0, "small"),
                       (300, 2000.0, "medium"), (299, 2000.0, "small"))


def size_class(groups: np.ndarray, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """The size index (0 micro … 3 large) the metrics imply: the highest class whose lower bounds are all met."""
    out = np.zeros(groups.size, dtype=np.int64)
    values = {"X": x, "Y": y, "Z": z}
    for g, limits in THRESHOLDS.items():
        sel = groups == g
        if not sel.any():
            continue
        for cls, pos in ((1, 2), (2, 1), (3, 0)):
            ok = sel.copy()
            for key, bounds in limits.items():
                ok &= values[key] >= bounds[pos]
            out[ok] = cls
    return out


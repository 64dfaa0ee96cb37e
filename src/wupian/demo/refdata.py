"""Reference tables the demo generator needs, read from the package (``wupian/demo/data``).

Small, immutable and loaded once per build: the GB/T 4754-2017 小类 with the five-priority codes a bank
would fill for each, and the 绿色金融支持项目目录（2025年版） 三级 items. See ``data/PROVENANCE.md``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

_DATA = "wupian.demo.data"


def _read_csv(name: str) -> list[dict[str, str]]:
    text = resources.files(_DATA).joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@dataclass(frozen=True)
class Industries:
    """GB/T 4754-2017 小类 as parallel numpy arrays (index = industry number)."""

    code: np.ndarray  # '3562'
    name: np.ndarray
    section: np.ndarray  # 'C'
    division: np.ndarray  # '35'
    htp: np.ndarray  # '' when not mapped
    hts: np.ndarray
    hts_star: np.ndarray  # bool: the industry is only partly (*) 高技术服务业
    se: np.ndarray
    se_star: np.ndarray  # bool: only partly (*) 战略性新兴产业
    pa: np.ndarray
    de: np.ndarray
    de_star: np.ndarray  # bool: only partly (*) in the digital-economy classification
    ec: np.ndarray

    def index_of(self, codes: list[str]) -> np.ndarray:
        lookup = {c: i for i, c in enumerate(self.code.tolist())}
        return np.array([lookup[c] for c in codes], dtype=np.int64)

    def where(self, mask: np.ndarray) -> np.ndarray:
        return np.flatnonzero(mask)


@dataclass(frozen=True)
class GreenItems:
    """The 2025 green catalogue's 三级 items."""

    code: np.ndarray  # '4.2.1'
    name: np.ndarray
    l1: np.ndarray
    industry: np.ndarray  # representative 4-digit industry code or ''


@lru_cache(maxsize=1)
def industries() -> Industries:
    rows = _read_csv("industries.csv")

    def col(key: str) -> np.ndarray:
        return np.array([r[key] for r in rows], dtype=object)

    return Industries(
        code=col("code"),
        name=col("name"),
        section=col("section"),
        division=col("division"),
        htp=col("htp"),
        hts=col("hts"),
        hts_star=np.array([r["hts_star"] == "Y" for r in rows]),
        se=col("se"),
        se_star=np.array([r["se_star"] == "Y" for r in rows]),
        pa=col("pa"),
        de=col("de"),
        de_star=np.array([r["de_star"] == "Y" for r in rows]),
        ec=col("ec"),
    )


@lru_cache(maxsize=1)
def green_items() -> GreenItems:
    rows = _read_csv("green_items.csv")
    return GreenItems(
        code=np.array([r["l3_code"] for r in rows], dtype=object),
        name=np.array([r["l3_name"] for r in rows], dtype=object),
        l1=np.array([r["l1_code"] for r in rows], dtype=object),
        industry=np.array([r["industry_code"] for r in rows], dtype=object),
    )

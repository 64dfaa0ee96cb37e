"""The registry of packaged reference datasets, versioned by effective date, and a typed CSV reader.

Each dataset is a folder under ``wupian/reference/data/`` (CSV files + PROVENANCE.md). A dataset belongs to a
*kind* (``green_catalogue``, ``sme_size_standard`` …); when a newer catalogue or size standard is published it is
added as a new folder and a new ``Dataset`` entry with its own ``effective_from`` — the old one stays, and
``dataset_for(kind, as_of)`` picks the version in force on a date. Used by the loaders in this package and by
the classification engine (which registers the tables in DuckDB).
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

DATA_PACKAGE = "wupian.reference.data"


@dataclass(frozen=True, slots=True)
class Dataset:
    """One packaged dataset version."""

    name: str  # folder name, also the stable id, e.g. "green_finance_catalogue_2025"
    kind: str  # what it is a version of, e.g. "green_catalogue"
    title: str  # official zh title
    effective_from: date
    effective_to: date | None = None  # inclusive; None = still in force
    document: str = ""  # issuing document number

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


DATASETS: tuple[Dataset, ...] = (
    Dataset(
        "gbt4754_2017", "industry_classification", "国民经济行业分类（GB/T 4754-2017）", date(2017, 10, 1),
        document="GB/T 4754-2017",
    ),
    Dataset(
        "green_finance_catalogue_2025", "green_catalogue", "绿色金融支持项目目录（2025年版）", date(2025, 10, 1),
        document="银发〔2025〕132号",
    ),
    Dataset(
        "enterprise_size_2011", "sme_size_standard", "中小企业划型标准规定", date(2011, 6, 18),
        document="工信部联企业〔2011〕300号",
    ),
    Dataset(
        "pboc_five_articles_loan_spec_2025", "pboc_five_articles_spec",
        "金融“五篇大文章”专项贷款信息采集规范（试行）V1.0", date(2025, 1, 24), document="中国人民银行调查统计司 2025-01-24",
    ),
    Dataset(
        "high_tech_manufacturing_2017", "high_tech_manufacturing", "高技术产业（制造业）分类（2017）", date(2017, 12, 15),
        document="国统字〔2017〕200号",
    ),
    Dataset(
        "high_tech_services_2018", "high_tech_services", "高技术产业（服务业）分类（2018）", date(2018, 4, 3),
        document="国统字〔2018〕53号",
    ),
    Dataset(
        "strategic_emerging_2018", "strategic_emerging", "战略性新兴产业分类（2018）", date(2018, 11, 7),
        document="国家统计局令第23号",
    ),
    Dataset(
        "ip_intensive_2019", "ip_intensive", "知识产权（专利）密集型产业统计分类（2019）", date(2019, 4, 1),
        document="国家统计局令第25号",
    ),
    Dataset(
        "pension_industry_2020", "pension_industry", "养老产业统计分类（2020）", date(2020, 2, 28),
        document="国家统计局令第30号",
    ),
    Dataset(
        "digital_economy_2021", "digital_economy", "数字经济及其核心产业统计分类（2021）", date(2021, 5, 27),
        document="国家统计局令第33号",
    ),
    Dataset(
        "five_articles_industry_reference", "five_articles_industry_reference",
        "五篇大文章与国民经济行业分类对应参照（重建）", date(2025, 1, 24),
    ),
)


def datasets(kind: str | None = None) -> tuple[Dataset, ...]:
    """All registered datasets, or those of one kind, oldest first."""
    found = [d for d in DATASETS if kind is None or d.kind == kind]
    return tuple(sorted(found, key=lambda d: d.effective_from))


def dataset(name: str) -> Dataset:
    for d in DATASETS:
        if d.name == name:
            return d
    raise KeyError(f"no reference dataset {name!r}")


def dataset_for(kind: str, on: date) -> tuple[Dataset, bool]:
    """The version of ``kind`` in force on ``on``, and whether it really was in force then.

    When no version was in force yet (e.g. a date before the 2025 green catalogue), the earliest version is
    returned with ``False`` so the caller can report that it applied a later standard.
    """
    versions = datasets(kind)
    if not versions:
        raise KeyError(f"no reference dataset of kind {kind!r}")
    in_force = [d for d in versions if d.in_force(on)]
    if in_force:
        return in_force[-1], True
    return versions[0], False


def data_path(name: str, file: str) -> Path:
    """Filesystem path of a packaged file (the data ships inside the wheel)."""
    return Path(str(resources.files(DATA_PACKAGE).joinpath(name, file)))


@functools.lru_cache(maxsize=64)
def read_csv(name: str, file: str) -> tuple[dict[str, str], ...]:
    """Rows of a packaged CSV as dicts of strings (codes keep their leading zeros). Cached; rows are shared."""
    with data_path(name, file).open(encoding="utf-8", newline="") as fh:
        return tuple(dict(row) for row in csv.DictReader(fh))


def provenance(name: str) -> str:
    """The PROVENANCE.md text of a dataset."""
    return data_path(name, "PROVENANCE.md").read_text(encoding="utf-8")

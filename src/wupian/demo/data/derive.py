"""Derive the demo generator's compact reference tables from the project's shared official data.

Run from the repository root (needs ``../shared/data`` next to it, i.e. /work/shared/data):

    python src/wupian/demo/data/derive.py /work/shared/data

Writes ``industries.csv`` and ``green_items.csv`` next to this script. Not imported at run time; kept so
the packaged files can be regenerated and reviewed.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

CLASSIFICATIONS = {
    "htp": "high_tech_manufacturing_2017/high_tech_manufacturing_2017_4digit.csv",
    "hts": "high_tech_services_2018/high_tech_services_2018_4digit.csv",
    "se": "strategic_emerging_2018/strategic_emerging_2018_4digit.csv",
    "pa": "ip_intensive_2019/ip_intensive_2019_4digit.csv",
    "de": "digital_economy_2021/digital_economy_2021_4digit.csv",
    "ec": "pension_industry_2020/pension_industry_2020_4digit.csv",
}


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def derive(shared_data: Path, out_dir: Path) -> None:
    gbt = [r for r in _read(shared_data / "gbt4754_2017/gbt4754_2017.csv") if r["level"] == "4"]
    mapped: dict[str, dict[str, tuple[str, str]]] = {k: {} for k in CLASSIFICATIONS}
    for key, rel in CLASSIFICATIONS.items():
        for row in sorted(_read(shared_data / rel), key=lambda r: (r["gbt4754_code"], r["category_code"])):
            code = row["gbt4754_code"]
            pboc = row["pboc_code"] or ("DE05" if key == "de" else "")
            if pboc and code not in mapped[key]:
                mapped[key][code] = (pboc, row["partial_star"])
    with (out_dir / "industries.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["code", "name", "section", "division", "htp", "hts", "hts_star", "se", "se_star", "pa", "de",
                    "de_star", "ec"])
        for r in gbt:
            c = r["code"]
            de, de_star = mapped["de"].get(c, ("", ""))
            hts, hts_star = mapped["hts"].get(c, ("", ""))
            se, se_star = mapped["se"].get(c, ("", ""))
            w.writerow(
                [c, r["name"], r["section"], r["division"], mapped["htp"].get(c, ("",))[0], hts, hts_star, se,
                 se_star, mapped["pa"].get(c, ("",))[0], de, de_star, mapped["ec"].get(c, ("",))[0]]
            )
    cat = _read(shared_data / "green_finance_catalogue_2025/green_finance_support_catalogue_2025.csv")
    items: dict[str, list[str]] = {}
    for r in cat:
        entry = items.setdefault(r["l3_code"], [r["l3_code"], r["l3_name"], r["l1_code"], ""])
        if not entry[3] and r["code_check"] == "ok":
            entry[3] = r["industry_code"]
    with (out_dir / "green_items.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["l3_code", "l3_name", "l1_code", "industry_code"])
        w.writerows(items.values())


if __name__ == "__main__":
    derive(Path(sys.argv[1]), Path(__file__).resolve().parent)

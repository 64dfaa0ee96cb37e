"""The figures of the 驾驶舱 page, computed from the same indicator rows as ``/api/indicators``."""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from wupian.web.fmt import yi

CATEGORIES = (("tech", "科技金融"), ("green", "绿色金融"), ("inclusive_micro", "普惠金融"),
              ("pension", "养老金融"), ("digital", "数字金融"))
REFERENCE = ("all_loans", "各项贷款")
COLUMNS = (
    ("balance", "余额", "value"), ("ytd_change", "较年初", "change"), ("ytd_growth", "增速", "value"),
    ("ytd_growth_gap", "增速差", "value"), ("customers", "户数", "value"), ("ytd_disbursed", "当年累放", "value"),
    ("avg_rate_ytd_disbursed", "当年发放利率", "value"), ("npl_ratio", "不良率", "value"),
    ("balance.rank_siblings", "同级排名", "value"), ("balance.rank_peers", "同业排名", "value"),
    ("balance.target_completion", "目标完成", "value"),
)
TREND_IDS = tuple(f"{c}.balance" for c, _ in CATEGORIES)


@dataclass(frozen=True)
class Cell:
    indicator_id: str
    value: str | None
    unit: str
    reason: str | None
    drill: bool  # whether the value has loans behind it


def table(rows: list[dict[str, Any]], branch: str) -> list[tuple[str, str, list[Cell | None]]]:
    """(scope, label, cells) for the five categories and 各项贷款 at ``branch``."""
    mine = {r["indicator_id"]: r for r in rows if r["branch_id"] == branch}
    out = []
    for scope, label in (*CATEGORIES, REFERENCE):
        cells: list[Cell | None] = []
        for measure, _, _ in COLUMNS:
            r = mine.get(f"{scope}.{measure}")
            cells.append(None if r is None else Cell(
                r["indicator_id"], r["value"], r["unit"], r["unavailable_reason"],
                drill="." not in measure and r["unit"] in ("yuan", "households")))
        out.append((scope, label, cells))
    return out


def children(rows: list[dict[str, Any]], parent: str, tree: list[dict[str, Any]], scope: str) -> list[dict[str, Any]]:
    """The direct children of ``parent`` ranked by the balance of ``scope`` (highest first)."""
    kids = [n for n in tree if n["parent_id"] == parent]
    values = {r["branch_id"]: r for r in rows if r["indicator_id"] == f"{scope}.balance"}
    growth = {r["branch_id"]: r for r in rows if r["indicator_id"] == f"{scope}.ytd_growth"}
    out = []
    for n in kids:
        v = values.get(n["branch_id"], {}).get("value")
        out.append({"branch_id": n["branch_id"], "name": n["name"], "balance": v, "yi": yi(v),
                    "growth": growth.get(n["branch_id"], {}).get("value")})
    out.sort(key=lambda x: (x["balance"] is None, -Decimal(x["balance"] or 0)))
    prefix = os.path.commonprefix([x["name"] for x in out]) if len(out) > 1 else ""
    for x in out:  # chart labels without the bank name every child repeats (五篇示范银行石家庄… → 石家庄…)
        x["short"] = x["name"][len(prefix):] or x["name"]
    return out

"""Loan indicators (``<scope>.<measure>``) for every node: the plan compiled from the definitions — which
base aggregates, which derivations, which prior snapshots are usable and the zh reason of every value that
cannot be computed — handed to the engine, which computes all of them in one set-based statement.

Ratios are recomputed at each node from that node's own sums (never averaged over children). A change or
growth needs the prior snapshot (上年末, 上年同期 or 上月末, all from ``wupian.core.periods``) of both the loans and — for
classified scopes — ``loan_tags``; without it the value is None with a zh reason. Tags of a loaded date whose
lineage shows they were computed from other inputs than the current snapshots count as missing (never read
stale; ``wupian.api`` classifies them on demand before computing). Values are exact decimals rounded half to
even to their unit's places.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import pyarrow as pa

from wupian.core.periods import previous_month_end, year_ago, year_end_before
from wupian.engine import lineage
from wupian.engine.metrics import has_rows
from wupian.engine.metrics_loans import LoanPlan, MeasureSpec, PriorSpec, TagCounts, loan_values
from wupian.engine.warehouse import Warehouse
from wupian.metrics.schema import UNIT_PLACES, Definitions, LoanMeasure

HUNDRED = Decimal(100)
ENGINE_KINDS = {"sum": "sum", "distinct_customers": "distinct", "weighted_avg": "weighted", "ratio": "ratio",
                "change": "change", "growth": "growth", "gap": "gap",
                "share": "share"}
PRIOR_NAMES = ("year_end", "year_ago", "month_end")


def quantize(value: Decimal, unit: str) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-UNIT_PLACES[unit]))


def measure_specs(measures: Sequence[LoanMeasure]) -> tuple[MeasureSpec, ...]:
    """The engine's view of the measure definitions (kinds renamed, unit places resolved)."""
    return tuple(
        MeasureSpec(
            id=m.id, kind=ENGINE_KINDS[m.kind], unit=m.unit, places=UNIT_PLACES[m.unit], value=m.value,
            where=m.where, numerator=m.numerator, denominator=m.denominator, measure=m.measure,
            prior=(m.prior or "year_end") if m.kind in ("change", "growth") else None,
        )
        for m in measures
    )


def reasons(profile: str) -> dict[str, str]:
    """The zh reason of each kind of unavailable value."""
    return {
        "tags_missing": f"缺少本期分类结果（loan_tags，{profile}）或其依据的数据已重新加载，需重新分类",
        "no_weight": "权重金额为零，无加权平均利率",
        "operand_unavailable": "分子或分母不可用",
        "zero_denominator": "分母为零",
        "current_unavailable": "本期数值不可用",
        "zero_base": "比较期余额为零，增速无意义",
        "gap_all_loans": "各项贷款自身不计算增速差",
        "gap_unavailable": "类别或各项贷款增速不可用",
    }


def _tags_usable(wh: Warehouse, day: date, profile: str) -> bool:
    """Tags of ``day`` computed from the snapshots loaded now (metadata look-ups). For a loaded date its lineage
    row decides: a current classification may tag no loan at all (its figures are 0, not "missing"); a date
    without lineage (a warehouse built without ``load``) needs tag rows."""
    if lineage.is_loaded(wh, day):
        return not lineage.stale_dates(wh, "loan_tags", [day], profile, None)
    return has_rows(wh, "loan_tags", day, profile)


def _prior(wh: Warehouse, name: str, day: date, profile: str, scopes: Sequence[str]) -> PriorSpec:
    """The prior snapshot ``day`` with the zh reason for each scope that cannot be compared with it."""
    loans_ok = has_rows(wh, "loans", day)
    tags_ok = loans_ok and _tags_usable(wh, day, profile)
    unusable = []
    for s in scopes:
        if not loans_ok:
            unusable.append((s, f"缺少{day.isoformat()}的贷款快照，无法与该日比较"))
        elif s != "all_loans" and not tags_ok:
            unusable.append((s, f"缺少{day.isoformat()}的分类结果（{profile}）或其依据的数据已重新加载，无法与该日比较"))
    return PriorSpec(name, day, tuple(unusable))


def compute_loan_values(
    wh: Warehouse,
    as_of: date,
    *,
    defs: Definitions,
    profile: str,
    scopes: Sequence[str],
    nodes: Sequence[str],
    subtree: str | None,
    measures: Sequence[LoanMeasure] | None = None,
) -> tuple[pa.Table, TagCounts | None]:
    """Every ``<scope>.<measure>`` of the definitions (or of ``measures``, a subset closed over what each is
    computed from) for every node in ``nodes`` (node, then scope with ``all_loans`` first, then measure
    order): branch_id, indicator_id, value, unit, unavailable_reason; and what the statement counted of the date's
    tag rows on its way (``engine.metrics_loans.TagCounts``, or None). Only the prior snapshots a measure
    compares with are read."""
    specs = measure_specs(defs.measures if measures is None else measures)
    used_priors = {m.prior for m in specs if m.prior is not None}
    ordered = tuple(s for s in ("all_loans", *[s for s in scopes if s != "all_loans"]) if s in scopes)
    days = {"year_end": year_end_before(as_of), "year_ago": year_ago(as_of),
            "month_end": previous_month_end(as_of)}
    plan = LoanPlan(
        as_of=as_of, profile=profile, scopes=ordered, measures=specs,
        priors=tuple(_prior(wh, name, days[name], profile, ordered) for name in PRIOR_NAMES if name in used_priors),
        nodes=tuple(nodes), reasons=reasons(profile), subtree=subtree, nfra_flow=profile.startswith("nfra"),
        tags_missing=not _tags_usable(wh, as_of, profile),
    )
    return loan_values(wh, plan)

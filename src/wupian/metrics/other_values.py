"""Non-loan indicators for every node — registry coverage, service activations, accounts, processing
times, activities — and the indicators derived from other values: sibling and peer rankings and target
completion. Rates are recomputed at each node from that node's own counts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from wupian.core.periods import year_end_before
from wupian.engine.metrics import has_rows
from wupian.engine.metrics_fraud import fraud_by_node
from wupian.engine.metrics_other import (
    accounts_by_node,
    activities_by_node,
    coverage_by_registry_node,
    processes_by_node,
    registries_at,
    services_by_node,
)
from wupian.engine.warehouse import Warehouse
from wupian.metrics.loan_values import HUNDRED, quantize
from wupian.metrics.result import IndicatorValue

SIXTY = Decimal(60)


def _rows(table: Any) -> list[dict[str, Any]]:
    return table.to_pylist()


def _key(text: str | None) -> str:
    return (text or "").replace(".", "_").replace(" ", "_")


def coverage_rate(num: int, den: int) -> Decimal | None:
    """num / den in percent at the unit's places (exact Decimal); None when den is 0."""
    return None if den == 0 else quantize(Decimal(num) * HUNDRED / Decimal(den), "percent")


def _rate(as_of: date, node: str, iid: str, num: int, den: int) -> IndicatorValue:
    value = coverage_rate(num, den)
    if value is None:
        return IndicatorValue(as_of, node, iid, None, "percent", "名录成员数为零")
    return IndicatorValue(as_of, node, iid, value, "percent")


def coverage_values(wh: Warehouse, as_of: date, subtree: str | None) -> list[IndicatorValue]:
    out: list[IndicatorValue] = []
    if not has_rows(wh, "registries", as_of):
        return out
    registries = registries_at(wh, as_of)
    coverage: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in _rows(coverage_by_registry_node(wh, as_of, registries, subtree)):  # one statement for all registries
        coverage[r["registry"]].append(r)
    for registry in registries:
        for r in coverage[registry]:
            if not r["all_attributes"] and r["attribute"] is None:
                continue  # members without an attribute are only in the registry-wide figures
            prefix = f"coverage.{registry}" if r["all_attributes"] else f"coverage.{registry}.{_key(r['attribute'])}"
            node, n = r["branch_id"], int(r["members"])
            out.append(IndicatorValue(as_of, node, f"{prefix}.members", Decimal(n), "entities"))
            out.append(IndicatorValue(as_of, node, f"{prefix}.loan_members", Decimal(int(r["with_loan"])), "entities"))
            out.append(IndicatorValue(as_of, node, f"{prefix}.loan_balance", Decimal(r["loan_balance"]), "yuan"))
            out.append(_rate(as_of, node, f"{prefix}.account_rate", int(r["with_account"]), n))
            out.append(_rate(as_of, node, f"{prefix}.credit_rate", int(r["with_credit"]), n))
            out.append(_rate(as_of, node, f"{prefix}.loan_rate", int(r["with_loan"]), n))
        for r in _rows(services_by_node(wh, as_of, registry, subtree)):
            if not r["all_attributes"] and r["attribute"] is None:
                continue
            attr = "" if r["all_attributes"] else f".{_key(r['attribute'])}"
            prefix = f"service.{r['service']}.{registry}{attr}"
            node = r["branch_id"]
            out.append(IndicatorValue(as_of, node, f"{prefix}.activated", Decimal(int(r["activated"])), "entities"))
            out.append(_rate(as_of, node, f"{prefix}.activation_rate", int(r["activated"]), int(r["members"])))
    return out


def account_values(wh: Warehouse, as_of: date, subtree: str | None, nodes: Sequence[str]) -> list[IndicatorValue]:
    if not has_rows(wh, "accounts", as_of):
        return []
    now = {(r["branch_id"], r["account_type"]): int(r["count"]) for r in _rows(accounts_by_node(wh, as_of, subtree=subtree))}
    prior_date = year_end_before(as_of)
    prior_ok = has_rows(wh, "accounts", prior_date)
    before: dict[tuple[str, str], int] = {}
    if prior_ok:
        before = {(r["branch_id"], r["account_type"]): int(r["count"]) for r in _rows(
            accounts_by_node(wh, prior_date, closure_as_of=as_of, subtree=subtree))}
    types = sorted({t for _, t in now} | {t for _, t in before})
    out = []
    for node in nodes:
        for t in types:
            n = now.get((node, t), 0)
            out.append(IndicatorValue(as_of, node, f"accounts.{t}.count", Decimal(n), "accounts"))
            if prior_ok:
                out.append(IndicatorValue(as_of, node, f"accounts.{t}.ytd_change",
                                          Decimal(n - before.get((node, t), 0)), "accounts"))
            else:
                out.append(IndicatorValue(as_of, node, f"accounts.{t}.ytd_change", None, "accounts",
                                          f"缺少{prior_date.isoformat()}的账户快照，无法计算较年初增量"))
    return out


def process_values(wh: Warehouse, as_of: date, subtree: str | None) -> tuple[list[IndicatorValue], tuple[int, ...]]:
    if not has_rows(wh, "processes", as_of):
        return [], ()
    table, fallback = processes_by_node(wh, as_of, subtree=subtree)
    out = []
    for r in _rows(table):
        node, p, cases = r["branch_id"], r["process"], int(r["cases"])
        out.append(IndicatorValue(as_of, node, f"process.{p}.cases", Decimal(cases), "cases"))
        out.append(IndicatorValue(as_of, node, f"process.{p}.avg_working_days",
                                  quantize(Decimal(int(r["working_days"])) / cases, "working_days"), "working_days"))
        out.append(IndicatorValue(as_of, node, f"process.{p}.avg_minutes",
                                  quantize(Decimal(int(r["seconds"])) / SIXTY / cases, "minutes"), "minutes"))
        out.append(IndicatorValue(as_of, node, f"process.{p}.online_share",
                                  quantize(Decimal(int(r["online"])) * HUNDRED / cases, "percent"), "percent"))
    return out, fallback


def activity_values(wh: Warehouse, as_of: date, subtree: str | None) -> list[IndicatorValue]:
    if not has_rows(wh, "activities", as_of):
        return []
    out = []
    for r in _rows(activities_by_node(wh, as_of, subtree=subtree)):
        out.append(IndicatorValue(as_of, r["branch_id"], f"activity.{r['activity']}.count", Decimal(int(r["count"])), "times"))
        if r["people"] is not None:
            out.append(IndicatorValue(as_of, r["branch_id"], f"activity.{r['activity']}.people",
                                      Decimal(int(r["people"])), "people"))
    return out


FRAUD_COUNTS = (("screened", "cases"), ("alerts_medium", "cases"), ("alerts_high", "cases"),
                ("cases_opened", "cases"), ("police_contacted", "cases"), ("prevented_count", "cases"),
                ("not_fraud_count", "cases"), ("lost_count", "cases"))


def fraud_values(wh: Warehouse, as_of: date, subtree: str | None) -> list[IndicatorValue]:
    """The month's counter anti-fraud figures (``fraud.*``) per node; none when nothing was screened."""
    table = fraud_by_node(wh, as_of, subtree=subtree)
    if table is None:
        return []
    out = []
    for r in _rows(table):
        node = r["branch_id"]
        for name, unit in FRAUD_COUNTS:
            out.append(IndicatorValue(as_of, node, f"fraud.{name}", Decimal(int(r[name])), unit))
        alerts = int(r["alerts_medium"]) + int(r["alerts_high"])
        out.append(IndicatorValue(as_of, node, "fraud.alert_rate",
                                  quantize(Decimal(alerts) * HUNDRED / int(r["screened"]), "percent"), "percent"))
        for name in ("prevented_amount", "lost_amount"):
            out.append(IndicatorValue(as_of, node, f"fraud.{name}", quantize(Decimal(r[name]), "yuan"), "yuan"))
        minutes = r["median_minutes_to_police"]
        out.append(IndicatorValue(
            as_of, node, "fraud.median_minutes_to_police",
            None if minutes is None else quantize(Decimal(str(minutes)), "minutes"), "minutes",
            None if minutes is not None else "本月无联系民警的案件"))
    return out


def target_values(
    as_of: date, targets: Sequence[dict[str, Any]], values: dict[tuple[str, str], IndicatorValue], nodes: Iterable[str]
) -> list[IndicatorValue]:
    """Completion of this year's targets (``targets`` rows: branch_id, indicator_id, target) at known nodes."""
    known = set(nodes)
    out = []
    for t in targets:
        node, iid, target = t["branch_id"], t["indicator_id"], Decimal(t["target"])
        if node not in known:
            continue
        got = values.get((node, iid))
        cid = f"{iid}.target_completion"
        if got is None or got.value is None:
            reason = got.unavailable_reason if got is not None else "该指标本期未计算"
            out.append(IndicatorValue(as_of, node, cid, None, "percent", f"指标不可用：{reason}"))
        elif target == 0:
            out.append(IndicatorValue(as_of, node, cid, None, "percent", "目标值为零"))
        else:
            out.append(IndicatorValue(as_of, node, cid, quantize(got.value * HUNDRED / target, "percent"), "percent"))
    return out


def peer_ranks(
    as_of: date, peers: Sequence[dict[str, Any]], values: dict[tuple[str, str], IndicatorValue],
    regions: dict[str, str | None], root: str | None,
) -> list[IndicatorValue]:
    """Rank of our node among peer banks (``peers`` rows of the date) for the same indicator and region."""
    groups: dict[tuple[str, str | None], list[Decimal]] = defaultdict(list)
    for p in peers:
        groups[(p["indicator_id"], p["region_code"])].append(Decimal(p["value"]))
    out = []
    for (iid, region), peer_values in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        nodes = [n for n, r in regions.items() if region is not None and r == region] if region else [root]
        for node in nodes:
            got = values.get((node or "", iid))
            if got is None or got.value is None:
                continue
            rank = 1 + sum(1 for v in peer_values if v > got.value)
            out.append(IndicatorValue(as_of, node or "", f"{iid}.rank_peers", Decimal(rank), "rank"))
            out.append(IndicatorValue(as_of, node or "", f"{iid}.peer_count", Decimal(len(peer_values) + 1), "entities"))
    return out

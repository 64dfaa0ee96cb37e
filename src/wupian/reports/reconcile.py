"""Reconciliation of the official numbers before anything is filed. Every difference is an ERROR Issue:

* WP-RECON-001 a category balance exceeds the all-loan balance at a node;
* WP-RECON-002 the de-duplicated union exceeds the sum of the five categories, or is below the largest one;
* WP-RECON-003 a sub-category exceeds its category (科技型企业/科技相关产业 ≤ 科技 ≤ their sum,
  普惠小微 ≤ 普惠, 数字核心 ≤ 数字);
* WP-RECON-004 the all-loan total at the root differs from Σ balance of in-scope loans in the snapshot;
* WP-RECON-005 a classified amount exceeds its loan's balance, or the loan is missing;
* WP-RECON-006 the children of a node do not add up to the node's balance (loans booked at the node itself
  are included);
* WP-RECON-007 a loan's HTP/HTS/SE/PA/EC/DE code contradicts its purpose industry (the industry is not mapped to
  the code by the NBS classification) and no ``code_acceptances`` row accepts it: the code is not counted, and the
  contradiction must be resolved (fix the code or the purpose industry) or accepted with a recorded reason before
  the figures are filed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pyarrow as pa

from wupian.core.issues import Issue, Level, Source
from wupian.engine.classify_review import unresolved_contradictions
from wupian.engine.metrics import branch_nodes
from wupian.engine.metrics_reports import booked_balances, oversized_tags
from wupian.engine.warehouse import Warehouse
from wupian.metrics import IndicatorResult
from wupian.reports.worklists import FINDINGS, repeat, to_issues

CATEGORIES = ("tech", "green", "inclusive", "pension", "digital")
# a contradiction's message (``classify_review.CONTRADICTION_FIELDS``: each rendered as an f-string renders it)
CONTRADICTION = ("{category}代码 {code} 与贷款实际投向 {purpose_industry_code} 不符，未计入该类别（经办机构 {branch_id}，"
                 "余额 {balance} 元；{suggestion}）")
CONTRADICTION_FIX = "核实后更正代码或贷款实际投向；确属该类的，在快照的 code_acceptances 表登记核定理由、核定人和日期"
PARTS = (("tech_enterprise", "tech"), ("tech_industry", "tech"), ("inclusive_micro", "inclusive"),
         ("digital_core", "digital"))


def _err(code: str, msg: str, node: str, column: str | None = None) -> Issue:
    return Issue(code, Level.ERROR, msg, Source("indicators", None, f"branch_id={node}", column))


def reconcile(wh: Warehouse, result: IndicatorResult, branch_id: str | None = None) -> list[Issue]:
    """Every reconciliation difference as Issues, the code contradictions (WP-RECON-007) among them."""
    before, contradictions, after = reconcile_parts(wh, result, branch_id)
    return before + to_issues(contradictions) + after


def reconcile_parts(wh: Warehouse, result: IndicatorResult,
                    branch_id: str | None = None) -> tuple[list[Issue], pa.Table, list[Issue]]:
    """The reconciliation in its order: the differences of the figures, the code contradictions as a findings
    table (there can be one per loan), then the classified amounts that exceed their loans."""
    reads, contradictions = reconcile_reads(wh, result.as_of, branch_id)
    return figure_issues(reads, result), contradictions, oversized_issues(wh, result)


@dataclass(frozen=True)
class Reads:
    """What the figures' checks read from the warehouse besides the indicator values: the subtree's nodes and the
    balances booked at each node itself (``booked_balances``)."""
    branch_id: str | None
    tree: list[dict[str, Any]]
    booked: dict[str, Any]
    totals: dict[str, Any]


def reconcile_reads(wh: Warehouse, as_of: date, branch_id: str | None = None) -> tuple[Reads, pa.Table]:
    """The reconciliation's reads that do not need the indicator values — the subtree, the booked balances and the
    code contradictions (:func:`contradiction_findings`) — so that a month-end makes them while the indicators are
    computed (``reports.run``)."""
    tree = branch_nodes(wh, as_of, branch_id).to_pylist()
    booked, totals = booked_balances(wh, as_of)
    return Reads(branch_id, tree, booked, totals), contradiction_findings(wh, as_of, {r["branch_id"] for r in tree})


def figure_issues(reads: Reads, result: IndicatorResult) -> list[Issue]:
    """WP-RECON-001 to -004 and -006: the differences of the figures of ``result`` at the nodes of ``reads``."""
    issues: list[Issue] = []
    tree = reads.tree
    nodes = [r["branch_id"] for r in tree]
    node_set = set(nodes)

    def bal(node: str, scope: str) -> Decimal | None:
        return result.value(node, f"{scope}.balance")

    for node in nodes:
        total = bal(node, "all_loans")
        if total is None:
            continue
        cats = {c: bal(node, c) for c in CATEGORIES}
        for c, v in cats.items():
            if v is not None and v > total:
                issues.append(_err("WP-RECON-001", f"{c} 余额 {v} 大于各项贷款余额 {total}", node, f"{c}.balance"))
        union = bal(node, "five_union")
        known = [v for v in cats.values() if v is not None]
        if union is not None and known:
            if union > sum(known):
                issues.append(_err("WP-RECON-002", f"五篇合计（去重）{union} 大于五类之和 {sum(known)}", node, "five_union.balance"))
            if union < max(known):
                issues.append(_err("WP-RECON-002", f"五篇合计（去重）{union} 小于最大类别 {max(known)}", node, "five_union.balance"))
        for part, whole in PARTS:
            p, w = bal(node, part), bal(node, whole)
            if p is not None and w is not None and p > w:
                issues.append(_err("WP-RECON-003", f"{part} 余额 {p} 大于 {whole} 余额 {w}", node, f"{part}.balance"))
        te, ti, t = bal(node, "tech_enterprise"), bal(node, "tech_industry"), bal(node, "tech")
        if None not in (te, ti, t) and t > te + ti:  # type: ignore[operator]
            issues.append(_err("WP-RECON-003", f"科技贷款 {t} 大于科技型企业与科技相关产业之和 {te + ti}", node, "tech.balance"))  # type: ignore[operator]

    children: dict[str, list[str]] = defaultdict(list)
    for r in tree:
        if r["parent_id"] and r["parent_id"] in node_set:
            children[r["parent_id"]].append(r["branch_id"])
    own = {k: Decimal(v) for k, v in reads.booked.items()}
    for node, kids in children.items():
        total = bal(node, "all_loans")
        parts = [bal(k, "all_loans") for k in kids]
        known = [p for p in parts if p is not None]
        if total is None or len(known) < len(parts):
            continue
        added = sum(known, Decimal(0)) + own.get(node, Decimal(0))
        if added != total:
            issues.append(_err("WP-RECON-006", f"下级机构余额合计 {added} 与本级 {total} 不符", node, "all_loans.balance"))

    if reads.branch_id is None:
        roots = [r["branch_id"] for r in tree if not r["parent_id"]]
        got = sum((bal(r, "all_loans") or Decimal(0) for r in roots), Decimal(0))
        if got != Decimal(reads.totals["in_scope"]):
            issues.append(_err("WP-RECON-004", f"各项贷款余额 {got} 与快照贷款余额合计 {reads.totals['in_scope']} 不符",
                               ",".join(roots), "all_loans.balance"))
    return issues


def oversized_issues(wh: Warehouse, result: IndicatorResult) -> list[Issue]:
    """WP-RECON-005: the classified amounts of ``result``'s profile that exceed their loan's balance, or whose loan
    is missing."""
    after: list[Issue] = []
    for row in oversized_tags(wh, result.as_of, result.profile, result.tag_counts):
        msg = ("分类结果引用的借据在快照中不存在" if row["balance"] is None
               else f"{row['tag']} 计入金额 {row['amount']} 大于借据余额 {row['balance']}")
        after.append(Issue("WP-RECON-005", Level.ERROR, msg,
                            Source("loan_tags", None, f"loan_id={row['loan_id']}", "amount")))
    return after


# the findings schema with the one fix text as a dictionary column (≈ 180 bytes × one row per contradiction as plain
# text: 45 MB at 320k rows, written as the same bytes — Arrow's CSV writer writes a dictionary column as its values)
_CONTRADICTION_FINDINGS = FINDINGS.set(FINDINGS.get_field_index("suggestion"),
                                       pa.field("suggestion", pa.dictionary(pa.int32(), pa.string())))


def contradiction_findings(wh: Warehouse, as_of: date, nodes: set[str] | None = None) -> pa.Table:
    """WP-RECON-007 per unresolved contradiction of a loan booked in ``nodes`` (all branches when None), as a
    findings table (``wupian.reports.worklists``): the located, worded rows from the engine (``CONTRADICTION``
    rendered in its statement), the constant columns here."""
    table = unresolved_contradictions(wh, as_of, CONTRADICTION, nodes)
    n = table.num_rows
    return pa.table({
        "file": repeat("loans", n), "line": pa.nulls(n, pa.int64()), "key": table.column("key"),
        "column": table.column("field"), "code": repeat("WP-RECON-007", n),
        "level": repeat(str(Level.ERROR), n), "message": table.column("message"),
        "suggestion": pa.DictionaryArray.from_arrays(pa.repeat(pa.scalar(0, pa.int32()), n),
                                                     pa.array([CONTRADICTION_FIX], pa.string()))},
        schema=_CONTRADICTION_FINDINGS)


def code_contradictions(wh: Warehouse, as_of: date, nodes: set[str] | None = None) -> list[Issue]:
    """WP-RECON-007 per unresolved contradiction of a loan booked in ``nodes`` (all branches when None)."""
    return to_issues(contradiction_findings(wh, as_of, nodes))


# the month-end worklist of contradictions (``code_contradictions_<branch>_<date>.csv``): its header and columns
CONTRADICTIONS_HEADER = ("代码", "定位", "字段", "问题", "处理建议")
CONTRADICTIONS_COLUMNS = ("code", "key", "column", "message", "suggestion")
